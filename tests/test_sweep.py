"""A property-based sweep of every form and every list page's query string.

Nothing is listed by hand: with the demo data loaded, each role crawls the site from its
home page (following its own links) and collects every <form> the pages show; every
argument-free GET route of `app.url_map` is a list page whose query string is swept.
Hypothesis then sends each form back with one field replaced by hostile input (NUL and
other control characters, CR/LF, right-to-left and zero-width text, 1 MB strings, huge
and negative numbers, dates from year 1 to 9999) and checks:

- no answer is a 5xx;
- a 4xx wrote nothing (every table reads the same before and after);
- a 4xx page says what went wrong, in the viewer's language (Dutch here), not in English.

A new form is swept as soon as a page shows it. SWEEP_EXAMPLES (default 6) bounds the
random examples per form (after six fixed ones), so a role's sweep stays within a few minutes per database.
"""

import html
import os
import re
from collections import deque
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import polib
import pytest
import sqlalchemy as sa
import wtforms
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from app.auth.models import User
from app.demo.seed import seed_demo
from app.extensions import db
from tests.conftest import login

EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", "4"))
MAX_PAGES = 200
DEMO_PASSWORD = "netwerkbrug-demo"
# The widest role first: a form or list page is swept once per run, by the first role that
# reaches it (selecting one role with -k sweeps everything that role reaches).
ROLES = {
    "admin": "projectleider@example.org",
    "moderator": "moderator@example.org",
    "member": "lid@example.org",
    "anonymous": None,
}
SWEPT: set = set()
# Forms whose success ends the sweep's own session.
SKIP_ACTIONS = ("/logout",)
SKIP_LINKS = re.compile(r"lang=|\.(ics|csv|pdf|eml)(\?|$)|/logout|/static/")
# Columns a request may touch without writing anything the person sent.
VOLATILE_COLUMNS = {"last_seen_at", "last_login_at"}

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x07\x1b[31m",
    "Sessie\r\nBcc: x@example.org",
    "line\nbreak",
    "\u202egnp.exe",
    "zero\u200bwidth\ufeff",
    "x" * 1_000_000,
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775809",
    "-1",
    "0",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "24:61",
    "",
]
# Sent in every field of a form at once (explicit examples, before the random ones).
ALL_AT_ONCE = [
    "\x00",
    "Sessie\r\nBcc: x@example.org",
    "x" * 1_000_000,
    "99999999999999999999",
    "0001-01-01",
    "9999-12-31T23:59",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M").rjust(16, "0")
    ),
    st.times().map(time.isoformat),
)
SWEEP_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the report names the value
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


# --- reading pages -------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Links and forms of a page: each form as (method, action, [(name, value)], names)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "method": (a.get("method") or "get").upper(),
                "action": a.get("action") or "",
                "fields": [],
                "names": set(),
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self._form["names"].add(a["name"])
            if kind == "file":
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "image", "button"):
                return
            self._form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": []}
            self._form["names"].add(a["name"])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._form["names"].add(a["name"])
        elif tag == "button" and a.get("name") and a.get("value") is not None:
            self._form["names"].add(a["name"])
            if not any(name == a["name"] for name, _ in self._form["fields"]):
                self._form["fields"].append((a["name"], a["value"]))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["chosen"] or [self._select["first"] or ""]
            self._form["fields"].extend((self._select["name"], v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None


def _is_html(response) -> bool:
    return response.mimetype == "text/html"


def endpoint_of(app, method: str, path: str) -> str:
    """The route an address belongs to, so one form on many objects is swept once."""
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method=method)
    except HTTPException:
        return re.sub(r"\d+", "N", path)
    return endpoint


def crawl(app, client) -> tuple[list[str], dict]:
    """Visits up to MAX_PAGES of the role's own pages; returns them and their forms,
    one per (method, route, field names)."""
    seen, forms = set(), {}
    queue = deque(["/", "/groups/", "/meetings/", "/partners/", "/visits/", "/newsletter/"])
    queue.extend(["/consensus/", "/admin/users", "/profile", "/reports/indicators"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, headers={"Accept-Language": "nl"})
        if response.status_code != 200 or not _is_html(response):
            continue
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not SKIP_LINKS.search(local) and local not in seen:
                queue.append(local)
        for form in parser.forms:
            action = urlsplit(urljoin(url, form["action"] or url))
            path = action.path + (f"?{action.query}" if action.query else "")
            if path.endswith(SKIP_ACTIONS):
                continue
            endpoint = endpoint_of(app, form["method"], action.path)
            key = (form["method"], endpoint, frozenset(form["names"]))
            forms.setdefault(key, {**form, "url": path, "page": url})
    return sorted(seen), forms


# --- what must hold ------------------------------------------------------------------------


def _english_only() -> set[str]:
    """Messages whose Dutch text differs from the English one: seeing them on a Dutch
    page means a message was not translated."""
    texts = set()
    root = Path(__file__).resolve().parent.parent
    catalogues = [
        root / "translations/nl/LC_MESSAGES/messages.po",
        Path(wtforms.__file__).parent / "locale/nl/LC_MESSAGES/wtforms.po",
    ]
    for path in catalogues:
        for entry in polib.pofile(str(path)):
            if entry.msgstr and entry.msgstr != entry.msgid and "%(" not in entry.msgid:
                texts.add(entry.msgid)
    texts |= {"Not a valid date value.", "Not a valid time value.", "Not a valid choice."}
    return texts


ENGLISH_ONLY = _english_only()
MESSAGE = re.compile(
    r'class="(?:invalid-feedback[^"]*|alert alert-danger[^"]*|lead)"[^>]*>(.*?)</(?:div|p)>',
    re.S,
)


def messages_of(response) -> list[str]:
    found = []
    for chunk in MESSAGE.findall(response.get_data(as_text=True)):
        for line in re.split(r"<[^>]+>", chunk):
            text = html.unescape(line).strip()
            if text:
                found.append(text)
    return found


def snapshot() -> dict:
    """Every row of every table (volatile bookkeeping columns left out)."""
    db.session.rollback()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE_COLUMNS]
            rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            state[table.name] = [tuple(map(repr, row)) for row in rows]
    return state


def diff(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def check_answer(response, what: str, state: dict) -> dict:
    """Asserts the rules for one answer; returns the database state to compare next time."""
    status = response.status_code
    assert status < 500, f"{what}: {status}"
    if not 400 <= status < 500:
        return snapshot()
    changed = diff(state, snapshot())
    assert not changed, f"{what}: {status} but tables changed: {changed}"
    if _is_html(response):
        messages = messages_of(response)
        assert messages, f"{what}: {status} without a message"
        english = [m for m in messages if m in ENGLISH_ONLY]
        assert not english, f"{what}: untranslated {english}"
    return state


def _short(value: str) -> str:
    return repr(value if len(value) < 60 else value[:40] + f"…({len(value)} chars)")


# --- the sweep -----------------------------------------------------------------------------


@pytest.fixture
def demo_world(app):
    seed_demo()
    db.session.execute(sa.update(User).values(locale="nl"))
    db.session.commit()


def _client_for(app, role: str):
    client = app.test_client()
    email = ROLES[role]
    if email:
        assert login(client, email, DEMO_PASSWORD).status_code == 302
    return client


def _request(send, url: str, what: str, **kwargs):
    """One request in Dutch; an exception the app let through names the input."""
    try:
        return send(url, headers={"Accept-Language": "nl"}, **kwargs)
    except Exception as error:
        raise AssertionError(f"{what}: {type(error).__name__}: {error}".splitlines()[0]) from error


def _with_examples(send, names, values):
    """Explicit examples first: every field (or parameter) at once with one hostile value."""
    for value in values:
        send = example({name: value for name in names})(send)
    return SWEEP_SETTINGS(send)


def _send_form(client, form: dict, names: list[str], box: dict):
    @given(st.dictionaries(st.sampled_from(names), hostile_text, min_size=1, max_size=3))
    def send(values):
        kept = [(n, v) for n, v in form["fields"] if n not in values]
        data = MultiDict(kept + list(values.items()))
        shown = {k: _short(v) for k, v in values.items()}
        what = f"{form['method']} {form['url']} {shown}"
        if form["method"] == "GET":
            response = _request(client.get, form["url"], what, query_string=data)
        else:
            response = _request(client.post, form["url"], what, data=data)
        box["state"] = check_answer(response, what, box["state"])

    return _with_examples(send, names, ALL_AT_ONCE)


def _send_query(client, path: str, names: list[str], box: dict):
    @given(st.dictionaries(st.sampled_from(names), hostile_text, max_size=3))
    def send(params):
        # A URL has its own length limits; the 1 MB values go into forms.
        params = {k: v[:5000] for k, v in params.items()}
        what = f"GET {path} { ({k: _short(v) for k, v in params.items()}) }"
        response = _request(client.get, path, what, query_string=params)
        box["state"] = check_answer(response, what, box["state"])

    return _with_examples(send, names, ALL_AT_ONCE)


def _run(send, box: dict, failures: list[str]) -> None:
    try:
        send()
    except AssertionError as error:  # every failing form is reported, not only the first
        failures.append(str(error).splitlines()[0])
        box["state"] = snapshot()


def sweep_forms(client, forms: dict) -> list[str]:
    failures: list[str] = []
    box = {"state": snapshot()}
    for key, form in forms.items():
        names = sorted(form["names"] - {"csrf_token"})
        if names and key not in SWEPT:
            SWEPT.add(key)
            _run(_send_form(client, form, names, box), box, failures)
    return failures


def sweep_query_strings(app, client, forms: dict) -> list[str]:
    """Every list page (a GET route without arguments) with hostile query parameters: the
    names its search forms use, plus page, q, sort, lang and the filters of the lists."""
    names = {"page", "q", "sort", "lang", "status", "language", "month", "from", "to", "group"}
    for method, _path, fields in forms:
        if method == "GET":
            names |= fields
    pages = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.endpoint.endswith("static")
    )
    failures: list[str] = []
    box = {"state": snapshot()}
    for path in pages:
        if path in SWEPT or client.get(path).status_code != 200:
            continue  # swept by a wider role already, or not this role's page
        SWEPT.add(path)
        _run(_send_query(client, path, sorted(names), box), box, failures)
    return failures


@pytest.mark.parametrize("role", list(ROLES))
def test_hostile_input_never_breaks_a_form_or_list(app, demo_world, role):
    client = _client_for(app, role)
    pages, forms = crawl(app, client)
    assert len(pages) > 5, pages
    if role != "anonymous":
        assert forms, "the crawl found no forms"
    print(f"{role}: {len(pages)} pages, {len(forms)} forms")
    failures = sweep_forms(client, forms)
    failures += sweep_query_strings(app, client, forms)
    assert failures == [], "\n".join(failures)

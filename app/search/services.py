"""One search over everything the reader may see. Two back ends behind one function:
SQLite's FTS5 (prefix terms, diacritics folded by the tokenizer) and PostgreSQL's full-text
search (Dutch and German word forms of unaccented text, prefix terms) plus `pg_trgm` word
similarity on titles for typos. Who may see what is part of the SQL, so nothing hidden is
ever counted."""

import math
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape

from ..extensions import db
from ..groups.models import Membership, WorkingGroup
from ..meetings.models import Invitation
from .models import FTS_TABLE, SearchEntry
from .sources import KINDS

PER_PAGE = 20
MAX_TERMS = 8
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 30
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    entry: SearchEntry
    group_slug: str | None
    snippet: Markup


@dataclass(frozen=True)
class Results:
    query: str
    kind: str | None
    counts: dict[str, int]
    hits: list[Hit]
    page: int
    per_page: int

    @property
    def total(self) -> int:
        if self.kind:
            return self.counts.get(self.kind, 0)
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    # What the pagination macro reads (as on Flask-SQLAlchemy's Pagination).
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self):
        for number in range(1, self.pages + 1):
            if number <= 2 or number > self.pages - 2 or abs(number - self.page) <= 2:
                yield number
            elif number in (3, self.pages - 2):
                yield None


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms_of(query: str) -> list[str]:
    """The words searched for: letters and digits only (no query syntax reaches the
    database), folded, at most MAX_TERMS, single letters left out."""
    words = [fold(word) for word in WORD.findall(query or "")]
    return list(dict.fromkeys(word for word in words if len(word) > 1))[:MAX_TERMS]


def visible_to(viewer):
    """The SQL condition for the entries `viewer` (a user or None) may see: public entries
    of no group or of a public group for everyone; for signed-in people also the members'
    entries of those, of their own groups and of the meetings they are invited to; for the
    project manager everything."""
    e = SearchEntry
    public_groups = sa.select(WorkingGroup.id).where(WorkingGroup.is_public.is_(True))
    in_open_group = sa.or_(e.group_id.is_(None), e.group_id.in_(public_groups))
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return sa.and_(e.is_public.is_(True), in_open_group)
    if viewer.is_admin:
        return sa.true()
    my_groups = sa.select(Membership.group_id).where(
        Membership.user_id == viewer.id, Membership.left_on.is_(None)
    )
    my_meetings = sa.select(Invitation.meeting_id).where(Invitation.user_id == viewer.id)
    return sa.or_(
        in_open_group,
        e.group_id.in_(my_groups),
        sa.and_(e.meeting_id.is_not(None), e.meeting_id.in_(my_meetings)),
    )


def _sqlite_match(terms: list[str]):
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match = " ".join(f'"{term}"*' for term in terms)
    condition = sa.literal_column(FTS_TABLE).op("MATCH")(sa.bindparam("fts_match", match))
    rank = sa.func.bm25(sa.literal_column(FTS_TABLE), 10.0, 1.0)
    return fts, fts.c.rowid == SearchEntry.id, condition, rank.asc()


def _postgres_match(terms: list[str]):
    text = " & ".join(f"{term}:*" for term in terms)
    tsquery = sa.func.to_tsquery(sa.literal_column("'dutch'::regconfig"), text).op("||")(
        sa.func.to_tsquery(sa.literal_column("'german'::regconfig"), text)
    )
    rank = sa.func.ts_rank(SearchEntry.document, tsquery)
    return None, None, SearchEntry.document.op("@@")(tsquery), rank.desc()


def _postgres_typo_match(terms: list[str]):
    """Titles with words like the query's (pg_trgm word similarity, on its GIN index): the
    second try when the words themselves are found nowhere."""
    raw = sa.bindparam("typo_query", " ".join(terms))
    similarity = sa.func.word_similarity(raw, SearchEntry.title)
    return None, None, raw.op("<%")(SearchEntry.title), similarity.desc()


def search(
    query: str,
    viewer,
    *,
    kind: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    lang: str = "en",
) -> Results:
    """Two queries whatever the data: the count per type, and one page of hits (on
    PostgreSQL one more, for typos, when the words are found nowhere)."""
    terms = terms_of(query)
    if kind not in KINDS:
        kind = None
    if not terms:
        return Results(query, kind, {}, [], 1, per_page)
    postgres = db.engine.dialect.name == "postgresql"
    from_table, on, condition, order = _postgres_match(terms) if postgres else _sqlite_match(terms)

    def base(*columns):
        stmt = sa.select(*columns).select_from(SearchEntry)
        if from_table is not None:
            stmt = stmt.join(from_table, on)
        return stmt.where(condition, visible_to(viewer))

    def count_per_kind() -> dict[str, int]:
        stmt = base(SearchEntry.kind, sa.func.count()).group_by(SearchEntry.kind)
        return dict(db.session.execute(stmt).all())

    counts = count_per_kind()
    if not counts and postgres:
        from_table, on, condition, order = _postgres_typo_match(terms)
        counts = count_per_kind()
    total = counts.get(kind, 0) if kind else sum(counts.values())
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    stmt = (
        base(SearchEntry, WorkingGroup.slug)
        .outerjoin(WorkingGroup, WorkingGroup.id == SearchEntry.group_id)
        .order_by(order, SearchEntry.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    if kind:
        stmt = stmt.where(SearchEntry.kind == kind)
    hits = [
        Hit(entry, slug, snippet(*_region(entry, terms, lang), terms))
        for entry, slug in db.session.execute(stmt).all()
    ]
    return Results(query, kind, counts, hits, page, per_page)


def _contains(text: str, terms: list[str]) -> bool:
    return any(fold(word).startswith(term) for word in WORD.findall(text) for term in terms)


def _region(entry: SearchEntry, terms: list[str], lang: str) -> tuple[str]:
    """The part of the body to show: the reader's language if the words occur in it, else
    a part without language, else another language's part, else the whole body."""
    parts = [(code, entry.body[start:end]) for code, start, end in entry.sections or []]
    for wanted in (lang, ""):
        for code, text in parts:
            if code == wanted and _contains(text, terms):
                return (text,)
    for _code, text in parts:
        if _contains(text, terms):
            return (text,)
    return (entry.body,)


def snippet(body: str, terms: list[str], words: int = SNIPPET_WORDS) -> Markup:
    """A stretch of `body` around the first word that starts like a search term, with the
    matching words marked; escaped, so the text never becomes markup."""
    tokens = re.split(r"(\w+)", body or "")
    word_positions = [i for i in range(1, len(tokens), 2)]
    if not word_positions:
        return Markup("")

    def matches(token: str) -> bool:
        folded = fold(token)
        return any(folded.startswith(term) for term in terms)

    first = next((n for n, i in enumerate(word_positions) if matches(tokens[i])), 0)
    start_word = max(0, first - words // 3)
    end_word = min(len(word_positions), start_word + words)
    start = word_positions[start_word]
    end = word_positions[end_word - 1] + 1 if end_word < len(word_positions) else len(tokens)
    parts = []
    for i in range(start, end):
        token = tokens[i]
        if i % 2 == 1 and matches(token):
            parts.append(Markup("<mark>%s</mark>") % token)
        else:
            parts.append(escape(re.sub(r"\s+", " ", token) if i % 2 == 0 else token))
    text = Markup("").join(parts)
    if start_word > 0:
        text = Markup("… ") + text
    if end_word < len(word_positions):
        text = text + Markup(" …")
    return text

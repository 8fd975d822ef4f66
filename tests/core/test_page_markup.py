"""Markup rules every page keeps: ids are unique (a page with several forms repeated
id="csrf_token"), and tables that scroll sideways can be reached with the keyboard."""

from collections import Counter
from datetime import date
from html.parser import HTMLParser

from app.extensions import db
from tests.factories import make_group, make_meeting, make_membership


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()
        self.scrollers: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        if "table-responsive" in (attributes.get("class") or "").split():
            self.scrollers.append(attributes)


def parse(html: str) -> Ids:
    parser = Ids()
    parser.feed(html)
    return parser


def test_an_organisers_meeting_page_repeats_no_id(app, admin_client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the forms carry their token
    meeting = make_meeting(make_group(), organiser=admin, invitees=[admin])
    db.session.commit()
    html = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 3
    page = parse(html)
    assert [name for name, n in page.ids.items() if n > 1] == []


def test_scrolling_tables_can_be_focused(admin_client):
    group = make_group()
    make_membership(group, left_on=date(2026, 2, 1))
    db.session.commit()
    html = admin_client.get(f"/groups/{group.slug}").get_data(as_text=True)
    page = parse(html)
    assert page.scrollers, "the former members table"
    for scroller in page.scrollers:
        assert scroller.get("tabindex") == "0"
        assert scroller.get("role") == "region" and scroller.get("aria-label")

"""A calendar program's conditional poll answered in front of Flask
(app.core.not_modified): the same 304 the app would send, without its hooks or a query,
and never for a request the kept answer was not made for."""

from datetime import UTC, datetime

from app.core import not_modified
from app.extensions import db
from app.meetings import services
from tests.core.test_query_counts import count_queries
from tests.factories import make_group, make_meeting, make_user

FUTURE = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
GROUP_FEED = "/calendar/groups/vooraf.ics"


def _group_feed():
    group = make_group(slug="vooraf")
    make_meeting(group, start=FUTURE)
    db.session.commit()


def _entered_flask(app, monkeypatch) -> list:
    """A list that grows by one for every request that reaches Flask's dispatching."""
    entered = []
    dispatch = app.full_dispatch_request

    def counting():
        entered.append(1)
        return dispatch()

    monkeypatch.setattr(app, "full_dispatch_request", counting)
    return entered


def test_a_matching_poll_never_enters_flask_and_runs_no_query(app, client, monkeypatch):
    _group_feed()
    first = client.get(GROUP_FEED)
    entered = _entered_flask(app, monkeypatch)
    for headers in (
        {"If-None-Match": first.headers["ETag"]},
        {"If-Modified-Since": first.headers["Last-Modified"]},
        {"If-None-Match": f'"other", {first.headers["ETag"]}'},
    ):
        with count_queries() as statements:
            response = client.get(GROUP_FEED, headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
        assert statements == []
    assert entered == []


def test_the_kept_304_carries_the_headers_the_app_sends(app, client, monkeypatch):
    """Compared with the app's own 304 for the same feed in the same language, asked with
    another Accept-Language header (so not answered from memory)."""
    _group_feed()
    etag = client.get(GROUP_FEED, headers={"Accept-Language": "de"}).headers["ETag"]
    kept = client.get(GROUP_FEED, headers={"If-None-Match": etag, "Accept-Language": "de"})
    entered = _entered_flask(app, monkeypatch)
    from_app = client.get(GROUP_FEED, headers={"If-None-Match": etag, "Accept-Language": "de-DE"})
    assert entered == [1] and from_app.status_code == kept.status_code == 304
    assert sorted(kept.headers.items()) == sorted(from_app.headers.items())
    assert "Content-Type" not in kept.headers and "Content-Disposition" not in kept.headers
    assert kept.headers["Content-Security-Policy"] and kept.headers["X-Frame-Options"] == "DENY"


def test_a_request_with_a_cookie_or_credentials_goes_to_the_app(app, client, monkeypatch):
    _group_feed()
    etag = client.get(GROUP_FEED).headers["ETag"]
    entered = _entered_flask(app, monkeypatch)
    client.get(GROUP_FEED, headers={"If-None-Match": etag, "Authorization": "Basic eDp5"})
    client.set_cookie("lang", "nl")
    client.get(GROUP_FEED, headers={"If-None-Match": etag})
    assert entered == [1, 1]


def test_only_the_same_request_is_answered_from_memory(app, client, monkeypatch):
    """Another language header, host, scheme or query is another request."""
    _group_feed()
    etag = client.get(GROUP_FEED, headers={"Accept-Language": "nl"}).headers["ETag"]
    entered = _entered_flask(app, monkeypatch)
    for extra, url in (
        ({"Accept-Language": "de"}, GROUP_FEED),
        ({"Accept-Language": "nl", "Host": "elders.example"}, GROUP_FEED),
        ({"Accept-Language": "nl", "X-Forwarded-Proto": "https"}, GROUP_FEED),
        ({"Accept-Language": "nl"}, GROUP_FEED + "?history=all"),
    ):
        client.get(url, headers={"If-None-Match": etag, **extra})
    assert len(entered) == 4
    client.get(GROUP_FEED, headers={"If-None-Match": etag, "Accept-Language": "nl"})
    assert len(entered) == 4


def test_an_unconditional_request_or_a_stale_validator_gets_the_body(app, client, monkeypatch):
    _group_feed()
    first = client.get(GROUP_FEED)
    assert client.get(GROUP_FEED).data == first.data
    other = client.get(GROUP_FEED, headers={"If-None-Match": '"not-the-feed"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_write_or_the_windows_move_ends_the_kept_answer(app, client, monkeypatch):
    person = make_user()
    path = f"/calendar/feed/{services.regenerate_feed_token(person).token}.ics"
    make_meeting(start=FUTURE, invitees=[person])
    db.session.commit()
    etag = client.get(path).headers["ETag"]
    entered = _entered_flask(app, monkeypatch)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert entered == []
    # the first of next month: the default window moves, the app computes again
    later = datetime(2099, 1, 1, tzinfo=UTC).timestamp()
    monkeypatch.setattr(not_modified.time, "time", lambda: later)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert entered == [1]
    monkeypatch.undo()
    entered = _entered_flask(app, monkeypatch)
    make_meeting(start=FUTURE, invitees=[person], title_en="Nieuw")
    db.session.commit()
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and b"Nieuw" in response.data
    assert entered == [1]


def test_errors_and_other_pages_are_not_kept(app, client, monkeypatch):
    entered = _entered_flask(app, monkeypatch)
    for _ in range(2):
        client.get("/calendar/groups/nergens.ics", headers={"If-None-Match": '"x"'})
        client.get("/healthz", headers={"If-None-Match": '"x"'})
    assert entered == [1, 1, 1, 1]


def test_the_window_moves_on_the_first_of_next_month():
    from app.calendar import feeds

    since = feeds.window_start(None, today=datetime(2026, 12, 7).date())
    assert feeds.window_moves_at(since) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    since = feeds.window_start(None, today=datetime(2026, 3, 31).date())
    assert feeds.window_moves_at(since) == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert feeds.window_moves_at(None) is None

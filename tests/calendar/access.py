"""Rows of the route-access table (tests/test_access.py) for calendar.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

ACCESS: dict = {
    "calendar.group_feed": {"args": lambda w: {"slug": "calendar-public"}, "GET": (200, 200, 200)},
    "calendar.personal_feed": {
        "args": lambda w: {"token": w["feed_token"]},
        "GET": (200, 200, 200),
    },
    "calendar.regenerate_feed": {"POST": (302, 302, 302)},
}


def populate(world: dict) -> None:
    from app.meetings.services import regenerate_feed_token
    from tests.factories import make_group

    make_group(slug="calendar-public")
    world["feed_token"] = regenerate_feed_token(world["member"]).token

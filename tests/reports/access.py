"""Rows of the route-access table (tests/test_access.py) for reports, the personal-data
export and the erasure pages.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

SIGN_IN = 302

ACCESS: dict = {
    "reports.index": {"GET": (SIGN_IN, 403, 302)},
    "reports.indicators": {"GET": (SIGN_IN, 403, 200)},
    "reports.indicators_csv": {
        "args": lambda w: {"table": "meetings_by_kind"},
        "GET": (SIGN_IN, 403, 200),
    },
    "reports.handbook": {"GET": (SIGN_IN, 403, 200)},
    "reports.handbook_pdf": {"GET": (SIGN_IN, 403, 200)},
    "reports.audit": {"GET": (SIGN_IN, 403, 200)},
    "auth.export_data": {"GET": (SIGN_IN, 200, 200)},
    "admin.erase_user": {
        "args": lambda w: {"user_id": w["erasable"].id},
        "GET": (SIGN_IN, 403, 200),
        "POST": (SIGN_IN, 403, 302),
    },
    "admin.erase_subscriber": {
        "args": lambda w: {"subscriber_id": w["erasable_subscriber"].id},
        "GET": (SIGN_IN, 403, 200),
        "POST": (SIGN_IN, 403, 302),
    },
}


def populate(world: dict) -> None:
    from tests.factories import make_subscriber, make_user

    world.update(
        erasable=make_user(email="erasable@example.org"),
        erasable_subscriber=make_subscriber(email="erasable-reader@example.org"),
    )

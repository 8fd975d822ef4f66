"""Rows of the route-access table (tests/test_access.py) for the newsletter.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

SIGN_IN = 302
EVERYONE = (200, 200, 200)
ADMIN_PAGE = (SIGN_IN, 403, 200)


def _edition(key: str):
    return lambda w: {"edition_id": w[key].id}


ACCESS: dict = {
    # public
    "newsletter.index": {"GET": EVERYONE, "POST": (400, 400, 400)},
    "newsletter.confirm": {
        "args": lambda w: {"token": w["newsletter_confirm_token"]},
        "GET": EVERYONE,
        "POST": EVERYONE,
    },
    "newsletter.unsubscribe": {
        "args": lambda w: {"token": w["newsletter_reader"].token},
        "GET": EVERYONE,
        "POST": EVERYONE,
    },
    "newsletter.edition": {"args": _edition("newsletter_sent"), "GET": EVERYONE},
    "newsletter.feed": {"GET": EVERYONE},
    "newsletter.script": {"GET": EVERYONE},
    # the project manager
    "newsletter.subscribers": {"GET": ADMIN_PAGE},
    "newsletter.export_subscribers": {"GET": ADMIN_PAGE},
    "newsletter.add_subscriber": {"GET": ADMIN_PAGE, "POST": (SIGN_IN, 403, 400)},
    "newsletter.unsubscribe_subscriber": {
        "args": lambda w: {"subscriber_id": w["newsletter_reader"].id},
        "POST": (SIGN_IN, 403, 302),
    },
    "newsletter.reenable_subscriber": {
        "args": lambda w: {"subscriber_id": w["newsletter_disabled"].id},
        "POST": (SIGN_IN, 403, 302),
    },
    "newsletter.import_subscribers": {"GET": ADMIN_PAGE, "POST": (SIGN_IN, 403, 400)},
    "newsletter.editions": {"GET": ADMIN_PAGE},
    "newsletter.new_edition": {"GET": ADMIN_PAGE, "POST": (SIGN_IN, 403, 400)},
    "newsletter.edit_edition": {
        "args": _edition("newsletter_draft"),
        "GET": ADMIN_PAGE,
        "POST": (SIGN_IN, 403, 302),  # an empty POST keeps the draft's own values
    },
    "newsletter.preview_edition": {"args": _edition("newsletter_draft"), "GET": ADMIN_PAGE},
    "newsletter.preview_html": {
        "args": lambda w: {"edition_id": w["newsletter_draft"].id, "language": "de"},
        "GET": ADMIN_PAGE,
    },
    "newsletter.send_test": {"args": _edition("newsletter_draft"), "POST": (SIGN_IN, 403, 400)},
    "newsletter.confirm_send": {"args": _edition("newsletter_draft"), "GET": ADMIN_PAGE},
    "newsletter.send_edition": {
        "args": _edition("newsletter_draft"),
        "POST": (SIGN_IN, 403, 302),
    },
    "newsletter.pause_edition": {
        "args": _edition("newsletter_sending"),
        "POST": (SIGN_IN, 403, 302),
    },
    "newsletter.resume_edition": {
        "args": _edition("newsletter_paused"),
        "POST": (SIGN_IN, 403, 302),
    },
    "newsletter.progress": {"args": _edition("newsletter_sending"), "GET": ADMIN_PAGE},
    "newsletter.progress_json": {"args": _edition("newsletter_sending"), "GET": ADMIN_PAGE},
}


def populate(world: dict) -> None:
    from app.newsletter import services
    from app.newsletter.models import EditionStatus, SubscriberStatus
    from tests.factories import make_edition, make_subscriber

    world["newsletter_reader"] = make_subscriber(email="reader@example.org")
    world["newsletter_disabled"] = make_subscriber(
        email="bouncing@example.org", status=SubscriberStatus.disabled
    )
    pending = make_subscriber(email="pending@example.org", status=SubscriberStatus.pending)
    world["newsletter_confirm_token"] = services.confirmation_token(pending)
    world["newsletter_draft"] = make_edition(quarter="2026 Q4")
    world["newsletter_sending"] = make_edition(quarter="2026 Q2")
    services.queue_edition(world["admin"], world["newsletter_sending"])
    world["newsletter_paused"] = make_edition(quarter="2026 Q1")
    services.queue_edition(world["admin"], world["newsletter_paused"])
    services.pause_edition(world["admin"], world["newsletter_paused"])
    world["newsletter_sent"] = make_edition(quarter="2026 Q3")
    world["newsletter_sent"].status = EditionStatus.sent

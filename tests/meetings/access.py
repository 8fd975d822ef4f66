"""Rows of the route-access table (tests/test_access.py) for meetings.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

import io
import tempfile
from datetime import UTC, datetime

from flask import current_app

SIGN_IN = 302


def _m(w):
    return {"meeting_id": w["meeting"].id}


ACCESS: dict = {
    "meetings.index": {"GET": (SIGN_IN, 200, 200)},
    "meetings.mine": {"GET": (SIGN_IN, 200, 200)},
    "meetings.month": {"GET": (SIGN_IN, 200, 200)},
    "meetings.create": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "meetings.show": {"args": _m, "GET": (SIGN_IN, 200, 200)},
    "meetings.ics": {"args": _m, "GET": (SIGN_IN, 200, 200)},
    "meetings.edit": {"args": _m, "GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "meetings.cancel": {"args": _m, "POST": (SIGN_IN, 403, 302)},
    # The member is invited; the admin is not, so has nothing to answer.
    "meetings.respond": {"args": _m, "POST": (SIGN_IN, 400, 403)},
    "meetings.rsvp": {
        "args": lambda w: {"token": w["rsvp_token"]},
        "GET": (200, 200, 200),
        "POST": (400, 400, 400),
    },
    "meetings.invite": {"args": _m, "POST": (SIGN_IN, 403, 400)},
    "meetings.add_agenda_item": {"args": _m, "POST": (SIGN_IN, 403, 400)},
    "meetings.move_agenda_item": {
        "args": lambda w: {"meeting_id": w["meeting"].id, "item_id": w["agenda_item"].id},
        "POST": (SIGN_IN, 403, 400),
    },
    "meetings.remove_agenda_item": {
        "args": lambda w: {"meeting_id": w["meeting"].id, "item_id": w["agenda_item"].id},
        "POST": (SIGN_IN, 403, 302),
    },
    "meetings.record_attendance": {"args": _m, "POST": (SIGN_IN, 403, 302)},
    "meetings.save_minutes": {"args": _m, "POST": (SIGN_IN, 403, 302)},
    "meetings.add_action_item": {"args": _m, "POST": (SIGN_IN, 403, 400)},
    "meetings.plan_series": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "meetings.coaching_days": {"GET": (SIGN_IN, 200, 200)},
    "meetings.upload_document": {"args": _m, "POST": (SIGN_IN, 403, 400)},
    "meetings.delete_document": {
        "args": lambda w: {"meeting_id": w["meeting"].id, "document_id": w["document"].id},
        "POST": (SIGN_IN, 403, 302),
    },
    "meetings.download_document": {
        "args": lambda w: {"meeting_id": w["meeting"].id, "document_id": w["document"].id},
        "GET": (SIGN_IN, 200, 200),
    },
    "meetings.complete_action_item": {
        "args": lambda w: {"meeting_id": w["meeting"].id, "action_id": w["action_item"].id},
        "POST": (SIGN_IN, 403, 302),
    },
}


def populate(world: dict) -> None:
    from app.meetings.models import ActionItem, AgendaItem
    from app.meetings.services import make_rsvp_token, store_meeting_document
    from tests.factories import make_group, make_meeting, make_membership
    from tests.groups.helpers import PDF_BYTES

    group = make_group(slug="meetings-access")
    make_membership(group, world["member"])
    meeting = make_meeting(
        group,
        organiser=world["admin"],
        invitees=[world["member"]],
        start=datetime(2031, 5, 6, 8, 0, tzinfo=UTC),
    )
    agenda_item = AgendaItem(meeting=meeting, title="Welkom", position=1)
    action_item = ActionItem(meeting=meeting, text="Verslag rondsturen")
    from app.extensions import db

    db.session.add_all([agenda_item, action_item])
    db.session.flush()
    # The document's file goes to a throwaway folder, not the instance folder.
    current_app.config.setdefault(
        "GROUP_DOCUMENTS_DIR", tempfile.mkdtemp(prefix="netwerkbrug-meetings-")
    )
    document = store_meeting_document(
        world["admin"],
        meeting,
        title="Presentatie",
        language="nl",
        filename="presentatie.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    world.update(
        document=document,
        meeting=meeting,
        agenda_item=agenda_item,
        action_item=action_item,
        rsvp_token=make_rsvp_token(meeting.invitations[0]),
    )

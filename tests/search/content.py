"""Test content of every searchable kind, each carrying a given text in its body."""

import io

from app.consensus.models import ProposalStatus
from app.core.database import utcnow
from app.extensions import db
from app.groups.services import store_document
from app.meetings.services import store_meeting_document
from app.newsletter.models import EditionStatus
from app.visits.models import PointKind, VisitPoint
from tests.factories import (
    make_edition,
    make_group,
    make_meeting,
    make_organisation,
    make_proposal,
    make_user,
    make_visit,
)


def pdf_bytes(text: str) -> bytes:
    """A real PDF (laid out by WeasyPrint) with `text` on its page."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes(text: str) -> bytes:
    from odf import text as odf_text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.text.addElement(odf_text.P(text=text))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def organisation(text, group=None):
    return make_organisation(description_de=text)


def person(text, group=None):
    user = make_user(function=text[:120])
    user.organisation = make_organisation()
    db.session.flush()
    return user


def working_group(text, group=None):
    if group is not None:
        group.description_de = text
        db.session.flush()
        return group
    return make_group(description_de=text)


def meeting(text, group=None):
    return make_meeting(group, description_de=text)


def proposal(text, group=None):
    found = make_proposal(group or make_group())
    found.versions[-1].text_de = text
    db.session.flush()
    return found


def decision(text, group=None):
    found = proposal(text, group)
    found.status = ProposalStatus.decided
    found.decided_at = utcnow()
    db.session.flush()
    return found


def visit(text, group=None):
    return make_visit(description_de=text)


def point(text, group=None):
    found = VisitPoint(visit=make_visit(), kind=PointKind.learning, text=text)
    db.session.add(found)
    db.session.flush()
    return found


def edition(text, group=None):
    return make_edition(body_de=text, status=EditionStatus.sent)


def group_document(text, group=None, *, filename="bericht.pdf", maker=pdf_bytes):
    group = group or make_group()
    admin = make_user(is_admin=True)
    return store_document(
        admin,
        group,
        title="Bericht",
        language="de",
        filename=filename,
        stream=io.BytesIO(maker(text)),
    )


def meeting_document(text, group=None):
    admin = make_user(is_admin=True)
    return store_meeting_document(
        admin,
        make_meeting(group),
        title="Handout",
        language="de",
        filename="handout.docx",
        stream=io.BytesIO(docx_bytes(text)),
    )


# kind shown in search → builder
EVERY_KIND = {
    "organisation": organisation,
    "person": person,
    "group": working_group,
    "meeting": meeting,
    "proposal": proposal,
    "decision": decision,
    "document": group_document,
    "meeting_document": meeting_document,
    "visit": visit,
    "point": point,
    "edition": edition,
}
# The kinds that belong to a working group, so a private group hides them.
GROUP_KINDS = ["group", "meeting", "proposal", "decision", "document", "meeting_document"]


def shown_kind(name: str) -> str:
    return "document" if name == "meeting_document" else name

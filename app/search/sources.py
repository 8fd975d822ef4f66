"""What each kind of content puts into the search index, and which changed rows touch which
entry. Search builds on every domain; no domain imports search."""

import html
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from markdown_it import MarkdownIt

from ..auth.models import User
from ..consensus.models import Proposal, ProposalVersion, Round
from ..core.files import current_file
from ..extensions import db
from ..groups.models import GroupDocument, WorkingGroup
from ..groups.services import document_path
from ..meetings.models import AgendaItem, Meeting, MeetingDocument, MinutesStatus
from ..newsletter.models import Edition
from ..partners.models import Organisation
from ..visits.models import Visit, VisitPoint
from .extract import document_text

LANGS = ("nl", "de", "en")
_markdown = MarkdownIt("js-default")


def plain(text: str) -> str:
    """The words a reader sees in user-written Markdown (no `##`, no link syntax)."""
    if not text:
        return ""
    return html.unescape(nh3.clean(_markdown.render(text), tags=set())).strip()


# A part of an entry's body: plain text, or (language, text) where content has languages.
Part = str | tuple[str, str]


@dataclass
class EntryData:
    kind: str
    titles: dict[str, str]
    body_parts: list[Part]
    is_public: bool = False
    group_id: int | None = None
    meeting_id: int | None = None
    parent_id: int | None = None
    happened_at: datetime | None = None
    extra_title_parts: list[str] = field(default_factory=list)

    def row(self) -> dict:
        titles = {lang: text for lang, text in self.titles.items() if text}
        title_words = list(dict.fromkeys([*titles.values(), *self.extra_title_parts]))
        body, sections = "", []
        for part in self.body_parts:
            lang, text = part if isinstance(part, tuple) else ("", part)
            if not text:
                continue
            if body:
                body += "\n"
            sections.append([lang, len(body), len(body) + len(text)])
            body += text
        return {
            "kind": self.kind,
            "titles": titles,
            "title": " / ".join(t for t in title_words if t)[:1000],
            "body": body,
            "sections": sections,
            "is_public": self.is_public,
            "group_id": self.group_id,
            "meeting_id": self.meeting_id,
            "parent_id": self.parent_id,
            "happened_at": self.happened_at,
        }


def _per_language(obj, name: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{name}_{lang}", "") or "" for lang in LANGS}


def _texts(obj, name: str) -> list[tuple[str, str]]:
    """The field in each language as Markdown-free text, tagged with its language."""
    return [(lang, plain(text)) for lang, text in _per_language(obj, name).items()]


def organisation_entry(o: Organisation) -> EntryData | None:
    if not o.is_active:
        return None
    return EntryData(
        kind="organisation",
        titles={"nl": o.name},
        extra_title_parts=[o.short_name],
        body_parts=[o.city, *_texts(o, "description")],
        is_public=True,
    )


def person_entry(u: User) -> EntryData | None:
    """Only what the person chose to show: name, function, organisation, and e-mail or phone
    when made public. Signed-in people only, as on the organisation pages."""
    if not u.is_active or u.is_erased:
        return None
    return EntryData(
        kind="person",
        titles={"nl": u.name},
        body_parts=[
            u.function,
            u.organisation.name if u.organisation else "",
            u.email if u.is_email_public else "",
            u.phone if u.is_phone_public else "",
        ],
        parent_id=u.organisation_id,
    )


def group_entry(g: WorkingGroup) -> EntryData:
    return EntryData(
        kind="group",
        titles=_per_language(g, "name"),
        body_parts=[*_texts(g, "theme"), *_texts(g, "description"), g.cities],
        is_public=True,
        group_id=g.id,
    )


def meeting_entry(m: Meeting) -> EntryData:
    approved = m.minutes_status == MinutesStatus.approved
    return EntryData(
        kind="meeting",
        titles=_per_language(m, "title"),
        body_parts=[
            *_texts(m, "description"),
            *(item.title for item in m.agenda_items),
            plain(m.minutes) if approved else "",
            m.venue,
            m.city,
        ],
        group_id=m.group_id,
        meeting_id=m.id,
        happened_at=m.start_at,
    )


def proposal_entry(p: Proposal) -> EntryData:
    version = p.current_version
    return EntryData(
        kind="decision" if p.is_decided else "proposal",
        titles={"nl": p.title, "de": p.title_de},
        body_parts=[
            ("nl", plain(version.text_nl)),
            ("de", plain(version.text_de)),
            plain(version.change_note),
        ]
        if version
        else [],
        group_id=p.group_id,
        happened_at=p.decided_at or p.created_at,
    )


def visit_entry(v: Visit) -> EntryData:
    return EntryData(
        kind="visit",
        titles=_per_language(v, "title"),
        body_parts=[
            *_texts(v, "description"),
            v.place,
            v.city,
            v.organisation.name if v.organisation else "",
        ],
        is_public=True,
        happened_at=None,
    )


def point_entry(p: VisitPoint) -> EntryData:
    visit = p.visit
    return EntryData(
        kind="point",
        titles=_per_language(visit, "title"),
        body_parts=[plain(p.text)],
        is_public=True,
        parent_id=p.visit_id,
        happened_at=p.created_at,
    )


def edition_entry(e: Edition) -> EntryData | None:
    if not e.is_public:
        return None
    return EntryData(
        kind="edition",
        titles=_per_language(e, "title"),
        extra_title_parts=[e.quarter],
        body_parts=_texts(e, "body"),
        is_public=True,
        happened_at=e.queued_at,
    )


def _document_entry(d, **where) -> EntryData:
    return EntryData(
        kind="document",
        titles={"nl": d.title},
        extra_title_parts=[d.filename],
        body_parts=[document_text(current_file(db.session, document_path(d)), d.content_type)],
        happened_at=d.uploaded_at,
        **where,
    )


def group_document_entry(d: GroupDocument) -> EntryData:
    return _document_entry(d, group_id=d.group_id, is_public=True)


def meeting_document_entry(d: MeetingDocument) -> EntryData:
    meeting = d.meeting
    return _document_entry(
        d, group_id=meeting.group_id, meeting_id=d.meeting_id, parent_id=d.meeting_id
    )


# model → (source name, builder); the source name is the model's table.
BUILDERS = {
    Organisation: organisation_entry,
    User: person_entry,
    WorkingGroup: group_entry,
    Meeting: meeting_entry,
    Proposal: proposal_entry,
    Visit: visit_entry,
    VisitPoint: point_entry,
    Edition: edition_entry,
    GroupDocument: group_document_entry,
    MeetingDocument: meeting_document_entry,
}

# A changed part re-indexes the thing it belongs to.
OWNERS = {
    AgendaItem: lambda item: item.meeting,
    ProposalVersion: lambda version: version.proposal,
    Round: lambda round_: round_.proposal,
}

KINDS = (
    "organisation",
    "person",
    "group",
    "meeting",
    "proposal",
    "decision",
    "document",
    "visit",
    "point",
    "edition",
)


def source_of(model) -> str:
    return model.__table__.name

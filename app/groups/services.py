"""The working groups' rules: who joins a group and in which role, who votes, how the
process moves through its phases, and which files a group keeps.

Every function takes the acting person, checks the rule, changes the session and flushes;
the view commits once. A broken rule raises a GroupError with a translated message."""

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.audit import record_audit
from ..core.errors import DomainError
from ..core.files import remove_file_on_commit, stage_file
from ..extensions import db
from ..partners.models import Country, Organisation
from . import filetypes
from .models import (
    DOCUMENT_LANGUAGES,
    GroupDocument,
    GroupKind,
    GroupPhase,
    Membership,
    Phase,
    Role,
    WorkingGroup,
)
from .models.memberships import MembershipTerms

DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
LOCAL_ZONE = ZoneInfo("Europe/Berlin")


class GroupError(DomainError):
    message = _l("This action is not allowed in this group.")


class NotAllowed(GroupError):
    status_code = 403
    message = _l("You may not manage this group.")


class AlreadyMember(GroupError):
    message = _l("This person is already a member of the group.")


class LeadershipRequired(GroupError):
    message = _l("This group accepts only an organisation's leadership as its representatives.")


class ObserverCannotVote(GroupError):
    status_code = 400
    message = _l("An observer never votes. Choose another role or no voting rights.")


class MembershipEnded(GroupError):
    message = _l("This membership has already ended.")


class NoNextPhase(GroupError):
    message = _l("The group is closed; there is no next phase.")


class SlugTaken(GroupError):
    status_code = 409
    message = _l("Another group already uses this web address. Please choose another one.")


class InvalidGroup(GroupError):
    status_code = 400
    message = _l("The group's details are incomplete or not valid.")


class DocumentRejected(GroupError):
    status_code = 400
    message = _l("This file cannot be added.")


class FileTooLarge(DocumentRejected):
    status_code = 413


def today() -> date:
    """The date in the project's time zone (Münster and Enschede share it)."""
    return datetime.now(LOCAL_ZONE).date()


def _require_manager(actor: User, group: WorkingGroup) -> None:
    if not group.can_manage(actor):
        raise NotAllowed()


def _check_voting(role: Role, is_voting: bool | None) -> bool:
    if is_voting is None:
        return role.votes_by_default
    if is_voting and role == Role.observer:
        raise ObserverCannotVote()
    return is_voting


def _check_representation(
    group: WorkingGroup, person: User, organisation: Organisation | None
) -> None:
    """In a group that requires it, only an organisation's leadership represents it."""
    if not group.is_leadership_required or organisation is None:
        return
    if not (person.is_organisation_leader and person.organisation_id == organisation.id):
        raise LeadershipRequired(
            _(
                "%(name)s cannot represent %(organisation)s in this group: it accepts only an organisation's leadership.",
                name=person.name,
                organisation=organisation.name,
            )
        )


GROUP_FIELDS = (
    "kind",
    "slug",
    "name_nl",
    "name_de",
    "name_en",
    "description_nl",
    "description_de",
    "description_en",
    "theme_nl",
    "theme_de",
    "theme_en",
    "cities",
    "is_public",
    "is_leadership_required",
    "decides_per_institution",
    "quorum_floor",
)
# Paths under /groups/ that are pages of their own and can never be a group's address.
RESERVED_SLUGS = frozenset({"new", "mine"})
SLUG_PATTERN = re.compile(r"^[a-z0-9-]{3,80}$")


def _require_project_manager(actor: User) -> None:
    if not getattr(actor, "is_admin", False):
        raise NotAllowed(_("Only the project manager creates and edits working groups."))


def _clean_group_fields(fields: dict) -> dict:
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown working-group fields: {', '.join(sorted(unknown))}")
    values = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    if "kind" in values and not isinstance(values["kind"], GroupKind):
        raise InvalidGroup()
    if "slug" in values:
        slug = values["slug"]
        if not SLUG_PATTERN.match(slug or "") or slug in RESERVED_SLUGS:
            raise InvalidGroup(_("This web address cannot be used for a group."))
    if "name_nl" in values and not values["name_nl"]:
        raise InvalidGroup(_("A group needs a Dutch name."))
    return values


def _check_slug_free(slug: str, group: WorkingGroup | None = None) -> None:
    stmt = sa.select(WorkingGroup.id).where(WorkingGroup.slug == slug)
    if group is not None and group.id is not None:
        stmt = stmt.where(WorkingGroup.id != group.id)
    if db.session.scalar(stmt) is not None:
        raise SlugTaken()


def create_group(actor: User, **fields) -> WorkingGroup:
    """Creates a working group; it starts in the first phase of the process, recorded in
    its timeline. Only the project manager creates groups."""
    _require_project_manager(actor)
    values = _clean_group_fields(fields)
    for required in ("kind", "slug", "name_nl"):
        if required not in values:
            raise InvalidGroup()
    _check_slug_free(values["slug"])
    first = next(iter(Phase))
    started = today()
    group = WorkingGroup(**values, phase=first, created_on=started)
    db.session.add(group)
    db.session.add(GroupPhase(group=group, phase=first, started_on=started, started_by_id=actor.id))
    db.session.flush()
    record_audit(actor, "group.created", group, slug=group.slug, kind=group.kind.name)
    return group


def update_group(actor: User, group: WorkingGroup, **fields) -> WorkingGroup:
    """Changes a group's details (not its phase, which moves on by its own action)."""
    _require_project_manager(actor)
    values = _clean_group_fields(fields)
    if "slug" in values and values["slug"] != group.slug:
        _check_slug_free(values["slug"], group)
    changed = {}
    for name, value in values.items():
        before = getattr(group, name)
        if before != value:
            changed[name] = before.name if isinstance(before, GroupKind) else before
            setattr(group, name, value)
    db.session.flush()
    record_audit(actor, "group.updated", group, slug=group.slug, changed=",".join(sorted(changed)))
    return group


def active_membership(group: WorkingGroup, person: User) -> Membership | None:
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == person.id,
            Membership.left_on.is_(None),
        )
    )


def add_member(
    actor: User,
    group: WorkingGroup,
    person: User,
    *,
    role: Role,
    organisation: Organisation | None = None,
    is_voting: bool | None = None,
    joined_on: date | None = None,
    term_ends_on: date | None = None,
) -> Membership:
    """Adds a person to the group. A person holds one active membership per group;
    observers never vote and a moderator votes only when made a voting member."""
    _require_manager(actor, group)
    voting = _check_voting(role, is_voting)
    _check_term(term_ends_on, joined_on or today())
    previous = active_membership(group, person)
    if previous is not None and previous.has_term_ended:
        # Their term ran out: that membership ends on its term's date, a new one starts.
        previous.left_on = previous.term_ends_on
        db.session.flush()
    elif previous is not None:
        raise AlreadyMember(_("%(name)s is already a member of this group.", name=person.name))
    _check_representation(group, person, organisation)
    membership = Membership(
        group=group,
        user=person,
        organisation=organisation,
        role=role,
        is_voting=voting,
        joined_on=joined_on or today(),
        term_ends_on=term_ends_on,
    )
    db.session.add(membership)
    db.session.flush()
    record_audit(
        actor,
        "group.member_added",
        membership,
        group=group.slug,
        person=person.id,
        role=role.name,
        voting=voting,
    )
    return membership


class InvalidTerm(GroupError):
    status_code = 400
    message = _l("A term ends after the day the membership began.")


def _check_term(term_ends_on: date | None, joined_on: date) -> None:
    if term_ends_on is not None and term_ends_on <= joined_on:
        raise InvalidTerm()


def set_term_end(actor: User, membership: Membership, term_ends_on: date | None) -> Membership:
    """Sets (or clears) the day an active membership's term ends: from that day the person
    no longer votes, shows as a former member, and rounds opened later do not count them."""
    _require_manager(actor, membership.group)
    if not membership.is_active:
        raise MembershipEnded()
    _check_term(term_ends_on, membership.joined_on)
    membership.term_ends_on = term_ends_on
    db.session.flush()
    record_audit(
        actor,
        "group.member_term_set",
        membership,
        group=membership.group.slug,
        person=membership.user_id,
        term_ends_on=term_ends_on.isoformat() if term_ends_on else None,
    )
    return membership


def change_role(
    actor: User, membership: Membership, role: Role, is_voting: bool | None = None
) -> Membership:
    """Changes an active member's role and voting rights (observers never vote)."""
    _require_manager(actor, membership.group)
    if not membership.is_active:
        raise MembershipEnded()
    voting = _check_voting(role, is_voting)
    before = (membership.role.name, membership.is_voting)
    membership.role = role
    membership.is_voting = voting
    db.session.flush()
    record_audit(
        actor,
        "group.member_role_changed",
        membership,
        group=membership.group.slug,
        person=membership.user_id,
        before=f"{before[0]} voting={before[1]}",
        after=f"{role.name} voting={voting}",
    )
    return membership


def end_membership(actor: User, membership: Membership, left_on: date | None = None) -> Membership:
    """Ends a membership; the row stays, so the person remains in past records."""
    _require_manager(actor, membership.group)
    if not membership.is_active:
        raise MembershipEnded()
    membership.left_on = max(left_on or today(), membership.joined_on)
    db.session.flush()
    record_audit(
        actor,
        "group.membership_ended",
        membership,
        group=membership.group.slug,
        person=membership.user_id,
    )
    return membership


def move_to_next_phase(actor: User, group: WorkingGroup, note: str = "") -> GroupPhase:
    """Moves the process on by one phase; the moderator or the project manager decides.
    Reaching the closed phase closes the group."""
    if not group.can_move_phase(actor):
        raise NotAllowed(
            _("Only the moderator or the project manager moves the group to the next phase.")
        )
    following = group.phase.next
    if following is None:
        raise NoNextPhase()
    started = today()
    entry = GroupPhase(
        group=group, phase=following, started_on=started, note=note.strip(), started_by_id=actor.id
    )
    previous = group.phase
    group.phase = following
    if following == Phase.closed:
        group.closed_on = started
    db.session.add(entry)
    db.session.flush()
    record_audit(
        actor,
        "group.phase_moved",
        group,
        before=previous.name,
        after=following.name,
        note=entry.note,
    )
    return entry


@dataclass
class PhaseStep:
    phase: Phase
    entry: GroupPhase | None
    is_current: bool
    is_done: bool


def timeline(group: WorkingGroup) -> list[PhaseStep]:
    """Every phase in order, with its start date and note where the group reached it."""
    reached = {entry.phase: entry for entry in group.phases}
    current = group.phase.position
    return [
        PhaseStep(
            phase=phase,
            entry=reached.get(phase),
            is_current=phase == group.phase,
            is_done=phase.position < current,
        )
        for phase in Phase
    ]


def memberships_of(group: WorkingGroup) -> list[Membership]:
    """All memberships, current and former, with person and organisation in three queries."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.group_id == group.id)
            .options(selectinload(Membership.user), selectinload(Membership.organisation))
            .order_by(Membership.joined_on, Membership.id)
        )
    )


@dataclass(frozen=True, slots=True)
class MemberPerson:
    name: str
    function: str


@dataclass(frozen=True, slots=True)
class MemberOrganisation:
    id: int
    name: str
    country: Country


@dataclass(frozen=True)
class MemberEntry(MembershipTerms):
    """A membership as the group page's member list shows it: plain values read in one
    query (no database objects for the members, their persons and organisations), with
    the same `user.name`, `organisation.name`, `is_active`, `can_vote` … as a Membership."""

    id: int
    role: Role
    is_voting: bool
    joined_on: date
    left_on: date | None
    term_ends_on: date | None
    organisation_id: int | None
    user: MemberPerson
    organisation: MemberOrganisation | None


def member_entries(group: WorkingGroup) -> list[MemberEntry]:
    """All memberships of `group`, current and former, as `memberships_of` orders them,
    with the person's name and function and the organisation's name and country."""
    rows = db.session.execute(
        sa.select(
            Membership.id,
            Membership.role,
            Membership.is_voting,
            Membership.joined_on,
            Membership.left_on,
            Membership.term_ends_on,
            Membership.organisation_id,
            User.name,
            User.function,
            Organisation.name,
            Organisation.country,
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.group_id == group.id)
        .order_by(Membership.joined_on, Membership.id)
    )
    organisations: dict[int, MemberOrganisation] = {}
    entries = []
    for (
        id_,
        role,
        is_voting,
        joined_on,
        left_on,
        term_ends_on,
        organisation_id,
        name,
        function,
        organisation_name,
        country,
    ) in rows:
        organisation = None
        if organisation_id is not None:
            organisation = organisations.get(organisation_id)
            if organisation is None:
                organisation = organisations[organisation_id] = MemberOrganisation(
                    organisation_id, organisation_name, country
                )
        entries.append(
            MemberEntry(
                id_,
                role,
                is_voting,
                joined_on,
                left_on,
                term_ends_on,
                organisation_id,
                MemberPerson(name, function or ""),
                organisation,
            )
        )
    return entries


@dataclass
class CountrySection:
    country: Country | None
    organisations: list[tuple[Organisation | MemberOrganisation | None, list]] = field(
        default_factory=list
    )


ROLE_ORDER = list(Role)


def members_by_country(memberships: list[Membership]) -> list[CountrySection]:
    """Active members by the country and name of the organisation they represent;
    people who represent no organisation (an external moderator) come last."""
    grouped: dict[Country | None, dict[int | None, list[Membership]]] = defaultdict(
        lambda: defaultdict(list)
    )
    organisations: dict[int | None, Organisation | None] = {None: None}
    for membership in memberships:
        if not membership.is_active:
            continue
        organisation = membership.organisation
        country = organisation.country if organisation else None
        organisations[membership.organisation_id] = organisation
        grouped[country][membership.organisation_id].append(membership)
    sections = []
    for country in [*Country, None]:
        if country not in grouped:
            continue
        section = CountrySection(country)
        for organisation_id in sorted(
            grouped[country],
            key=lambda oid: organisations[oid].name.lower() if organisations[oid] else "",
        ):
            people = sorted(
                grouped[country][organisation_id],
                key=lambda m: (ROLE_ORDER.index(m.role), m.user.name.lower()),
            )
            section.organisations.append((organisations[organisation_id], people))
        sections.append(section)
    return sections


LEADING_ROLES = (Role.chair, Role.deputy_chair, Role.moderator, Role.secretary)


def leaders(memberships: list[Membership]) -> list[Membership]:
    """Who chairs, moderates and keeps the minutes, in that order."""
    return sorted(
        (m for m in memberships if m.is_active and m.role in LEADING_ROLES),
        key=lambda m: (ROLE_ORDER.index(m.role), m.user.name.lower()),
    )


def former_members(memberships: list[Membership]) -> list[Membership]:
    return sorted(
        (m for m in memberships if not m.is_active),
        key=lambda m: (m.ended_on, m.id),
        reverse=True,
    )


def documents_dir() -> Path:
    """Where group files are kept: GROUP_DOCUMENTS_DIR, by default under the instance
    folder, which the web server never serves directly."""
    configured = current_app.config.get("GROUP_DOCUMENTS_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "group-documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_document_bytes() -> int:
    return int(current_app.config.get("GROUP_DOCUMENT_MAX_BYTES") or DEFAULT_MAX_DOCUMENT_BYTES)


def size_label(size: int) -> str:
    """A file size for people: `10 MB`, `500 kB`, `12 bytes` (units read the same in nl/de/en)."""
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / 1024 / 1024, 1))} MB"
    if size >= 1024:
        return f"{format_decimal(round(size / 1024))} kB"
    return f"{size} B"


def document_path(document) -> Path:
    """Where a group or meeting document's file is kept."""
    return documents_dir() / document.stored_name


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return name[-200:] or "document"


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed the checks, not yet written anywhere."""

    filename: str
    content: bytes
    file_type: filetypes.FileType


def check_upload(language: str, filename: str, stream: IO[bytes]) -> CheckedUpload:
    """Accepts a PDF, office document or image in a known language: its type is judged by
    its content and its size is limited. Also used for meeting documents."""
    if language not in DOCUMENT_LANGUAGES:
        raise DocumentRejected(_("Choose the language of the document."))
    limit = max_document_bytes()
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise FileTooLarge(
            _("The file is larger than the maximum of %(size)s.", size=size_label(limit))
        )
    if not content:
        raise DocumentRejected(_("The file is empty."))
    clean_name = _clean_filename(filename)
    file_type = filetypes.detect(content, clean_name)
    if file_type is None:
        raise DocumentRejected(
            _(
                "Only PDF files, office documents (Word, Excel, PowerPoint, OpenDocument) and images (PNG, JPEG, GIF, WebP) can be added; this file's content is none of these."
            )
        )
    extension = filetypes.extension_of(clean_name)
    if extension not in file_type.extensions:
        raise DocumentRejected(
            _(
                "The file's name says .%(extension)s but its content is a %(kind)s file. Please check that you chose the right file.",
                extension=extension or "?",
                kind=file_type.label,
            )
        )
    return CheckedUpload(clean_name, content, file_type)


def keep_upload(upload: CheckedUpload) -> str:
    """Stages the file under a new random name in the documents folder; returns that name.
    It appears there when the transaction commits and is removed when it rolls back."""
    stored_name = f"{uuid.uuid4().hex}.{upload.file_type.extensions[0]}"
    stage_file(db.session, documents_dir() / stored_name, upload.content)
    return stored_name


def discard_document(document) -> None:
    """Deletes a group's or meeting's document row; its file goes with the commit."""
    remove_file_on_commit(db.session, document_path(document))
    db.session.delete(document)
    db.session.flush()


def stored_fields(upload: CheckedUpload, actor: User, title: str, language: str) -> dict:
    """Writes the checked upload to the documents folder and returns the StoredDocument
    columns that describe it (for a group's or a meeting's document)."""
    return {
        "title": title.strip(),
        "language": language,
        "filename": upload.filename,
        "stored_name": keep_upload(upload),
        "content_type": upload.file_type.content_type,
        "size_bytes": len(upload.content),
        "uploaded_by_id": actor.id,
    }


def store_document(
    actor: User,
    group: WorkingGroup,
    *,
    title: str,
    language: str,
    filename: str,
    stream: IO[bytes],
) -> GroupDocument:
    """Keeps a PDF, office document or image for the group (see check_upload), stored
    under a random name."""
    if not group.can_upload(actor):
        raise NotAllowed(_("Only members of the group may add documents."))
    upload = check_upload(language, filename, stream)
    document = GroupDocument(group=group, **stored_fields(upload, actor, title, language))
    db.session.add(document)
    db.session.flush()
    record_audit(actor, "group.document_added", document, group=group.slug, title=document.title)
    return document


def deletable_documents(user, group: WorkingGroup | None, documents) -> set[int]:
    """The ids of the documents (of one group or meeting) that `user` may delete, with one
    look-up of the user's role instead of one per document."""
    from .models.documents import is_uploader_or_admin

    moderates = group is not None and group.is_moderated_by(user)
    return {d.id for d in documents if moderates or is_uploader_or_admin(d, user)}


def delete_document(actor: User, document: GroupDocument) -> None:
    """The uploader, the group's moderator and the project manager may delete a document;
    the deletion is audit-logged and the file is removed with the commit."""
    if not document.can_delete(actor):
        raise NotAllowed(
            _(
                "Only whoever added the document, the moderator or the project manager may delete it."
            )
        )
    record_audit(
        actor,
        "group.document_deleted",
        document,
        group=document.group.slug,
        title=document.title,
        filename=document.filename,
    )
    discard_document(document)

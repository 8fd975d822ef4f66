"""Deciding per institution: who answers for an organisation (its representative and
deputy)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...core.audit import record_audit
from ...core.database import utcnow
from ...extensions import db
from ...groups.models import Membership, Role, WorkingGroup
from ...partners.models import Organisation
from ..models import (
    Representation,
)
from .access import active_membership, takes_position
from .errors import InvalidRepresentation, NotAllowedToName


def representations_of(group: WorkingGroup) -> list[Representation]:
    return list(
        db.session.scalars(
            sa.select(Representation)
            .where(Representation.group_id == group.id)
            .options(
                selectinload(Representation.representative),
                selectinload(Representation.deputy),
            )
        )
    )


def answering_membership(group: WorkingGroup, user) -> Membership | None:
    """The membership with which `user` answers for an organisation: as its named
    representative (a voting member) or as the deputy the representative named."""
    membership = active_membership(group, user)
    if membership is None or membership.organisation_id is None:
        return None
    representation = db.session.scalar(
        sa.select(Representation).where(
            Representation.group_id == group.id,
            Representation.organisation_id == membership.organisation_id,
        )
    )
    if representation is None or not representation.answers(user):
        return None
    if user.id == representation.representative_id and not takes_position(membership):
        return None
    return membership if may_deputise(membership) else None


def may_deputise(membership: Membership) -> bool:
    return membership.is_active and membership.role not in (Role.observer, Role.moderator)


@dataclass
class RepresentationRow:
    """One represented organisation: who answers for it, and who may."""

    organisation: Organisation
    representation: Representation | None
    representatives: list[User]  # its voting members
    deputies: list[User]  # its other members who may deputise


def representation_rows(group: WorkingGroup) -> list[RepresentationRow]:
    """The organisations of the group's voting members with their representation, in a
    fixed number of queries."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.left_on.is_(None),
            Membership.organisation_id.is_not(None),
        )
        .options(selectinload(Membership.user), selectinload(Membership.organisation))
    ).all()
    by_org = {r.organisation_id: r for r in representations_of(group)}
    rows: dict[int, RepresentationRow] = {}
    for m in sorted(memberships, key=lambda m: (m.user.name.lower(), m.id)):
        if takes_position(m):
            row = rows.setdefault(
                m.organisation_id,
                RepresentationRow(m.organisation, by_org.get(m.organisation_id), [], []),
            )
            row.representatives.append(m.user)
    for m in memberships:
        if m.organisation_id in rows and may_deputise(m):
            rows[m.organisation_id].deputies.append(m.user)
    return sorted(rows.values(), key=lambda row: row.organisation.name.lower())


def set_representation(
    actor: User,
    group: WorkingGroup,
    organisation_id: int,
    *,
    representative_id: int | None,
    deputy_id: int | None,
) -> Representation:
    """The project manager names an organisation's representative and deputy; the
    representative names (or removes) their own deputy. `representative_id` None keeps
    the representative."""
    if not group.decides_per_institution:
        raise InvalidRepresentation(_("This group decides per person, not per institution."))
    row = next(
        (r for r in representation_rows(group) if r.organisation.id == organisation_id), None
    )
    if row is None:
        raise InvalidRepresentation()
    current = row.representation
    is_manager = bool(getattr(actor, "is_admin", False))
    if not is_manager and (
        current is None
        or actor.id != current.representative_id
        or representative_id not in (None, current.representative_id)
    ):
        raise NotAllowedToName()
    representative_id = representative_id or (current.representative_id if current else None)
    if representative_id not in {u.id for u in row.representatives}:
        raise InvalidRepresentation(_("The representative must be a voting member for it."))
    if deputy_id is not None and (
        deputy_id == representative_id or deputy_id not in {u.id for u in row.deputies}
    ):
        raise InvalidRepresentation(
            _("The deputy must be another member of the group for the same organisation.")
        )
    if current is None:
        current = Representation(group_id=group.id, organisation_id=organisation_id)
        db.session.add(current)
    current.representative_id = representative_id
    current.deputy_id = deputy_id
    current.updated_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "consensus.set_representation",
        current,
        organisation=organisation_id,
        representative=representative_id,
        deputy=deputy_id,
    )
    return current

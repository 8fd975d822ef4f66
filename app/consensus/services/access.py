"""Who may do what: who moderates a group and who takes a position in its rounds."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...extensions import db
from ...groups.models import Membership, Role, WorkingGroup
from ..models import (
    Proposal,
)
from .errors import NotModerator, ProposalDecided


def active_membership(group: WorkingGroup, user) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            Membership.current(),
        )
    )


def can_moderate(group: WorkingGroup, user) -> bool:
    """The group's moderator and the project manager lead proposals and rounds."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    membership = active_membership(group, user)
    return membership is not None and membership.role == Role.moderator


def moderates_group(group: WorkingGroup, user) -> bool:
    """The group's own moderators (not the project manager as such): the only ones who see
    names in anonymous rounds and a tally the round hides from members."""
    membership = active_membership(group, user)
    return membership is not None and membership.role == Role.moderator


def takes_position(membership: Membership | None) -> bool:
    """A voting member takes a position; observers and the moderator in that role do not."""
    return membership is not None and membership.can_vote and membership.role != Role.moderator


def _voting_criteria(group: WorkingGroup) -> tuple:
    return (
        Membership.group_id == group.id,
        Membership.current(),
        Membership.is_voting.is_(True),
        Membership.role.not_in([Role.observer, Role.moderator]),
    )


def count_voting_members(group: WorkingGroup) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Membership.id)).where(*_voting_criteria(group))
    )


def count_eligible(group: WorkingGroup) -> int:
    """Voting members, or in a group that decides per institution the organisations they
    represent."""
    if not group.decides_per_institution:
        return count_voting_members(group)
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Membership.organisation_id))).where(
            *_voting_criteria(group), Membership.organisation_id.is_not(None)
        )
    )


def voting_memberships_stmt(group: WorkingGroup):
    return (
        sa.select(Membership)
        .where(*_voting_criteria(group))
        .options(selectinload(Membership.user), selectinload(Membership.organisation))
        .join(User, User.id == Membership.user_id)
        .order_by(sa.func.lower(User.name), Membership.id)
    )


def voting_memberships(group: WorkingGroup) -> list[Membership]:
    return list(db.session.scalars(voting_memberships_stmt(group)))


def voting_membership_of(group: WorkingGroup, user) -> Membership | None:
    membership = active_membership(group, user)
    return membership if takes_position(membership) else None


def require_moderator(actor, group: WorkingGroup) -> None:
    if not can_moderate(group, actor):
        raise NotModerator()


def require_open_proposal(proposal: Proposal) -> None:
    if proposal.is_decided:
        raise ProposalDecided()

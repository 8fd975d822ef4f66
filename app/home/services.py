"""What waits for a person, and what the public front page shows. Each list is one query;
the navigation's counts are one more."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..consensus.models import Position, Proposal, ProposalStatus, Representation, Round
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..extensions import db
from ..groups.models import Membership, WorkingGroup
from ..meetings.models import (
    ActionItem,
    Invitation,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    Response,
)
from ..partners.models import Country, Organisation
from ..visits.models import (
    PublicRegistration,
    Registration,
    RegistrationStatus,
    Visit,
    VisitPoint,
    VisitStatus,
)
from .models import Introduction

COMING_DAYS = 31  # "this month": the coming month from today
DECISION_DAYS = 90
LIST_LIMIT = 20


class NotAllowed(DomainError):
    status_code = 403


@dataclass
class ForMe:
    rounds: list[tuple[Round, Membership]] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    minutes: list[Meeting] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    coming_meetings: list[Invitation] = field(default_factory=list)
    coming_visits: list[Registration] = field(default_factory=list)
    decisions: list[Proposal] = field(default_factory=list)

    @property
    def is_cut(self) -> bool:
        """A list reached LIST_LIMIT, so `pending` may count less than there is."""
        lists = (self.rounds, self.invitations, self.minutes, self.action_items)
        return any(len(items) >= LIST_LIMIT for items in lists)

    @property
    def pending(self) -> int:
        """The things the person has to do something about."""
        return len(self.rounds) + len(self.invitations) + len(self.minutes) + len(self.action_items)


def _my_groups(user: User):
    return sa.select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.left_on.is_(None)
    )


def _open_rounds(user: User, now: datetime):
    """Open rounds in which the person has a vote and neither they nor (in a round per
    institution) their organisation has given a position. In a round per institution only
    the organisation's representative and deputy answer, so only they are asked."""
    speaks_for_organisation = (
        sa.select(Representation.id)
        .where(
            Representation.group_id == Proposal.group_id,
            Representation.organisation_id == Membership.organisation_id,
        )
        .where(
            sa.or_(Representation.representative_id == user.id, Representation.deputy_id == user.id)
        )
    )
    answered = (
        sa.select(Position.id)
        .where(Position.round_id == Round.id)
        .where(
            sa.or_(
                Position.membership_id == Membership.id,
                sa.and_(
                    Round.is_per_institution.is_(True),
                    Membership.organisation_id.is_not(None),
                    Position.organisation_id == Membership.organisation_id,
                ),
            )
        )
    )
    return (
        sa.select(Round, Membership)
        .join(Proposal, Proposal.id == Round.proposal_id)
        .join(
            Membership,
            sa.and_(
                Membership.group_id == Proposal.group_id,
                Membership.user_id == user.id,
                Membership.left_on.is_(None),
                Membership.is_voting.is_(True),
            ),
        )
        .where(Round.closed_at.is_(None), Round.closes_at > now, ~sa.exists(answered))
        .where(sa.or_(Round.is_per_institution.is_(False), sa.exists(speaks_for_organisation)))
    )


def _unanswered_invitations(user: User, now: datetime):
    return (
        sa.select(Invitation)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(
            Invitation.user_id == user.id,
            Invitation.response == Response.needs_action,
            Meeting.end_at > now,
            Meeting.status != MeetingStatus.cancelled,
        )
    )


def _circulated_minutes(user: User):
    invited = sa.select(Invitation.meeting_id).where(Invitation.user_id == user.id)
    return sa.select(Meeting).where(
        Meeting.minutes_status == MinutesStatus.circulated,
        sa.or_(Meeting.group_id.in_(_my_groups(user)), Meeting.id.in_(invited)),
    )


def _open_action_items(user: User):
    return sa.select(ActionItem).where(ActionItem.owner_id == user.id, ActionItem.done_at.is_(None))


def pending_counts(user: User, now: datetime | None = None) -> int:
    """How many things wait for the person (the number beside "For me"): one query."""
    now = now or utcnow()

    def count(stmt):
        return sa.select(sa.func.count()).select_from(stmt.subquery()).scalar_subquery()

    row = db.session.execute(
        sa.select(
            count(_open_rounds(user, now)),
            count(_unanswered_invitations(user, now)),
            count(_circulated_minutes(user)),
            count(_open_action_items(user)),
        )
    ).one()
    return sum(row)


def for_me(user: User, now: datetime | None = None) -> ForMe:
    """Everything that waits for `user`, each list in one query."""
    now = now or utcnow()
    today = now.date()
    overview = ForMe()
    overview.rounds = list(
        db.session.execute(
            _open_rounds(user, now)
            .options(joinedload(Round.proposal).joinedload(Proposal.group))
            .order_by(Round.closes_at, Round.id)
            .limit(LIST_LIMIT)
        ).all()
    )
    coming_until = now + timedelta(days=COMING_DAYS)
    # One query for both lists: unanswered invitations, and answered ones of the coming
    # month; the first LIST_LIMIT of each, so someone invited to a thousand meetings costs
    # no more than someone invited to forty.
    unanswered = Invitation.response == Response.needs_action
    ranked = (
        sa.select(
            Invitation.id,
            sa.func.row_number()
            .over(partition_by=unanswered, order_by=(Meeting.start_at, Meeting.id))
            .label("rank"),
        )
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(
            Invitation.user_id == user.id,
            Meeting.end_at > now,
            Meeting.status != MeetingStatus.cancelled,
            Invitation.response != Response.declined,
            sa.or_(unanswered, Meeting.start_at < coming_until),
        )
        .subquery()
    )
    invitations = db.session.scalars(
        sa.select(Invitation)
        .join(ranked, ranked.c.id == Invitation.id)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(ranked.c.rank <= LIST_LIMIT)
        .options(joinedload(Invitation.meeting).joinedload(Meeting.group))
        .order_by(Meeting.start_at, Meeting.id)
    ).all()
    overview.invitations = [i for i in invitations if i.response == Response.needs_action][
        :LIST_LIMIT
    ]
    overview.coming_meetings = [
        i
        for i in invitations
        if i.response != Response.needs_action and i.meeting.start_at < coming_until
    ][:LIST_LIMIT]
    overview.minutes = list(
        db.session.scalars(
            _circulated_minutes(user)
            .options(joinedload(Meeting.group))
            .order_by(Meeting.start_at.desc(), Meeting.id)
            .limit(LIST_LIMIT)
        )
    )
    overview.action_items = list(
        db.session.scalars(
            _open_action_items(user)
            .options(joinedload(ActionItem.meeting))
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
            .limit(LIST_LIMIT)
        )
    )
    overview.coming_visits = list(
        db.session.scalars(
            sa.select(Registration)
            .join(Visit, Visit.id == Registration.visit_id)
            .where(
                sa.func.lower(Registration.email) == user.email.lower(),
                Registration.status != RegistrationStatus.cancelled,
                Visit.ends_on >= today,
                Visit.starts_on <= today + timedelta(days=COMING_DAYS),
            )
            .options(joinedload(Registration.visit))
            .order_by(Visit.starts_on, Visit.id)
            .limit(LIST_LIMIT)
        )
    )
    overview.decisions = list(
        db.session.scalars(
            sa.select(Proposal)
            .where(
                Proposal.status == ProposalStatus.decided,
                Proposal.group_id.in_(_my_groups(user)),
                Proposal.decided_at >= now - timedelta(days=DECISION_DAYS),
            )
            .options(joinedload(Proposal.group))
            .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
            .limit(5)
        )
    )
    return overview


def introduction() -> "Introduction | None":
    return db.session.scalar(sa.select(Introduction).order_by(Introduction.id).limit(1))


def save_introduction(actor: User, texts: dict[str, str]) -> Introduction:
    """The project manager's text for the front page, per language (blank: the built-in one)."""
    if not actor.is_admin:
        raise NotAllowed()
    current = introduction() or Introduction()
    for lang in ("nl", "de", "en"):
        setattr(current, f"text_{lang}", (texts.get(lang) or "").strip())
    current.updated_at = utcnow()
    current.updated_by_id = actor.id
    db.session.add(current)
    db.session.flush()
    record_audit(actor, "home.introduction_saved", current)
    return current


@dataclass
class FrontPage:
    introduction: "Introduction | None"
    partners_by_country: list[tuple[Country, int]]
    open_meetings: list[PublicRegistration]
    visits: list[Visit]
    decisions: list[Proposal]
    points: list[VisitPoint]


def front_page(now: datetime | None = None, limit: int = 3) -> FrontPage:
    """What a visitor sees: partners per country, coming public meetings and open work
    visits, recent decisions of public groups and recent learning points."""
    now = now or utcnow()
    today: date = now.date()
    partners = db.session.execute(
        sa.select(Organisation.country, sa.func.count())
        .where(Organisation.is_active.is_(True))
        .group_by(Organisation.country)
        .order_by(Organisation.country)
    ).all()
    open_meetings = db.session.scalars(
        sa.select(PublicRegistration)
        .join(Meeting, Meeting.id == PublicRegistration.meeting_id)
        .where(Meeting.start_at > now, Meeting.status != MeetingStatus.cancelled)
        .options(joinedload(PublicRegistration.meeting))
        .order_by(Meeting.start_at)
        .limit(limit)
    ).all()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(Visit.starts_on >= today, Visit.registration_deadline > now)
        .where(Visit.status == VisitStatus.open)
        .options(joinedload(Visit.organisation))
        .order_by(Visit.starts_on, Visit.id)
        .limit(limit)
    ).all()
    decisions = db.session.scalars(
        sa.select(Proposal)
        .join(WorkingGroup, WorkingGroup.id == Proposal.group_id)
        .where(Proposal.status == ProposalStatus.decided, WorkingGroup.is_public.is_(True))
        .options(joinedload(Proposal.group))
        .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
        .limit(limit)
    ).all()
    points = db.session.scalars(
        sa.select(VisitPoint)
        .options(joinedload(VisitPoint.visit))
        .order_by(VisitPoint.created_at.desc(), VisitPoint.id.desc())
        .limit(limit)
    ).all()
    return FrontPage(
        introduction(),
        list(partners),
        list(open_meetings),
        list(visits),
        list(decisions),
        list(points),
    )

"""The rules of working groups, called directly: roles and votes, one active membership,
the leadership rule, phases and their audit entries, visibility."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core.audit import AuditEntry
from app.extensions import db
from app.groups import services
from app.groups.models import Membership, Phase, Role
from app.partners.models import Country
from tests.factories import make_group, make_membership, make_user

from .helpers import organisation


@pytest.fixture
def admin():
    return make_user(is_admin=True)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    ("role", "votes"),
    [
        (Role.chair, True),
        (Role.deputy_chair, True),
        (Role.member, True),
        (Role.secretary, False),
        (Role.moderator, False),
        (Role.observer, False),
    ],
)
def test_voting_rights_follow_the_role_by_default(admin, role, votes):
    group = make_group()
    membership = services.add_member(admin, group, make_user(), role=role)
    assert membership.is_voting is votes
    assert membership.can_vote is votes


def test_external_moderator_votes_only_when_made_a_voting_member(admin):
    group = make_group()
    moderator = services.add_member(admin, group, make_user(), role=Role.moderator)
    assert not moderator.can_vote
    services.change_role(admin, moderator, Role.moderator, is_voting=True)
    assert moderator.can_vote


def test_observer_never_votes(admin):
    group = make_group()
    with pytest.raises(services.ObserverCannotVote):
        services.add_member(admin, group, make_user(), role=Role.observer, is_voting=True)
    member = services.add_member(admin, group, make_user(), role=Role.member)
    with pytest.raises(services.ObserverCannotVote):
        services.change_role(admin, member, Role.observer, is_voting=True)
    services.change_role(admin, member, Role.observer, is_voting=False)
    assert not member.can_vote


def test_database_refuses_a_voting_observer():
    group = make_group()
    db.session.add(
        Membership(
            group=group,
            user=make_user(),
            role=Role.observer,
            is_voting=True,
            joined_on=date(2026, 1, 1),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_former_member_no_longer_votes(admin):
    membership = make_membership(make_group(), role=Role.member)
    services.end_membership(admin, membership)
    assert not membership.can_vote
    assert membership.left_on is not None


def test_person_holds_one_active_membership_per_group(admin):
    group = make_group()
    person = make_user(name="Jan Jansen")
    services.add_member(admin, group, person, role=Role.member)
    with pytest.raises(services.AlreadyMember, match="Jan Jansen is already a member"):
        services.add_member(admin, group, person, role=Role.observer)
    # another group is fine
    services.add_member(admin, make_group(), person, role=Role.member)


def test_database_refuses_a_second_active_membership():
    group = make_group()
    person = make_user()
    make_membership(group, person)
    db.session.add(
        Membership(group=group, user=person, role=Role.member, joined_on=date(2026, 2, 1))
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_rejoining_after_leaving_keeps_the_former_membership(admin):
    group = make_group()
    person = make_user()
    first = services.add_member(admin, group, person, role=Role.member)
    services.end_membership(admin, first)
    second = services.add_member(admin, group, person, role=Role.chair)
    memberships = services.memberships_of(group)
    assert [m.id for m in memberships] == [first.id, second.id]
    assert services.former_members(memberships) == [first]
    assert first.role == Role.member


def test_leadership_rule(admin):
    group = make_group(is_leadership_required=True)
    housing = organisation(Country.DE)
    other = organisation(Country.NL)
    staff = make_user(name="Sachbearbeiterin")
    staff.organisation_id = housing.id
    head = make_user(name="Geschäftsführer")
    head.organisation_id = housing.id
    head.is_organisation_leader = True
    with pytest.raises(services.LeadershipRequired, match="Sachbearbeiterin cannot represent"):
        services.add_member(admin, group, staff, role=Role.member, organisation=housing)
    with pytest.raises(services.LeadershipRequired):
        services.add_member(admin, group, head, role=Role.member, organisation=other)
    membership = services.add_member(admin, group, head, role=Role.member, organisation=housing)
    assert membership.organisation == housing
    # An external moderator represents no organisation, so the rule does not apply.
    services.add_member(admin, group, staff, role=Role.moderator)
    # Without the rule anybody may represent their organisation.
    services.add_member(admin, make_group(), staff, role=Role.member, organisation=housing)


@pytest.mark.parametrize(
    ("role", "may_manage", "may_move_phase"),
    [
        (Role.chair, True, False),
        (Role.moderator, True, True),
        (Role.deputy_chair, False, False),
        (Role.member, False, False),
        (Role.observer, False, False),
    ],
)
def test_who_manages_and_moves_the_phase(role, may_manage, may_move_phase):
    group = make_group()
    actor = make_membership(group, role=role).user
    assert group.can_manage(actor) is may_manage
    assert group.can_move_phase(actor) is may_move_phase
    if not may_manage:
        with pytest.raises(services.NotAllowed):
            services.add_member(actor, group, make_user(), role=Role.member)
    if not may_move_phase:
        with pytest.raises(services.NotAllowed):
            services.move_to_next_phase(actor, group)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_former_moderator_may_no_longer_manage(admin):
    group = make_group()
    membership = make_membership(group, role=Role.moderator)
    services.end_membership(admin, membership)
    assert not group.can_manage(membership.user)
    assert not group.can_move_phase(membership.user)


def test_phases_move_in_order_with_audit_entries(admin):
    group = make_group()
    moderator = make_membership(group, role=Role.moderator).user
    entry = services.move_to_next_phase(moderator, group, "  Na drie bijeenkomsten  ")
    assert group.phase == Phase.mediation
    assert entry.note == "Na drie bijeenkomsten"
    assert entry.started_on == services.today()
    services.move_to_next_phase(admin, group)
    assert group.phase == Phase.consensus
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "group.phase_moved")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_id, e.details["before"], e.details["after"]) for e in entries] == [
        (moderator.id, "information_input", "mediation"),
        (admin.id, "mediation", "consensus"),
    ]
    assert all(e.object_type == "working_groups" and e.object_id == group.id for e in entries)


def test_closing_the_group_sets_its_closing_date_and_ends_the_phases(admin):
    group = make_group(phase=Phase.implementation)
    services.move_to_next_phase(admin, group)
    assert group.phase == Phase.closed
    assert group.closed_on == services.today()
    with pytest.raises(services.NoNextPhase):
        services.move_to_next_phase(admin, group)


def test_timeline_marks_the_current_phase(admin):
    group = make_group()
    services.move_to_next_phase(admin, group)
    db.session.refresh(group)
    steps = services.timeline(group)
    assert [s.phase for s in steps] == list(Phase)
    assert [s.is_current for s in steps] == [False, True, False, False, False]
    assert [s.is_done for s in steps] == [True, False, False, False, False]
    assert steps[1].entry is not None
    assert steps[2].entry is None


def test_membership_changes_are_audited(admin):
    group = make_group()
    membership = services.add_member(admin, group, make_user(), role=Role.member)
    services.change_role(admin, membership, Role.secretary, is_voting=False)
    services.end_membership(admin, membership)
    assert audit_actions() == [
        "group.member_added",
        "group.member_role_changed",
        "group.membership_ended",
    ]
    with pytest.raises(services.MembershipEnded):
        services.change_role(admin, membership, Role.member)
    with pytest.raises(services.MembershipEnded):
        services.end_membership(admin, membership)


def test_members_are_grouped_by_country_and_organisation():
    group = make_group()
    nl = organisation(Country.NL, "Gemeente Almelo")
    de_a = organisation(Country.DE, "Caritas Münster")
    de_b = organisation(Country.DE, "Stadt Münster")
    make_membership(group, make_user(name="Wim"), organisation=nl)
    make_membership(group, make_user(name="Sabine"), organisation=de_b)
    make_membership(group, make_user(name="Anna"), organisation=de_b, role=Role.chair)
    make_membership(group, make_user(name="Clara"), organisation=de_a)
    make_membership(group, make_user(name="Moderator"), role=Role.moderator)
    make_membership(group, make_user(name="Left"), organisation=nl, left_on=date(2026, 5, 1))
    sections = services.members_by_country(services.memberships_of(group))
    shape = [
        (
            s.country,
            [
                (o.name if o else None, [m.user.name for m in people])
                for o, people in s.organisations
            ],
        )
        for s in sections
    ]
    assert shape == [
        (Country.NL, [("Gemeente Almelo", ["Wim"])]),
        (Country.DE, [("Caritas Münster", ["Clara"]), ("Stadt Münster", ["Anna", "Sabine"])]),
        (None, [(None, ["Moderator"])]),
    ]


def test_visibility_of_public_and_private_groups():
    from flask_login import AnonymousUserMixin

    public = make_group(is_public=True)
    private = make_group(is_public=False)
    member = make_membership(private).user
    former = make_membership(private, left_on=date(2026, 3, 1)).user
    outsider = make_user()
    admin = make_user(is_admin=True)
    anonymous = AnonymousUserMixin()
    assert public.is_visible_to(anonymous)
    assert not public.can_see_members(anonymous)
    assert public.can_see_members(outsider)
    assert not private.is_visible_to(anonymous)
    assert not private.is_visible_to(outsider)
    assert not private.is_visible_to(former)
    assert private.is_visible_to(member)
    assert private.is_visible_to(admin)
    assert private.can_see_members(member)
    assert not private.can_see_members(outsider)


def test_the_group_pages_rights_answer_as_the_single_questions():
    from flask_login import AnonymousUserMixin

    group = make_group(slug="rechten")
    people = [make_user(is_admin=True), make_user()]  # the project manager, an outsider
    for role in Role:
        person = make_user()
        make_membership(group, person, role=role, is_voting=False)
        people.append(person)
    former = make_user()
    make_membership(group, former, role=Role.moderator, left_on=date(2026, 1, 1))
    people.append(former)
    db.session.commit()
    for person in [None, AnonymousUserMixin(), *people]:
        assert group.page_rights_of(person) == (
            group.can_manage(person),
            group.can_move_phase(person),
        )

"""Membership terms: on the day a term ends the person's voting right lapses, they show
as a former member, and a consensus round opened from then on does not count them."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.consensus import services as consensus
from app.consensus.models import Stance
from app.extensions import db
from app.groups import services
from app.groups.models import Membership, Role
from app.groups.models.memberships import local_today
from tests.consensus.helpers import xenia
from tests.factories import make_proposal, make_round, make_user


def test_a_term_that_ended_lapses_the_vote_and_the_member_shows_as_former(app, admin):
    w = xenia(voters=3)
    leaving = w.memberships[0]
    leaving.joined_on = local_today() - timedelta(days=30)
    services.set_term_end(admin, leaving, local_today() + timedelta(days=1))
    proposal = make_proposal(w.group, w.moderator)
    assert consensus.count_eligible(w.group) == 3
    # The term ends today: from today on they no longer vote or count.
    leaving.term_ends_on = local_today()
    db.session.flush()
    assert not leaving.is_active and leaving.ended_on == local_today()
    assert consensus.count_eligible(w.group) == 2
    round_ = make_round(proposal, w.moderator)
    assert round_.eligible_count == 2
    with pytest.raises(consensus.NotAVotingMember):
        consensus.record_position(round_, w.voters[0], Stance.agree)
    memberships = services.memberships_of(w.group)
    assert leaving in services.former_members(memberships)


def test_a_term_must_end_after_the_membership_began(app, admin):
    w = xenia(voters=1)
    membership = w.memberships[0]
    with pytest.raises(services.InvalidTerm):
        services.set_term_end(admin, membership, membership.joined_on)


def test_a_person_whose_term_ended_can_join_again(app, admin):
    w = xenia(voters=1)
    first = w.memberships[0]
    first.joined_on = date(2025, 1, 1)
    first.term_ends_on = date(2025, 12, 31)
    db.session.flush()
    again = services.add_member(admin, w.group, w.voters[0], role=Role.member)
    assert first.left_on == date(2025, 12, 31) and again.is_active


def test_the_roster_shows_terms_and_the_manager_sets_them_without_javascript(
    app, admin, admin_client
):
    w = xenia(voters=2)
    membership = w.memberships[0]
    membership.joined_on = local_today() - timedelta(days=10)
    db.session.commit()
    end = local_today() + timedelta(days=60)
    response = admin_client.post(
        f"/groups/{w.group.slug}/members/{membership.id}/term",
        data={f"t{membership.id}-term_ends_on": end.isoformat()},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).term_ends_on == end
    page = admin_client.get(f"/groups/{w.group.slug}").get_data(as_text=True)
    assert "term ends on" in page
    bad = admin_client.post(
        f"/groups/{w.group.slug}/members/{membership.id}/term",
        data={f"t{membership.id}-term_ends_on": "2000-01-01"},
    )
    assert bad.status_code == 400
    assert "A term ends after the day the membership began." in bad.get_data(as_text=True)


def test_a_new_member_can_be_added_with_a_term(app, admin, admin_client):
    w = xenia(voters=0)
    person = make_user(name="Nieuw Lid")
    db.session.commit()
    end = local_today() + timedelta(days=365)
    response = admin_client.post(
        f"/groups/{w.group.slug}/members",
        data={
            "person": person.id,
            "organisation": 0,
            "role": "member",
            "voting": "default",
            "term_ends_on": end.isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == person.id))
    assert membership.term_ends_on == end

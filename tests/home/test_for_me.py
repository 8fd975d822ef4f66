"""The signed-in home page lists exactly what waits for the person, and nothing of anyone
else's; the navigation shows how many things wait."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.consensus.models import ProposalStatus, Stance
from app.consensus.services import record_position
from app.core.database import utcnow
from app.extensions import db
from app.home.services import for_me, pending_counts
from app.meetings.models import ActionItem, MinutesStatus, Response
from app.visits.models import Registration, RegistrationStatus
from tests.conftest import TEST_PASSWORD, login
from tests.consensus.helpers import xenia
from tests.factories import (
    make_meeting,
    make_proposal,
    make_round,
    make_user,
    make_visit,
)

SOON = utcnow() + timedelta(days=5)


def world():
    """A member (voter 1) and a colleague (voter 2) of one group, and a group the member
    is not in; each kind of item for the member, and the same kinds for others."""
    mine = xenia(voters=2)
    other = xenia(voters=1)
    member, colleague = mine.voters
    w = {"member": member, "colleague": colleague, "group": mine.group}

    w["round"] = make_round(make_proposal(mine.group, title="Wohnen verteilt"), mine.moderator)
    answered = make_proposal(mine.group, title="Schon beantwortet")
    answered_round = make_round(answered, mine.moderator)
    record_position(answered_round, member, Stance.agree)
    make_round(make_proposal(other.group, title="Fremde Runde"), other.moderator)

    w["invited"] = make_meeting(mine.group, start=SOON, invitees=[member, colleague])
    answered_meeting = make_meeting(mine.group, start=SOON + timedelta(days=1), invitees=[member])
    answered_meeting.invitations[0].response = Response.accepted
    w["coming"] = answered_meeting
    make_meeting(other.group, start=SOON, invitees=[other.voters[0]])
    make_meeting(mine.group, start=utcnow() - timedelta(days=3), invitees=[member])  # past

    w["minutes"] = make_meeting(
        mine.group, start=utcnow() - timedelta(days=10), minutes_status=MinutesStatus.circulated
    )
    make_meeting(other.group, minutes_status=MinutesStatus.circulated)
    make_meeting(mine.group, minutes_status=MinutesStatus.approved)

    w["action"] = ActionItem(meeting=w["minutes"], text="Zahlen sammeln", owner=member)
    db.session.add_all(
        [
            w["action"],
            ActionItem(meeting=w["minutes"], text="Erledigt", owner=member, done_at=utcnow()),
            ActionItem(meeting=w["minutes"], text="Nicht meins", owner=colleague),
        ]
    )

    visit = make_visit(starts_on=date.today() + timedelta(days=7))
    later_visit = make_visit(starts_on=date.today() + timedelta(days=8))
    w["registration"] = Registration(
        visit=visit,
        name=member.name,
        email=member.email.upper(),
        status=RegistrationStatus.confirmed,
    )
    db.session.add_all(
        [
            w["registration"],
            Registration(
                visit=visit, name="X", email="x@example.org", status=RegistrationStatus.confirmed
            ),
            Registration(
                visit=later_visit,
                name=member.name,
                email=member.email,
                status=RegistrationStatus.cancelled,
            ),
        ]
    )

    decided = make_proposal(mine.group, title="Beschlossen")
    decided.status = ProposalStatus.decided
    decided.decided_at = utcnow() - timedelta(days=2)
    w["decision"] = decided
    old = make_proposal(mine.group, title="Lange her")
    old.status = ProposalStatus.decided
    old.decided_at = datetime(2020, 1, 1, tzinfo=UTC)
    other_decision = make_proposal(other.group, title="Anderswo")
    other_decision.status = ProposalStatus.decided
    other_decision.decided_at = utcnow()
    db.session.commit()
    return w


def test_for_me_lists_exactly_the_members_pending_items():
    w = world()
    overview = for_me(w["member"])
    assert [r.id for r, _m in overview.rounds] == [w["round"].id]
    assert [i.meeting_id for i in overview.invitations] == [w["invited"].id]
    assert [m.id for m in overview.minutes] == [w["minutes"].id]
    assert [a.id for a in overview.action_items] == [w["action"].id]
    assert [i.meeting_id for i in overview.coming_meetings] == [w["coming"].id]
    assert [r.id for r in overview.coming_visits] == [w["registration"].id]
    assert [p.id for p in overview.decisions] == [w["decision"].id]
    assert overview.pending == 4
    assert pending_counts(w["member"]) == 4


def test_someone_without_items_has_nothing_waiting():
    world()
    stranger = make_user()
    db.session.commit()
    overview = for_me(stranger)
    assert overview.pending == 0 and pending_counts(stranger) == 0
    assert not (overview.coming_meetings or overview.coming_visits or overview.decisions)


def test_the_page_links_each_item_to_where_it_is_done(client):
    w = world()
    w["member"].set_password(TEST_PASSWORD)
    db.session.commit()
    login(client, w["member"].email)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/consensus/proposals/{w["round"].proposal_id}"' in html
    assert f'href="/meetings/{w["invited"].id}"' in html
    assert f'href="/meetings/{w["minutes"].id}#minutes"' in html
    assert f'href="/visits/{w["registration"].visit_id}"' in html
    assert f'href="/consensus/proposals/{w["decision"].id}/decision"' in html
    assert "Zahlen sammeln" in html and "Nicht meins" not in html and "Fremde Runde" not in html
    assert "4 things wait for you." in html
    assert "<span data-number>4</span>" in html  # the count in the header


def test_other_pages_fetch_the_count(client):
    w = world()
    w["member"].set_password(TEST_PASSWORD)
    db.session.commit()
    login(client, w["member"].email)
    html = client.get("/groups/").get_data(as_text=True)
    assert 'data-for-me-count="/for-me/count.json"' in html
    assert "js/for-me.js" in html
    answer = client.get("/for-me/count.json", headers={"Accept-Language": "de"})
    assert answer.get_json() == {"count": 4, "label": "things wait"}  # the person's language


@pytest.mark.parametrize("copies", [1, 4])
def test_the_page_runs_the_same_queries_whatever_the_data(client, copies):
    from tests.core.test_query_counts import count_queries

    member = make_user(password=TEST_PASSWORD)
    db.session.commit()
    for _ in range(copies):
        w = world()
        for key in ("round", "invited"):
            del w[key]
    login(client, member.email)
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    assert len(statements) <= 10


def test_an_anonymous_visitor_gets_the_front_page(client):
    html = client.get("/").get_data(as_text=True)
    assert "For me" not in html
    assert 'href="/about"' in html


def test_times_show_in_the_readers_style_without_seconds(client):
    w = world()
    w["member"].set_password(TEST_PASSWORD)
    w["member"].locale = "de"
    w["invited"].start_at = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)
    w["invited"].end_at = datetime(2031, 3, 10, 11, 0, tzinfo=UTC)
    db.session.commit()
    login(client, w["member"].email)
    html = client.get("/").get_data(as_text=True)
    assert "10. März 2031, 10:00" in html
    assert not re.search(r"\d:\d\d:\d\d", html.split("<main", 1)[1])


def test_a_round_per_institution_waits_for_the_organisation_not_for_each_member():
    from tests.consensus.helpers import institutions

    w = institutions(2)
    round_ = make_round(make_proposal(w.group, title="Pro Einrichtung"), w.moderator)
    assert round_.is_per_institution
    record_position(round_, w.deputies[0], Stance.agree)  # the deputy answers for org 1
    db.session.commit()

    def waiting(person):
        return [r.id for r, _m in for_me(person).rounds]

    assert waiting(w.representatives[0]) == []  # answered by the deputy
    assert waiting(w.representatives[1]) == [round_.id]
    assert waiting(w.deputies[1]) == [round_.id]
    assert waiting(w.bystander) == []  # neither representative nor deputy


def test_many_unanswered_invitations_leave_room_for_the_coming_meetings():
    """Both lists come from one query that takes the first LIST_LIMIT of each, so a
    person with dozens of unanswered invitations still sees the meetings they accepted."""
    from app.home.services import LIST_LIMIT

    person = make_user()
    unanswered = [
        make_meeting(start=SOON + timedelta(hours=i), invitees=[person])
        for i in range(LIST_LIMIT + 15)
    ]
    accepted = make_meeting(start=SOON + timedelta(days=20), invitees=[person])
    accepted.invitations[0].response = Response.accepted
    db.session.commit()
    overview = for_me(person)
    assert [i.meeting_id for i in overview.invitations] == [m.id for m in unanswered][:LIST_LIMIT]
    assert [i.meeting_id for i in overview.coming_meetings] == [accepted.id]
    assert overview.is_cut

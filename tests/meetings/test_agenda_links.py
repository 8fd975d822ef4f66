"""The agenda links consensus proposals of the meeting's group and carries the open
actions of earlier meetings."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.meetings import services
from app.meetings.models import AgendaItem
from tests.factories import make_group, make_meeting, make_membership, make_proposal, make_user

SOON = datetime.now(UTC) + timedelta(days=7)


def test_agenda_item_links_a_proposal_of_the_group(admin_client):
    group = make_group()
    meeting = make_meeting(group, start=SOON)
    proposal = make_proposal(group, title="Spreiding over de wijken")
    db.session.commit()
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'<option value="{proposal.id}">Spreiding over de wijken</option>' in page
    response = admin_client.post(
        f"/meetings/{meeting.id}/agenda",
        data={"title": "Voorstel bespreken", "duration": "30", "proposal": str(proposal.id)},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(AgendaItem.proposal_id)) == proposal.id
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/consensus/proposals/{proposal.id}"' in page
    assert "Proposal: Spreiding over de wijken" in page


def test_a_proposal_of_another_group_is_refused(admin_client):
    meeting = make_meeting(make_group(), start=SOON)
    foreign = make_proposal(make_group(), title="Geheim voorstel")
    project_wide = make_meeting(start=SOON)
    db.session.commit()
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Geheim voorstel" not in page
    for target, proposal_id in (
        (meeting, foreign.id),
        (meeting, 99999),
        (project_wide, foreign.id),
    ):
        response = admin_client.post(
            f"/meetings/{target.id}/agenda",
            data={"title": "Sluiproute", "duration": "10", "proposal": str(proposal_id)},
        )
        assert response.status_code == 400
        assert "Only a proposal of the meeting" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0


def test_open_actions_of_earlier_meetings_appear_on_the_next_agenda(member_client, member):
    group = make_group()
    make_membership(group, member)
    chair = make_user(is_admin=True)
    earlier = make_meeting(group, start=datetime.now(UTC) - timedelta(days=30))
    overdue = services.add_action_item(
        chair, earlier, "Notitie spreiding schrijven", member, date(2020, 1, 1)
    )
    services.add_action_item(chair, earlier, "Zaal reserveren", None, None)
    done = services.add_action_item(chair, earlier, "Verslag rondsturen", member, None)
    services.complete_action_item(chair, done)
    other_group = make_meeting(make_group(), start=datetime.now(UTC) - timedelta(days=3))
    services.add_action_item(chair, other_group, "Andermans actie", None, None)
    following = make_meeting(group, start=SOON)
    later = make_meeting(group, start=SOON + timedelta(days=30))
    services.add_action_item(chair, following, "Actie van de volgende", None, None)
    db.session.commit()

    page = member_client.get(f"/meetings/{following.id}").get_data(as_text=True)
    assert "Open actions from earlier meetings" in page
    assert "Notitie spreiding schrijven" in page and "Overdue" in page
    assert "Zaal reserveren" in page
    assert "Verslag rondsturen" not in page and "Andermans actie" not in page
    assert [a.text for a in services.carried_action_items(later)] == [
        "Notitie spreiding schrijven",
        "Zaal reserveren",
        "Actie van de volgende",
    ]

    services.complete_action_item(member, overdue)
    db.session.commit()
    page = member_client.get(f"/meetings/{following.id}").get_data(as_text=True)
    assert "Notitie spreiding schrijven" not in page and "Overdue" not in page
    earlier_page = member_client.get(f"/meetings/{earlier.id}").get_data(as_text=True)
    assert "Open actions from earlier meetings" not in earlier_page

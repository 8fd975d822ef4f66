"""The consensus pages through the client: access, messages, anonymity in HTML and JSON."""

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Outcome, Position, Proposal, Round, Stance, Visibility
from app.extensions import db
from tests.conftest import TEST_PASSWORD, login
from tests.core.test_query_counts import count_queries
from tests.factories import make_proposal, make_round, make_user

from .helpers import xenia


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email, TEST_PASSWORD).status_code == 302
    return client


@pytest.fixture
def world():
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator, versions=2)
    round_ = make_round(proposal, w.moderator)
    db.session.commit()
    return w, proposal, round_


def url(proposal, round_=None, action=""):
    base = f"/consensus/proposals/{proposal.id}"
    return f"{base}/rounds/{round_.id}/{action}" if round_ else base


def test_member_records_a_position(app, world):
    w, proposal, round_ = world
    client = signed_in(app, w.voters[0])
    page = client.get(url(proposal))
    assert page.status_code == 200
    assert b"Record my position" in page.data
    response = client.post(url(proposal, round_, "position"), data={"stance": "agree"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Position.stance)) == Stance.agree
    assert b"You answered" in client.get(url(proposal)).data


def test_objection_without_reason_is_400_and_writes_nothing(app, world):
    w, proposal, round_ = world
    client = signed_in(app, w.voters[0])
    response = client.post(url(proposal, round_, "position"), data={"stance": "object"})
    assert response.status_code == 400
    assert b"Please give a reason for reservations or an objection." in response.data
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0


def test_bad_stance_is_400(app, world):
    w, proposal, round_ = world
    client = signed_in(app, w.voters[0])
    assert (
        client.post(url(proposal, round_, "position"), data={"stance": "maybe"}).status_code == 400
    )


def test_observer_is_refused_with_a_translated_message(app, world):
    w, proposal, round_ = world
    client = signed_in(app, w.observer)
    page = client.get(url(proposal))
    assert b"Record my position" not in page.data
    response = client.post(
        url(proposal, round_, "position"),
        data={"stance": "agree"},
        headers={"Accept-Language": "nl"},
    )
    assert response.status_code == 403
    assert 'lang="nl"' in response.get_data(as_text=True)


def test_position_after_close_is_refused(app, world):
    w, proposal, round_ = world
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    client = signed_in(app, w.voters[0])
    response = client.post(url(proposal, round_, "position"), data={"stance": "agree"})
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0


def test_private_group_proposals_hidden_from_outsiders(app):
    w = xenia(voters=2, is_public=False)
    proposal = make_proposal(w.group, w.moderator)
    outsider = make_user()
    db.session.commit()
    assert signed_in(app, outsider).get(url(proposal)).status_code == 404
    assert signed_in(app, w.voters[0]).get(url(proposal)).status_code == 200
    assert signed_in(app, outsider).get("/consensus/").status_code == 200
    assert proposal.title.encode() not in signed_in(app, outsider).get("/consensus/").data


def test_public_group_proposals_readable_by_signed_in_people(app, client, world):
    w, proposal, round_ = world
    outsider = make_user()
    db.session.commit()
    assert signed_in(app, outsider).get(url(proposal)).status_code == 200
    assert client.get(url(proposal)).status_code == 302  # anonymous: sign in first


def test_dashboard_only_for_moderator_and_project_manager(app, world):
    w, proposal, round_ = world
    admin = make_user(is_admin=True)
    db.session.commit()
    assert signed_in(app, w.voters[0]).get(url(proposal, round_, "dashboard")).status_code == 403
    assert signed_in(app, w.voters[0]).get(url(proposal, round_, "projected")).status_code == 403
    assert (
        signed_in(app, w.voters[0])
        .post(url(proposal, round_, "close"), data={"reason": "Agreed in the meeting."})
        .status_code
        == 403
    )
    assert signed_in(app, w.moderator).get(url(proposal, round_, "dashboard")).status_code == 200
    assert signed_in(app, admin).get(url(proposal, round_, "dashboard")).status_code == 200


@pytest.mark.parametrize("visibility", [Visibility.anonymous, Visibility.secret])
def test_anonymity_never_leaks_names_to_members(app, visibility):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, visibility=visibility)
    services.record_position(round_, w.voters[0], Stance.object, "Mijn bezwaar")
    services.record_position(round_, w.voters[1], Stance.agree_with_reservations, "Mijn voorbehoud")
    db.session.commit()
    name = w.voters[0].name
    member = signed_in(app, w.voters[2])
    page = member.get(url(proposal)).get_data(as_text=True)
    assert "Mijn bezwaar" in page and name not in page and w.voters[1].name not in page
    data = member.get(url(proposal, round_, "tally.json")).get_data(as_text=True)
    assert "Mijn bezwaar" in data and name not in data
    moderator = signed_in(app, w.moderator)
    shown = moderator.get(url(proposal, round_, "dashboard")).get_data(as_text=True)
    # The moderator sees who answered (for reminders); names beside the reasons only when
    # the round is anonymous to members but named to the moderator.
    reasons = shown[shown.index("Objections") : shown.index("Not answered yet")]
    assert (name in reasons) is (visibility == Visibility.anonymous)
    assert ("Anonymous" in reasons) is (visibility == Visibility.secret)
    json_for_moderator = moderator.get(url(proposal, round_, "tally.json")).get_json()
    has_names = "name" in json_for_moderator["objections"][0]
    assert has_names is (visibility == Visibility.anonymous)
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    record_page = member.get(url(proposal)).get_data(as_text=True)
    assert name not in record_page


def test_hidden_tally_not_shown_to_members(app):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, is_tally_hidden=True)
    services.record_position(round_, w.voters[0], Stance.object, "Verborgen bezwaar")
    db.session.commit()
    member = signed_in(app, w.voters[1])
    assert "Verborgen bezwaar" not in member.get(url(proposal)).get_data(as_text=True)
    assert "tally" not in member.get(url(proposal, round_, "tally.json")).get_json()


def test_moderator_opens_closes_and_the_decision_record_shows_it(app):
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator, versions=2)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    response = moderator.post(
        url(proposal) + "/rounds",
        data={"closes_at": "2099-01-31T18:00", "visibility": "named", "quorum": ""},
    )
    assert response.status_code == 302
    round_ = db.session.scalar(sa.select(Round))
    assert round_.quorum == 2
    assert round_.closes_at.isoformat() == "2099-01-31T17:00:00+00:00"
    for person, stance, reason in (
        (w.voters[0], "agree", ""),
        (w.voters[1], "agree_with_reservations", "Buurtcoach blijft nodig"),
    ):
        signed_in(app, person).post(
            url(proposal, round_, "position"), data={"stance": stance, "reason": reason}
        )
    assert (
        moderator.post(
            url(proposal, round_, "close"), data={"reason": "Agreed in the meeting."}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Round, round_.id).outcome == Outcome.consensus
    record = signed_in(app, w.voters[2]).get(url(proposal) + "/decision")
    assert record.status_code == 200
    text = record.get_data(as_text=True)
    for expected in (
        "Decision record",
        "Version 2",
        "Buurtcoach blijft nodig",
        w.voters[1].name,
        w.moderator.name,
        "Zuwanderer wohnen über die Stadt verteilt (Fassung 2).",
        "Nieuwkomers wonen verspreid over de stad (versie 2).",
    ):
        assert expected in text
    # Nothing can be changed afterwards.
    again = moderator.post(url(proposal) + "/versions", data={"text_nl": "a", "text_de": "b"})
    assert again.status_code == 409


def test_open_round_bad_input_is_400(app, world):
    w, proposal, round_ = world
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    assert (
        moderator.post(url(proposal) + "/rounds", data={"closes_at": "morgen"}).status_code == 400
    )
    past = moderator.post(
        url(proposal) + "/rounds", data={"closes_at": "2001-01-01T10:00", "visibility": "named"}
    )
    assert past.status_code == 400
    assert b"The closing time must lie in the future." in past.data
    too_big = moderator.post(
        url(proposal) + "/rounds",
        data={"closes_at": "2099-01-01T10:00", "visibility": "named", "quorum": "99"},
    )
    assert too_big.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 1


def test_diff_page_and_unknown_version(app, world):
    w, proposal, round_ = world
    client = signed_in(app, w.voters[0])
    page = client.get(url(proposal) + "/diff?from=1&to=2")
    assert page.status_code == 200
    assert b"<del" in page.data and b"<ins" in page.data
    assert client.get(url(proposal) + "/diff?from=1&to=9").status_code == 404


def test_remind_once_a_day(app, world):
    w, proposal, round_ = world
    moderator = signed_in(app, w.moderator)
    assert moderator.post(url(proposal, round_, "remind")).status_code == 302
    assert moderator.post(url(proposal, round_, "remind")).status_code == 429


def test_moderator_creates_a_proposal(app):
    w = xenia(voters=2)
    db.session.commit()
    moderator = signed_in(app, w.moderator)
    response = moderator.post(
        f"/consensus/groups/{w.group.slug}",
        data={
            "title": "Spreiding",
            "text_nl": "Tekst",
            "text_de": "Text",
            "binding_language": "de",
        },
    )
    assert response.status_code == 302
    proposal = db.session.scalar(sa.select(Proposal))
    assert proposal.versions[0].binding_language == "de"
    assert (
        signed_in(app, w.voters[0])
        .post(f"/consensus/groups/{w.group.slug}", data={"title": "x"})
        .status_code
        == 403
    )
    group_page = moderator.get(f"/groups/{w.group.slug}").get_data(as_text=True)
    assert "Spreiding" in group_page


@pytest.mark.parametrize("path", ["dashboard", "tally.json", "projected"])
def test_dashboard_queries_do_not_grow_with_the_members(app, path):
    counts = []
    for voters in (5, 100):
        w = xenia(voters=voters)
        proposal = make_proposal(w.group, w.moderator)
        round_ = make_round(proposal, w.moderator, visibility=Visibility.named)
        for person in w.voters[: voters // 2]:
            services.record_position(round_, person, Stance.agree_with_reservations, "Ja, maar")
        db.session.commit()
        client = signed_in(app, w.moderator)
        with count_queries() as statements:
            assert client.get(url(proposal, round_, path)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # The position history (changes and who gave them) adds two queries, the footer's
    # funding acknowledgement one.
    assert counts[1] <= 19, counts

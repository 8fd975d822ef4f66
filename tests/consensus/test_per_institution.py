"""Groups that decide per institution: one position per organisation, given by its
representative or the deputy they named; quorum and pages count organisations."""

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Outcome, Position, Representation, Stance, Visibility
from app.extensions import db
from tests.core.test_query_counts import count_queries
from tests.factories import make_membership, make_organisation, make_proposal, make_round, make_user

from .helpers import institutions
from .test_views import signed_in, url


@pytest.fixture
def world():
    w = institutions(3)
    proposal = make_proposal(w.group, w.moderator, versions=1)
    round_ = make_round(proposal, w.moderator)
    db.session.commit()
    return w, proposal, round_


def positions_of(round_):
    return db.session.scalars(sa.select(Position).where(Position.round_id == round_.id)).all()


def test_quorum_counts_organisations_not_people(world):
    w, proposal, round_ = world
    # Seven voting members, three organisations.
    assert round_.is_per_institution
    assert round_.eligible_count == 3
    assert round_.quorum == 2


def test_deputy_and_representative_replace_each_other(world):
    w, proposal, round_ = world
    services.record_position(round_, w.representatives[0], Stance.agree)
    services.record_position(round_, w.deputies[0], Stance.object, "Te duur voor ons.")
    [position] = positions_of(round_)
    assert position.organisation_id == w.organisations[0].id
    assert position.answered_by_id == w.deputies[0].id
    assert position.stance == Stance.object
    services.record_position(round_, w.representatives[0], Stance.stand_aside)
    [position] = positions_of(round_)
    assert (position.answered_by_id, position.stance) == (
        w.representatives[0].id,
        Stance.stand_aside,
    )


def test_someone_who_is_neither_is_refused(app, world):
    w, proposal, round_ = world
    with pytest.raises(services.NotARepresentative):
        services.record_position(round_, w.bystander, Stance.agree)
    db.session.commit()
    response = signed_in(app, w.bystander).post(
        url(proposal, round_, "position"), data={"stance": "agree"}
    )
    assert response.status_code == 403
    assert "only an organisation&#39;s representative or their deputy" in response.get_data(
        as_text=True
    )
    assert positions_of(round_) == []


def test_outcome_counts_one_position_per_organisation(world):
    w, proposal, round_ = world
    services.record_position(round_, w.representatives[0], Stance.agree)
    services.record_position(round_, w.deputies[0], Stance.agree)
    # One organisation answered (twice): below the quorum of two.
    assert (
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
        == Outcome.no_quorum
    )
    assert round_.tally["agree"] == 1


def test_consensus_with_a_deputy_answering(world):
    w, proposal, round_ = world
    services.record_position(round_, w.representatives[0], Stance.agree)
    services.record_position(
        round_, w.deputies[1], Stance.agree_with_reservations, "Alleen met buurtcoach."
    )
    assert (
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
        == Outcome.consensus
    )
    assert proposal.is_decided


@pytest.mark.parametrize(
    ("visibility", "member_sees", "moderator_sees"),
    [
        (Visibility.named, True, True),
        (Visibility.anonymous, False, True),
        (Visibility.secret, False, False),
    ],
)
def test_pages_show_who_answered_for_which_organisation(
    app, visibility, member_sees, moderator_sees
):
    w = institutions(2, locales=("en", "en"))
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, visibility=visibility)
    services.record_position(round_, w.deputies[0], Stance.object, "Niet zonder budget.")
    db.session.commit()
    line = f"{w.deputies[0].name} for {w.organisations[0].name}"
    member_page = signed_in(app, w.representatives[1]).get(url(proposal))
    assert "Niet zonder budget." in member_page.get_data(as_text=True)
    assert (line in member_page.get_data(as_text=True)) is member_sees
    moderator = signed_in(app, w.moderator)
    dashboard = moderator.get(url(proposal, round_, "dashboard")).get_data(as_text=True)
    assert "Quorum: 2 of 2 organisations." in dashboard
    # Participation is always shown to the moderator: who answered for whom.
    assert line in dashboard
    reasons = dashboard.split("Not answered yet")[0]
    assert (line in reasons) is moderator_sees
    assert f"{w.representatives[1].name} for {w.organisations[1].name}" in dashboard
    services.record_position(round_, w.representatives[1], Stance.agree)
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    outcome = moderator.get(url(proposal)).get_data(as_text=True)
    assert "Objections" in outcome


def test_decision_record_names_the_organisation_as_the_round_allows(app):
    w = institutions(2)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator, visibility=Visibility.named)
    services.record_position(round_, w.deputies[0], Stance.agree_with_reservations, "Mits X.")
    services.record_position(round_, w.representatives[1], Stance.agree)
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    db.session.commit()
    record = signed_in(app, w.bystander).get(f"{url(proposal)}/decision").get_data(as_text=True)
    assert f"{w.deputies[0].name} for {w.organisations[0].name}" in record


def test_representative_names_a_deputy_and_nobody_else_may(app, world):
    w, proposal, round_ = world
    org = w.organisations[0]
    path = f"/consensus/groups/{w.group.slug}/representation/{org.id}"
    rep = signed_in(app, w.representatives[0])
    assert rep.post(path, data={"deputy": w.bystander.id}).status_code == 302
    representation = db.session.scalar(
        sa.select(Representation).where(Representation.organisation_id == org.id)
    )
    assert representation.deputy_id == w.bystander.id
    # The former deputy no longer answers; the new one does.
    with pytest.raises(services.NotARepresentative):
        services.record_position(round_, w.deputies[0], Stance.agree)
    services.record_position(round_, w.bystander, Stance.agree)
    db.session.commit()
    # The representative may not hand over the representation itself.
    response = rep.post(path, data={"representative": w.deputies[0].id, "deputy": 0})
    assert response.status_code == 403
    # The representative reads Dutch.
    assert "Alleen de projectleiding wijst vertegenwoordigers aan" in response.get_data(
        as_text=True
    )
    # Someone else's deputy may not name anyone.
    other = signed_in(app, w.deputies[1])
    assert other.post(path, data={"deputy": 0}).status_code == 403
    db.session.expire_all()
    assert representation.deputy_id == w.bystander.id


def test_project_manager_names_a_representative_only_among_voting_members(app, world):
    w, proposal, round_ = world
    org = w.organisations[1]
    path = f"/consensus/groups/{w.group.slug}/representation/{org.id}"
    manager = signed_in(app, w.manager)
    stranger = make_user()
    make_membership(w.group, stranger, organisation=make_organisation())
    db.session.commit()
    response = manager.post(path, data={"representative": stranger.id, "deputy": 0})
    assert response.status_code == 400
    assert "must be a voting member for it" in response.get_data(as_text=True)
    assert (
        manager.post(
            path, data={"representative": w.deputies[1].id, "deputy": w.representatives[1].id}
        ).status_code
        == 302
    )
    db.session.expire_all()
    representation = db.session.scalar(
        sa.select(Representation).where(Representation.organisation_id == org.id)
    )
    assert (representation.representative_id, representation.deputy_id) == (
        w.deputies[1].id,
        w.representatives[1].id,
    )
    page = manager.get(f"/consensus/groups/{w.group.slug}").get_data(as_text=True)
    assert "Who answers for each organisation" in page


def test_group_setting_in_the_group_form(app, admin_client):
    from app.groups.models import WorkingGroup

    data = {
        "kind": "xenia",
        "slug": "brug-per-instelling",
        "name_nl": "Brug",
        "decides_per_institution": "y",
    }
    assert admin_client.post("/groups/new", data=data).status_code == 302
    group = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.slug == data["slug"]))
    assert group.decides_per_institution
    form = admin_client.get(f"/groups/{group.slug}/edit").get_data(as_text=True)
    assert "The group decides per institution" in form


@pytest.mark.parametrize("path", ["dashboard", "tally.json", "projected"])
def test_dashboard_queries_bounded_per_institution(app, path):
    counts = []
    for organisations in (3, 60):
        w = institutions(organisations)
        proposal = make_proposal(w.group, w.moderator)
        round_ = make_round(proposal, w.moderator, visibility=Visibility.named)
        for person in w.deputies[: organisations // 2]:
            services.record_position(round_, person, Stance.agree_with_reservations, "Ja, maar")
        db.session.commit()
        client = signed_in(app, w.moderator)
        with count_queries() as statements:
            assert client.get(url(proposal, round_, path)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # The position history (changes and who gave them) adds two queries to the dashboard.
    assert counts[1] <= 24, counts

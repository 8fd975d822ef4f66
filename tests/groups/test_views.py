"""Working-group pages through the client: who sees what, the management forms and their
messages, and a bounded number of queries on the group page."""

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups import services
from app.groups.models import GroupPhase, Membership, Phase, Role
from app.partners.models import Country
from tests.conftest import TEST_PASSWORD, login
from tests.core.test_query_counts import count_queries
from tests.factories import make_group, make_membership, make_user

from .helpers import PDF_BYTES, organisation


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email, TEST_PASSWORD).status_code == 302
    return client


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def xenia():
    group = make_group(
        slug="xenia",
        name_en="Xenia — Housing for newcomers",
        theme_en="Housing for newcomers",
        cities="Münster",
        is_leadership_required=True,
    )
    db.session.add(
        GroupPhase(group=group, phase=Phase.information_input, started_on=date(2026, 3, 12))
    )
    db.session.commit()
    return group


@pytest.fixture
def moderator(xenia):
    user = make_user(email="moderator@example.org", name="Jürgen Moderator")
    make_membership(xenia, user, role=Role.moderator, is_voting=False)
    db.session.commit()
    return user


def test_public_group_is_readable_by_anyone_but_members_need_sign_in(client, xenia):
    make_membership(xenia, make_user(name="Heike Kortmann"))
    db.session.commit()
    response = client.get("/groups/xenia")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xenia — Housing for newcomers" in page
    assert "Information and input" in page
    assert "The member list is visible to signed-in participants." in page
    assert "Heike Kortmann" not in page


def test_group_page_shows_members_by_country_and_former_members(member_client, xenia):
    nl = organisation(Country.NL, "Gemeente Almelo")
    de = organisation(Country.DE, "Stadt Münster")
    make_membership(xenia, make_user(name="Wim Meinders"), organisation=nl, role=Role.observer)
    make_membership(xenia, make_user(name="Heike Kortmann"), organisation=de, role=Role.chair)
    make_membership(
        xenia,
        make_user(name="Bernd Früher"),
        organisation=de,
        joined_on=date(2026, 1, 5),
        left_on=date(2026, 6, 30),
    )
    db.session.commit()
    page = member_client.get("/groups/xenia").get_data(as_text=True)
    netherlands, germany, former = (
        page.index("Netherlands"),
        page.index("Germany"),
        page.index("Former members"),
    )
    assert netherlands < page.index("Wim Meinders") < germany
    assert germany < page.index("Heike Kortmann", germany) < former
    # The chair is also named above the lists.
    assert page.index("Heike Kortmann") < netherlands
    assert former < page.index("Bernd Früher")
    assert "30 June 2026" in page
    assert 'aria-current="step"' in page


def test_private_group_is_hidden_from_others(app, member_client, admin_client):
    private = make_group(slug="kern", is_public=False, name_en="Core group")
    insider = make_user()
    make_membership(private, insider)
    db.session.commit()
    assert "Core group" not in member_client.get("/groups/").get_data(as_text=True)
    assert "Core group" in admin_client.get("/groups/").get_data(as_text=True)
    assert "Core group" in signed_in(app, insider).get("/groups/").get_data(as_text=True)
    assert signed_in(app, insider).get("/groups/kern").status_code == 200


def test_member_of_one_private_group_cannot_reach_another(app, admin_client):
    group_a = make_group(slug="group-a", is_public=False)
    group_b = make_group(slug="group-b", is_public=False)
    member_a = make_user()
    make_membership(group_a, member_a, role=Role.moderator)
    other = make_membership(group_b, make_user())
    document = services.store_document(
        make_user(is_admin=True),
        group_b,
        title="Geheim",
        language="de",
        filename="geheim.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    db.session.commit()
    client = signed_in(app, member_a)
    b = "/groups/group-b"
    gets = [b, f"{b}/manage", f"{b}/documents", f"{b}/documents/{document.id}"]
    posts = [
        f"{b}/phase",
        f"{b}/members",
        f"{b}/members/{other.id}",
        f"{b}/members/{other.id}/end",
        f"{b}/documents",
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    for path in posts:
        assert client.post(path, data={"role": "member", "voting": "yes"}).status_code == 404, path
    # nor through group A's own pages
    assert client.post(f"/groups/group-a/members/{other.id}/end").status_code == 404
    assert client.get(f"/groups/group-a/documents/{document.id}").status_code == 404
    assert other.left_on is None
    assert group_b.phase == Phase.information_input
    for path in gets:
        with admin_client.get(path) as response:
            assert response.status_code == 200, path


def test_plain_member_may_not_manage_a_public_group(member_client, xenia, moderator):
    assert member_client.get("/groups/xenia/manage").status_code == 403
    assert member_client.post("/groups/xenia/phase").status_code == 403
    assert "Manage members" not in member_client.get("/groups/xenia").get_data(as_text=True)


def test_moderator_adds_a_member_and_moves_the_phase(app, xenia, moderator):
    head = make_user(name="Martin Terhorst")
    housing = organisation(Country.DE, "Wohn + Stadtbau")
    head.organisation_id = housing.id
    head.is_organisation_leader = True
    db.session.commit()
    client = signed_in(app, moderator)
    assert client.get("/groups/xenia/manage").status_code == 200
    response = client.post(
        "/groups/xenia/members",
        data={"person": head.id, "organisation": -1, "role": "member", "voting": "default"},
        follow_redirects=True,
    )
    assert "Martin Terhorst has joined the group as Member." in response.get_data(as_text=True)
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == head.id))
    assert membership.organisation_id == housing.id
    assert membership.can_vote

    # Moving on asks first (without JavaScript too), stating what will happen.
    confirm = client.post("/groups/xenia/phase", data={"note": "Start of mediation"})
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Move to the phase “Mediation”?" in text and "This cannot be undone" in text
    db.session.refresh(xenia)
    assert xenia.phase == Phase.information_input
    response = client.post(
        "/groups/xenia/phase",
        data={"note": "Start of mediation", "confirmed": "yes"},
        follow_redirects=True,
    )
    assert "The group is now in the phase “Mediation”." in response.get_data(as_text=True)
    db.session.refresh(xenia)
    assert xenia.phase == Phase.mediation


def test_duplicate_member_gets_a_clear_error_and_nothing_is_written(app, xenia, moderator):
    client = signed_in(app, moderator)
    before = count(Membership)
    response = client.post(
        "/groups/xenia/members",
        data={"person": moderator.id, "organisation": 0, "role": "member", "voting": "default"},
    )
    assert response.status_code == 409
    assert "Jürgen Moderator is already a member of this group." in response.get_data(as_text=True)
    assert count(Membership) == before


def test_bad_choice_is_explained_in_the_viewers_language(app, xenia, moderator):
    client = signed_in(app, moderator)
    client.post("/language", data={"lang": "de", "next": "/groups/"})  # the header switcher
    response = client.post(
        "/groups/xenia/members",
        data={"person": moderator.id, "organisation": 0, "role": "member", "voting": "x"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<html lang="de"' in page
    assert "Keine gültige Auswahl" in page  # WTForms' own message, in German


def test_non_leader_is_refused_when_leadership_is_required(app, xenia, moderator):
    housing = organisation(Country.DE, "Wohn + Stadtbau")
    clerk = make_user(name="Klara Sachbearbeiterin")
    clerk.organisation_id = housing.id
    db.session.commit()
    client = signed_in(app, moderator)
    response = client.post(
        "/groups/xenia/members",
        data={"person": clerk.id, "organisation": -1, "role": "member", "voting": "default"},
    )
    assert response.status_code == 409
    assert (
        "Klara Sachbearbeiterin cannot represent Wohn + Stadtbau in this group"
        in response.get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == clerk.id)) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"person": "abc", "organisation": 0, "role": "member", "voting": "default"},
        {"person": 999999, "organisation": 0, "role": "member", "voting": "default"},
        {"person": 1, "organisation": 999999, "role": "member", "voting": "default"},
        {"person": 1, "organisation": 0, "role": "king", "voting": "default"},
        {"person": 1, "organisation": 0, "role": "member", "voting": "maybe"},
    ],
)
def test_bad_input_on_the_add_form_is_a_400_with_a_message(app, xenia, moderator, data):
    client = signed_in(app, moderator)
    before = count(Membership)
    response = client.post("/groups/xenia/members", data=data)
    assert response.status_code == 400
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    assert count(Membership) == before


def test_observer_with_voting_rights_is_refused(app, xenia, moderator):
    person = make_user()
    db.session.commit()
    response = signed_in(app, moderator).post(
        "/groups/xenia/members",
        data={"person": person.id, "organisation": 0, "role": "observer", "voting": "yes"},
    )
    assert response.status_code == 400
    assert "An observer never votes." in response.get_data(as_text=True)


def test_change_role_and_end_membership(app, xenia, moderator):
    membership = make_membership(xenia, make_user(name="Nesrin Demir"))
    db.session.commit()
    client = signed_in(app, moderator)
    prefix = f"m{membership.id}-"
    response = client.post(
        f"/groups/xenia/members/{membership.id}",
        data={prefix + "role": "deputy_chair", prefix + "voting": "yes"},
        follow_redirects=True,
    )
    assert "The role of Nesrin Demir has been changed." in response.get_data(as_text=True)
    db.session.refresh(membership)
    assert membership.role == Role.deputy_chair

    bad = client.post(
        f"/groups/xenia/members/{membership.id}",
        data={prefix + "role": "observer", prefix + "voting": "yes"},
    )
    assert bad.status_code == 400
    assert "An observer never votes." in bad.get_data(as_text=True)

    response = client.post(f"/groups/xenia/members/{membership.id}/end", follow_redirects=True)
    assert "remain listed as a former member" in response.get_data(as_text=True)
    db.session.refresh(membership)
    assert membership.left_on is not None
    again = client.post(f"/groups/xenia/members/{membership.id}/end")
    assert again.status_code == 409
    assert "This membership has already ended." in again.get_data(as_text=True)
    page = client.get("/groups/xenia").get_data(as_text=True)
    assert page.index("Former members") < page.index("Nesrin Demir")


def test_phase_note_too_long_is_refused(app, xenia, moderator):
    response = signed_in(app, moderator).post("/groups/xenia/phase", data={"note": "x" * 501})
    assert response.status_code == 400
    db.session.refresh(xenia)
    assert xenia.phase == Phase.information_input


def test_closed_group_has_no_next_phase(admin_client):
    make_group(slug="done", phase=Phase.closed)
    db.session.commit()
    response = admin_client.post("/groups/done/phase")
    assert response.status_code == 409
    assert "there is no next phase" in response.get_data(as_text=True)


def test_my_groups_lists_current_and_former_memberships(app, xenia):
    person = make_user()
    make_membership(xenia, person, role=Role.secretary, is_voting=False)
    make_membership(
        make_group(name_en="Old group"),
        person,
        left_on=date(2026, 2, 1),
        joined_on=date(2025, 1, 1),
    )
    db.session.commit()
    page = signed_in(app, person).get("/groups/mine").get_data(as_text=True)
    assert "Xenia — Housing for newcomers" in page
    assert "Secretary" in page
    assert "Earlier memberships" in page
    assert "Old group" in page


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/groups/xenia", "admin"),
        ("/groups/xenia/manage", "admin"),
        ("/groups/xenia", "member"),
        ("/groups/xenia", "moderator"),
    ],
)
def test_group_pages_use_a_bounded_number_of_queries(app, admin_client, xenia, path, who):
    if who == "admin":
        viewer = admin_client
    else:
        person = make_user(email=f"{who}@example.org", password=TEST_PASSWORD)
        make_membership(xenia, person, role=Role.moderator if who == "moderator" else Role.member)
        db.session.commit()
        viewer = signed_in(app, person)

    def add_members(n):
        for i in range(n):
            org = organisation(Country.NL if i % 2 else Country.DE)
            person = make_user()
            person.organisation_id = org.id
            make_membership(
                xenia, person, organisation=org, left_on=date(2026, 4, 1) if i % 7 == 0 else None
            )
        db.session.commit()

    def queries():
        with count_queries() as statements:
            assert viewer.get(path).status_code == 200
        return len(statements)

    add_members(5)
    few = queries()
    add_members(195)
    many = queries()
    print(f"{path} as {who}: {few} queries with 5 members, {many} with 200")
    assert many == few
    # the viewer's role in the group is read once (a member's rights need it)
    assert many <= (10 if who in ("member", "moderator") else 9)


def test_moving_a_closed_group_on_says_why_even_with_a_bad_note(admin_client):
    make_group(slug="klaar", phase=Phase.closed)
    db.session.commit()
    response = admin_client.post("/groups/klaar/phase?lang=nl", data={"note": "a\x00b"})
    assert response.status_code == 409
    assert "De groep is afgesloten" in response.get_data(as_text=True)

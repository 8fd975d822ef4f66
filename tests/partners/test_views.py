"""The partner pages through the client: search in the URL, bad input, editing rights,
exports parsed back, and a bounded number of SQL queries."""

import csv
import io

import pytest
import sqlalchemy as sa
import vobject

from app.core.audit import AuditEntry
from app.extensions import db
from app.partners.models import Country, Organisation, OrganisationKind, search_key
from tests.conftest import TEST_PASSWORD, login
from tests.core.test_query_counts import count_queries
from tests.factories import make_organisation, make_policy_field, make_user

DE, NL = Country.DE, Country.NL


@pytest.fixture
def network():
    housing = make_policy_field("housing", name_en="Housing", name_de="Wohnen", name_nl="Wonen")
    youth = make_policy_field("youth", name_en="Youth", name_de="Jugend", name_nl="Jeugd")
    muenster = make_organisation(
        name="Stadt Münster",
        country=DE,
        city="Münster",
        policy_fields=[housing, youth],
        description_de="Die Stadt Münster leitet das Projekt.",
    )
    make_organisation(
        name="Wohn + Stadtbau Münster",
        country=DE,
        city="Münster",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    enschede = make_organisation(
        name="Gemeente Enschede", country=NL, city="Enschede", policy_fields=[housing, youth]
    )
    make_organisation(
        name="Domijn",
        country=NL,
        city="Enschede",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    db.session.commit()
    return {"housing": housing, "youth": youth, "muenster": muenster, "enschede": enschede}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_directory_search_ignores_accents_and_keeps_filters_in_the_url(client, network):
    response = client.get("/partners/?q=munster&kind=housing")
    assert response.status_code == 200
    html = page_text(response)
    assert "Wohn + Stadtbau Münster" in html and "Stadt Münster</a>" not in html
    assert "1 organisation found" in html
    # The export link carries the same filters, so the CSV is the list on screen.
    assert "/partners/export.csv?q=munster&amp;kind=housing" in html


def test_empty_result_suggests_removing_filters(client, network):
    html = page_text(client.get("/partners/?q=nothing-like-this&country=NL"))
    assert "No organisation matches this search." in html
    assert "Search again without the search words" in html
    assert "Search again in both countries" in html


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "kind=bakery",
        "field=no-such-field",
        "city=Atlantis",
        "sort=random",
        "page=0",
        "page=-1",
        "page=abc",
        f"page={10**9}",
        f"page={10**30}",
        "q=" + "x" * 101,
    ],
)
def test_bad_directory_input_is_a_400_with_a_message(client, network, query):
    response = client.get(f"/partners/?{query}")
    assert response.status_code == 400
    assert "Some search values are not valid" in page_text(response)
    assert client.get(f"/partners/export.csv?{query}").status_code == 400


def test_a_page_past_the_end_is_a_404(client, network):
    assert client.get("/partners/?page=1").status_code == 200
    assert client.get("/partners/?page=2").status_code == 404


def test_pagination_splits_results_into_pages_of_twenty(client):
    for n in range(41):
        make_organisation(name=f"Organisation {n:02d}")
    db.session.commit()
    first = page_text(client.get("/partners/"))
    assert "41 organisations found" in first
    assert "Organisation 19" in first and "Organisation 20" not in first
    third = page_text(client.get("/partners/?page=3"))
    assert "Organisation 40" in third and "Organisation 39" not in third
    assert client.get("/partners/?page=4").status_code == 404


def test_unicode_and_wildcards_in_the_search_do_not_break(client, network):
    for query in ["%", "_", "'; DROP TABLE organisations; --", "日本", "\u0301", "a" * 100]:
        assert client.get("/partners/", query_string={"q": query}).status_code == 200


def test_organisation_page_shows_policy_fields_and_ranked_counterparts(client, network):
    html = page_text(client.get(f"/partners/{network['muenster'].id}"))
    assert "Die Stadt Münster leitet das Projekt." in html
    assert "This text is not available in your language" in html  # German shown to English
    assert "Counterparts in Netherlands" in html
    assert html.index("Gemeente Enschede") < html.index("Domijn")
    assert "2 shared policy fields" in html and "1 shared policy field" in html


def test_contacts_show_only_what_people_chose(client, member_client, network):
    person = make_user(email="shown@example.org", name="Jan ter Horst")
    person.organisation_id = network["enschede"].id
    person.is_email_public, person.phone, person.is_phone_public = True, "+31 53 000", False
    db.session.commit()
    url = f"/partners/{network['enschede'].id}"
    anonymous = page_text(client.get(url))
    assert "Jan ter Horst" not in anonymous and "signed-in members" in anonymous
    html = page_text(member_client.get(url))
    assert "Jan ter Horst" in html and "shown@example.org" in html and "+31 53 000" not in html


def test_inactive_organisation_is_hidden_except_for_the_project_manager(
    client, admin_client, network
):
    network["enschede"].is_active = False
    db.session.commit()
    assert client.get(f"/partners/{network['enschede'].id}").status_code == 404
    assert admin_client.get(f"/partners/{network['enschede'].id}").status_code == 200
    assert "Gemeente Enschede" not in page_text(client.get("/partners/"))


def test_counterpart_page_lists_the_other_side_with_contacts(member_client, network):
    person = make_user(name="Ellen Nijhuis")
    person.organisation_id = network["enschede"].id
    db.session.commit()
    html = page_text(member_client.get("/partners/counterparts?side=DE&field=youth"))
    assert "1 organisation across the border" in html
    assert "Gemeente Enschede" in html and "Ellen Nijhuis" in html and "Domijn" not in html
    html = page_text(member_client.get("/partners/counterparts?side=NL&field=housing&city=Münster"))
    assert "2 organisations across the border" in html


@pytest.mark.parametrize(
    "query",
    [
        "side=NL",
        "field=housing",
        "side=XX&field=housing",
        "side=NL&field=nope",
        "side=NL&field=housing&city=Enschede",
        "side=NL&field=housing&city=Atlantis",
    ],
)
def test_counterpart_page_answers_bad_input_with_400(client, network, query):
    assert client.get(f"/partners/counterparts?{query}").status_code == 400


def make_editor(organisation, email="editor@example.org"):
    editor = make_user(email=email, password=TEST_PASSWORD)
    editor.organisation_id, editor.is_organisation_editor = organisation.id, True
    db.session.commit()
    return editor


def form_for(organisation, **changes):
    data = {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind.value,
        "country": organisation.country.value,
        "city": organisation.city,
        "address": "",
        "website": "",
        "email": "",
        "phone": "",
        "description_nl": "",
        "description_de": "",
        "description_en": "",
    }
    data.update(changes)
    return data


def test_editor_edits_own_organisation_but_gets_403_for_another(app, network):
    editor = make_editor(network["enschede"])
    client = app.test_client()
    login(client, editor.email)
    response = client.post(
        f"/partners/{network['enschede'].id}/edit",
        data=form_for(
            network["enschede"],
            city="Enschede-Zuid",
            policy_fields=[network["youth"].id],
            website="https://www.enschede.nl",
        ),
    )
    assert response.status_code == 302
    organisation = db.session.get(Organisation, network["enschede"].id)
    assert organisation.city == "Enschede-Zuid"
    assert [f.slug for f in organisation.policy_fields] == ["youth"]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "organisation.updated")
    )
    assert entry.actor_id == editor.id
    other = network["muenster"]
    assert client.get(f"/partners/{other.id}/edit").status_code == 403
    assert (
        client.post(f"/partners/{other.id}/edit", data=form_for(other, city="X")).status_code == 403
    )
    assert db.session.get(Organisation, other.id).city == "Münster"
    # An editor never sees the active switch and cannot deactivate through the form.
    assert "is_active" not in page_text(client.get(f"/partners/{network['enschede'].id}/edit"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"website": "javascript:alert(1)"}, "Enter a web address"),
        ({"email": "not-an-address"}, "Invalid email address"),
        ({"phone": "call me"}, "Enter a phone number"),
        ({"name": ""}, "This field is required"),
        ({"kind": "bakery"}, "Not a valid choice"),
        ({"name": "Domijn"}, "There is already an organisation with this name."),
    ],
)
def test_bad_organisation_form_is_a_400_and_changes_nothing(
    admin_client, network, changes, message
):
    organisation = network["enschede"]
    response = admin_client.post(
        f"/partners/{organisation.id}/edit", data=form_for(organisation, **changes)
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert db.session.get(Organisation, organisation.id).name == "Gemeente Enschede"


def test_project_manager_adds_an_organisation(admin_client, network):
    response = admin_client.post(
        "/partners/new",
        data={
            "name": "GGD Twente",
            "kind": "health",
            "country": "NL",
            "city": "Enschede",
            "policy_fields": [network["youth"].id],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.name == "GGD Twente")
    )
    assert organisation.search_text == search_key("GGD Twente", "Enschede")
    assert [f.slug for f in organisation.policy_fields] == ["youth"]


def test_project_manager_manages_policy_fields(admin_client, network):
    response = admin_client.post(
        "/partners/policy-fields/new",
        data={"name_nl": "Sport", "name_de": "Sport", "name_en": "Sport"},
    )
    assert response.status_code == 302
    assert "Sport" in page_text(admin_client.get("/partners/policy-fields"))
    response = admin_client.post(f"/partners/policy-fields/{network['housing'].id}/delete")
    assert response.status_code == 409
    assert "still assigned" in page_text(response)


def test_project_manager_links_a_person_to_an_organisation(admin_client, network):
    person = make_user(email="jw@example.org")
    db.session.commit()
    response = admin_client.post(
        f"/admin/users/{person.id}/organisation",
        data={
            "organisation": network["enschede"].id,
            "function": "Beleidsmedewerker",
            "is_organisation_editor": "y",
        },
    )
    assert response.status_code == 302
    person = db.session.get(type(person), person.id)
    assert person.organisation_id == network["enschede"].id and person.is_organisation_editor
    assert response.status_code == 302
    assert (
        admin_client.post(
            f"/admin/users/{person.id}/organisation", data={"organisation": 999999}
        ).status_code
        == 400
    )


def test_profile_sets_phone_and_visibility(member_client, member):
    response = member_client.post(
        "/profile",
        data={
            "name": member.name,
            "locale": "en",
            "gender": "not_stated",
            "phone": "+49 251 000",
            "is_email_public": "y",
        },
    )
    assert response.status_code == 302
    member = db.session.get(type(member), member.id)
    assert (member.phone, member.is_email_public, member.is_phone_public) == (
        "+49 251 000",
        True,
        False,
    )
    response = member_client.post(
        "/profile",
        data={"name": member.name, "locale": "en", "gender": "not_stated", "phone": "ring"},
    )
    assert response.status_code == 400


def test_csv_export_round_trips_umlauts_and_disarms_formulas(client, network):
    make_organisation(name='=HYPERLINK("http://evil")', city="Groß Reken", country=DE)
    db.session.commit()
    response = client.get("/partners/export.csv?country=DE")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["Name"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',
        "Stadt Münster",
        "Wohn + Stadtbau Münster",
    ]
    assert rows[0]["City"] == "Groß Reken"
    assert rows[1]["Country"] == "Germany" and rows[1]["Policy fields"] == "Housing; Youth"
    assert rows[1]["Description"] == "Die Stadt Münster leitet das Projekt."


def test_vcard_is_parsed_back_with_only_the_chosen_details(member_client, network):
    person = make_user(
        email="h.brueggemann@example.org",
        name="Dr. Heike Brüggemann",
        function="Leiterin Integrationsstelle",
    )
    person.organisation_id = network["muenster"].id
    person.is_email_public, person.phone, person.is_phone_public = True, "+49 251 000", False
    db.session.commit()
    response = member_client.get(f"/partners/{network['muenster'].id}/contacts/{person.id}.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    card = vobject.readOne(response.get_data(as_text=True))
    assert card.fn.value == "Dr. Heike Brüggemann"
    assert (card.n.value.family, card.n.value.given, card.n.value.prefix) == (
        "Brüggemann",
        "Heike",
        "Dr.",
    )
    assert card.org.value == ["Stadt Münster"]
    assert card.title.value == "Leiterin Integrationsstelle"
    assert card.email.value == "h.brueggemann@example.org"
    assert "tel" not in card.contents


def test_vcard_only_for_a_contact_of_that_organisation(member_client, network):
    person = make_user()
    person.organisation_id = network["enschede"].id
    db.session.commit()
    assert (
        member_client.get(
            f"/partners/{network['muenster'].id}/contacts/{person.id}.vcf"
        ).status_code
        == 404
    )


def bulk_organisations(prefix: str, count: int, fields) -> None:
    """Many organisations, each with a policy field, in a few statements."""
    rows = [
        {
            "name": f"{prefix} {n:05d}",
            "short_name": "",
            "kind": OrganisationKind.welfare,
            "country": DE if n % 2 else NL,
            "city": f"City {n % 40}",
            "search_text": search_key(f"{prefix} {n:05d}", f"City {n % 40}"),
            "is_active": True,
        }
        for n in range(count)
    ]
    db.session.execute(sa.insert(Organisation), rows)
    ids = db.session.scalars(
        sa.select(Organisation.id).where(Organisation.name.like(f"{prefix} %"))
    ).all()
    from app.partners.models import organisation_policy_fields as link

    db.session.execute(
        sa.insert(link),
        [{"organisation_id": i, "policy_field_id": fields[i % len(fields)].id} for i in ids],
    )
    db.session.commit()


PAGES = [
    "/partners/",
    "/partners/?q=organisation&country=DE&sort=city",
    "/partners/?field=housing",
    "/partners/counterparts?side=NL&field=housing",
]


def queries(client, path: str) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("path", [*PAGES, "organisation"])
def test_partner_pages_run_a_bounded_number_of_queries(member_client, path):
    fields = [make_policy_field("housing"), make_policy_field("youth")]
    first = make_organisation(name="AAA first", policy_fields=fields)
    person = make_user()
    person.organisation_id = first.id
    db.session.commit()
    url = f"/partners/{first.id}" if path == "organisation" else path
    bulk_organisations("Organisation", 50, fields)
    few = queries(member_client, url)
    bulk_organisations("More", 5000 - 50, fields)
    many = queries(member_client, url)
    print(f"queries for {path}: {few} with 50, {many} with 5,000 organisations")
    assert many == few
    assert many <= 9  # and the projects the organisation is a partner in, the footer's project

"""The partner directory's rules, called directly: search, filters, counterparts, editing."""

import pytest
import sqlalchemy as sa

from app.core.audit import AuditEntry
from app.extensions import db
from app.partners import services
from app.partners.models import Country, Organisation, OrganisationKind, fold, search_key
from tests.factories import make_organisation, make_policy_field, make_user

DE, NL = Country.DE, Country.NL


def names(criteria: services.DirectoryFilter) -> list[str]:
    return [o.name for o in db.session.scalars(services.directory_statement(criteria))]


def search(query: str) -> list[str]:
    return names(services.DirectoryFilter(query=query))


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Münster", "munster"), ("Große", "grosse"), ("ÉCOLE", "ecole"), ("Yıldız", "yildiz")],
)
def test_fold_drops_case_and_diacritics(text, folded):
    assert fold(text) == folded


def test_search_key_also_holds_the_umlaut_spelling():
    assert search_key("Münster") == "munster | muenster"


@pytest.mark.parametrize("query", ["munster", "Münster", "MÜNSTER", "muenster", "Munster"])
def test_search_finds_munster_however_it_is_typed(query):
    make_organisation(name="Stadt Münster", country=DE, city="Münster")
    make_organisation(name="Gemeente Enschede", city="Enschede")
    assert search(query) == ["Stadt Münster"]


@pytest.mark.parametrize("query", ["Grosse", "große", "GROSSE", "grosse-kleimann"])
def test_search_finds_sharp_s_written_as_ss(query):
    make_organisation(name="Praxis Große-Kleimann", country=DE, city="Münster")
    make_organisation(name="Kleine Schule", country=DE, city="Münster")
    assert search(query) == ["Praxis Große-Kleimann"]


def test_search_looks_in_short_name_city_and_every_description():
    make_organisation(name="A", short_name="ROC", city="Hengelo")
    make_organisation(name="B", city="Düsseldorf")
    make_organisation(name="C", description_de="Fördert Teilhabe")
    make_organisation(name="D", description_en="Runs civic integration courses")
    assert search("roc") == ["A"]
    assert search("dusseldorf") == ["B"]
    assert search("fordert") == ["C"]
    assert search("civic") == ["D"]


def test_every_search_word_must_match():
    make_organisation(name="Stadt Münster", city="Münster", country=DE)
    make_organisation(name="Bezirksregierung Münster", city="Münster", country=DE)
    assert search("munster stadt") == ["Stadt Münster"]


@pytest.mark.parametrize("query", ["%", "_", "\\", "50%"])
def test_like_wildcards_are_searched_literally(query):
    make_organisation(name="Plain")
    make_organisation(name="Share 50% off_line \\")
    assert search(query) == ["Share 50% off_line \\"]


def test_search_text_follows_every_change():
    organisation = make_organisation(name="Old name")
    organisation.name = "Wohn + Stadtbau Münster"
    db.session.flush()
    assert search("stadtbau") == ["Wohn + Stadtbau Münster"]
    assert search("old") == []


def test_filters_combine():
    housing, youth = make_policy_field("housing"), make_policy_field("youth")
    make_organisation(
        name="Wohn + Stadtbau",
        country=DE,
        city="Münster",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    make_organisation(
        name="Domijn",
        country=NL,
        city="Enschede",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    make_organisation(
        name="Caritas",
        country=DE,
        city="Münster",
        kind=OrganisationKind.welfare,
        policy_fields=[housing, youth],
    )
    make_organisation(
        name="Sportbund",
        country=DE,
        city="Gronau",
        kind=OrganisationKind.culture_sport,
        policy_fields=[youth],
    )
    F = services.DirectoryFilter
    assert names(F(country=DE)) == ["Caritas", "Sportbund", "Wohn + Stadtbau"]
    assert names(F(kind=OrganisationKind.housing)) == ["Domijn", "Wohn + Stadtbau"]
    assert names(F(policy_field=youth)) == ["Caritas", "Sportbund"]
    assert names(F(city="Münster")) == ["Caritas", "Wohn + Stadtbau"]
    assert names(F(country=DE, policy_field=housing)) == ["Caritas", "Wohn + Stadtbau"]
    assert names(F(country=DE, policy_field=housing, kind=OrganisationKind.welfare)) == ["Caritas"]
    assert names(F(city="Münster", policy_field=youth, query="caritas")) == ["Caritas"]
    assert names(F(country=NL, policy_field=youth)) == []


def test_sorting_by_city_and_country():
    make_organisation(name="B", country=DE, city="Münster")
    make_organisation(name="A", country=NL, city="Zwolle")
    make_organisation(name="C", country=NL, city="Almelo")
    F = services.DirectoryFilter
    assert names(F(sort="name")) == ["A", "B", "C"]
    assert names(F(sort="city")) == ["C", "B", "A"]
    assert names(F(sort="country")) == ["B", "A", "C"]


def test_inactive_organisations_are_hidden_unless_asked_for():
    make_organisation(name="Active")
    make_organisation(name="Closed", is_active=False)
    assert names(services.DirectoryFilter()) == ["Active"]
    assert names(services.DirectoryFilter(include_inactive=True)) == ["Active", "Closed"]


def test_counterparts_are_across_the_border_ranked_by_shared_fields():
    a, b, c, d = (make_policy_field(s) for s in ("a", "b", "c", "d"))
    muenster = make_organisation(name="Stadt Münster", country=DE, policy_fields=[a, b, c])
    make_organisation(name="Enschede", country=NL, policy_fields=[a])
    make_organisation(name="Almelo", country=NL, policy_fields=[a, b, c, d])
    make_organisation(name="ROC", country=NL, policy_fields=[b, c])
    make_organisation(name="Bezirksregierung", country=DE, policy_fields=[a, b, c])
    make_organisation(name="Domijn", country=NL, policy_fields=[d])
    make_organisation(name="Closed", country=NL, policy_fields=[a, b, c], is_active=False)
    ranked = [(o.name, n) for o, n in services.counterparts_of(muenster)]
    assert ranked == [("Almelo", 3), ("ROC", 2), ("Enschede", 1)]
    assert [o.name for o, _ in services.counterparts_of(muenster, limit=2)] == ["Almelo", "ROC"]


def test_counterpart_search_by_policy_field_and_city():
    housing = make_policy_field("housing")
    make_organisation(name="Wohn + Stadtbau", country=DE, city="Münster", policy_fields=[housing])
    make_organisation(name="Caritas Gronau", country=DE, city="Gronau", policy_fields=[housing])
    make_organisation(name="Domijn", country=NL, city="Enschede", policy_fields=[housing])
    make_organisation(name="Polizei", country=DE, city="Münster")

    def found(side, city=""):
        stmt = services.counterpart_statement(housing, side, city)
        return [o.name for o in db.session.scalars(stmt)]

    assert found(NL) == ["Caritas Gronau", "Wohn + Stadtbau"]
    assert found(NL, "Münster") == ["Wohn + Stadtbau"]
    assert found(DE) == ["Domijn"]


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_editor_edits_their_own_organisation_and_it_is_audited():
    own = make_organisation(name="ROC van Twente")
    editor = make_user()
    editor.organisation, editor.is_organisation_editor = own, True
    housing = make_policy_field("housing")
    changed = services.update_organisation(
        editor, own, city="Hengelo", phone="+31 74 000", policy_fields=[housing]
    )
    assert changed == {"city": "Hengelo", "phone": "+31 74 000", "policy_fields": "housing"}
    [entry] = audit("organisation.updated")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        editor.id,
        "organisations",
        own.id,
    )
    assert entry.details["city"] == "Hengelo"


def test_editor_of_one_organisation_cannot_edit_another():
    own, other = make_organisation(name="A"), make_organisation(name="B")
    editor = make_user()
    editor.organisation, editor.is_organisation_editor = own, True
    with pytest.raises(services.NotAllowedToEdit):
        services.update_organisation(editor, other, city="Elsewhere")
    assert other.city == "Enschede"


def test_a_member_who_is_no_editor_cannot_edit_their_organisation():
    own = make_organisation()
    member = make_user()
    member.organisation = own
    with pytest.raises(services.NotAllowedToEdit):
        services.update_organisation(member, own, city="Elsewhere")


def test_only_the_project_manager_deactivates():
    own = make_organisation()
    editor = make_user()
    editor.organisation, editor.is_organisation_editor = own, True
    with pytest.raises(services.DomainError):
        services.update_organisation(editor, own, is_active=False)
    admin = make_user(is_admin=True)
    services.update_organisation(admin, own, is_active=False)
    assert own.is_active is False


def test_nothing_changed_writes_no_audit_entry():
    own = make_organisation(name="Same")
    admin = make_user(is_admin=True)
    assert services.update_organisation(admin, own, name="Same") == {}
    assert audit("organisation.updated") == []


def test_project_manager_creates_organisations_with_unique_names():
    admin = make_user(is_admin=True)
    organisation = services.create_organisation(
        admin, name="GGD Twente", kind=OrganisationKind.health, country=NL, city="Enschede"
    )
    assert organisation.id and audit("organisation.created")[0].object_id == organisation.id
    with pytest.raises(services.OrganisationNameTaken):
        services.create_organisation(
            admin, name="ggd twente", kind=OrganisationKind.health, country=NL, city="Enschede"
        )
    with pytest.raises(services.DomainError):
        services.create_organisation(
            make_user(), name="X", kind=OrganisationKind.other, country=NL, city="Y"
        )


def test_policy_fields_are_managed_by_the_project_manager():
    admin = make_user(is_admin=True)
    field = services.create_policy_field(
        admin,
        name_nl="Taal en onderwijs",
        name_de="Sprache und Bildung",
        name_en="Language & education",
    )
    assert field.slug == "language-education"
    with pytest.raises(services.PolicyFieldNameTaken):
        services.create_policy_field(admin, name_nl="taal en onderwijs", name_de="Anders")
    services.update_policy_field(admin, field, name_de="Sprache & Bildung")
    assert field.name_de == "Sprache & Bildung"
    organisation = make_organisation(policy_fields=[field])
    with pytest.raises(services.PolicyFieldInUse):
        services.delete_policy_field(admin, field)
    organisation.policy_fields = []
    services.delete_policy_field(admin, field)
    actions = [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["policy_field.created", "policy_field.updated", "policy_field.deleted"]


def test_assigning_a_person_without_organisation_clears_editor_and_leader():
    admin, person = make_user(is_admin=True), make_user()
    organisation = make_organisation()
    services.assign_person(admin, person, organisation, is_editor=True, is_leader=True)
    assert (person.organisation_id, person.is_organisation_editor) == (organisation.id, True)
    services.assign_person(admin, person, None, is_editor=True, is_leader=True)
    assert (
        person.organisation_id,
        person.is_organisation_editor,
        person.is_organisation_leader,
    ) == (
        None,
        False,
        False,
    )
    assert len(audit("user.organisation_changed")) == 2


def test_demo_data_is_idempotent_and_covers_both_sides():
    from app.partners.demo import seed_organisations

    first = seed_organisations()
    assert first >= 25
    assert seed_organisations() == 0
    countries = set(db.session.scalars(sa.select(Organisation.country)))
    assert countries == {DE, NL}
    roc = db.session.scalar(sa.select(Organisation).where(Organisation.name == "ROC van Twente"))
    assert roc.description_de and roc.policy_fields
    assert search("munster") and search("Ausländerbeirat")

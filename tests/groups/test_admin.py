"""The project manager creates and edits working groups: the form, its messages, the
audit trail and the first phase; nobody else may."""

import sqlalchemy as sa

from app.core.audit import AuditEntry
from app.extensions import db
from app.groups.models import GroupKind, GroupPhase, Phase, WorkingGroup
from tests.factories import make_group

VALID = {
    "kind": "bridge",
    "slug": "brugroep-wonen",
    "name_nl": "Brugroep wonen",
    "name_de": "Brückengruppe Wohnen",
    "name_en": "",
    "description_nl": "Thematische experts over huisvesting.",
    "theme_nl": "Huisvesting",
    "cities": "Münster, Enschede",
    "is_public": "y",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_project_manager_sees_the_new_group_button_and_form(admin_client):
    assert "/groups/new" in admin_client.get("/groups/").get_data(as_text=True)
    response = admin_client.get("/groups/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "New working group" in page
    assert 'name="slug"' in page


def test_members_see_neither_button_nor_edit_link(member_client):
    group = make_group(slug="xenia")
    db.session.commit()
    assert "/groups/new" not in member_client.get("/groups/").get_data(as_text=True)
    assert f"/groups/{group.slug}/edit" not in member_client.get("/groups/xenia").get_data(
        as_text=True
    )


def test_create_group(admin_client, admin):
    response = admin_client.post("/groups/new", data=VALID)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/brugroep-wonen")

    group = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.slug == "brugroep-wonen"))
    assert group.kind == GroupKind.bridge
    assert group.name_de == "Brückengruppe Wohnen"
    assert group.is_public and not group.is_leadership_required
    assert group.phase == Phase.information_input
    phases = db.session.scalars(sa.select(GroupPhase).where(GroupPhase.group_id == group.id)).all()
    assert [(p.phase, p.started_by_id) for p in phases] == [(Phase.information_input, admin.id)]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "group.created"))
    assert entry.actor_id == admin.id and entry.object_id == group.id

    page = admin_client.get("/groups/brugroep-wonen").get_data(as_text=True)
    assert "has been created" in page
    assert "Information and input" in page
    assert "Brugroep wonen" in admin_client.get("/groups/").get_data(as_text=True)


def test_edit_group(admin_client, admin):
    group = make_group(slug="kerngroep", name_nl="Kerngroep", is_public=True)
    db.session.commit()
    form = admin_client.get("/groups/kerngroep/edit").get_data(as_text=True)
    assert 'value="Kerngroep"' in form

    data = dict(VALID, kind="core", slug="kerngroep-nieuw", name_nl="Kerngroep Nieuw")
    del data["is_public"]
    data["is_leadership_required"] = "y"
    response = admin_client.post("/groups/kerngroep/edit", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/kerngroep-nieuw")

    db.session.expire_all()
    group = db.session.get(WorkingGroup, group.id)
    assert (group.slug, group.kind, group.name_nl) == (
        "kerngroep-nieuw",
        GroupKind.core,
        "Kerngroep Nieuw",
    )
    assert not group.is_public and group.is_leadership_required
    assert "group.updated" in audit_actions()
    assert "/groups/kerngroep-nieuw/edit" in admin_client.get("/groups/kerngroep-nieuw").get_data(
        as_text=True
    )


def test_duplicate_slug_is_refused_and_nothing_is_written(admin_client):
    make_group(slug="brugroep-wonen")
    db.session.commit()
    groups, phases, audits = count(WorkingGroup), count(GroupPhase), count(AuditEntry)

    response = admin_client.post("/groups/new", data=VALID)
    assert response.status_code == 409
    assert "Another group already uses this web address" in response.get_data(as_text=True)
    assert (count(WorkingGroup), count(GroupPhase), count(AuditEntry)) == (groups, phases, audits)


def test_editing_to_another_groups_slug_is_refused(admin_client):
    make_group(slug="brugroep-wonen")
    other = make_group(slug="andere-groep", name_nl="Andere groep")
    db.session.commit()
    response = admin_client.post("/groups/andere-groep/edit", data=VALID)
    assert response.status_code == 409
    assert "Another group already uses this web address" in response.get_data(as_text=True)
    db.session.expire_all()
    other = db.session.get(WorkingGroup, other.id)
    assert (other.slug, other.name_nl) == ("andere-groep", "Andere groep")
    assert "group.updated" not in audit_actions()


def test_bad_input_is_refused_with_400(admin_client):
    cases = [
        (dict(VALID, slug="Bad slug!"), "Use only lower-case letters"),
        (dict(VALID, slug="ab"), "3"),
        (dict(VALID, slug="new"), "is reserved"),
        (dict(VALID, slug="mine"), "is reserved"),
        (dict(VALID, name_nl="  "), "This field is required."),
        (dict(VALID, kind="nonsense"), "Not a valid choice"),
    ]
    for data, message in cases:
        response = admin_client.post("/groups/new", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert count(WorkingGroup) == 0
    assert count(AuditEntry) == 0


def test_member_may_not_create_or_edit(member_client):
    make_group(slug="xenia")
    db.session.commit()
    assert member_client.get("/groups/new").status_code == 403
    assert member_client.post("/groups/new", data=VALID).status_code == 403
    assert member_client.get("/groups/xenia/edit").status_code == 403
    assert member_client.post("/groups/xenia/edit", data=VALID).status_code == 403
    assert count(WorkingGroup) == 1


def test_anonymous_is_sent_to_sign_in(client):
    make_group(slug="xenia")
    db.session.commit()
    for url in ("/groups/new", "/groups/xenia/edit"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.post("/groups/new", data=VALID).status_code == 302
    assert count(WorkingGroup) == 1


def test_unknown_group_edit_is_404(admin_client):
    assert admin_client.get("/groups/nope/edit").status_code == 404

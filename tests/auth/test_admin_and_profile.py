import sqlalchemy as sa

from app.auth.models import Gender, User
from app.core.audit import AuditEntry
from app.extensions import db
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_user


def test_user_list_searches_by_name_and_address(admin_client):
    make_user(name="Jochen Köhnke", email="jk@stadt-muenster.example")
    make_user(name="Jan van Schilt", email="jan@roc.example")
    db.session.commit()
    page = admin_client.get("/admin/users?q=köhnke").get_data(as_text=True)
    assert "Jochen Köhnke" in page and "Jan van Schilt" not in page
    page = admin_client.get("/admin/users?q=ROC.EXAMPLE").get_data(as_text=True)
    assert "Jan van Schilt" in page and "Jochen Köhnke" not in page


def test_user_list_filters_by_status_and_shows_an_empty_state(admin_client):
    make_user(name="Inactive Ingrid", is_active=False)
    make_user(name="Invited Ivo", password=None)
    db.session.commit()
    page = admin_client.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "Inactive Ingrid" in page and "Invited Ivo" not in page
    page = admin_client.get("/admin/users?status=invited").get_data(as_text=True)
    assert "Invited Ivo" in page and "Inactive Ingrid" not in page
    page = admin_client.get("/admin/users?q=nobody-by-this-name").get_data(as_text=True)
    assert "Nobody matches this search." in page


def test_user_list_is_paginated_and_refuses_pages_that_do_not_exist(app, admin_client):
    for n in range(app.config["USERS_PER_PAGE"] + 5):
        make_user(name=f"Person {n:03d}")
    db.session.commit()
    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "?page=2" in first
    assert admin_client.get("/admin/users?page=2").status_code == 200
    assert admin_client.get("/admin/users?page=0").status_code == 404
    assert admin_client.get("/admin/users?page=1000000000").status_code == 404


def test_admin_deactivates_and_reactivates_a_person(app, admin_client, admin, member):
    assert admin_client.post(f"/admin/users/{member.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, member.id).is_active
    assert login(app.test_client(), member.email).status_code == 403
    assert admin_client.post(f"/admin/users/{member.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).is_active
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]


def test_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active


def test_unknown_user_is_a_404(admin_client):
    assert admin_client.post("/admin/users/999999/deactivate").status_code == 404


def test_profile_saves_name_language_and_gender(member_client, member):
    response = member_client.post(
        "/profile",
        data={"name": "Maren Neu", "function": "Teamleiterin", "locale": "de", "gender": "female"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert (user.name, user.function, user.locale, user.gender) == (
        "Maren Neu",
        "Teamleiterin",
        "de",
        Gender.female,
    )


def test_profile_explains_why_gender_is_asked(member_client):
    page = member_client.get("/profile").get_data(as_text=True)
    assert "anonymous participation statistics" in page


def test_profile_refuses_bad_input_and_keeps_the_old_values(member_client, member):
    response = member_client.post("/profile", data={"name": "", "locale": "xx", "gender": "robot"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, member.id).name == "Maren Mitglied"


def test_change_password_needs_the_current_one(app, member_client, member):
    new = "another-good-password"
    wrong = member_client.post(
        "/profile/password", data={"current_password": "nope", "password": new, "confirm": new}
    )
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    right = member_client.post(
        "/profile/password",
        data={"current_password": TEST_PASSWORD, "password": new, "confirm": new},
    )
    assert right.status_code == 302
    assert login(app.test_client(), member.email, new).status_code == 302


def test_create_admin_command(runner):
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "long-enough-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    assert user.is_admin and user.check_password("long-enough-pass")


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "b@example.org", "--name", "B", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "10" in result.output  # the minimum length, in the default language
    assert db.session.scalar(sa.select(User).where(User.email == "b@example.org")) is None


def test_seed_demo_is_idempotent_and_its_logins_work(app, runner):
    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = count(User)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert count(User) == first >= 3
    for email in ("projectleider@example.org", "moderator@example.org", "lid@example.org"):
        assert login(app.test_client(), email, "netwerkbrug-demo").status_code == 302
    assert db.session.scalar(
        sa.select(User).where(User.email == "projectleider@example.org")
    ).is_admin

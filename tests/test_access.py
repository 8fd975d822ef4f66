"""Every route, for every role: the expected answer is written down here, and a route
without an entry fails the test. Later domains add their rows to ACCESS."""

import pytest

from app.auth import services as auth_services
from app.extensions import db
from tests.calendar import access as calendar_access
from tests.conftest import TEST_PASSWORD, login
from tests.consensus import access as consensus_access
from tests.factories import make_user
from tests.groups import access as groups_access
from tests.mail import access as mail_access
from tests.meetings import access as meetings_access
from tests.newsletter import access as newsletter_access
from tests.partners import access as partners_access
from tests.projects import access as projects_access
from tests.reports import access as reports_access
from tests.visits import access as visits_access

ROLES = ("anonymous", "member", "admin")
SIGN_IN = 302  # anonymous users are sent to the login page

# endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}
ACCESS = {
    "core.index": {"GET": (200, 200, 200)},
    "core.healthz": {"GET": (200, 200, 200)},
    "search.index": {"GET": (200, 200, 200)},
    "home.about": {"GET": (200, 200, 200)},
    "home.favicon": {"GET": (200, 200, 200)},
    "home.for_me_count": {"GET": (SIGN_IN, 200, 200)},
    "home.edit_introduction": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 302)},
    "core.switch_language": {"POST": (400, 400, 400)},
    # Every domain has landed: the placeholder page answers 404 for any name.
    "auth.login": {"GET": (200, 302, 302), "POST": (400, 302, 302)},
    "auth.logout": {"POST": (302, 302, 302)},
    "auth.forgot_password": {"GET": (200, 200, 200), "POST": (400, 400, 400)},
    "auth.reset_password": {
        "args": lambda w: {"token": "not-a-token"},
        "GET": (400, 400, 400),
        "POST": (400, 400, 400),
    },
    "auth.accept_invitation": {
        "args": lambda w: {"token": w["invitation_token"]},
        "GET": (200, 200, 200),
        "POST": (400, 400, 400),
    },
    "auth.profile": {"GET": (SIGN_IN, 200, 200), "POST": (SIGN_IN, 400, 400)},
    "auth.change_password": {"POST": (SIGN_IN, 400, 400)},
    # Without a password entered first, the code step goes back to signing in.
    "auth.login_code": {"GET": (302, 302, 302), "POST": (302, 302, 302)},
    "auth.end_device": {"args": lambda w: {"device_id": 999999}, "POST": (SIGN_IN, 302, 302)},
    "auth.end_all_devices": {"POST": (SIGN_IN, 302, 302)},
    "auth.two_factor_page": {"GET": (SIGN_IN, 200, 200), "POST": (SIGN_IN, 400, 400)},
    "auth.new_recovery_codes": {"POST": (SIGN_IN, 302, 302)},
    "auth.disable_two_factor": {"POST": (SIGN_IN, 302, 302)},
    "admin.users": {"GET": (SIGN_IN, 403, 200)},
    "admin.invite": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "admin.deactivate": {"args": lambda w: {"user_id": w["other"].id}, "POST": (SIGN_IN, 403, 302)},
    "admin.reactivate": {"args": lambda w: {"user_id": w["other"].id}, "POST": (SIGN_IN, 403, 302)},
    # "other" has no second factor to reset: a 409 with a message.
    "admin.reset_two_factor": {
        "args": lambda w: {"user_id": w["other"].id},
        "POST": (SIGN_IN, 403, 409),
    },
    "admin.resend_invitation": {
        "args": lambda w: {"user_id": w["invited"].id},
        "POST": (SIGN_IN, 403, 302),
    },
}
# Each domain keeps its rows (and the objects they need) beside its tests.
DOMAINS = [
    partners_access,
    groups_access,
    meetings_access,
    calendar_access,
    consensus_access,
    newsletter_access,
    reports_access,
    visits_access,
    projects_access,
    mail_access,
]
for _domain in DOMAINS:
    assert not set(_domain.ACCESS) & set(ACCESS), "an endpoint is listed twice"
    ACCESS.update(_domain.ACCESS)
STATIC = {"static", "bootstrap.static"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_an_access_entry(app):
    missing = [
        f"{rule.endpoint} {method}"
        for rule, method in routes(app)
        if method not in ACCESS.get(rule.endpoint, {})
    ]
    assert missing == [], "add these routes to ACCESS in tests/test_access.py"


@pytest.mark.parametrize("path", ["/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"])
def test_static_files_are_public(client, path):
    with client.get(path) as response:
        assert response.status_code == 200


@pytest.fixture
def world(app):
    admin = make_user(email="admin@example.org", password=TEST_PASSWORD, is_admin=True)
    member = make_user(email="member@example.org", password=TEST_PASSWORD)
    other = make_user(email="other@example.org")
    invited = make_user(email="invited@example.org", password=None)
    world = {
        "admin": admin,
        "member": member,
        "other": other,
        "invited": invited,
        "invitation_token": auth_services.make_link_token(invited, auth_services.INVITATION),
    }
    for domain in DOMAINS:
        domain.populate(world)
    db.session.commit()
    return world


def client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert login(client, world[role].email).status_code == 302
    return client


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_answers_each_role_as_expected(app, world, endpoint):
    entry = ACCESS[endpoint]
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is in ACCESS but not a route any more"
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **entry.get("args", lambda w: {})(world))
    for method in ("GET", "POST"):
        if method not in entry:
            continue
        for role, expected in zip(ROLES, entry[method], strict=True):
            client = client_for(app, world, role)
            response = client.open(url, method=method)
            assert response.status_code == expected, f"{method} {url} as {role}"
            if (
                response.status_code == SIGN_IN
                and role == "anonymous"
                and expected == SIGN_IN
                and endpoint not in {"auth.logout"}
            ):
                assert "/login" in response.headers["Location"]

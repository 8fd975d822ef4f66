"""The audit-log page: filters by actor, action, object type and local dates; pages."""

import pytest

from app.core.audit import AuditEntry, record_audit
from app.extensions import db
from tests.factories import make_group, make_user

from .helpers import at


@pytest.fixture
def log(admin):
    other = make_user(name="Moritz Moderator")
    group = make_group()
    entries = [
        record_audit(admin, "group.created", group, slug="alpha"),
        record_audit(other, "group.updated", group, slug="beta"),
        record_audit(admin, "user.deactivated", other),
    ]
    entries[0].created_at = at(2025, 12, 31, 23, 30)  # 1 January 2026, 00:30 in Berlin
    entries[1].created_at = at(2025, 6, 1, 10)
    db.session.commit()
    return {"other": other, "entries": entries}


def shown(client, query: str) -> list[str]:
    response = client.get(f"/reports/audit?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [
        action
        for action in ("group.created", "group.updated", "user.deactivated")
        if f"<code>{action}</code>" in html
    ]


def test_filters_by_actor_action_type_and_local_dates(admin_client, admin, log):
    assert shown(admin_client, "") == ["group.created", "group.updated", "user.deactivated"]
    assert shown(admin_client, f"actor={log['other'].id}") == ["group.updated"]
    assert shown(admin_client, "action=user.deactivated") == ["user.deactivated"]
    assert shown(admin_client, "object_type=working_groups") == ["group.created", "group.updated"]
    assert shown(admin_client, "from=2026-01-01&to=2026-01-01") == ["group.created"]
    assert shown(admin_client, "from=2025-01-01&to=2025-12-31") == ["group.updated"]


def test_the_log_is_paged(admin_client, admin):
    for n in range(55):
        record_audit(admin, "group.updated", None, n=n)
    db.session.commit()
    first = admin_client.get("/reports/audit").get_data(as_text=True)
    assert first.count("<code>group.updated</code>") == 50
    second = admin_client.get("/reports/audit?page=2").get_data(as_text=True)
    assert second.count("<code>group.updated</code>") == 5
    assert admin_client.get("/reports/audit?page=9").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["actor=anna", "action=DROP%20TABLE", "object_type=passwords", "from=2025-02-30", "to=x"],
)
def test_a_bad_filter_is_a_400(admin_client, query):
    response = admin_client.get(f"/reports/audit?{query}")
    assert response.status_code == 400


def test_a_bad_filter_says_why(admin_client):
    response = admin_client.get("/reports/audit?object_type=passwords")
    assert "This filter for the audit log is not valid." in response.get_data(as_text=True)


def test_only_the_project_manager_reads_the_log(member_client):
    assert member_client.get("/reports/audit").status_code == 403
    assert db.session.query(AuditEntry).count() == 0

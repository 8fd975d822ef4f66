"""The sending progress page says when no mail worker is alive or the mail server is
unreachable, from the workers' heartbeat rows."""

from datetime import timedelta

import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.mail.models import WorkerHeartbeat
from app.mail.worker import run_worker
from app.newsletter import services
from tests.factories import make_edition, make_subscriber
from tests.mail.conftest import free_port


def _sending(admin) -> int:
    make_subscriber()
    edition = make_edition(quarter="2027 Q1")
    services.queue_edition(admin, edition)
    db.session.commit()
    return edition.id


def _page(admin_client, edition_id: int) -> str:
    response = admin_client.get(f"/newsletter/admin/editions/{edition_id}/progress")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _notice(admin_client, edition_id: int):
    return admin_client.get(f"/newsletter/admin/editions/{edition_id}/progress.json").json[
        "worker_notice"
    ]


def test_no_worker_ever_is_said(admin_client, admin):
    edition_id = _sending(admin)
    assert "No mail worker has reported yet" in _page(admin_client, edition_id)
    assert "No mail worker has reported yet" in _notice(admin_client, edition_id)


def test_a_silent_worker_is_said_with_the_minutes(admin_client, admin):
    edition_id = _sending(admin)
    db.session.add(WorkerHeartbeat(id="host:1:a", seen_at=utcnow() - timedelta(minutes=12)))
    db.session.commit()
    assert "No mail worker has reported for 12 minutes" in _page(admin_client, edition_id)


def test_a_live_worker_shows_no_notice_and_a_stopped_one_does(admin_client, admin):
    edition_id = _sending(admin)
    db.session.add(WorkerHeartbeat(id="host:1:a", seen_at=utcnow()))
    db.session.commit()
    assert _notice(admin_client, edition_id) is None
    db.session.scalars(sa.select(WorkerHeartbeat)).one().stopped_at = utcnow()
    db.session.commit()
    assert "No mail worker has reported for 0 minutes" in _notice(admin_client, edition_id)


def test_an_unreachable_mail_server_is_said_with_since_when(app, admin_client, admin, monkeypatch):
    edition_id = _sending(admin)
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    run_worker(once=True)

    beat = db.session.scalars(sa.select(WorkerHeartbeat)).one()
    assert beat.smtp_down_since is not None and beat.stopped_at is not None
    beat.stopped_at = None  # as if it were still running
    db.session.commit()
    notice = _notice(admin_client, edition_id)
    assert "The mail server has been unreachable since" in notice
    assert "Connection refused" in notice or "ConnectionRefusedError" in notice

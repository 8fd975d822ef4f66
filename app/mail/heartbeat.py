"""Worker heartbeats: each `flask worker` writes its row (`mail_workers`) every
MAIL_HEARTBEAT_SECONDS, with since when it cannot reach the mail server, so the sending
pages can say "no worker has reported for N minutes" or "mail server unreachable since …"."""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.database import utcnow
from ..extensions import db
from .models import WorkerHeartbeat

KEEP_GONE_WORKERS = timedelta(days=7)


class Heartbeat:
    """The running worker's side: `beat()` every loop (written at most every
    MAIL_HEARTBEAT_SECONDS), `smtp(error)` after each batch, `stop()` at the end."""

    def __init__(self, worker_id: str, echo: Callable[[str], None]) -> None:
        self.worker_id = worker_id
        self.echo = echo
        self.smtp_down_since: datetime | None = None
        self.smtp_error: str | None = None
        self._written_at: datetime | None = None

    def beat(self, *, force: bool = False) -> None:
        now = utcnow()
        every = timedelta(seconds=current_app.config["MAIL_HEARTBEAT_SECONDS"])
        if not force and self._written_at is not None and now - self._written_at < every:
            return
        values = {
            "seen_at": now,
            "smtp_down_since": self.smtp_down_since,
            "smtp_error": self.smtp_error,
        }
        updated = db.session.execute(
            sa.update(WorkerHeartbeat)
            .where(WorkerHeartbeat.id == self.worker_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not updated:
            db.session.add(WorkerHeartbeat(id=self.worker_id, started_at=now, **values))
            # rows of workers gone for a week only clutter the table
            db.session.execute(
                sa.delete(WorkerHeartbeat)
                .where(WorkerHeartbeat.seen_at < now - KEEP_GONE_WORKERS)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        self._written_at = now

    def smtp(self, error: str | None) -> None:
        """The mail server's state after a batch: `error` when it could not be used."""
        if error and self.smtp_down_since is None:
            self.smtp_down_since, self.smtp_error = utcnow(), error
            self.echo(f"Mail server unreachable: {error}; the messages wait.")
            self.beat(force=True)
        elif not error and self.smtp_down_since is not None:
            self.echo("Mail server reachable again.")
            self.smtp_down_since, self.smtp_error = None, None
            self.beat(force=True)

    def stop(self) -> None:
        """Marks the row stopped (a graceful stop); ignored when the database is down."""
        try:
            db.session.execute(
                sa.update(WorkerHeartbeat)
                .where(WorkerHeartbeat.id == self.worker_id)
                .values(stopped_at=utcnow(), seen_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                db.session.rollback()


@dataclass
class WorkerStatus:
    """What the sending pages show about the workers."""

    last_seen_at: datetime | None  # the latest heartbeat of any worker (None: never)
    is_alive: bool  # a running worker reported within MAIL_WORKER_SILENT_MINUTES
    smtp_down_since: datetime | None  # the mail server is unreachable since then
    smtp_error: str | None

    @property
    def silent_minutes(self) -> int | None:
        if self.last_seen_at is None:
            return None
        return int((utcnow() - self.last_seen_at).total_seconds() // 60)


def worker_status(now: datetime | None = None) -> WorkerStatus:
    now = now or utcnow()
    silent = timedelta(minutes=current_app.config["MAIL_WORKER_SILENT_MINUTES"])
    latest = db.session.scalar(
        sa.select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
    )
    running = db.session.scalars(
        sa.select(WorkerHeartbeat).where(
            WorkerHeartbeat.stopped_at.is_(None), WorkerHeartbeat.seen_at >= now - silent
        )
    ).all()
    down = [w for w in running if w.smtp_down_since is not None]
    # the mail server counts as unreachable when every live worker says so
    smtp_down = (
        min(w.smtp_down_since for w in down) if running and len(down) == len(running) else None
    )
    return WorkerStatus(
        last_seen_at=latest.seen_at if latest else None,
        is_alive=bool(running),
        smtp_down_since=smtp_down,
        smtp_error=down[0].smtp_error if smtp_down else None,
    )

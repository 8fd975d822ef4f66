"""The mail worker behind `flask worker`: it claims due outbox rows, sends them and records
each result at once.

Guarantees (see PITFALLS.md, "Mail"):
- several workers may run at once: a row is claimed by one statement that sets a lease, and
  rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a
  single writer);
- nothing is lost when a worker dies: its leases expire and another worker takes the rows;
- SIGTERM/SIGINT stop gracefully: the message in hand is finished and recorded, the rest of
  the batch is released, so a graceful stop sends nothing twice;
- a hard kill can repeat at most the one message in hand, with the same Message-ID.

Before each claim the worker runs the registered producers (`producers.py`), which turn
other pending work, such as a newsletter edition being sent, into outbox rows a chunk at
a time.

Faults it outlives (it never exits on them):
- a database outage (`OperationalError`): it logs once, waits with a growing pause and
  reconnects; a result it could not write (the message did go out) is kept in memory and
  written first once the database is back, so nothing is sent twice;
- an SMTP outage: the batch is released and the worker waits `MAIL_RETRY_BASE_SECONDS`.
A deferred message (4xx) is retried until MAIL_RETRY_WINDOW_HOURS after it was queued; only
a 5xx answer marks it refused (`is_refused`), which is what tells its sender the address is
dead. Every loop writes the worker's heartbeat row (`heartbeat.py`), which the sending pages
read to say when no worker is alive or the mail server is unreachable.

One loop of `run_worker`, in order: heartbeat, inbound mailbox (when IMAP is set up and its
poll is due), producers, claim, deliver.
"""

import contextlib
import enum
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from types import FrameType
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..core.database import utcnow
from ..extensions import db
from . import heartbeat, inbound
from .dkim_signing import DkimSigner
from .models import OutboxMessage, OutboxStatus
from .producers import run_producers
from .transports import (
    DeliveryFailure,
    PermanentFailure,
    Transport,
    TransportUnavailable,
    transport_from_config,
)

MAX_RETRY_DELAY = timedelta(hours=1)
LAST_ERROR_LENGTH = 2000
MAX_OUTAGE_PAUSE = 15.0  # seconds between reconnection attempts once the database is down
# What a database that went away raises (a dropped connection, a refused one, a lock that
# was not released in time): the worker waits these out instead of exiting.
DATABASE_OUTAGE = (sa.exc.OperationalError, sa.exc.InterfaceError)


class Outcome(enum.Enum):
    sent = "sent"
    deferred = "deferred"  # a transient failure: tried again after next_attempt_at
    failed = "failed"


def _quiet(_line: str) -> None:
    pass


def new_worker_id() -> str:
    """Names this worker in `leased_by`: host, process and a random part."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_batch(worker_id: str, limit: int) -> list[int]:
    """Leases up to `limit` due rows to `worker_id` and commits the claim; returns their ids.

    Due means pending with `next_attempt_at` reached, or sending with an expired lease (its
    worker died). One UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) statement, so
    two workers never claim the same row."""
    now = utcnow()
    table = OutboxMessage
    due = (
        sa.select(table.id)
        .where(
            sa.or_(
                sa.and_(table.status == OutboxStatus.pending, table.next_attempt_at <= now),
                sa.and_(table.status == OutboxStatus.sending, table.lease_expires_at < now),
            )
        )
        .order_by(table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        sa.update(table)
        .where(table.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.sending, lease_expires_at=now + _lease(), leased_by=worker_id)
        .returning(table.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(db.session.scalars(claim))
    db.session.commit()
    return ids


def renew_leases(ids: Sequence[int], worker_id: str) -> list[int]:
    """Extends the lease on those of `ids` that `worker_id` still holds; returns them."""
    if not ids:
        return []
    renew = (
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.leased_by == worker_id,
        )
        .values(lease_expires_at=utcnow() + _lease())
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    held = set(db.session.scalars(renew))
    db.session.commit()
    return [id_ for id_ in ids if id_ in held]


def release(ids: Sequence[int], worker_id: str) -> int:
    """Hands claimed but unsent rows back (pending, no lease) so any worker may send them at
    once; rows the worker no longer holds are left alone. Returns how many were released."""
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.leased_by == worker_id,
        )
        .values(status=OutboxStatus.pending, lease_expires_at=None, leased_by=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def release_all(worker_id: str) -> int:
    """Hands back every row `worker_id` still holds (after a database outage interrupted its
    batch); only the worker itself calls this, between batches, so none is in hand."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.leased_by == worker_id)
        .values(status=OutboxStatus.pending, lease_expires_at=None, leased_by=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def message_id_domain(config) -> str:
    """The domain of MAIL_FROM, else the host of BASE_URL."""
    _name, address = parseaddr(config.get("MAIL_FROM") or "")
    domain = address.rpartition("@")[2]
    return domain or urlsplit(config.get("BASE_URL") or "").hostname or "localhost"


def outgoing_message(row: OutboxMessage, domain: str) -> bytes:
    """The row's message with a Message-ID derived from the row id when it has none, so a
    repeat after a hard kill carries the same Message-ID. Only the headers are parsed."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(row.raw)
    if headers["Message-ID"] is not None:
        return row.raw
    return f"Message-ID: <outbox-{row.id}@{domain}>\r\n".encode("ascii") + row.raw


def retry_delay(attempts: int) -> timedelta:
    """MAIL_RETRY_BASE_SECONDS doubled for every further attempt, at most an hour."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    seconds = min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY.total_seconds())
    return timedelta(seconds=seconds)


class ResultNotRecorded(Exception):
    """The message went out (or was refused) but the database could not record it: the
    worker keeps `result` and writes it with `record_result()` once the database is back."""

    def __init__(self, result: "DeliveryResult", error: Exception) -> None:
        super().__init__(str(error))
        self.result = result


@dataclass
class DeliveryResult:
    """What happened to one row, as plain values (so it can wait out a database outage)."""

    row_id: int
    worker_id: str | None
    outcome: Outcome
    error: str | None = None
    is_refused: bool = False


def deliver(row: OutboxMessage, transport: Transport, signer: DkimSigner | None = None) -> Outcome:
    """Sends one claimed row and commits its result at once: sent; failed on a permanent
    refusal (the server's answer in `last_error`, `is_refused` set); otherwise one more
    attempt is counted and the row waits `retry_delay()` — or fails, not refused, once
    MAIL_RETRY_WINDOW_HOURS have passed since it was queued.

    Re-raises `TransportUnavailable` after recording it: the rest of the batch cannot go
    out either. Raises `ResultNotRecorded` when the database fails while recording."""
    config = current_app.config
    raw = outgoing_message(row, message_id_domain(config))
    if signer is not None:
        raw = signer.sign(raw)
    sender = envelope_sender(config, row.id)
    unavailable = None
    try:
        transport.send(raw, sender=sender, recipient=row.recipient, name=str(row.id))
    except PermanentFailure as failure:
        result = DeliveryResult(row.id, row.leased_by, Outcome.failed, str(failure), True)
    except TransportUnavailable as failure:
        result = DeliveryResult(row.id, row.leased_by, Outcome.deferred, str(failure))
        unavailable = failure
    except DeliveryFailure as failure:
        result = DeliveryResult(row.id, row.leased_by, Outcome.deferred, str(failure))
    else:
        result = DeliveryResult(row.id, row.leased_by, Outcome.sent)
    try:
        outcome = _apply(row, result)
        db.session.commit()
    except DATABASE_OUTAGE as error:
        raise ResultNotRecorded(result, error) from error
    if unavailable is not None:
        raise unavailable
    return outcome


def record_result(result: DeliveryResult) -> None:
    """Writes a result kept through a database outage, unless another worker has taken the
    row meanwhile (its lease expired): then that worker's result stands."""
    row = db.session.get(OutboxMessage, result.row_id, populate_existing=True)
    if row is not None and row.status is OutboxStatus.sending:
        if row.leased_by in (None, result.worker_id):
            _apply(row, result)
    elif row is not None and row.status is OutboxStatus.pending and result.outcome is Outcome.sent:
        _apply(row, result)  # released meanwhile, but it did go out: never send it again
    db.session.commit()


def _apply(row: OutboxMessage, result: DeliveryResult) -> Outcome:
    if result.outcome is Outcome.sent:
        return _record_sent(row)
    if result.outcome is Outcome.failed:
        return _record_failure(row, result.error or "", refused=result.is_refused)
    return _record_transient_failure(row, result.error or "")


def envelope_sender(config, row_id: int) -> str:
    """The SMTP envelope sender (Return-Path): a VERP address naming the outbox row
    (`inbox+bounce-<id>-<signature>@domain`), so a bounce maps back to this exact delivery
    whatever its format; the MAIL_FROM address when no inbound address is set up."""
    address = inbound.inbound_address(config)
    if not address:
        return parseaddr(config["MAIL_FROM"])[1]
    return inbound.verp_address(address, row_id, config["SECRET_KEY"])


def _record_sent(row: OutboxMessage) -> Outcome:
    row.status = OutboxStatus.sent
    row.sent_at = utcnow()
    row.attempts += 1
    row.last_error = None
    _clear_lease(row)
    return Outcome.sent


def _record_failure(row: OutboxMessage, error: str, *, refused: bool) -> Outcome:
    row.status = OutboxStatus.failed
    row.is_refused = refused
    row.attempts += 1
    row.last_error = error[:LAST_ERROR_LENGTH]
    _clear_lease(row)
    return Outcome.failed


def retry_window() -> timedelta:
    return timedelta(hours=current_app.config["MAIL_RETRY_WINDOW_HOURS"])


def _record_transient_failure(row: OutboxMessage, error: str) -> Outcome:
    """A deferral is not a failure: the row waits and is tried again until the retry window
    (counted from when it was queued) is over; then it fails without being `is_refused`."""
    if utcnow() - row.created_at >= retry_window():
        hours = current_app.config["MAIL_RETRY_WINDOW_HOURS"]
        return _record_failure(
            row,
            f"gave up after {row.attempts + 1} attempts in {hours:g} hours; last: {error}",
            refused=False,
        )
    row.attempts += 1
    row.status = OutboxStatus.pending
    row.next_attempt_at = utcnow() + retry_delay(row.attempts)
    row.last_error = error[:LAST_ERROR_LENGTH]
    _clear_lease(row)
    return Outcome.deferred


def _clear_lease(row: OutboxMessage) -> None:
    row.lease_expires_at = None
    row.leased_by = None


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])


class StopRequest:
    """Turns SIGTERM and SIGINT into a flag the worker checks between messages. A second
    Ctrl-C interrupts at once (the lease makes that safe too)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():  # signals need the main thread
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def sleep(self, seconds: float) -> None:
        """Waits `seconds`, or less when a stop is requested meanwhile."""
        deadline = time.monotonic() + seconds
        while not self.requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


class _Batch:
    """The rows one claim leased to this worker, in id order; the lease is renewed once half
    of it has passed, so a slow server does not let another worker take rows in hand."""

    def __init__(self, ids: list[int], worker_id: str) -> None:
        self.pending = list(ids)
        self.worker_id = worker_id
        self._renew_at = self._next_renewal()

    def _next_renewal(self) -> datetime:
        return utcnow() + _lease() / 2

    def next_row(self) -> OutboxMessage | None:
        """The next row this worker still holds, loaded fresh; None when the batch is done."""
        while self.pending:
            if utcnow() >= self._renew_at:
                self.pending = renew_leases(self.pending, self.worker_id)
                self._renew_at = self._next_renewal()
                continue
            row = db.session.get(OutboxMessage, self.pending.pop(0), populate_existing=True)
            if (
                row is not None
                and row.status is OutboxStatus.sending
                and row.leased_by == self.worker_id
            ):
                return row
        return None


@dataclass
class BatchResult:
    sent: int = 0
    transport_down: bool = False
    transport_error: str | None = None


def deliver_batch(
    ids: list[int],
    transport: Transport,
    worker_id: str,
    stop: StopRequest,
    echo: Callable[[str], None] = _quiet,
    unrecorded: list[DeliveryResult] | None = None,
    signer: DkimSigner | None = None,
) -> BatchResult:
    """Delivers the claimed rows one by one until done, a stop is requested or the transport
    is unavailable, then releases whatever is left (also when an error escapes).

    When the database fails while a result is recorded, the result goes to `unrecorded`
    (for the caller to write later) and the database error is raised."""
    batch = _Batch(ids, worker_id)
    result = BatchResult()
    try:
        while not stop.requested and (row := batch.next_row()) is not None:
            try:
                outcome = deliver(row, transport, signer)
            except ResultNotRecorded as problem:
                if unrecorded is not None:
                    unrecorded.append(problem.result)
                raise problem.__cause__ from None
            except TransportUnavailable as problem:
                result.transport_down = True
                result.transport_error = str(problem)
                break
            if outcome is Outcome.sent:
                result.sent += 1
            else:
                echo(f"Message {row.id} to {row.recipient} {outcome.value}: {row.last_error}")
    finally:
        # A failed statement must not block the release. During a database outage the
        # release fails too; the leases then expire and any worker takes the rows again.
        db.session.rollback()
        try:
            released = release(batch.pending, worker_id)
        finally:
            db.session.close()  # the next batch starts from a fresh session
        if released:
            echo(f"Released {released} claimed message(s) for another run.")
    return result


class _Watch:
    """Says once when a state changes (database down/up, mail server down/up), not on every
    loop, so a long outage does not fill the log."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.database_down_since: datetime | None = None
        self.pause = 1.0

    def database_down(self, error: Exception) -> float:
        """Records the outage; returns how long to wait before trying again."""
        if self.database_down_since is None:
            self.database_down_since = utcnow()
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.echo(f"Database unreachable ({type(error).__name__}: {first_line}); waiting.")
            self.pause = 1.0
        else:
            self.pause = min(self.pause * 2, MAX_OUTAGE_PAUSE)
        return self.pause

    def database_up(self) -> None:
        if self.database_down_since is not None:
            self.echo(
                f"Database reachable again (down since {self.database_down_since:%H:%M:%S} UTC)."
            )
            self.database_down_since = None


def _reset_session() -> None:
    """Throws away the session and pooled connections after a database error, so the next
    statement opens a new connection."""
    with contextlib.suppress(sa.exc.SQLAlchemyError):
        db.session.rollback()
    db.session.remove()
    db.engine.dispose()


def run_worker(
    *,
    once: bool = False,
    poll_seconds: float = 1.0,
    echo: Callable[[str], None] = _quiet,
) -> int:
    """Delivers due outbox messages in batches until stopped by SIGTERM/SIGINT, looking for
    new ones every `poll_seconds`; with `once`, until nothing is due. Returns how many
    messages were delivered.

    A database outage never ends it (see the module docstring); with `once` it still stops
    at the first outage, after reporting it.

    Needs an app context; the session is closed after every batch, so objects the caller
    loaded before are detached afterwards."""
    config = current_app.config
    me = new_worker_id()
    delivered = 0
    watch = _Watch(echo)
    beats = heartbeat.Heartbeat(me, echo)
    unrecorded: list[DeliveryResult] = []
    mailbox = inbound.MailboxPoller.from_config(config, echo)
    signer = DkimSigner.from_config(config)
    with StopRequest() as stop, transport_from_config(config) as transport:
        echo(f"Mail worker {me} started ({type(transport).__name__}).")
        while not stop.requested:
            try:
                while unrecorded:  # results from before an outage come first
                    record_result(unrecorded[0])
                    unrecorded.pop(0)
                if watch.database_down_since is not None:
                    # the release after the failed batch failed too: hand those rows back
                    # now instead of waiting for their leases to expire
                    release_all(me)
                beats.beat(force=watch.database_down_since is not None)
                watch.database_up()
                if mailbox is not None:
                    mailbox.poll_if_due()
                # Producers (e.g. a newsletter being sent) add their next chunk of outbox rows.
                produced = run_producers(config["MAIL_BATCH_SIZE"])
                ids = claim_batch(me, config["MAIL_BATCH_SIZE"])
                if not ids:
                    if produced:
                        continue  # e.g. a producer only finished or skipped something
                    transport.close()  # no idle connection held while waiting
                    if once:
                        break
                    stop.sleep(poll_seconds)
                    continue
                result = deliver_batch(ids, transport, me, stop, echo, unrecorded, signer)
                delivered += result.sent
                beats.smtp(result.transport_error if result.transport_down else None)
                if result.transport_down:
                    if once:
                        break
                    stop.sleep(max(poll_seconds, config["MAIL_RETRY_BASE_SECONDS"]))
            except DATABASE_OUTAGE as error:
                _reset_session()
                pause = watch.database_down(error)
                if once:
                    break
                stop.sleep(pause)
        if stop.requested:
            echo("Stopped on request: the message in hand was finished, nothing is left claimed.")
        beats.stop()
    return delivered

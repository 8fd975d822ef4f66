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

import collections
import contextlib
import enum
import functools
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from types import FrameType
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..core.database import ids_parameter, in_ids, utcnow
from ..extensions import db
from . import heartbeat, inbound
from .dkim_signing import DkimSigner
from .models import OutboxMessage, OutboxStatus
from .producers import Ahead, run_producers
from .senders import Senders
from .template import message_bytes, stored_templates
from .transports import (
    DeliveryFailure,
    PermanentFailure,
    Transport,
    TransportUnavailable,
    transport_from_config,
)

MAX_RETRY_DELAY = timedelta(hours=1)
LAST_ERROR_LENGTH = 2000
RECORD_DELAY = 0.2  # seconds a result may wait to be recorded with others
REFILL_SECONDS = 5.0  # how long one delivery round claims more before the loop comes round
SWITCH_INTERVAL = 0.0005  # seconds (Python's default: 0.005)
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
    """Leases up to `limit` due rows to `worker_id` and commits the claim; returns their ids."""
    return [row.id for row in claim_rows(worker_id, limit)]


def claim_rows(worker_id: str, limit: int) -> list[sa.Row]:
    """Leases up to `limit` due rows to `worker_id`, commits the claim and returns them in
    id order (id, recipient, raw, template_id, fields): what sending needs, read by the
    claim itself.

    Due means pending with `next_attempt_at` reached, or sending with an expired lease (its
    worker died). One UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) statement, so
    two workers never claim the same row."""
    now = utcnow()
    claim = _claim()
    values = {"now": now, "limit": limit, "lease_until": now + _lease(), "worker": worker_id}
    rows = sorted(db.session.execute(claim, values).all(), key=lambda row: row.id)
    db.session.commit()
    return rows


@functools.cache
def _claim() -> sa.Update:
    """The claim (see `claim_rows`), built once and run with parameters."""
    table = OutboxMessage.__table__
    now = sa.bindparam("now", type_=table.c.next_attempt_at.type)
    due = (
        sa.select(table.c.id)
        .where(
            sa.or_(
                sa.and_(
                    table.c.status == OutboxStatus.pending.name, table.c.next_attempt_at <= now
                ),
                sa.and_(
                    table.c.status == OutboxStatus.sending.name, table.c.lease_expires_at < now
                ),
            )
        )
        .order_by(table.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(
            status=OutboxStatus.sending.name,
            lease_expires_at=sa.bindparam("lease_until"),
            leased_by=sa.bindparam("worker"),
        )
        .returning(table.c.id, table.c.recipient, table.c.raw, table.c.template_id, table.c.fields)
    )


def renew_leases(ids: Sequence[int], worker_id: str) -> list[int]:
    """Extends the lease on those of `ids` that `worker_id` still holds; returns them."""
    if not ids:
        return []
    renew = (
        sa.update(OutboxMessage)
        .where(
            in_ids(OutboxMessage.id, ids),
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
            in_ids(OutboxMessage.id, ids),
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


_MESSAGE_ID_HEADER = re.compile(rb"^message-id:", re.IGNORECASE | re.MULTILINE)


def outgoing_message(row_id: int, raw: bytes, domain: str) -> bytes:
    """The message with a Message-ID derived from the row id when it has none, so a repeat
    after a hard kill carries the same Message-ID. Only the header block is searched."""
    head = raw.partition(b"\r\n\r\n")[0]
    if _MESSAGE_ID_HEADER.search(head):
        return raw
    return f"Message-ID: <outbox-{row_id}@{domain}>\r\n".encode("ascii") + raw


def retry_delay(attempts: int) -> timedelta:
    """MAIL_RETRY_BASE_SECONDS doubled for every further attempt, at most an hour."""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    seconds = min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY.total_seconds())
    return timedelta(seconds=seconds)


@dataclass
class DeliveryResult:
    """What happened to one row, as plain values (so it can wait out a database outage)."""

    row_id: int
    worker_id: str | None
    outcome: Outcome
    error: str | None = None
    is_refused: bool = False
    unavailable: bool = False  # the transport could not send anything (TransportUnavailable)
    untried: bool = False  # not sent at all: another connection found the server unavailable


@dataclass(frozen=True)
class Job:
    """One claimed row as plain values, for a sender thread (which never touches the
    database): the bytes as they go out, the envelope and who holds the lease."""

    row_id: int
    recipient: str
    sender: str
    raw: bytes
    worker_id: str


def load_jobs(rows: Sequence[sa.Row], worker_id: str, signer: DkimSigner | None) -> list[Job]:
    """The claimed rows ready to send: made from their template, Message-ID added, signed."""
    config = current_app.config
    domain = message_id_domain(config)
    templates = stored_templates(row.template_id for row in rows if row.template_id)
    jobs = []
    for row_id, recipient, raw, template_id, fields in rows:
        raw = message_bytes(raw, templates.get(template_id), fields)
        raw = outgoing_message(row_id, raw, domain)
        if signer is not None:
            raw = signer.sign(raw)
        jobs.append(Job(row_id, recipient, envelope_sender(config, row_id), raw, worker_id))
    return jobs


def send(job: Job, down: threading.Event, transport: Transport) -> DeliveryResult:
    """Sends one job (in a sender thread) and says what happened: sent; failed on a
    permanent refusal (5xx, `is_refused`); otherwise deferred. Once one connection found
    the server unavailable (`down`), the jobs still waiting are not tried."""
    if down.is_set():
        return DeliveryResult(job.row_id, job.worker_id, Outcome.deferred, untried=True)
    try:
        transport.send(job.raw, sender=job.sender, recipient=job.recipient, name=str(job.row_id))
    except PermanentFailure as failure:
        return DeliveryResult(job.row_id, job.worker_id, Outcome.failed, str(failure), True)
    except TransportUnavailable as failure:
        down.set()
        return DeliveryResult(
            job.row_id, job.worker_id, Outcome.deferred, str(failure), unavailable=True
        )
    except DeliveryFailure as failure:
        return DeliveryResult(job.row_id, job.worker_id, Outcome.deferred, str(failure))
    return DeliveryResult(job.row_id, job.worker_id, Outcome.sent)


def record_results(
    results: Sequence[DeliveryResult], connection: sa.Connection | None = None
) -> list[tuple[DeliveryResult, Outcome]]:
    """Writes the results of this worker's rows: every message sent by one UPDATE, on
    `connection` when given (a connection the caller keeps for a whole batch, so no
    checkout and ping per group), and the rare others row by row (a deferral is counted
    and retried later, or failed once MAIL_RETRY_WINDOW_HOURS have passed since it was
    queued). A row another worker has taken meanwhile (its lease expired) keeps that
    worker's result."""
    sent = [result for result in results if result.outcome is Outcome.sent]
    outcomes = [(result, Outcome.sent) for result in sent]
    by_worker: dict[str | None, list[int]] = {}
    for result in sent:
        by_worker.setdefault(result.worker_id, []).append(result.row_id)
    now = utcnow()
    execute = connection.execute if connection is not None else db.session.execute
    statement = _mark_sent(db.engine.dialect.name)
    for worker_id, ids in by_worker.items():
        execute(statement, {"ids": ids, "worker": worker_id, "now": now})
    if connection is not None:
        connection.commit()  # first: on SQLite the session below could not write meanwhile
        if len(outcomes) == len(results):
            return outcomes  # nothing else to write
    for result in results:
        if result.outcome is Outcome.sent:
            continue
        row = db.session.get(OutboxMessage, result.row_id, populate_existing=True)
        if (
            row is not None
            and row.status is OutboxStatus.sending
            and row.leased_by in (None, result.worker_id)
        ):
            outcomes.append((result, _apply(row, result)))
    db.session.commit()
    return outcomes


@functools.cache
def _mark_sent(dialect: str) -> sa.Update:
    """The UPDATE that records sent rows (`ids`) of one worker (`worker`), built once: a
    Core statement kept and run with parameters costs a fraction of one built per group.
    A row another worker has taken meanwhile (its lease expired) is left alone."""
    table = OutboxMessage.__table__
    return (
        sa.update(table)
        .where(
            ids_parameter(table.c.id, "ids", dialect),
            # two comparisons, not IN (…): an IN list is rewritten on every execution
            sa.or_(
                table.c.status == OutboxStatus.sending.name,
                table.c.status == OutboxStatus.pending.name,
            ),
            sa.or_(table.c.leased_by == sa.bindparam("worker"), table.c.leased_by.is_(None)),
        )
        .values(
            status=OutboxStatus.sent.name,
            sent_at=sa.bindparam("now"),
            attempts=table.c.attempts + 1,
            last_error=None,
            lease_expires_at=None,
            leased_by=None,
        )
    )


def _apply(row: OutboxMessage, result: DeliveryResult) -> Outcome:
    """A result other than sent (those are written together by `record_results`)."""
    if result.outcome is Outcome.failed:
        return _record_failure(row, result.error or "", refused=result.is_refused)
    return _record_transient_failure(row, result.error or "")


def envelope_sender(config, row_id: int) -> str:
    """The SMTP envelope sender (Return-Path): a VERP address naming the outbox row
    (`inbox+bounce-<id>-<signature>@domain`), so a bounce maps back to this exact delivery
    whatever its format; the MAIL_FROM address when no inbound address is set up."""
    address = inbound.inbound_address(config)
    if not address:
        return inbound.address_of(config["MAIL_FROM"])
    return inbound.verp_address(address, row_id, config["SECRET_KEY"])


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


@dataclass
class BatchResult:
    sent: int = 0
    transport_down: bool = False
    transport_error: str | None = None


def deliver_batch(
    rows: Sequence[sa.Row],
    senders: Senders,
    worker_id: str,
    stop: StopRequest,
    echo: Callable[[str], None] = _quiet,
    unrecorded: list[DeliveryResult] | None = None,
    signer: DkimSigner | None = None,
    in_hand: int = 1,
    refill: Callable[[], Sequence[sa.Row]] | None = None,
) -> BatchResult:
    """Delivers the claimed rows over the senders' connections until done, a stop is
    requested or the transport is unavailable, then releases whatever is left (also when
    an error escapes).

    At most `in_hand` messages are handed to the connections and not yet recorded; what
    is done is recorded in one transaction while the connections go on with the rest, so
    a slow commit (a PostgreSQL fsync) is shared by all messages finished meanwhile. A hard
    kill can therefore repeat at most `in_hand` messages (each with its same Message-ID); a
    stop request sends nothing more, lets the connections finish what they are sending,
    records it and releases the rest. The lease is renewed once half of it has passed, so a
    slow server does not let another worker take rows in hand.

    `refill()`, when given, claims more rows: it is called when fewer rows wait than there
    are connections, for up to REFILL_SECONDS, so a long send goes on without the
    connections running dry between batches.

    When the database fails while results are recorded, they go to `unrecorded` (with
    those still in flight, once they are done) for the caller to write later, and the
    database error is raised."""
    waiting = collections.deque(load_jobs(rows, worker_id, signer))
    refill_until = time.monotonic() + REFILL_SECONDS if refill is not None else 0.0
    db.session.commit()  # no transaction stays open while sending
    in_flight: dict[Future, Job] = {}
    done: list[DeliveryResult] = []  # tried, not yet recorded
    done_since = 0.0
    down = threading.Event()
    result = BatchResult()
    renew_at = utcnow() + _lease() / 2
    record_at = max(1, in_hand // 2)
    recorder: sa.Connection | None = None
    stack = contextlib.ExitStack()
    try:
        while True:
            halted = stop.requested or result.transport_down
            if halted:
                for future in [future for future in in_flight if future.cancel()]:
                    waiting.appendleft(in_flight.pop(future))  # never started: released
            elif len(waiting) < senders.connections and time.monotonic() < refill_until:
                more = refill()
                waiting.extend(load_jobs(more, worker_id, signer))
                db.session.commit()
                if not more:
                    refill_until = 0.0
            while waiting and len(in_flight) + len(done) < max(in_hand, 1) and not halted:
                job = waiting.popleft()
                in_flight[senders.submit(functools.partial(send, job, down), job.recipient)] = job
            if not in_flight and not done:
                break
            if in_flight:
                left = RECORD_DELAY - (time.monotonic() - done_since) if done else 1.0
                finished, _ = futures.wait(
                    in_flight, timeout=max(left, 0), return_when=futures.FIRST_COMPLETED
                )
                for future in finished:
                    job = in_flight.pop(future)
                    if (outcome := future.result()).untried:
                        waiting.appendleft(job)  # released below, untouched
                        continue
                    if not done:
                        done_since = time.monotonic()
                    done.append(outcome)
                    if outcome.unavailable:
                        result.transport_down = True
                        result.transport_error = outcome.error
            if done and (
                len(done) >= record_at
                or not in_flight
                or result.transport_down
                or stop.requested
                or time.monotonic() - done_since >= RECORD_DELAY
            ):
                try:
                    if recorder is None:
                        recorder = stack.enter_context(db.engine.connect())
                    outcomes = record_results(done, recorder)
                except DATABASE_OUTAGE:
                    if unrecorded is not None:
                        unrecorded.extend(done)
                        unrecorded.extend(
                            tried for future in in_flight if not (tried := future.result()).untried
                        )
                    in_flight.clear()
                    raise
                done = []
                for delivery, outcome in outcomes:
                    if outcome is Outcome.sent:
                        result.sent += 1
                    else:
                        echo(f"Message {delivery.row_id} {outcome.value}: {delivery.error or ''}")
            if waiting and utcnow() >= renew_at:
                held = set(renew_leases([job.row_id for job in waiting], worker_id))
                waiting = collections.deque(job for job in waiting if job.row_id in held)
                renew_at = utcnow() + _lease() / 2
    finally:
        # A failed statement must not block the release. During a database outage the
        # release fails too; the leases then expire and any worker takes the rows again.
        futures.wait(in_flight)  # an error escaped: the threads finish what they hold
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            stack.close()  # the recording connection (rolled back if a statement failed)
        db.session.rollback()
        try:
            released = release([job.row_id for job in waiting], worker_id)
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


def _settle(ahead: "Ahead | None") -> None:
    """Waits for producers running ahead; a database outage they ran into is no longer
    news (the caller is handling one already, or stopping)."""
    if ahead is not None:
        with contextlib.suppress(*DATABASE_OUTAGE):
            ahead.result()


@contextlib.contextmanager
def _short_switch_interval():
    """The sender threads hold the GIL only briefly; a short switch interval lets the
    worker's own thread take it back as soon as the database answers, not up to 5 ms later
    (Python's default), which would make every statement wait behind the threads."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


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
    ahead: Ahead | None = None  # the producers, running while a batch is sent
    mailbox = inbound.MailboxPoller.from_config(config, echo)
    signer = DkimSigner.from_config(config)
    senders = Senders(
        lambda: transport_from_config(config), config["MAIL_CONNECTIONS"], config["MAIL_RATE_LIMIT"]
    )
    with StopRequest() as stop, senders, _short_switch_interval():
        kind = type(transport_from_config(config)).__name__
        rate = f", at most {config['MAIL_RATE_LIMIT']:g}/s" if config["MAIL_RATE_LIMIT"] else ""
        echo(f"Mail worker {me} started ({kind} × {senders.connections}{rate}).")
        while not stop.requested:
            try:
                if unrecorded:  # results from before an outage come first
                    record_results(unrecorded)
                    unrecorded.clear()
                if watch.database_down_since is not None:
                    # the release after the failed batch failed too: hand those rows back
                    # now instead of waiting for their leases to expire
                    release_all(me)
                beats.beat(force=watch.database_down_since is not None)
                watch.database_up()
                if mailbox is not None:
                    mailbox.poll_if_due()
                # Producers (e.g. a newsletter being sent) add their next chunk of outbox
                # rows: here, unless they did so while the last batch was sent (when they
                # found nothing then, they run again: that batch may have settled a send).
                produced, ahead = (ahead.result() if ahead is not None else 0), None
                if not produced:
                    produced = run_producers(config["MAIL_BATCH_SIZE"])
                rows = claim_rows(me, config["MAIL_BATCH_SIZE"])
                if not rows:
                    if produced:
                        continue  # e.g. a producer only finished or skipped something
                    senders.close_connections()  # no idle connection held while waiting
                    if once:
                        break
                    stop.sleep(poll_seconds)
                    continue
                ahead = Ahead(config["MAIL_BATCH_SIZE"]) if produced else None

                def refill() -> Sequence[sa.Row]:
                    """The next batch, claimed while the last messages of this one go out
                    (with the chunk the producers made meanwhile)."""
                    nonlocal ahead
                    if ahead is not None and ahead.result():
                        ahead = Ahead(config["MAIL_BATCH_SIZE"])
                    else:
                        ahead = None
                    return claim_rows(me, config["MAIL_BATCH_SIZE"])

                result = deliver_batch(
                    rows,
                    senders,
                    me,
                    stop,
                    echo,
                    unrecorded,
                    signer,
                    config["MAIL_IN_HAND"],
                    refill,
                )
                delivered += result.sent
                beats.smtp(result.transport_error if result.transport_down else None)
                if result.transport_down:
                    if once:
                        break
                    stop.sleep(max(poll_seconds, config["MAIL_RETRY_BASE_SECONDS"]))
            except DATABASE_OUTAGE as error:
                _settle(ahead)
                ahead = None
                _reset_session()
                pause = watch.database_down(error)
                if once:
                    break
                stop.sleep(pause)
        _settle(ahead)
        if stop.requested:
            echo("Stopped on request: the message in hand was finished, nothing is left claimed.")
        beats.stop()
    return delivered

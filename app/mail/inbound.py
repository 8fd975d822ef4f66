"""Inbound mail: one channel for everything that comes back to MAIL_INBOUND_ADDRESS.

Two ways in, both ending in `receive(raw, source)`:
- `flask mail receive` reads one message on standard input (an MTA's pipe transport);
- the worker polls an IMAP mailbox (`MailboxPoller`) when IMAP_HOST, IMAP_USER and
  IMAP_PASSWORD are set. Messages it understood are moved to IMAP_FOLDER_DONE, never
  deleted; anything else is left where it is, unread state untouched (BODY.PEEK).

`receive` records every message (`InboundMessage`: sender, kind, what it caused, the raw
text for INBOUND_RAW_DAYS days) and recognises, in this order:
1. bounces: an RFC 3464 delivery status notification, a message to a VERP address
   (`inbox+bounce-<outbox id>-<signature>@domain`, the Return-Path of every delivery), or a
   non-standard bounce that flufl.bounce (Mailman's detectors) recognises;
2. calendar replies: a `text/calendar` part with METHOD:REPLY or METHOD:COUNTER;
3. auto-replies (RFC 3834 `Auto-Submitted`, out-of-office headers): recorded, never bounces;
4. unsubscribe requests: the token of a List-Unsubscribe mailto, in the subject or the
   address (`inbox+unsubscribe-<token>@domain`).

This package knows no domain: what a bounce, a reply or an unsubscribe changes is decided by
the handler a domain registers for that kind with `register_inbound_handler(app, kind, fn)`
(the newsletter for bounces and unsubscribes, the meetings for calendar replies). A handler
gets the parsed payload, changes its records (flush, no commit) and returns `Handled`."""

import contextlib
import functools
import hashlib
import hmac
import imaplib
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import sqlalchemy as sa
from flask import Flask, current_app

from ..core.database import utcnow
from ..core.i18n import N_
from ..extensions import db
from .models import InboundKind, InboundMessage, InboundOutcome

EXTENSION_KEY = "mail.inbound_handlers"
VERP_BOUNCE = "bounce"
VERP_UNSUBSCRIBE = "unsubscribe"
UNSUBSCRIBE_SUBJECT = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_-]{16,128})", re.I)
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond")
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
DETAIL_LENGTH = 2000


# --- addresses ----------------------------------------------------------------------------


def inbound_address(config) -> str | None:
    """MAIL_INBOUND_ADDRESS, the mailbox this channel reads (None: no inbound channel)."""
    return address_of(config.get("MAIL_INBOUND_ADDRESS") or "") or None


@functools.lru_cache(maxsize=16)
def address_of(text: str) -> str:
    """The address in a setting such as `Name <address>` (parsed once: the worker asks for
    every message it sends)."""
    return parseaddr(text)[1]


def _signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:10]


def _tagged(address: str, tag: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}+{tag}@{domain}"


def verp_address(address: str, outbox_id: int, secret: str) -> str:
    """The Return-Path of outbox row `outbox_id`: signed, so nobody can fake a bounce."""
    tag = f"{VERP_BOUNCE}-{outbox_id}"
    return _tagged(address, f"{tag}-{_signature(secret, tag)}")


def outbox_id_from_verp(address: str, secret: str) -> int | None:
    local = address.rpartition("@")[0]
    match = re.search(r"\+" + VERP_BOUNCE + r"-(\d+)-([0-9a-f]{10})$", local, re.I)
    if not match:
        return None
    tag = f"{VERP_BOUNCE}-{match.group(1)}"
    if not hmac.compare_digest(_signature(secret, tag), match.group(2).lower()):
        return None
    return int(match.group(1))


def unsubscribe_mailto(address: str, token: str) -> str:
    """The mailto URI of List-Unsubscribe: the token in the subject, which every mail
    program keeps. (A token in the address, `inbox+unsubscribe-<token>@…`, is understood
    too, but not written: with a long mailbox name it would pass the 64-character limit
    of a local part.)"""
    return f"mailto:{address}?subject=unsubscribe%20{token}"


def _unsubscribe_token(msg: EmailMessage, recipients: list[str]) -> str | None:
    match = UNSUBSCRIBE_SUBJECT.search(str(msg.get("Subject", "")))
    if match:
        return match.group(1)
    for address in recipients:
        local = address.rpartition("@")[0]
        found = re.search(r"\+" + VERP_UNSUBSCRIBE + r"-([A-Za-z0-9_-]{16,128})$", local)
        if found:
            return found.group(1)
    return None


# --- what domains register ------------------------------------------------------------------


@dataclass
class Handled:
    """A handler's answer: `applied` when it changed a record, and what (or why not) as an
    English message marked with N_() and its parameters; it is translated when shown."""

    applied: bool
    detail: str
    params: dict = field(default_factory=dict)


@dataclass
class Bounce:
    """A bounce as the newsletter sees it: the outbox row it answers (from the VERP address,
    when it came back there) and the failed addresses with hard (5.x.x) or soft (4.x.x)."""

    outbox_id: int | None
    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def is_hard(self) -> bool:
        return bool(self.hard) or not self.soft


@dataclass
class CalendarMessage:
    """An iTIP message that came in: METHOD (REPLY, COUNTER), the calendar bytes and who
    sent the mail."""

    method: str
    ics: bytes
    sender: str


Handler = Callable[[object], Handled]


def register_inbound_handler(app: Flask, kind: InboundKind, handler: Handler) -> None:
    app.extensions.setdefault(EXTENSION_KEY, {})[kind] = handler


def _dispatch(kind: InboundKind, payload) -> Handled:
    handler = current_app.extensions.get(EXTENSION_KEY, {}).get(kind)
    if handler is None:
        return Handled(False, N_("Nothing on this platform handles such messages."))
    return handler(payload)


# --- recognising a message ----------------------------------------------------------------


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)


def _recipients(msg: EmailMessage, envelope_recipient: str | None) -> list[str]:
    values = [envelope_recipient] if envelope_recipient else []
    for name in RECIPIENT_HEADERS:
        values.extend(str(v) for v in msg.get_all(name, []))
    return [address for _name, address in getaddresses(values) if address]


def _delivery_status(msg: EmailMessage) -> Bounce | None:
    """RFC 3464: the per-recipient blocks of a message/delivery-status part. Action failed
    with a 5.x.x Status is hard, with 4.x.x soft; delay warnings (Action: delayed) alone are
    no bounce at all."""
    if msg.get_content_type() != "multipart/report":
        return None
    bounce = Bounce(outbox_id=None)
    seen = False
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        seen = True
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            action = str(block.get("Action", "")).strip().lower()
            if not action.startswith("fail"):
                continue
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            address = recipient.partition(";")[2].strip().strip("<>") or recipient
            status = str(block.get("Status", "")).strip()
            (bounce.soft if status.startswith("4") else bounce.hard).append(address.lower())
            diagnostic = str(block.get("Diagnostic-Code", "")).partition(";")[2].strip()
            bounce.reason = bounce.reason or " ".join(p for p in (status, diagnostic) if p)
    if not seen:
        return None
    return bounce


def _flufl_failures(raw: bytes) -> tuple[list[str], list[str]]:
    """(permanent, temporary) failures as Mailman's detectors find them."""
    from flufl.bounce import all_failures

    legacy: Message = BytesParser(policy=policy.compat32).parsebytes(raw)
    temporary, permanent = all_failures(legacy)
    decode = lambda found: sorted(a.decode("ascii", "replace").lower() for a in found)  # noqa: E731
    return decode(permanent), decode(temporary)


def is_auto_reply(msg: EmailMessage) -> bool:
    """RFC 3834 and the common out-of-office markers (Exchange, Gmail, vacation programs)."""
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if any(msg.get(name) for name in AUTO_REPLY_HEADERS):
        return True
    return str(msg.get("Precedence", "")).strip().lower() == "auto_reply"


def _calendar_part(msg: EmailMessage) -> tuple[str, bytes] | None:
    for part in msg.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics"):
            continue
        content = part.get_payload(decode=True) or b""
        match = re.search(rb"^METHOD:([A-Z-]+)\s*$", content, re.M | re.I)
        method = (match.group(1).decode().upper() if match else "") or str(
            part.get_param("method", "")
        ).upper()
        return method, content
    return None


def _bounce_candidate(msg: EmailMessage, outbox_id: int | None) -> bool:
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    return_path = str(msg.get("Return-Path", "")).strip()
    return (
        outbox_id is not None
        or return_path == "<>"
        or sender.split("@")[0] in {"mailer-daemon", "postmaster"}
    )


def classify(raw: bytes, envelope_recipient: str | None = None) -> tuple[InboundKind, object]:
    """What the message is and the payload its handler gets (None for unrelated mail and
    auto-replies)."""
    msg = _parse(raw)
    secret = current_app.config["SECRET_KEY"]
    recipients = _recipients(msg, envelope_recipient)
    outbox_id = next(
        (found for a in recipients if (found := outbox_id_from_verp(a, secret)) is not None),
        None,
    )
    dsn = _delivery_status(msg)
    if dsn is not None:
        dsn.outbox_id = outbox_id
        if dsn.hard or dsn.soft:
            return InboundKind.bounce, dsn
        return InboundKind.auto_reply, None  # a delay warning: the MTA still tries
    # before the auto-reply check: calendar programs may mark their answers as automatic
    calendar = _calendar_part(msg)
    if calendar and calendar[0] in ("REPLY", "COUNTER"):
        kind = (
            InboundKind.calendar_reply if calendar[0] == "REPLY" else InboundKind.calendar_counter
        )
        sender = parseaddr(str(msg.get("From", "")))[1].lower()
        return kind, CalendarMessage(calendar[0], calendar[1], sender)
    if is_auto_reply(msg):
        return InboundKind.auto_reply, None
    if _bounce_candidate(msg, outbox_id):
        permanent, temporary = _flufl_failures(raw)
        if permanent or outbox_id is not None:
            reason = str(msg.get("Subject", ""))[:200]
            return InboundKind.bounce, Bounce(outbox_id, hard=permanent, reason=reason)
        if temporary:
            return InboundKind.auto_reply, None  # a warning, not a failure
    token = _unsubscribe_token(msg, recipients)
    if token:
        return InboundKind.unsubscribe, token
    return InboundKind.unrelated, None


KIND_DETAILS = {
    InboundKind.auto_reply: N_(
        "An automatic reply or a delay warning: recorded, not counted as a bounce."
    ),
    InboundKind.unrelated: N_(
        "Not a bounce, calendar answer or unsubscribe request: left in the mailbox."
    ),
}


def receive(raw: bytes, source: str, *, envelope_recipient: str | None = None) -> InboundMessage:
    """Records one incoming message and lets the registered handler act on it, in the
    caller's transaction (the caller commits). The same bytes received again (an MTA or the
    IMAP poll trying once more) return the first record and change nothing."""
    digest = hashlib.sha256(raw).hexdigest()
    known = db.session.scalar(
        sa.select(InboundMessage).where(InboundMessage.digest == digest).limit(1)
    )
    if known is not None:
        return known
    purge_raw()
    msg = _parse(raw)
    kind, payload = classify(raw, envelope_recipient)
    if payload is None:
        outcome = InboundOutcome.left if kind is InboundKind.unrelated else InboundOutcome.ignored
        handled = Handled(False, KIND_DETAILS[kind])
    else:
        handled = _dispatch(kind, payload)
        outcome = InboundOutcome.applied if handled.applied else InboundOutcome.ignored
    record = InboundMessage(
        source=source,
        sender=parseaddr(str(msg.get("From", "")))[1][:254],
        subject=str(msg.get("Subject", ""))[:300],
        message_id=str(msg.get("Message-ID", "")).strip()[:300],
        digest=digest,
        kind=kind,
        outcome=outcome,
        detail=handled.detail,
        detail_params={k: str(v)[:DETAIL_LENGTH] for k, v in handled.params.items()},
        raw=raw,
    )
    db.session.add(record)
    db.session.flush()
    return record


def purge_raw(now=None) -> int:
    """Empties the raw text of messages older than INBOUND_RAW_DAYS (the record stays)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["INBOUND_RAW_DAYS"])
    return db.session.execute(
        sa.update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.raw.is_not(None))
        .values(raw=None)
        .execution_options(synchronize_session=False)
    ).rowcount


# --- the IMAP mailbox -----------------------------------------------------------------------

IMAP_SECURITY_MODES = ("none", "starttls", "ssl")
IMAP_DEFAULT_PORTS = {"none": 143, "starttls": 143, "ssl": 993}


class MailboxPoller:
    """Reads the IMAP mailbox every IMAP_POLL_SECONDS inside the worker's loop. Each message
    is fetched with BODY.PEEK (its \\Seen flag untouched), received, committed, and then
    moved to IMAP_FOLDER_DONE when it was ours; unrelated mail stays where it is."""

    def __init__(self, config, echo: Callable[[str], None]) -> None:
        security = config.get("IMAP_SECURITY") or "ssl"
        if security not in IMAP_SECURITY_MODES:
            raise ValueError(
                f"IMAP_SECURITY must be one of {', '.join(IMAP_SECURITY_MODES)}, not {security!r}"
            )
        self.host = config["IMAP_HOST"]
        self.port = config.get("IMAP_PORT") or IMAP_DEFAULT_PORTS[security]
        self.security = security
        self.user = config["IMAP_USER"]
        self.password = config["IMAP_PASSWORD"]
        self.folder = config.get("IMAP_FOLDER") or "INBOX"
        self.done_folder = config.get("IMAP_FOLDER_DONE") or "Netwerkbrug/Processed"
        self.every = float(config.get("IMAP_POLL_SECONDS") or 60)
        self.echo = echo
        self._next_poll = 0.0
        self._failing = False

    @classmethod
    def from_config(cls, config, echo: Callable[[str], None]) -> "MailboxPoller | None":
        if not (
            config.get("IMAP_HOST") and config.get("IMAP_USER") and config.get("IMAP_PASSWORD")
        ):
            return None
        return cls(config, echo)

    def poll_if_due(self) -> int:
        if time.monotonic() < self._next_poll:
            return 0
        self._next_poll = time.monotonic() + self.every
        try:
            handled = self.poll()
        except (OSError, imaplib.IMAP4.error) as error:  # the mailbox may be back next time
            if not self._failing:
                self.echo(f"IMAP mailbox {self.host}:{self.port} unusable: {error}; trying again.")
            self._failing = True
            return 0
        if self._failing:
            self.echo(f"IMAP mailbox {self.host}:{self.port} usable again.")
        self._failing = False
        return handled

    def _connect(self) -> imaplib.IMAP4:
        if self.security == "ssl":
            imap = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=ssl.create_default_context(), timeout=30
            )
        else:
            imap = imaplib.IMAP4(self.host, self.port, timeout=30)
            if self.security == "starttls":
                try:
                    imap.starttls(ssl_context=ssl.create_default_context())
                except (OSError, imaplib.IMAP4.error):
                    imap.shutdown()
                    raise
        try:
            imap.login(self.user, self.password)
        except imaplib.IMAP4.error:
            imap.shutdown()
            raise
        # imaplib keeps the capabilities from before the login; MOVE and UIDPLUS are often
        # announced only after it
        typ, data = imap.capability()
        if typ == "OK" and data and data[-1]:
            imap.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        return imap

    def poll(self) -> int:
        """One pass over the folder; returns how many messages were new to the platform."""
        imap = self._connect()
        new = 0
        try:
            imap.create(_quoted(self.done_folder))  # answers NO when it exists: fine
            typ, _ = imap.select(_quoted(self.folder))
            if typ != "OK":
                raise imaplib.IMAP4.error(f"cannot open folder {self.folder}")
            typ, data = imap.uid("SEARCH", None, "ALL")
            uids = data[0].split() if typ == "OK" and data and data[0] else []
            for uid in uids:
                new += self._handle_safely(imap, uid)
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()
        return new

    def _handle_safely(self, imap: imaplib.IMAP4, uid: bytes) -> int:
        """One message; a message that makes a handler fail stays in the inbox, the error is
        logged with its traceback and the worker goes on (it must not die on one bad mail).
        Database outages and IMAP errors still propagate: they concern every message."""
        try:
            return self._handle(imap, uid)
        except (OSError, imaplib.IMAP4.error, sa.exc.OperationalError, sa.exc.InterfaceError):
            raise
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Incoming message %s could not be handled", uid)
            self.echo(
                f"Incoming message {uid.decode()} could not be handled; it stays in the inbox."
            )
            return 0

    def _handle(self, imap: imaplib.IMAP4, uid: bytes) -> int:
        typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((item[1] for item in data or [] if isinstance(item, tuple)), None)
        if typ != "OK" or raw is None:
            return 0
        digest = hashlib.sha256(raw).hexdigest()
        known = db.session.scalar(
            sa.select(InboundMessage.id).where(InboundMessage.digest == digest)
        )
        record = receive(raw, "imap")
        db.session.commit()
        if record.outcome is InboundOutcome.left:
            return 0 if known else 1
        if self._move(imap, uid):
            record.moved_to = self.done_folder
            db.session.commit()
        return 0 if known else 1

    def _move(self, imap: imaplib.IMAP4, uid: bytes) -> bool:
        """UID MOVE (RFC 6851) where the server has it, else COPY and then expunge only
        this message (UID EXPUNGE, RFC 4315) once the copy exists."""
        if "MOVE" in imap.capabilities:
            typ, _ = imap.uid("MOVE", uid, _quoted(self.done_folder))
            return typ == "OK"
        typ, _ = imap.uid("COPY", uid, _quoted(self.done_folder))
        if typ != "OK":
            return False
        imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in imap.capabilities:  # without it, EXPUNGE would take others' too
            imap.uid("EXPUNGE", uid)
        return True


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

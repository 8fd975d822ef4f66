"""Newsletter rules: double opt-in, one-click unsubscribe, imports with a stated consent basis,
editions per language, and sending through the mail outbox in the background.

Services change state and flush; the calling view (or the worker loop) commits once. Sending
works like this: `queue_edition()` creates one pending `Delivery` per confirmed subscriber
with a single INSERT … SELECT; the mail worker runs `produce_deliveries()` between batches,
which renders the next chunk into outbox rows (each with the Message-ID
`<newsletter-{edition}-{subscriber}@domain>`), and `finish_editions()`, which marks an
edition sent once every delivery has settled. Pausing takes the outbox rows no worker has
claimed yet back out, so a pause holds at once except for the messages already in hand."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.i18n import LANGUAGE_NAMES
from ..core.markdown import render_markdown
from ..core.urls import external_url
from ..extensions import db
from ..mail.inbound import inbound_address
from ..mail.inbound import unsubscribe_mailto as inbound_unsubscribe_mailto
from ..mail.models import OutboxMessage, OutboxStatus
from ..mail.services import (
    build_message,
    queue_message,
    queue_template_mail,
    render_mail,
)
from ..mail.worker import message_id_domain
from .models import (
    LANGUAGES,
    QUARTER_PATTERN,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
)

CONFIRM_MAX_AGE = timedelta(days=7)
CONFIRMATION_RESEND_INTERVAL = timedelta(minutes=10)
IMPORT_MAX_ROWS = 10_000
EDITION_CATEGORY = "newsletter.edition"


class InvalidLink(DomainError):
    status_code = 400
    message = _l("This link is not valid. It may have been copied incompletely.")


class ExpiredLink(DomainError):
    status_code = 400
    message = _l("This confirmation link has expired. Please subscribe again to receive a new one.")


class UnknownUnsubscribeLink(DomainError):
    status_code = 404
    message = _l(
        "This unsubscribe link is not valid. It may have been copied incompletely; the address may also have been removed from the list already."
    )


class InvalidEmail(DomainError):
    status_code = 400
    message = _l("Please enter a valid e-mail address.")


class AlreadySubscribed(DomainError):
    message = _l("This address is already on the list.")


class QuarterInvalid(DomainError):
    status_code = 400
    message = _l('Please enter the quarter as year and quarter, for example "2026 Q4".')


class QuarterTaken(DomainError):
    message = _l("There is already an edition for this quarter.")


class EditionNotDraft(DomainError):
    message = _l("This edition is being sent or has been sent; it can no longer be changed.")


class EditionIncomplete(DomainError):
    status_code = 400
    message = _l("Write a title and a text in at least one language before sending.")


class NoRecipients(DomainError):
    message = _l("There are no confirmed subscribers to send this edition to.")


class NotSending(DomainError):
    message = _l("Only an edition that is being sent can be paused.")


class NotPaused(DomainError):
    message = _l("Only a paused edition can be resumed.")


class ImportTooLarge(DomainError):
    status_code = 400


class ImportUnreadable(DomainError):
    status_code = 400
    message = _l("The file could not be read as CSV. Please save it as CSV (UTF-8) and try again.")


# --- subscribers ---------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def checked_email(email: str) -> str:
    """The normalised address, or InvalidEmail (no DNS look-up: an import must stay fast)."""
    address = normalise_email(email)
    if not address or len(address) > 254:
        raise InvalidEmail()
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidEmail() from error
    return address


def find_subscriber(email: str) -> Subscriber | None:
    return db.session.scalar(
        sa.select(Subscriber).where(Subscriber.email == normalise_email(email))
    )


def _valid_language(language: str | None) -> str:
    return language if language in LANGUAGES else "nl"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="netwerkbrug.newsletter-confirm"
    )


def confirmation_token(subscriber: Subscriber) -> str:
    return _serializer().dumps([subscriber.id, subscriber.token])


def _send_confirmation(subscriber: Subscriber) -> None:
    subscriber.confirmation_sent_at = utcnow()
    db.session.flush()
    queue_template_mail(
        "newsletter/emails/confirm",
        to=(subscriber.name, subscriber.email),
        locale=subscriber.language,
        subject=_l("Please confirm your subscription to the Netwerkbrug newsletter"),
        subscriber=subscriber,
        link=external_url("newsletter.confirm", token=confirmation_token(subscriber)),
        days=CONFIRM_MAX_AGE.days,
    )


def subscribe(
    email: str, *, name: str = "", organisation: str = "", language: str = "nl"
) -> Subscriber | None:
    """Double opt-in: a new address is pending until the link in the confirmation mail is
    used. The caller shows the same answer whatever happened, so the form does not reveal
    who is on the list: a confirmed address is left alone (no mail), a pending one gets the
    mail again at most every ten minutes, an address that left the list must confirm again.
    Returns the subscriber a confirmation was sent to, if any."""
    address = checked_email(email)
    language = _valid_language(language)
    subscriber = find_subscriber(address)
    if subscriber is None:
        subscriber = Subscriber(
            email=address,
            name=name.strip()[:120],
            organisation=organisation.strip()[:200],
            language=language,
            status=SubscriberStatus.pending,
            consent_source=ConsentSource.form,
        )
        db.session.add(subscriber)
        db.session.flush()
    elif subscriber.status is SubscriberStatus.confirmed:
        return None
    elif subscriber.status is SubscriberStatus.pending:
        sent = subscriber.confirmation_sent_at
        if sent is not None and utcnow() - sent < CONFIRMATION_RESEND_INTERVAL:
            return None
    else:  # unsubscribed, refused or disabled earlier: a new opt-in, with what was entered now
        subscriber.status = SubscriberStatus.pending
        subscriber.bounce_score = 0.0
        subscriber.consent_source = ConsentSource.form
        subscriber.language = language
        subscriber.name = name.strip()[:120] or subscriber.name
        subscriber.organisation = organisation.strip()[:200] or subscriber.organisation
    _send_confirmation(subscriber)
    return subscriber


def subscriber_from_confirmation(token: str, max_age: timedelta | None = None) -> Subscriber:
    """The token must be ours, younger than `max_age` (CONFIRM_MAX_AGE) and made for this
    subscriber."""
    max_age = CONFIRM_MAX_AGE if max_age is None else max_age
    try:
        subscriber_id, secret = _serializer().loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise ExpiredLink() from error
    except (BadSignature, ValueError, TypeError) as error:
        raise InvalidLink() from error
    subscriber = (
        db.session.get(Subscriber, subscriber_id) if isinstance(subscriber_id, int) else None
    )
    if subscriber is None or subscriber.token != secret:
        raise InvalidLink()
    return subscriber


def confirm_subscription(token: str) -> Subscriber:
    """A pending subscriber becomes confirmed; the click is the moment of consent. Confirming
    twice is harmless; a link from before an unsubscription does not subscribe again."""
    subscriber = subscriber_from_confirmation(token)
    if subscriber.status is SubscriberStatus.confirmed:
        return subscriber
    if subscriber.status is not SubscriberStatus.pending:
        raise InvalidLink()
    subscriber.status = SubscriberStatus.confirmed
    subscriber.consent_source = ConsentSource.form
    subscriber.consent_at = utcnow()
    subscriber.unsubscribed_at = None
    db.session.flush()
    return subscriber


def subscriber_from_unsubscribe_token(token: str) -> Subscriber:
    subscriber = None
    if token and len(token) <= 64:
        subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.token == token))
    if subscriber is None:
        raise UnknownUnsubscribeLink()
    return subscriber


def unsubscribe(subscriber: Subscriber, actor=None) -> bool:
    """Takes the address off the list at once, without confirmation (RFC 8058 one-click),
    also for an edition being sent: its deliveries that have not gone out yet are skipped.
    `actor` is the project manager when done by hand (audit-logged). Returns whether
    anything changed (unsubscribing twice is harmless)."""
    if subscriber.status is SubscriberStatus.unsubscribed:
        return False
    subscriber.status = SubscriberStatus.unsubscribed
    subscriber.unsubscribed_at = utcnow()
    db.session.flush()  # the first write: on SQLite this holds the lock for what follows
    mine = Delivery.subscriber_id == subscriber.id
    _withdraw_from_outbox(mine, DeliveryStatus.skipped)
    db.session.execute(
        sa.update(Delivery)
        .where(mine, Delivery.status == DeliveryStatus.pending)
        .values(status=DeliveryStatus.skipped)
        .execution_options(synchronize_session=False)
    )
    if actor is not None:
        record_audit(actor, "newsletter.unsubscribe", subscriber, email=subscriber.email)
    return True


def add_subscriber(
    actor,
    email: str,
    *,
    name: str = "",
    organisation: str = "",
    language: str = "nl",
    consent_basis: str,
) -> Subscriber:
    """The project manager adds an address with a stated consent basis; it is confirmed."""
    address = checked_email(email)
    if find_subscriber(address) is not None:
        raise AlreadySubscribed()
    basis = (consent_basis or "").strip()
    if not basis:
        raise ConsentBasisMissing()
    now = utcnow()
    subscriber = Subscriber(
        email=address,
        name=name.strip()[:120],
        organisation=organisation.strip()[:200],
        language=_valid_language(language),
        status=SubscriberStatus.confirmed,
        consent_source=ConsentSource.admin,
        consent_at=now,
        consent_basis=basis,
    )
    db.session.add(subscriber)
    db.session.flush()
    record_audit(actor, "newsletter.add_subscriber", subscriber, email=address, basis=basis)
    return subscriber


class ConsentBasisMissing(DomainError):
    status_code = 400
    message = _l("State on what basis these people agreed to receive the newsletter.")


# --- import and export --------------------------------------------------------------------

COLUMN_NAMES = {
    "email": {"email", "e-mail", "mail", "e-mailadres", "e-mail-adresse", "emailadres", "adres"},
    "name": {"name", "naam"},
    "organisation": {"organisation", "organization", "organisatie", "organisation/institution"},
    "language": {"language", "taal", "sprache", "lang"},
}


@dataclass
class ImportRow:
    line: int
    email: str
    name: str = ""
    organisation: str = ""
    language: str = "nl"
    error: str | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def valid(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error is None]

    @property
    def invalid(self) -> list[ImportRow]:
        return [row for row in self.rows if row.error is not None]


def decode_upload(content: bytes) -> str:
    """CSV from Excel or LibreOffice: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _column_map(header: list[str]) -> dict[str, int] | None:
    found = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for column, names in COLUMN_NAMES.items():
            if key in names and column not in found:
                found[column] = index
    return found if "email" in found else None


def preview_import(text: str, default_language: str) -> ImportPreview:
    """Reads the CSV (comma, semicolon or tab; a header row with at least an e-mail column,
    or columns e-mail, name, organisation, language) and checks every row: a valid address,
    not twice in the file, not already on the list, a known language. Writes nothing."""
    default_language = _valid_language(default_language)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ImportUnreadable() from error
    records = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not records:
        raise ImportUnreadable(_("The file contains no addresses."))
    columns = _column_map(records[0][1])
    if columns is not None:
        records = records[1:]
    else:
        columns = {"email": 0, "name": 1, "organisation": 2, "language": 3}
    if len(records) > IMPORT_MAX_ROWS:
        raise ImportTooLarge(
            _(
                "The file has %(count)s rows; at most %(max)s can be imported at once.",
                count=len(records),
                max=IMPORT_MAX_ROWS,
            )
        )

    def cell(record: list[str], column: str) -> str:
        index = columns.get(column)
        return record[index].strip() if index is not None and index < len(record) else ""

    preview = ImportPreview()
    for line, record in records:
        row = ImportRow(
            line=line,
            email=normalise_email(cell(record, "email")),
            name=cell(record, "name"),
            organisation=cell(record, "organisation"),
            language=cell(record, "language").lower() or default_language,
        )
        try:
            checked_email(row.email)
        except InvalidEmail:
            row.error = _("Not a valid e-mail address.")
        else:
            if row.language not in LANGUAGES:
                row.error = _(
                    'Unknown language "%(language)s"; use nl, de or en.', language=row.language
                )
            elif len(row.name) > 120 or len(row.organisation) > 200:
                row.error = _("The name or organisation is too long.")
        preview.rows.append(row)

    seen: dict[str, int] = {}
    for row in preview.rows:
        if row.error is None and row.email in seen:
            row.error = _("Duplicate: the same address is on line %(line)s.", line=seen[row.email])
        seen.setdefault(row.email, row.line)
    existing = _existing_addresses(row.email for row in preview.valid)
    for row in preview.valid:
        if row.email in existing:
            row.error = _("Duplicate: this address is already on the list.")
    return preview


def _existing_addresses(emails: Iterable[str]) -> set[str]:
    emails = list(emails)
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(
            db.session.scalars(sa.select(Subscriber.email).where(Subscriber.email.in_(chunk)))
        )
    return found


def import_subscribers(
    actor, text: str, default_language: str, consent_basis: str
) -> ImportPreview:
    """Adds every valid row of the CSV as a confirmed subscriber whose consent rests on the
    basis the project manager states (required, stored with each address). Rows with errors
    and addresses already on the list are left out; existing subscribers are never changed,
    so nobody who unsubscribed is put back."""
    basis = (consent_basis or "").strip()
    if not basis:
        raise ConsentBasisMissing()
    preview = preview_import(text, default_language)
    now = utcnow()
    for row in preview.valid:
        db.session.add(
            Subscriber(
                email=row.email,
                name=row.name,
                organisation=row.organisation,
                language=row.language,
                status=SubscriberStatus.confirmed,
                consent_source=ConsentSource.imported,
                consent_at=now,
                consent_basis=basis,
            )
        )
    db.session.flush()
    record_audit(
        actor,
        "newsletter.import_subscribers",
        added=len(preview.valid),
        rejected=len(preview.invalid),
        basis=basis,
    )
    return preview


EXPORT_COLUMNS = (
    "email",
    "name",
    "organisation",
    "language",
    "status",
    "consent_source",
    "consent_at",
    "consent_basis",
    "created_at",
    "unsubscribed_at",
)


def export_subscribers_csv(actor, stmt) -> str:
    """The subscribers `stmt` selects as CSV (UTF-8 with BOM, so Excel reads the umlauts);
    exporting personal data is audit-logged."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for subscriber in db.session.scalars(stmt):
        count += 1
        writer.writerow(
            [
                _csv_safe(subscriber.email),
                _csv_safe(subscriber.name),
                _csv_safe(subscriber.organisation),
                subscriber.language,
                subscriber.status.value,
                subscriber.consent_source.value,
                _iso(subscriber.consent_at),
                _csv_safe(subscriber.consent_basis),
                _iso(subscriber.created_at),
                _iso(subscriber.unsubscribed_at),
            ]
        )
    record_audit(actor, "newsletter.export_subscribers", count=count)
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


# --- editions -------------------------------------------------------------------------------

CONTENT_FIELDS = tuple(f"{part}_{lang}" for part in ("title", "body") for lang in LANGUAGES)


def check_quarter(quarter: str) -> str:
    quarter = " ".join((quarter or "").upper().split())
    match = QUARTER_PATTERN.match(quarter)
    if not match or not 2000 <= int(match.group(1)) <= 2099:
        raise QuarterInvalid()
    return quarter


def _check_quarter_free(quarter: str, edition: Edition | None = None) -> None:
    stmt = sa.select(Edition.id).where(Edition.quarter == quarter)
    if edition is not None:
        stmt = stmt.where(Edition.id != edition.id)
    if db.session.scalar(stmt) is not None:
        raise QuarterTaken()


def create_edition(actor, quarter: str, **content: str) -> Edition:
    """A draft for a quarter not used yet, with title and Markdown text per language."""
    quarter = check_quarter(quarter)
    _check_quarter_free(quarter)
    edition = Edition(quarter=quarter, created_by_id=getattr(actor, "id", None))
    for name in CONTENT_FIELDS:
        setattr(edition, name, (content.get(name) or "").strip())
    db.session.add(edition)
    db.session.flush()
    record_audit(actor, "newsletter.create_edition", edition, quarter=quarter)
    return edition


def update_edition(actor, edition: Edition, quarter: str, **content: str) -> Edition:
    """Only a draft may change: what subscribers received stays as it was."""
    if not edition.is_draft:
        raise EditionNotDraft()
    quarter = check_quarter(quarter)
    _check_quarter_free(quarter, edition)
    edition.quarter = quarter
    for name in CONTENT_FIELDS:
        setattr(edition, name, (content.get(name) or "").strip())
    db.session.flush()
    record_audit(actor, "newsletter.update_edition", edition, quarter=quarter)
    return edition


@dataclass(frozen=True)
class Reader:
    """Who a message is rendered for: a subscriber, or the project manager's preview."""

    email: str
    name: str
    language: str
    token: str
    subscriber_id: int | None = None

    @classmethod
    def of(cls, subscriber: Subscriber) -> "Reader":
        return cls(
            subscriber.email, subscriber.name, subscriber.language, subscriber.token, subscriber.id
        )


PREVIEW_TOKEN = "preview"  # noqa: S105 (a placeholder in previews, not a secret)


def unsubscribe_mailto(token: str) -> str:
    """The mailto half of List-Unsubscribe: to the inbound address (read by
    app.mail.inbound), with the subscriber's token in the subject and the address."""
    config = current_app.config
    inbox = inbound_address(config)
    if inbox:
        return inbound_unsubscribe_mailto(inbox, token)
    address = config.get("NEWSLETTER_UNSUBSCRIBE_MAILTO") or parseaddr(config["MAIL_FROM"])[1]
    return f"mailto:{address}?subject=unsubscribe%20{token}"


# Whole sentences per shown language, so each translation names that language in its own
# words ("Sie lesen die niederländische Fassung") instead of gluing in "Nederlands".
FALLBACK_NOTES = {
    "nl": "This edition is not available in %(wanted)s. You are reading the Dutch version.",
    "de": "This edition is not available in %(wanted)s. You are reading the German version.",
    "en": "This edition is not available in %(wanted)s. You are reading the English version.",
}
_l("This edition is not available in %(wanted)s. You are reading the Dutch version.")
_l("This edition is not available in %(wanted)s. You are reading the German version.")
_l("This edition is not available in %(wanted)s. You are reading the English version.")


def fallback_note(wanted: str, shown: str):
    """The note above an edition shown in `shown` to a reader of `wanted` (lazy: it is
    translated where it is printed, in the reader's language)."""
    return _l(FALLBACK_NOTES[shown], wanted=LANGUAGE_NAMES.get(wanted, wanted))


def edition_message(edition: Edition, reader: Reader) -> EmailMessage:
    """The edition as `reader` receives it: their language, or another one with a note
    saying so; text and HTML; List-Unsubscribe (HTTPS and mailto) with One-Click; a
    Message-ID that is the same every time the message to this subscriber is built.
    (A send renders it once per language, with stand-ins for the reader: app.newsletter
    .sending.)"""
    language = reader.language
    lang = edition.content_language(language) or language
    unsubscribe_url = external_url("newsletter.unsubscribe", token=reader.token)
    subject, text, html = render_mail(
        "newsletter/emails/edition",
        language,
        _l(
            "Netwerkbrug newsletter %(quarter)s: %(title)s",
            quarter=edition.quarter,
            title=edition.title_in(lang),
        ),
        edition=edition,
        reader_email=reader.email,
        lang=lang,
        is_fallback=lang != language,
        fallback_note=fallback_note(language, lang) if lang in FALLBACK_NOTES else "",
        title=edition.title_in(lang),
        body_text=edition.body_in(lang),
        body_html=render_markdown(edition.body_in(lang)),
        web_url=external_url("newsletter.edition", edition_id=edition.id, lang=language),
        unsubscribe_url=unsubscribe_url,
    )
    domain = message_id_domain(current_app.config)
    headers = {
        "List-Id": f"Netwerkbrug newsletter <newsletter.{domain}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>, <{unsubscribe_mailto(reader.token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if reader.subscriber_id is not None:
        headers["Message-ID"] = f"<newsletter-{edition.id}-{reader.subscriber_id}@{domain}>"
    msg = build_message((reader.name, reader.email), subject, text, html or "", headers=headers)
    # after the body: setting the content clears the Content-* headers
    msg["Content-Language"] = lang
    return msg


def preview_reader(actor, language: str) -> Reader:
    return Reader(actor.email, actor.name, _valid_language(language), PREVIEW_TOKEN)


def send_test(actor, edition: Edition, language: str) -> OutboxMessage:
    """A copy to the project manager themself, as a subscriber of `language` receives it
    (the unsubscribe link in it is a placeholder)."""
    msg = edition_message(edition, preview_reader(actor, language))
    subject = msg["Subject"]
    del msg["Subject"]
    msg["Subject"] = _("[Test] %(subject)s", subject=subject)
    row = queue_message(msg, category="newsletter.test")
    record_audit(actor, "newsletter.send_test", edition, language=language, to=actor.email)
    return row


def queue_edition(actor, edition: Edition) -> int:
    """Starts sending a draft to every subscriber confirmed now: one pending delivery each,
    made by one INSERT … SELECT (the UNIQUE pair keeps it to one per subscriber). The mail
    worker renders and sends them in chunks. Returns the number of recipients."""
    if not edition.is_draft:
        raise EditionNotDraft()
    if not edition.languages:
        raise EditionIncomplete()
    now = utcnow()
    edition.status = EditionStatus.sending
    edition.queued_at = now
    db.session.flush()  # the first write: on SQLite this holds the lock for what follows
    confirmed = sa.select(
        sa.literal(edition.id),
        Subscriber.id,
        sa.literal(DeliveryStatus.pending.name),
        sa.literal(now, type_=Delivery.__table__.c.created_at.type),
    ).where(Subscriber.status == SubscriberStatus.confirmed)
    db.session.execute(
        sa.insert(Delivery).from_select(
            ["edition_id", "subscriber_id", "status", "created_at"], confirmed
        )
    )
    # counted afterwards: not every driver reports the rowcount of INSERT … SELECT
    recipients = db.session.scalar(
        sa.select(sa.func.count()).where(Delivery.edition_id == edition.id)
    )
    if not recipients:
        raise NoRecipients()
    record_audit(actor, "newsletter.queue_edition", edition, recipients=recipients)
    return recipients


def pause_edition(actor, edition: Edition) -> int:
    """Stops a send: outbox rows no worker has claimed yet are taken back (their deliveries
    wait again), so only the messages already in a worker's hands still go out. Returns
    how many were taken back."""
    if edition.status is not EditionStatus.sending:
        raise NotSending()
    edition.status = EditionStatus.paused
    db.session.flush()  # the first write: on SQLite this holds the lock for what follows
    withdrawn = _withdraw_from_outbox(Delivery.edition_id == edition.id, DeliveryStatus.pending)
    record_audit(actor, "newsletter.pause_edition", edition, withdrawn=withdrawn)
    return withdrawn


def resume_edition(actor, edition: Edition) -> None:
    """The waiting deliveries go out again; nobody already sent to is sent to twice."""
    if edition.status is not EditionStatus.paused:
        raise NotPaused()
    edition.status = EditionStatus.sending
    db.session.flush()
    record_audit(actor, "newsletter.resume_edition", edition)


def _withdraw_from_outbox(deliveries, new_status: DeliveryStatus) -> int:
    """Deletes the still unclaimed outbox rows of the matching deliveries and sets those
    deliveries to `new_status`. The rows are locked first (PostgreSQL: a worker's claim skips
    them, and a row a worker claimed meanwhile no longer counts as pending); on SQLite the
    caller's earlier write holds the database lock."""
    held = list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .join(Delivery, Delivery.outbox_message_id == OutboxMessage.id)
            .where(deliveries, OutboxMessage.status == OutboxStatus.pending)
            .with_for_update(of=OutboxMessage)
        )
    )
    for start in range(0, len(held), 500):
        chunk = held[start : start + 500]
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.outbox_message_id.in_(chunk))
            .values(status=new_status, outbox_message_id=None, language=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    return len(held)


# --- progress and statistics ------------------------------------------------------------------


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    pending: int = 0
    retrying: int = 0  # pending after a transient failure
    failed: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "sent": self.sent,
            "pending": self.pending,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped": self.skipped,
            "done": self.done,
            "percent": self.percent,
        }


def progress_by_edition(edition_ids: list[int]) -> dict[int, Progress]:
    """Sent / pending / failed counts of each edition, in one grouped query."""
    result = {edition_id: Progress() for edition_id in edition_ids}
    if not edition_ids:
        return result
    retrying = sa.func.sum(sa.case((OutboxMessage.attempts > 0, 1), else_=0))
    stmt = (
        sa.select(
            Delivery.edition_id, Delivery.status, OutboxMessage.status, sa.func.count(), retrying
        )
        .select_from(Delivery)
        .outerjoin(OutboxMessage, Delivery.outbox_message_id == OutboxMessage.id)
        .where(Delivery.edition_id.in_(edition_ids))
        .group_by(Delivery.edition_id, Delivery.status, OutboxMessage.status)
    )
    for edition_id, delivery_status, outbox_status, count, retried in db.session.execute(stmt):
        progress = result[edition_id]
        progress.total += count
        if delivery_status is DeliveryStatus.skipped:
            progress.skipped += count
        elif delivery_status is DeliveryStatus.pending or outbox_status is None:
            progress.pending += count
        elif outbox_status is OutboxStatus.sent:
            progress.sent += count
        elif outbox_status is OutboxStatus.failed:
            progress.failed += count
        else:
            progress.pending += count
            progress.retrying += int(retried or 0)
    return result


def edition_progress(edition: Edition) -> Progress:
    return progress_by_edition([edition.id])[edition.id]


def unsubscribes_since(edition_ids: list[int]) -> dict[int, int]:
    """Per edition: how many of its recipients have left the list since it was sent."""
    if not edition_ids:
        return {}
    stmt = (
        sa.select(Delivery.edition_id, sa.func.count())
        .join(Subscriber, Delivery.subscriber)
        .join(Edition, Delivery.edition)
        .where(
            Delivery.edition_id.in_(edition_ids),
            Delivery.status == DeliveryStatus.queued,
            Subscriber.status == SubscriberStatus.unsubscribed,
            Subscriber.unsubscribed_at >= Edition.queued_at,
        )
        .group_by(Delivery.edition_id)
    )
    return dict(db.session.execute(stmt).all())


@dataclass
class FailedDelivery:
    email: str
    name: str
    attempts: int
    answer: str


def failed_deliveries(edition: Edition, limit: int = 200) -> list[FailedDelivery]:
    """Permanent failures with the server's answer, for the progress page."""
    stmt = (
        sa.select(
            Subscriber.email, Subscriber.name, OutboxMessage.attempts, OutboxMessage.last_error
        )
        .select_from(Delivery)
        .join(Subscriber, Delivery.subscriber)
        .join(OutboxMessage, Delivery.outbox_message_id == OutboxMessage.id)
        .where(Delivery.edition_id == edition.id, OutboxMessage.status == OutboxStatus.failed)
        .order_by(Subscriber.email)
        .limit(limit)
    )
    return [FailedDelivery(e, n, a, err or "") for e, n, a, err in db.session.execute(stmt)]


def confirmed_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Subscriber.status == SubscriberStatus.confirmed)
    )


def confirmed_by_language() -> dict[str, int]:
    """Confirmed subscribers per language they read, most first: what a send reaches."""
    rows = db.session.execute(
        sa.select(Subscriber.language, sa.func.count())
        .where(Subscriber.status == SubscriberStatus.confirmed)
        .group_by(Subscriber.language)
    ).all()
    return dict(sorted(rows, key=lambda row: (-row[1], row[0])))

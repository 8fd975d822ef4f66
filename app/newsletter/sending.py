"""The mail worker's part of sending an edition: `produce_deliveries()` turns the next chunk
of pending deliveries into outbox rows, `finish_editions()` marks an edition sent once every
delivery has settled. Both run between the worker's batches (registered as producers).

An edition is rendered once per language into a `MessageTemplate` (kept for the worker
process while the edition is being sent, re-rendered after TEMPLATE_MAX_AGE so the Date
header stays near the time of sending); each subscriber's message is then made on bytes,
substituting their address, unsubscribe token and Message-ID
(`<newsletter-{edition}-{subscriber}@domain>`, the same every time, so a repeat after a hard
kill is recognisable). A chunk is claimed, written to the outbox and linked to its
deliveries with a few statements, whatever its size."""

import functools
import json
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..core.database import UTCDateTime, ids_parameter, utcnow
from ..extensions import db
from ..mail.models import MailTemplate, OutboxMessage, OutboxStatus
from ..mail.template import MessageTemplate, to_header
from ..mail.worker import message_id_domain
from .models import Delivery, DeliveryStatus, Edition, EditionStatus, Subscriber, SubscriberStatus
from .services import EDITION_CATEGORY, Reader, edition_message

TEMPLATE_MAX_AGE = 300.0  # seconds
EXTENSION_KEY = "newsletter.templates"
# Stand-ins for what differs per reader.
EMAIL_MARK = "nbreader-d41f9c@example.invalid"
TOKEN_MARK = "NBREADERTOKENd41f9c"  # noqa: S105 (a stand-in, not a secret)


@dataclass(frozen=True)
class EditionTemplate:
    """An edition rendered for readers of one language and stored as a `MailTemplate`."""

    made: float  # time.monotonic() when rendered
    template_id: int
    created_at: datetime
    subject: str
    language: str  # the language it is written in (another one when it falls back)


def edition_template(edition: Edition, language: str) -> EditionTemplate:
    """The edition for readers of `language`, rendered and stored once per worker process
    and edition send, and again after TEMPLATE_MAX_AGE (see the module)."""
    templates = current_app.extensions.setdefault(EXTENSION_KEY, {})
    key = (edition.id, edition.queued_at, language)
    made = templates.get(key)
    if made is None or time.monotonic() - made.made > TEMPLATE_MAX_AGE:
        msg = edition_message(edition, Reader(EMAIL_MARK, "", language, TOKEN_MARK))
        del msg["To"]  # per reader, in fill(head=…)
        record = MessageTemplate.of(msg, [EMAIL_MARK, TOKEN_MARK]).record()
        db.session.add(record)
        db.session.flush()
        made = EditionTemplate(
            time.monotonic(),
            record.id,
            record.created_at,
            str(msg["Subject"])[:300],
            str(msg["Content-Language"]),
        )
        for stale in [k for k in templates if k[0] == edition.id and k[1] != key[1]]:
            del templates[stale]  # an earlier send of the same edition
        templates[key] = made
    return made


def _forget_lost_templates() -> None:
    """Drops remembered templates whose rows are not in the database (the transaction that
    stored one was rolled back, or the database was replaced): they are made again."""
    templates = current_app.extensions.get(EXTENSION_KEY)
    if not templates:
        return
    stored = set(
        db.session.execute(
            sa.select(MailTemplate.id, MailTemplate.created_at).where(
                MailTemplate.id.in_([made.template_id for made in templates.values()])
            )
        ).all()
    )
    for key, made in list(templates.items()):
        if (made.template_id, made.created_at) not in stored:
            del templates[key]


def produce_deliveries(limit: int) -> int:
    """Turns the next `limit` pending deliveries of editions being sent into outbox rows.

    The chunk is claimed by one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED), so
    two workers never render the same delivery, and in the same transaction as the outbox
    rows: a worker dying here leaves the deliveries pending. The editions are read FOR SHARE,
    so a pause waits for the chunk and then takes it back. Subscribers who left the list
    meanwhile are skipped. Returns how many deliveries were handled."""
    statements = _chunk_statements(db.engine.dialect.name)
    if not db.session.scalars(statements.sending).all():
        return 0
    skipped = max(db.session.execute(statements.skip).rowcount or 0, 0)
    claimed = db.session.scalars(statements.claim, {"limit": limit}).all()
    if not claimed:
        return skipped
    _forget_lost_templates()
    rows = db.session.execute(statements.readers, {"ids": list(claimed)}).all()
    editions = {
        edition.id: edition
        for edition in db.session.scalars(
            sa.select(Edition).where(Edition.id.in_({row[1] for row in rows}))
        )
    }
    domain = message_id_domain(current_app.config)
    made_rows = []
    for delivery_id, edition_id, subscriber_id, email, name, language, token in rows:
        made = edition_template(editions[edition_id], language)
        head = (
            to_header(name, email)
            + f"Message-ID: <newsletter-{edition_id}-{subscriber_id}@{domain}>\r\n"
        )
        fields = {"values": {EMAIL_MARK: email, TOKEN_MARK: token}, "head": head}
        made_rows.append(
            Made(delivery_id, email, made.subject, made.template_id, fields, made.language)
        )
    if db.engine.dialect.name == "postgresql":
        _store_in_one_statement(made_rows)
    else:
        _store(made_rows)
    return skipped + len(rows)


@dataclass(frozen=True)
class ChunkStatements:
    sending: sa.Select  # the editions being sent, read FOR SHARE
    skip: sa.Update  # pending deliveries to subscribers who left: skipped
    claim: sa.Update  # the next `limit` pending deliveries: queued, their ids returned
    readers: sa.Select  # what a reader's row needs, for the deliveries `ids`


@functools.cache
def _chunk_statements(dialect: str) -> ChunkStatements:
    """The statements of `produce_deliveries`, built once (building one costs more than
    running it) and run with parameters."""
    deliveries, subscribers, editions = (
        Delivery.__table__,
        Subscriber.__table__,
        Edition.__table__,
    )
    sending = sa.select(editions.c.id).where(editions.c.status == EditionStatus.sending.name)
    not_confirmed = sa.select(subscribers.c.id).where(
        subscribers.c.status != SubscriberStatus.confirmed.name
    )
    pending = deliveries.c.status == DeliveryStatus.pending.name
    due = (
        sa.select(deliveries.c.id)
        .where(pending, deliveries.c.edition_id.in_(sending.scalar_subquery()))
        .order_by(deliveries.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .with_for_update(of=deliveries, skip_locked=True)
    )
    return ChunkStatements(
        sending=sending.with_for_update(read=True),
        skip=sa.update(deliveries)
        .where(
            pending,
            deliveries.c.edition_id.in_(sending.scalar_subquery()),
            deliveries.c.subscriber_id.in_(not_confirmed.scalar_subquery()),
        )
        .values(status=DeliveryStatus.skipped.name),
        claim=sa.update(deliveries)
        .where(deliveries.c.id.in_(due.scalar_subquery()))
        .values(status=DeliveryStatus.queued.name)
        .returning(deliveries.c.id),
        readers=sa.select(
            deliveries.c.id,
            deliveries.c.edition_id,
            subscribers.c.id,
            subscribers.c.email,
            subscribers.c.name,
            subscribers.c.language,
            subscribers.c.token,
        )
        .join(subscribers, deliveries.c.subscriber_id == subscribers.c.id)
        .where(ids_parameter(deliveries.c.id, "ids", dialect))
        .order_by(deliveries.c.id),
    )


@dataclass(frozen=True)
class Made:
    """One reader's outbox row, and the delivery it carries."""

    delivery_id: int
    recipient: str
    subject: str
    template_id: int
    fields: dict
    language: str


def _store(made: list[Made]) -> None:
    """The outbox rows, by one INSERT … RETURNING per 50, then each delivery linked to its
    row (SQLite)."""
    now = utcnow()
    table = OutboxMessage.__table__
    ids = db.session.scalars(
        sa.insert(table)
        .returning(table.c.id, sort_by_parameter_order=True)
        .execution_options(insertmanyvalues_page_size=50),
        [
            {
                "category": EDITION_CATEGORY,
                "recipient": row.recipient,
                "subject": row.subject,
                "raw": b"",
                "template_id": row.template_id,
                "fields": row.fields,
                "created_at": now,
                "next_attempt_at": now,
                "status": OutboxStatus.pending,
            }
            for row in made
        ],
    ).all()
    deliveries = Delivery.__table__
    db.session.execute(
        sa.update(deliveries)
        .where(deliveries.c.id == sa.bindparam("delivery"))
        .values(outbox_message_id=sa.bindparam("outbox"), language=sa.bindparam("language")),
        [
            {"delivery": row.delivery_id, "outbox": id_, "language": row.language}
            for row, id_ in zip(made, ids, strict=True)
        ],
    )


def _store_in_one_statement(made: list[Made]) -> None:
    """The outbox rows and each delivery's link to its row in one statement on PostgreSQL,
    the rows passed as one JSON document: a multi-row INSERT … RETURNING has hundreds of
    placeholders, which the driver parses anew every time, and linking row by row is a
    round of work per reader; together they cost more than all the rest of a chunk."""
    rows = [
        {
            "delivery": row.delivery_id,
            "recipient": row.recipient,
            "subject": row.subject,
            "template_id": row.template_id,
            "fields": row.fields,
            "language": row.language,
        }
        for row in made
    ]
    db.session.execute(
        _insert_and_link(),
        {
            "rows": json.dumps(rows),
            "category": EDITION_CATEGORY,
            "raw": b"",
            "now": utcnow(),
            "status": OutboxStatus.pending.name,
        },
    )


@functools.cache
def _insert_and_link() -> sa.TextClause:
    outbox, deliveries = OutboxMessage.__tablename__, Delivery.__tablename__
    return sa.text(
        f"""
        WITH made AS (
            SELECT nextval(pg_get_serial_sequence('{outbox}', 'id')) AS id, u.*
            FROM json_to_recordset(CAST(:rows AS json)) AS u(
                delivery integer, recipient text, subject text, template_id integer,
                fields json, language text
            )
        ), inserted AS (
            INSERT INTO {outbox} (id, recipient, subject, template_id, fields, category, raw,
                                  created_at, next_attempt_at, status, attempts, is_refused)
            SELECT id, recipient, subject, template_id, fields, :category, :raw,
                   :now, :now, :status, 0, false
            FROM made
        )
        UPDATE {deliveries} SET outbox_message_id = made.id, language = made.language
        FROM made WHERE {deliveries}.id = made.delivery
        """  # noqa: S608 - table names from the models, values as parameters
    ).bindparams(
        sa.bindparam("now", type_=UTCDateTime()), sa.bindparam("raw", type_=sa.LargeBinary())
    )


def finish_editions(_limit: int = 0) -> int:
    """Marks editions sent once no delivery waits and no outbox row of theirs is still
    pending or being sent; subscribers whose address was refused for good (a 5xx answer,
    `is_refused`) are marked failed so the next edition skips them. A message that was only
    deferred until the retry window closed marks nobody. Returns how many editions were
    finished."""
    unsettled_outbox = (
        sa.select(Delivery.id)
        .join(OutboxMessage, Delivery.outbox_message_id == OutboxMessage.id)
        .where(
            Delivery.edition_id == Edition.id,
            OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
        )
    )
    waiting = sa.select(Delivery.id).where(
        Delivery.edition_id == Edition.id, Delivery.status == DeliveryStatus.pending
    )
    finished = list(
        db.session.scalars(
            sa.update(Edition)
            .where(
                Edition.status == EditionStatus.sending,
                ~sa.exists(waiting),
                ~sa.exists(unsettled_outbox),
            )
            .values(status=EditionStatus.sent, sent_at=utcnow())
            .returning(Edition.id)
            .execution_options(synchronize_session=False)
        )
    )
    if finished:
        refused = (
            sa.select(Delivery.subscriber_id)
            .join(OutboxMessage, Delivery.outbox_message_id == OutboxMessage.id)
            .where(
                Delivery.edition_id.in_(finished),
                OutboxMessage.status == OutboxStatus.failed,
                OutboxMessage.is_refused.is_(True),
            )
        )
        db.session.execute(
            sa.update(Subscriber)
            .where(
                Subscriber.id.in_(refused.scalar_subquery()),
                Subscriber.status == SubscriberStatus.confirmed,
            )
            .values(status=SubscriberStatus.failed)
            .execution_options(synchronize_session=False)
        )
    return len(finished)

"""Calendar feeds that cost little to poll.

- Each meeting's VEVENT is serialised once per language and kept (in this process) under
  its id, `updated_at` and `sequence`: a change of the meeting (which raises both or one)
  makes a new key, so the VEVENT is rebuilt only then. A feed is a concatenation of kept
  bytes between a kept head and END:VCALENDAR.
- A feed's validators (ETag, Last-Modified) come from one query of aggregates: how many
  items and their latest change, plus the invitation or registration that adds or removes
  an item (`invited_at`, `confirmed_at`, `cancelled_at`), so a new invitation moves
  Last-Modified too. A conditional request is answered 304 from these alone.
- A feed view lets `app.core.not_modified` remember its answer: a calendar program's next
  poll whose validators match is answered 304 in front of the app, without a query, until
  the next committed write (a new invitation, a renewed token, a changed meeting) or the
  window's next move.
- By default a feed holds what starts from the first of the month a year back;
  `?history=all` gives the full history."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..core.urls import external_url
from ..extensions import db
from ..meetings.models import LOCAL_ZONE, Invitation, Meeting
from . import ical

# bump when the serialisation changes, so old validators no longer match
FEED_FORMAT = "2"
CACHE_KEY = "calendar_vevents"
CACHE_LIMIT = 50_000  # VEVENTs kept per process; the cache is emptied when it is full
FULL_HISTORY = "all"


def window_start(history: str | None, today: date | None = None) -> datetime | None:
    """The first of the month a year back (Europe/Berlin), or None for `?history=all`."""
    if history == FULL_HISTORY:
        return None
    today = today or datetime.now(LOCAL_ZONE).date()
    first = date(today.year - 1, today.month, 1)
    return datetime.combine(first, time(0, 0), LOCAL_ZONE).astimezone(UTC)


def window_opened_at(since: datetime | None) -> datetime | None:
    """When the window last moved (the first of this month), so an item that left it
    moves Last-Modified as well."""
    if since is None:
        return None
    local = since.astimezone(LOCAL_ZONE)
    return datetime.combine(
        date(local.year + 1, local.month, 1), time(0, 0), LOCAL_ZONE
    ).astimezone(UTC)


def window_moves_at(since: datetime | None) -> datetime | None:
    """When the window next moves (the first of next month), or None for the full history:
    an answer remembered for a windowed feed lasts at most until then."""
    if since is None:
        return None
    local = since.astimezone(LOCAL_ZONE)
    month = local.month + 1
    first = date(local.year + 1 + (month > 12), (month - 1) % 12 + 1, 1)
    return datetime.combine(first, time(0, 0), LOCAL_ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime | None


def validators(*parts: Any, changed: list[datetime | None]) -> Validators:
    key = "|".join(str(p) for p in (FEED_FORMAT, *parts))
    stamps = [c if c.tzinfo else c.replace(tzinfo=UTC) for c in changed if c is not None]
    return Validators(hashlib.sha256(key.encode()).hexdigest()[:32], max(stamps, default=None))


def _kept() -> dict:
    kept = current_app.extensions.setdefault(CACHE_KEY, {})
    if len(kept) > CACHE_LIMIT:
        kept.clear()
    return kept


def _meeting_filter(where: list, since: datetime | None) -> list:
    return [*where, Meeting.start_at >= since] if since is not None else where


def group_validators(group, *, name: str, lang: str, since: datetime | None) -> Validators:
    count, last = db.session.execute(
        sa.select(sa.func.count(Meeting.id), sa.func.max(Meeting.updated_at)).where(
            *_meeting_filter([Meeting.group_id == group.id], since)
        )
    ).one()
    return validators(
        "group", group.id, lang, name, since, count, last,
        changed=[_aware(last), window_opened_at(since)],
    )  # fmt: skip


def personal_validators(user, *, lang: str, since: datetime | None) -> Validators:
    """One query: the user's invitations (count, latest, highest id, latest meeting change)
    and their confirmed visit places (count, latest visit change, confirmations and
    cancellations)."""
    from ..visits.models import Registration, RegistrationStatus, Visit

    invited = (
        sa.select(sa.literal(1))
        .select_from(Invitation)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(*_meeting_filter([Invitation.user_id == user.id], since))
    )

    def over_invitations(column):
        return invited.with_only_columns(column).scalar_subquery()

    mine = Registration.email == user.email.lower()
    places = (
        sa.select(sa.literal(1))
        .select_from(Registration)
        .join(Visit, Visit.id == Registration.visit_id)
        .where(mine)
    )
    confirmed = places.where(Registration.status == RegistrationStatus.confirmed)

    def over_places(column, query=confirmed):
        return query.with_only_columns(column).scalar_subquery()

    row = db.session.execute(
        sa.select(
            over_invitations(sa.func.count(Invitation.id)),
            over_invitations(sa.func.max(Invitation.id)),
            over_invitations(sa.func.max(Invitation.invited_at)),
            over_invitations(sa.func.max(Meeting.updated_at)),
            over_places(sa.func.count(Registration.id)),
            over_places(sa.func.max(Visit.updated_at)),
            over_places(sa.func.max(Registration.confirmed_at)),
            over_places(sa.func.max(Registration.cancelled_at), query=places),
        )
    ).one()
    stamps = [_aware(value) for value in row if isinstance(value, datetime | str)]
    return validators(
        "person", user.id, lang, since, *row, changed=[*stamps, window_opened_at(since)]
    )


def _aware(value) -> datetime | None:
    """Aggregates over a UTC column come back as naive datetimes (or, on SQLite, text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def feed_body(
    where: list,
    *,
    name: str,
    lang: str,
    since: datetime | None,
    join_invitations: bool = False,
    extra: bytes = b"",
) -> bytes:
    """The feed of the meetings matching `where`, from kept VEVENTs: one query for the
    keys, and one more for the meetings whose VEVENT is not kept yet."""
    kept = _kept()
    conditions = _meeting_filter(where, since)

    def select(*columns):
        query = sa.select(*columns)
        if join_invitations:
            query = query.join(Invitation, Invitation.meeting_id == Meeting.id)
        return query.where(*conditions).order_by(Meeting.start_at, Meeting.id)

    keys = [
        (meeting_id, lang, updated_at, sequence)
        for meeting_id, updated_at, sequence in db.session.execute(
            select(Meeting.id, Meeting.updated_at, Meeting.sequence)
        )
    ]
    missing = {key[0] for key in keys if key not in kept}
    if missing:
        query = select(Meeting)
        if len(missing) <= 500:
            query = query.where(Meeting.id.in_(missing))
        for meeting in db.session.scalars(query):
            url = external_url("meetings.show", meeting_id=meeting.id)
            key = (meeting.id, lang, meeting.updated_at, meeting.sequence)
            kept[key] = ical.meeting_event_bytes(meeting, lang=lang, url=url)
    head_key = ("head", name)
    if head_key not in kept:
        kept[head_key] = ical.feed_head(name=name)
    parts = [kept[head_key]]
    for key in keys:
        event = kept.get(key)
        if event is None:  # changed between the two queries: build it now
            meeting = db.session.get(Meeting, key[0])
            url = external_url("meetings.show", meeting_id=key[0])
            event = ical.meeting_event_bytes(meeting, lang=lang, url=url)
        parts.append(event)
    parts.append(extra)
    parts.append(ical.FEED_END)
    return b"".join(parts)

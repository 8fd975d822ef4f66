"""Calendar feeds that cost little to poll.

- Each meeting's VEVENT is serialised once per language and kept (in this process) under
  its id, `updated_at` and `sequence`: a change of the meeting (which raises both or one)
  makes a new key, so the VEVENT is rebuilt only then. A feed is a concatenation of kept
  bytes between a kept head and END:VCALENDAR.
- A feed's validators (ETag, Last-Modified) come from one query of aggregates: how many
  items and their latest change, plus the invitation or registration that adds or removes
  an item (`invited_at`, `confirmed_at`, `cancelled_at`), so a new invitation moves
  Last-Modified too. A conditional request is answered 304 from these alone.
- The validators last computed for a feed URL (its token or group, language and window)
  are remembered in the app's cache under the page cache's generation, which every
  committed write raises. While it stands still, a conditional request that matches them
  is answered 304 without asking the database at all; any write (a new invitation, a
  renewed token, a changed meeting) moves the generation, and the next request computes
  afresh. This only happens where the cache sees every write that web processes make:
  a shared cache (Redis), or the in-process cache with one web process
  (`WEB_CONCURRENCY=1`); writes by other processes (the worker, CLI) count after at
  most `PAGE_CACHE_SECONDS`.
- By default a feed holds what starts from the first of the month a year back;
  `?history=all` gives the full history."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..core import page_cache
from ..core.urls import external_url
from ..extensions import cache, db
from ..meetings.models import LOCAL_ZONE, Invitation, Meeting
from . import ical

# bump when the serialisation changes, so old validators no longer match
FEED_FORMAT = "2"
CACHE_KEY = "calendar_vevents"
CACHE_LIMIT = 50_000  # VEVENTs kept per process; the cache is emptied when it is full
FULL_HISTORY = "all"
REMEMBERED = "feed-validators:"
# caches that live inside one process: they see only that process's writes
IN_PROCESS_CACHES = frozenset({"simplecache", "simple", "nullcache", "null"})


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


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime | None


def validators(*parts: Any, changed: list[datetime | None]) -> Validators:
    key = "|".join(str(p) for p in (FEED_FORMAT, *parts))
    stamps = [c if c.tzinfo else c.replace(tzinfo=UTC) for c in changed if c is not None]
    return Validators(hashlib.sha256(key.encode()).hexdigest()[:32], max(stamps, default=None))


def _remembering() -> bool:
    """Whether the cache sees every write a web process commits (see the module's doc)."""
    config = current_app.config
    if not config.get("FEED_REMEMBER_VALIDATORS", True):
        return False
    cache_type = str(config.get("CACHE_TYPE") or "SimpleCache").rsplit(".", 1)[-1].lower()
    return cache_type not in IN_PROCESS_CACHES or (config.get("WEB_CONCURRENCY") or 1) <= 1


@dataclass(frozen=True)
class Recalled:
    """What the cache holds for one feed URL: where to keep its validators, the generation
    read before any query, and the validators kept under that generation (or None)."""

    key: str
    generation: int
    check: Validators | None


def recall(*parts: Any) -> Recalled | None:
    """The validators remembered for the feed that `parts` name (everything a request
    shows it depends on: the token or group slug, the language, the window), if they were
    computed under the current generation; one cache read, no query. Called before any
    query, so what is kept under the generation it reads was computed after reading it.
    None when validators are not remembered here."""
    if not _remembering():
        return None
    wanted = "|".join(str(p) for p in (FEED_FORMAT, *parts))
    key = REMEMBERED + hashlib.sha256(wanted.encode()).hexdigest()
    generation, (kept,) = page_cache.with_generation(key)
    current = kept is not None and kept[0] == generation
    return Recalled(key, generation, Validators(*kept[1:]) if current else None)


def remember(recalled: Recalled | None, check: Validators) -> None:
    """Keep `check` under the generation read before it was computed: a write since then
    has moved the generation, so these are never taken for current after it."""
    if recalled is not None:
        timeout = current_app.config.get("PAGE_CACHE_SECONDS", 300)
        value = (recalled.generation, check.etag, check.last_modified)
        cache.set(recalled.key, value, timeout=timeout)


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

"""Demo meetings from the seeds: coaching days in Münster, Enschede and Almelo, Xenia
working sessions, a binational conference and a study day; the past ones with attendance
and approved minutes. Idempotent: a meeting whose Dutch title exists is left alone."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..core.database import utcnow
from ..extensions import db
from ..groups.models import Membership, WorkingGroup
from .models import (
    LOCAL_ZONE,
    ActionItem,
    Attendance,
    Invitation,
    Meeting,
    MeetingKind,
    MinutesStatus,
    Response,
)


def _local(days: int, hour: int) -> datetime:
    day = (utcnow().astimezone(LOCAL_ZONE) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_ZONE).astimezone(UTC)


# (group slug or None, kind, nl, de, en, days from today, start hour, hours, city, country)
MEETINGS = [
    (
        "xenia-wohnen",
        MeetingKind.kick_off,
        "Kick-off Xenia wonen",
        "Auftakt Xenia Wohnen",
        "Xenia housing kick-off",
        -120,
        10,
        4,
        "Münster",
        "DE",
    ),
    (
        "xenia-wohnen",
        MeetingKind.working_session,
        "Werksessie huisvesting nieuwkomers",
        "Arbeitssitzung Wohnen für Zuwanderer",
        "Working session housing newcomers",
        -40,
        14,
        3,
        "Enschede",
        "NL",
    ),
    (
        "xenia-wohnen",
        MeetingKind.working_session,
        "Werksessie consensus wonen",
        "Arbeitssitzung Konsens Wohnen",
        "Working session housing consensus",
        21,
        14,
        3,
        "Münster",
        "DE",
    ),
    (
        "regiegroep",
        MeetingKind.steering_meeting,
        "Regiegroep voorjaarsoverleg",
        "Lenkungsgruppe Frühjahrssitzung",
        "Steering group spring meeting",
        30,
        10,
        2,
        "Enschede",
        "NL",
    ),
    (
        None,
        MeetingKind.binational_conference,
        "Binationale conferentie Migranten integreren",
        "Binationale Konferenz Zuwanderer integrieren",
        "Binational conference on integration",
        60,
        9,
        8,
        "Münster",
        "DE",
    ),
    (
        None,
        MeetingKind.study_day,
        "Studiedag integratievisie",
        "Studientag Integrationsleitbild",
        "Study day on the integration vision",
        90,
        10,
        6,
        "Almelo",
        "NL",
    ),
]
# The cross-border coaching days per city (days from today): Münster is furthest along,
# Almelo has only just started planning.
COACHING_DAYS = {
    ("Münster", "DE"): (-150, -60, -20, 35),
    ("Enschede", "NL"): (-90, 14, 75),
    ("Almelo", "NL"): (45,),
}
MEETINGS += [
    (
        None,
        MeetingKind.coaching_day,
        f"Coachingsdag {city} {n}",
        f"Coachingtag {city} {n}",
        f"Coaching day {city} {n}",
        days,
        9,
        7,
        city,
        country,
    )
    for (city, country), offsets in COACHING_DAYS.items()
    for n, days in enumerate(offsets, start=1)
]
MINUTES = (
    "## Verslag\n\n- Opening en kennismaking\n- Stand van zaken huisvesting nieuwkomers\n"
    "- Afspraak: notitie over spreiding over de wijken\n"
)


def seed_meetings() -> int:
    """Adds the demo meetings that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(Meeting.title_nl)))
    groups = {g.slug: g for g in db.session.scalars(sa.select(WorkingGroup))}
    organiser = db.session.scalar(sa.select(User).where(User.is_admin.is_(True)).order_by(User.id))
    everyone = list(db.session.scalars(sa.select(User).where(User.is_active.is_(True))))
    added = 0
    for slug, kind, nl, de, en, days, hour, hours, city, country in MEETINGS:
        if nl in existing or (slug and slug not in groups):
            continue
        group = groups.get(slug) if slug else None
        start = _local(days, hour)
        meeting = Meeting(
            group=group,
            kind=kind,
            title_nl=nl,
            title_de=de,
            title_en=en,
            start_at=start,
            end_at=start + timedelta(hours=hours),
            city=city,
            country=country,
            venue="Stadthaus 1" if country == "DE" else "Stadhuis",
            organiser=organiser,
        )
        db.session.add(meeting)
        if group is not None:
            people = [
                m.user
                for m in db.session.scalars(
                    sa.select(Membership).where(
                        Membership.group_id == group.id, Membership.left_on.is_(None)
                    )
                )
            ]
        else:
            people = everyone
        past = days < 0
        for n, person in enumerate(people):
            answer = (
                Response.accepted,
                Response.tentative,
                Response.declined,
                Response.needs_action,
            )[n % 4]
            db.session.add(
                Invitation(
                    meeting=meeting,
                    user=person,
                    response=answer,
                    attendance=(
                        Attendance.present
                        if answer in (Response.accepted, Response.tentative)
                        else Attendance.excused
                    )
                    if past
                    else None,
                )
            )
        if past and group is not None and people:
            # An open action, carried onto the group's next agenda until it is done.
            db.session.add(
                ActionItem(
                    meeting=meeting,
                    text="Notitie over spreiding over de wijken",
                    owner=people[0],
                    due_on=(start + timedelta(days=60)).date(),
                )
            )
        if past:
            meeting.minutes = MINUTES
            meeting.minutes_status = MinutesStatus.approved
            meeting.minutes_approved_at = start + timedelta(days=14)
            meeting.minutes_approved_by = organiser
        added += 1
    db.session.flush()
    return added

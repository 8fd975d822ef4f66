"""The invitation travels through the outbox and the real `flask worker` to an SMTP server
(aiosmtpd on loopback) and arrives with a calendar part a calendar program can read."""

from datetime import UTC, datetime, timedelta

import icalendar
import vobject

from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingKind
from tests.factories import make_group, make_membership, make_user
from tests.mail.conftest import _mail_from, smtp_sink, start_worker  # noqa: F401

START = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)  # summer time starts that night


def test_invitation_arrives_over_smtp_with_a_calendar_part(smtp_sink, start_worker):  # noqa: F811
    group = make_group(slug="xenia")
    admin = make_user(email="pl@example.org", name="Petra Projektleitung", is_admin=True)
    lid = make_user(email="lid@example.org", name="Lotte Lid", locale="nl")
    make_membership(group, lid)
    meeting = services.create_meeting(
        admin,
        group,
        services.MeetingDetails(
            kind=MeetingKind.coaching_day,
            start_at=START,
            end_at=START + timedelta(hours=6),
            title_nl="Coachingsdag Almelo",
            title_de="Coachingtag Almelo",
            city="Almelo",
        ),
    )
    db.session.commit()

    worker = start_worker(smtp_sink, "--once")
    code, output = worker.wait()
    assert code == 0, output
    [received] = smtp_sink.handler.received
    assert received.rcpt_tos == ["lid@example.org"]
    message = received.message
    assert "Coachingsdag Almelo" in str(message["Subject"])
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    ics = part.get_content()
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("DTSTART").astimezone(UTC) == START
    independent = vobject.readOne(ics)
    assert independent.vevent.dtstart.value.astimezone(UTC) == START
    assert independent.vevent.attendee.value == "mailto:lid@example.org"
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    assert "/meetings/rsvp/" in text

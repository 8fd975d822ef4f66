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


def test_invitation_mail_has_text_html_and_calendar_alternatives(smtp_sink, start_worker):  # noqa: F811
    admin = make_user(email="pl2@example.org", is_admin=True)
    gast = make_user(email="gast@example.org", name="Gerd Gast", locale="de")
    meeting = services.create_meeting(
        admin,
        None,
        services.MeetingDetails(
            kind=MeetingKind.study_day,
            start_at=START,
            end_at=START + timedelta(hours=6),
            title_de="Studientag Integration",
        ),
        extra_invitees=[gast],
    )
    services.cancel_meeting(admin, meeting)
    db.session.commit()

    code, output = start_worker(smtp_sink, "--once").wait()
    assert code == 0, output
    invitation, cancellation = [r.message for r in smtp_sink.handler.received]
    for message, method in ((invitation, "REQUEST"), (cancellation, "CANCEL")):
        alternative = next(
            p for p in message.walk() if p.get_content_type() == "multipart/alternative"
        )
        types = [p.get_content_type() for p in alternative.iter_parts()]
        assert types == ["text/plain", "text/html", "text/calendar"]
        calendar_part = list(alternative.iter_parts())[2]
        assert calendar_part.get_param("method") == method
        event = icalendar.Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
        assert str(event["UID"]) == meeting.uid
        assert vobject.readOne(calendar_part.get_content()).vevent.uid.value == meeting.uid
    html = list(
        next(
            p for p in invitation.walk() if p.get_content_type() == "multipart/alternative"
        ).iter_parts()
    )[1].get_content()
    assert "Studientag Integration" in html and "/meetings/rsvp/" in html
    assert '<html lang="de">' in html

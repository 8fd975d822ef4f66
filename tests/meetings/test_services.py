"""Meeting rules: planning, invitations with calendar parts, updates, cancellation, answers."""

from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups.models import Role
from app.mail.models import OutboxMessage
from app.meetings import services
from app.meetings.models import MeetingKind, Response
from tests.factories import make_group, make_meeting, make_membership, make_user

START = datetime(2030, 10, 27, 9, 0, tzinfo=UTC)  # last Sunday of October 2030


def details(start=START, hours=2, **values):
    return services.MeetingDetails(
        kind=values.pop("kind", MeetingKind.coaching_day),
        start_at=start,
        end_at=start + timedelta(hours=hours),
        title_nl=values.pop("title_nl", "Coachingsdag Enschede"),
        title_de=values.pop("title_de", "Coachingtag Enschede"),
        city="Enschede",
        **values,
    )


def calendar_parts():
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    parts = []
    for row in rows:
        msg = BytesParser(policy=policy.default).parsebytes(row.raw)
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        parts.append((row, part, icalendar.Calendar.from_ical(part.get_content())))
    return parts


@pytest.fixture
def xenia():
    group = make_group(slug="xenia")
    chair = make_user(name="Christa Chair", locale="de")
    make_membership(group, chair, role=Role.chair)
    lid = make_user(name="Lotte Lid", locale="nl")
    make_membership(group, lid)
    return group, chair, lid


def test_chair_plans_a_meeting_and_members_get_an_invitation_in_their_language(xenia):
    group, chair, lid = xenia
    meeting = services.create_meeting(chair, group, details())
    assert {i.user_id for i in meeting.invitations} == {chair.id, lid.id}
    parts = calendar_parts()
    assert len(parts) == 2
    for row, part, cal in parts:
        assert part.get_param("method") == "REQUEST"
        assert cal["METHOD"] == "REQUEST"
        event = cal.walk("VEVENT")[0]
        assert str(event["UID"]) == meeting.uid
        assert str(event["ORGANIZER"]) == f"mailto:{chair.email}"
        assert str(event["ATTENDEE"]) == f"mailto:{row.recipient}"
        assert event.decoded("DTSTART").astimezone(UTC) == START
    subjects = {row.recipient: row.subject for row, _, _ in parts}
    # Each in the recipient's language (the meeting's title in theirs).
    assert subjects[lid.email].endswith("Coachingsdag Enschede")
    assert subjects[chair.email].endswith("Coachingtag Enschede")


def test_a_plain_member_may_not_plan(xenia):
    group, _, lid = xenia
    with pytest.raises(services.NotAllowed):
        services.create_meeting(lid, group, details())


def test_end_before_start_is_refused_and_nothing_is_written(xenia):
    group, chair, _ = xenia
    with pytest.raises(services.InvalidTimes):
        services.create_meeting(chair, group, details(hours=-1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_update_keeps_uid_and_raises_sequence_then_cancel_sends_cancel(xenia):
    group, chair, _ = xenia
    meeting = services.create_meeting(chair, group, details())
    uid = meeting.uid
    assert services.update_meeting(chair, meeting, details(start=START + timedelta(hours=1)))
    assert meeting.sequence == 1
    services.cancel_meeting(chair, meeting)
    assert meeting.sequence == 2
    parts = calendar_parts()
    methods = [(c["METHOD"], int(c.walk("VEVENT")[0]["SEQUENCE"])) for _, _, c in parts]
    assert methods == [("REQUEST", 0)] * 2 + [("REQUEST", 1)] * 2 + [("CANCEL", 2)] * 2
    assert {str(c.walk("VEVENT")[0]["UID"]) for _, _, c in parts} == {uid}
    cancel = parts[-1][2].walk("VEVENT")[0]
    assert cancel["STATUS"] == "CANCELLED"
    assert parts[-1][1].get_param("method") == "CANCEL"
    with pytest.raises(services.MeetingCancelled):
        services.cancel_meeting(chair, meeting)


def test_title_change_does_not_mail_everyone_again(xenia):
    group, chair, _ = xenia
    meeting = services.create_meeting(chair, group, details())
    assert not services.update_meeting(chair, meeting, details(title_nl="Nieuwe titel"))
    assert len(calendar_parts()) == 2


def test_rsvp_links_valid_tampered_and_cancelled(xenia):
    group, chair, lid = xenia
    meeting = services.create_meeting(
        chair, group, details(start=datetime.now(UTC) + timedelta(days=3))
    )
    invitation = next(i for i in meeting.invitations if i.user_id == lid.id)
    token = services.make_rsvp_token(invitation)
    assert services.invitation_for_token(token) is invitation
    services.respond(invitation, Response.tentative)
    assert invitation.response == Response.tentative
    with pytest.raises(services.InvalidRsvpLink):
        services.invitation_for_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(services.InvalidRsvpLink):
        services.invitation_for_token("not-a-token")
    services.cancel_meeting(chair, meeting)
    with pytest.raises(services.MeetingCancelled):
        services.respond(invitation, Response.accepted)


def test_unknown_and_nonexistent_local_times_are_refused():
    with pytest.raises(services.UnknownTimeZone):
        services.to_utc(datetime(2030, 3, 31, 10, 0), "Mars/Olympus")
    with pytest.raises(services.NonexistentTime):
        services.to_utc(datetime(2030, 3, 31, 2, 30))  # clocks jump 02:00 → 03:00
    assert services.to_utc(datetime(2030, 3, 31, 10, 0)) == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
    assert services.to_utc(datetime(2030, 10, 27, 10, 0)) == datetime(
        2030, 10, 27, 9, 0, tzinfo=UTC
    )


def test_public_holidays_on_both_sides_of_the_border():
    names = {
        (code, day.isoformat())
        for day, code, _ in services.public_holidays(datetime(2030, 4, 27).date())
    }
    assert ("NL", "2030-04-27") in names  # Koningsdag
    de = services.public_holidays(datetime(2030, 11, 1).date())
    assert [code for _, code, _ in de] == ["DE"]  # Allerheiligen in NRW, not in NL


def test_agenda_computes_start_times_and_warns_when_too_long(xenia):
    group, chair, _ = xenia
    meeting = make_meeting(group, organiser=chair, start=START, hours=1)
    first = services.add_agenda_item(chair, meeting, "Welkom", "Christa", 30)
    second = services.add_agenda_item(chair, meeting, "Wonen", "Lotte", 45)
    db.session.refresh(meeting)
    slots, overruns = services.agenda_with_times(meeting)
    assert [s.starts_at for s in slots] == [START, START + timedelta(minutes=30)]
    assert overruns
    services.move_agenda_item(chair, second, -1)
    db.session.refresh(meeting)
    assert [i.id for i in meeting.agenda_items] == [second.id, first.id]


def test_minutes_go_from_draft_to_circulated_to_approved(xenia):
    group, chair, _ = xenia
    meeting = make_meeting(group, organiser=chair, start=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(services.MinutesNotReady):
        services.approve_minutes(chair, meeting)
    services.save_minutes(chair, meeting, "# Verslag\n\n- Afspraak")
    services.circulate_minutes(chair, meeting)
    services.approve_minutes(chair, meeting)
    assert meeting.minutes_approved_by_id == chair.id and meeting.minutes_approved_at
    with pytest.raises(services.MinutesNotReady):
        services.save_minutes(chair, meeting, "changed")


def test_action_items_are_open_until_done(xenia):
    group, chair, lid = xenia
    meeting = make_meeting(group, organiser=chair)
    item = services.add_action_item(chair, meeting, "Notitie wonen", lid, None)
    assert services.open_action_items(group) == [item]
    services.complete_action_item(lid, item)
    assert services.open_action_items(group) == []

"""Circulating minutes tells the group's members by mail, in their language, unless they
turned it off on their profile."""

import email
from datetime import UTC, date, datetime
from email import policy

import sqlalchemy as sa

from app.extensions import db
from app.groups.models import Role
from app.mail.models import OutboxMessage
from app.meetings import services
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_group, make_meeting, make_membership, make_user


def test_circulating_minutes_mails_the_members_who_want_it():
    group = make_group()
    chair = make_membership(group, role=Role.chair).user
    dutch = make_membership(group, make_user(locale="nl")).user
    german = make_membership(group, make_user(locale="de")).user
    quiet = make_membership(group, make_user()).user
    quiet.is_minutes_mail_wanted = False
    make_membership(group, make_user(), left_on=date(2026, 2, 1))  # a former member
    meeting = make_meeting(
        group, start=datetime(2027, 3, 10, 9, tzinfo=UTC), title_nl="Xenia-overleg"
    )
    meeting.minutes = "Wir besprachen die Wohnungsvergabe."
    db.session.flush()

    services.circulate_minutes(chair, meeting)
    db.session.commit()

    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [row.recipient for row in rows] == [dutch.email, german.email]
    message = email.message_from_bytes(rows[0].raw, policy=policy.default)
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Verslag ter becommentariëring: Xenia-overleg"
    assert "woensdag 10 maart 2027, 10:00" in body
    assert f"/meetings/{meeting.id}#minutes" in body and "/profile" in body
    german_body = email.message_from_bytes(rows[1].raw, policy=policy.default)
    assert "Mittwoch, 10. März 2027, 10:00" in german_body.get_body(("plain",)).get_content()


def test_the_profile_turns_the_mail_off(client):
    person = make_user(password=TEST_PASSWORD)
    db.session.commit()
    login(client, person.email)
    form = client.get("/profile").get_data(as_text=True)
    assert 'name="is_minutes_mail_wanted"' in form and "checked" in form
    answer = client.post(
        "/profile", data={"name": person.name, "locale": "en", "gender": "not_stated"}
    )
    assert answer.status_code == 302
    db.session.refresh(person)
    assert person.is_minutes_mail_wanted is False

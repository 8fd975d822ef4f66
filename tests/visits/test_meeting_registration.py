"""The same registration service for meetings with public registration (binational
conference, study day): the organiser opens it, anyone registers without an account, the
waiting list moves up on a cancellation, and everyone is told when the meeting is cancelled."""

import icalendar
import sqlalchemy as sa
from flask import render_template_string

from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings.models import MeetingKind
from app.visits import registration as reg
from app.visits import services
from app.visits.models import PublicRegistration, Registration, RegistrationStatus
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_meeting, make_open_meeting, make_user, make_visit


def form(**values):
    data = {
        "name": "Ada Bakker",
        "email": "ada@example.org",
        "organisation_name": "Gemeente Almelo",
        "function": "Beleidsmedewerker",
    }
    data.update(values)
    return data


def settings(**values):
    data = {
        "capacity": "1",
        "registration_deadline": "2030-05-27T12:00",
        "contact_name": "Petra",
        "contact_email": "pl@example.org",
        "is_open": "y",
    }
    data.update(values)
    return data


def outbox(category):
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.category == category))
    )


def test_organiser_opens_registration_and_anyone_registers(app, client):
    organiser = make_user(email="pl@example.org", password=TEST_PASSWORD)
    meeting = make_meeting(
        kind=MeetingKind.binational_conference, organiser=organiser, title_en="Conference"
    )
    db.session.commit()
    manager = app.test_client()
    login(manager, organiser.email)
    assert (
        manager.post(f"/visits/meetings/{meeting.id}/registration", data=settings()).status_code
        == 302
    )
    public = db.session.scalar(sa.select(PublicRegistration))
    assert public.capacity == 1 and public.meeting_id == meeting.id

    assert client.get(f"/visits/meetings/{meeting.id}").status_code == 200
    assert client.post(f"/visits/meetings/{meeting.id}/register", data=form()).status_code == 302
    second = client.post(
        f"/visits/meetings/{meeting.id}/register",
        data=form(email="bert@example.org"),
        follow_redirects=True,
    )
    assert b"number 1 on the waiting list" in second.data
    ada, bert = db.session.scalars(sa.select(Registration).order_by(Registration.id))
    assert (ada.meeting_id, ada.visit_id, ada.status) == (
        meeting.id,
        None,
        RegistrationStatus.confirmed,
    )
    assert bert.status == RegistrationStatus.waitlisted
    [confirmation] = outbox("visits.confirmed")
    assert b"meeting.ics" in confirmation.raw
    duplicate = client.post(
        f"/visits/meetings/{meeting.id}/register", data=form(email="ADA@example.org")
    )
    assert duplicate.status_code == 409

    token = reg.cancel_token(ada)
    assert client.post(f"/visits/cancel/{token}").status_code == 200
    db.session.expire_all()
    assert bert.status == RegistrationStatus.confirmed
    [promoted] = outbox("visits.promoted")
    assert promoted.recipient == "bert@example.org"

    listing = manager.get(f"/visits/meetings/{meeting.id}/registrations")
    assert b"bert@example.org" in listing.data
    export = manager.get(f"/visits/meetings/{meeting.id}/registrations.csv")
    header, *rows = export.get_data(as_text=True).splitlines()
    assert len(rows) == 1 and rows[0].startswith("confirmed,,Ada Bakker,bert@example.org,")


def test_confirmation_carries_the_meeting_as_ics(app):
    meeting = make_open_meeting(title_en="Study day")
    public = db.session.scalar(sa.select(PublicRegistration))
    services.register(
        public,
        name="Ada",
        email="ada@example.org",
        organisation=None,
        organisation_name="Org",
        function="",
        remarks="",
        locale="en",
    )
    [mail] = outbox("visits.confirmed")
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(mail.raw)
    part = next(p for p in message.walk() if p.get_filename() == "meeting.ics")
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == meeting.uid
    assert "Study day" in mail.subject


def test_same_address_may_register_for_a_visit_and_a_meeting():
    make_open_meeting()
    public = db.session.scalar(sa.select(PublicRegistration))
    visit = make_visit()
    reg.register(public, name="Ada", email="ada@example.org")
    reg.register(visit, name="Ada", email="ada@example.org")
    assert len(reg.confirmed_of(public)) == len(reg.confirmed_of(visit)) == 1


def test_lowering_meeting_capacity_asks_first(app):
    admin = make_user(email="admin@example.org", password=TEST_PASSWORD, is_admin=True)
    meeting = make_open_meeting(capacity=2)
    public = db.session.scalar(sa.select(PublicRegistration))
    for name in ("Ada", "Bert"):
        reg.register(public, name=name, email=f"{name}@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, admin.email)
    url = f"/visits/meetings/{meeting.id}/registration"
    response = client.post(url, data=settings())
    assert response.status_code == 409 and b"Bert" in response.data
    db.session.expire_all()
    assert public.capacity == 2
    assert client.post(url, data=settings(move_to_waitlist="y")).status_code == 302
    assert [r.name for r in reg.waitlisted_of(public)] == ["Bert"]
    assert [m.recipient for m in outbox("visits.demoted")] == ["bert@example.org"]


def test_others_may_not_open_registration(app):
    member = make_user(email="m@example.org", password=TEST_PASSWORD)
    meeting = make_meeting()
    db.session.commit()
    client = app.test_client()
    login(client, member.email)
    assert (
        client.post(f"/visits/meetings/{meeting.id}/registration", data=settings()).status_code
        == 403
    )
    assert client.get(f"/visits/meetings/{meeting.id}").status_code == 404
    assert db.session.scalar(sa.select(PublicRegistration)) is None


def test_cancelling_the_meeting_tells_every_registrant():
    from app.meetings.services import cancel_meeting

    meeting = make_open_meeting(capacity=1)
    public = db.session.scalar(sa.select(PublicRegistration))
    for name in ("Ada", "Bert"):
        reg.register(public, name=name, email=f"{name}@example.org")
    cancel_meeting(make_user(is_admin=True), meeting)
    assert len(outbox("visits.visit_cancelled")) == 2
    assert services.counts_of(public).confirmed == 0


def test_meeting_page_shows_the_public_registration(admin_client):
    meeting = make_open_meeting(capacity=3)
    db.session.commit()
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "0 of 3 taken" in page and f"/visits/meetings/{meeting.id}/registrations" in page


def test_partial_for_the_meeting_page(app):
    organiser = make_user(is_admin=True)
    meeting = make_open_meeting(capacity=3)
    public = db.session.scalar(sa.select(PublicRegistration))
    reg.register(public, name="Ada", email="ada@example.org")
    plain = make_meeting()
    db.session.commit()
    template = '{% include "visits/_meeting_registration.html" %}'
    with app.test_request_context():
        from flask_login import login_user

        login_user(organiser)
        shown = render_template_string(template, meeting=meeting)
        offered = render_template_string(template, meeting=plain)
    assert "1 of 3 taken" in shown and f"/visits/meetings/{meeting.id}" in shown
    assert f"/visits/meetings/{plain.id}/registration" in offered

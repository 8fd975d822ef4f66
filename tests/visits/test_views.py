"""The visit pages through the client: registering without an account, the spam trap, the
cancel link, the host's pages, filters and learning points."""

import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.partners.models import Country
from app.visits import registration as reg
from app.visits.models import PointKind, Registration, RegistrationStatus, Visit, VisitPoint
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_organisation, make_policy_field, make_user, make_visit


def form(**values):
    data = {
        "name": "Ada Bakker",
        "email": "ada@example.org",
        "organisation": "0",
        "organisation_name": "Gemeente Almelo",
        "function": "Beleidsmedewerker inburgering",
        "remarks": "Vegetarisch",
    }
    data.update(values)
    return data


def registrations():
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def outbox(category):
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.category == category))
    )


def test_register_without_account_confirms_and_mails(client):
    visit = make_visit(capacity=1)
    db.session.commit()
    response = client.post(f"/visits/{visit.id}/register?lang=de", data=form())
    assert response.status_code == 302
    [registration] = registrations()
    assert registration.status == RegistrationStatus.confirmed
    assert registration.locale == "de"
    assert registration.remarks == "Vegetarisch"
    [mail] = outbox("visits.confirmed")
    assert "Anmeldung bestätigt" in mail.subject or mail.subject.startswith("Registration")
    page = client.get(f"/visits/{visit.id}", headers={"Accept-Language": "en"})
    assert b"1 of 1 taken" in page.data


def test_full_visit_waitlists_and_shows_the_position(client):
    visit = make_visit(capacity=1)
    db.session.commit()
    client.post(f"/visits/{visit.id}/register", data=form())
    response = client.post(
        f"/visits/{visit.id}/register", data=form(email="bert@example.org"), follow_redirects=True
    )
    assert b"number 1 on the waiting list" in response.data
    assert [r.status for r in registrations()] == [
        RegistrationStatus.confirmed,
        RegistrationStatus.waitlisted,
    ]


def test_second_attempt_says_so_and_offers_to_resend(client):
    visit = make_visit()
    db.session.commit()
    client.post(f"/visits/{visit.id}/register", data=form())
    response = client.post(f"/visits/{visit.id}/register", data=form(email="ADA@example.org"))
    assert response.status_code == 409
    assert b"already registered" in response.data
    assert b"Resend my confirmation" in response.data
    assert len(registrations()) == 1
    again = client.post(f"/visits/{visit.id}/resend", data={"email": "ada@example.org"})
    assert again.status_code == 302


def test_filled_spam_trap_gets_a_neutral_answer_and_writes_nothing(client):
    visit = make_visit()
    db.session.commit()
    response = client.post(
        f"/visits/{visit.id}/register", data=form(website="http://spam.example")
    )
    assert response.status_code == 302
    assert registrations() == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_bad_input_answers_400_in_the_users_language(client):
    visit = make_visit()
    db.session.commit()
    response = client.post(
        f"/visits/{visit.id}/register?lang=de",
        data=form(email="not an address", organisation_name=""),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert '<html lang="de"' in text
    assert "Ungültige E-Mail-Adresse" in text
    assert registrations() == []


def test_registration_after_deadline_is_refused_with_a_message(client):
    visit = make_visit(deadline=datetime(2020, 1, 1, tzinfo=UTC))
    db.session.commit()
    response = client.post(f"/visits/{visit.id}/register", data=form())
    assert response.status_code == 409
    assert b"Registration for this visit is closed" in response.data
    assert registrations() == []


def test_registration_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "2 per minute")
    visit = make_visit()
    db.session.commit()
    codes = [
        client.post(f"/visits/{visit.id}/register", data=form(email=f"p{n}@example.org")).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


def test_cancel_link_valid_tampered_and_used(client):
    visit = make_visit(capacity=1)
    db.session.commit()
    client.post(f"/visits/{visit.id}/register", data=form())
    client.post(f"/visits/{visit.id}/register", data=form(email="bert@example.org"))
    ada = registrations()[0]
    token = reg.cancel_token(ada)
    page = client.get(f"/visits/cancel/{token}")
    assert page.status_code == 200 and b"Yes, cancel my registration" in page.data
    assert client.get(f"/visits/cancel/{token}x").status_code == 400
    done = client.post(f"/visits/cancel/{token}")
    assert done.status_code == 200 and b"has been cancelled" in done.data
    assert [r.status for r in registrations()] == [
        RegistrationStatus.cancelled,
        RegistrationStatus.confirmed,
    ]
    [promoted] = outbox("visits.promoted")
    assert promoted.recipient == "bert@example.org"
    used = client.get(f"/visits/cancel/{token}")
    assert used.status_code == 410 and b"already been cancelled" in used.data


def host_client(app, visit):
    host = make_user(email="host-editor@example.org", password=TEST_PASSWORD)
    host.organisation, host.is_organisation_editor = visit.organisation, True
    db.session.commit()
    client = app.test_client()
    assert login(client, host.email).status_code == 302
    return client


def test_host_sees_lists_and_exports_csv(app):
    visit = make_visit(capacity=1)
    for n, email in enumerate(("ada@example.org", "bert@example.org")):
        reg.register(visit, name=f"P{n}", email=email, function="=cmd()", organisation_name="Org")
    db.session.commit()
    client = host_client(app, visit)
    page = client.get(f"/visits/{visit.id}/registrations")
    assert page.status_code == 200
    assert b"ada@example.org" in page.data and b"bert@example.org" in page.data
    export = client.get(f"/visits/{visit.id}/registrations.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:4] == ["status", "position", "name", "email"]
    assert rows[1][:4] == ["confirmed", "", "P0", "ada@example.org"]
    assert rows[2][:4] == ["waitlisted", "1", "P1", "bert@example.org"]
    assert rows[1][5] == "'=cmd()"


def test_host_messages_all_registrants_one_mail_each(app):
    visit = make_visit(capacity=1)
    for email in ("ada@example.org", "bert@example.org"):
        reg.register(visit, name=email, email=email, organisation_name="Org")
    db.session.commit()
    client = host_client(app, visit)
    response = client.post(
        f"/visits/{visit.id}/message", data={"subject": "Parkeren", "body": "Parkeer bij P2."}
    )
    assert response.status_code == 302
    sent = outbox("visits.message")
    assert sorted(m.recipient for m in sent) == ["ada@example.org", "bert@example.org"]
    assert all(m.subject == "Parkeren" for m in sent)
    assert client.post(f"/visits/{visit.id}/message", data={}).status_code == 400


def edit_form(visit, **changes):
    data = {
        "organisation": str(visit.organisation_id),
        "title_nl": visit.title_nl,
        "city": visit.city,
        "capacity": str(visit.capacity),
        "registration_deadline": "2030-06-01T12:00",
        "contact_name": "Hanna Host",
        "contact_email": "host@example.org",
        "languages": ["nl", "de"],
        "days-0-day": "2030-06-03",
        "days-0-starts": "09:00",
        "days-0-ends": "16:00",
        "days-0-programme": "Ontvangst",
    }
    data.update(changes)
    return data


def test_lowering_capacity_in_the_form_shows_who_is_affected(app):
    visit = make_visit(capacity=2)
    for name in ("Ada", "Bert"):
        reg.register(visit, name=name, email=f"{name}@example.org", organisation_name="Org")
    db.session.commit()
    client = host_client(app, visit)
    response = client.post(f"/visits/{visit.id}/edit", data=edit_form(visit, capacity="1"))
    assert response.status_code == 409
    assert b"Bert" in response.data and b"move to the waiting list" in response.data
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).capacity == 2
    confirmed = client.post(
        f"/visits/{visit.id}/edit", data=edit_form(visit, capacity="1", move_to_waitlist="y")
    )
    assert confirmed.status_code == 302
    assert [r.status for r in registrations()] == [
        RegistrationStatus.confirmed,
        RegistrationStatus.waitlisted,
    ]


def test_editor_offers_a_visit_for_their_own_organisation(app):
    host = make_organisation(name="ROC van Twente")
    field = make_policy_field("education")
    editor = make_user(email="roc@example.org", password=TEST_PASSWORD)
    editor.organisation, editor.is_organisation_editor = host, True
    db.session.commit()
    client = app.test_client()
    login(client, editor.email)
    data = {
        "organisation": str(host.id),
        "title_de": "Besuch beim ROC",
        "city": "Hengelo",
        "capacity": "8",
        "registration_deadline": "2030-05-01T12:00",
        "contact_name": "Rob",
        "contact_email": "rob@example.org",
        "policy_fields": [str(field.id)],
        "days-0-day": "2030-05-13",
        "days-0-starts": "09:30",
        "days-0-ends": "15:00",
        "days-1-day": "2030-05-14",
        "days-1-starts": "09:30",
        "days-1-ends": "12:00",
    }
    response = client.post("/visits/new", data=data)
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))
    assert (visit.starts_on, visit.ends_on) == (date(2030, 5, 13), date(2030, 5, 14))
    assert visit.policy_fields == [field]
    assert visit.registration_deadline == datetime(2030, 5, 1, 10, tzinfo=UTC)
    bad = client.post("/visits/new", data=dict(data, **{"days-1-ends": "08:00"}))
    assert bad.status_code == 400 and b"must end after it starts" in bad.data
    other = make_organisation(name="Elsewhere")
    db.session.commit()
    assert client.post("/visits/new", data=dict(data, organisation=str(other.id))).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_index_filters_and_empty_state(client):
    field = make_policy_field("integration")
    de = make_organisation(name="Stadt Münster", country=Country.DE)
    make_visit(de, policy_fields=[field], title_en="Integration pilots", starts_on=date(2030, 6, 3))
    make_visit(title_en="Education visit", starts_on=date(2030, 9, 9))
    db.session.commit()
    page = client.get("/visits/")
    assert b"Integration pilots" in page.data and b"Education visit" in page.data
    by_field = client.get("/visits/?field=integration")
    assert b"Integration pilots" in by_field.data and b"Education visit" not in by_field.data
    by_country = client.get("/visits/?country=NL")
    assert b"Integration pilots" not in by_country.data
    assert client.get("/visits/?field=nope").status_code == 400
    assert client.get("/visits/?page=99").status_code == 404


def test_index_without_visits_says_so(client):
    assert b"No visits are planned" in client.get("/visits/").data


def test_participant_records_a_learning_point_after_the_visit(app):
    field = make_policy_field("integration")
    visit = make_visit(starts_on=date(2024, 3, 4), policy_fields=[field])
    person = make_user(email="ada@example.org", password=TEST_PASSWORD)
    db.session.add(
        Registration(
            visit_id=visit.id, name="Ada", email="ada@example.org", status=RegistrationStatus.confirmed
        )
    )
    outsider = make_user(email="out@example.org", password=TEST_PASSWORD)
    db.session.commit()
    client = app.test_client()
    login(client, person.email)
    data = {"kind": "transfer", "text": "Buddy-systeem overnemen, met vrijwilligers van de moskee."}
    assert client.post(f"/visits/{visit.id}/points", data=data).status_code == 302
    [point] = db.session.scalars(sa.select(VisitPoint)).all()
    assert point.kind == PointKind.transfer and point.author_id == person.id
    learning = client.get("/visits/learning")
    assert b"Buddy-systeem" in learning.data
    other = app.test_client()
    login(other, outsider.email)
    assert other.post(f"/visits/{visit.id}/points", data=data).status_code == 403

"""A person's data: the JSON export holds everything about them and nothing about others;
erasure leaves no trace of name or address anywhere, but keeps the tallies."""

import json
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import Gender
from app.consensus import services as consensus
from app.consensus.models import Round, Stance
from app.core.audit import AuditEntry, record_audit
from app.core.database import utcnow
from app.extensions import db
from app.groups.models import Membership, Role
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import build_message, queue_message
from app.meetings.models import AgendaItem, Attendance, CalendarFeed, Invitation
from app.newsletter.models import Delivery, DeliveryStatus, EditionStatus, SubscriberStatus
from app.partners.models import Country
from app.reports import personal_data, services
from app.visits.models import Registration, RegistrationStatus
from tests.conftest import TEST_PASSWORD, login
from tests.factories import (
    make_edition,
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_proposal,
    make_round,
    make_subscriber,
    make_user,
    make_visit,
)

NAME = "Zoë Verwijderd-Müller"
EMAIL = "zoe.verwijderd@stadt-gronau.de"
# What must be gone after erasure (the surname also catches JSON's \u-escaped spellings).
TRACES = ("zoe.verwijderd", "Verwijderd", "Integrationsbeauftragte", "+49 2562 4711")


@pytest.fixture
def story(admin):
    gronau = make_organisation(name="Stadt Gronau", country=Country.DE, city="Gronau")
    zoe = make_user(
        email=EMAIL,
        name=NAME,
        gender=Gender.female,
        function="Integrationsbeauftragte",
        password=TEST_PASSWORD,
    )
    zoe.phone, zoe.organisation = "+49 2562 4711", gronau
    otto = make_user(email="otto.anders@enschede.nl", name="Otto Anders")
    group = make_group(slug="xenia")
    for person in (zoe, otto):
        make_membership(group, person, role=Role.member)
    proposal = make_proposal(group, admin, title="Gemeinsame Sprachcafés")
    round_ = make_round(proposal, admin, now=utcnow() - timedelta(days=1))
    consensus.record_position(round_, zoe, Stance.agree_with_reservations, "Nur mit Dolmetschern")
    consensus.record_position(round_, otto, Stance.agree_with_reservations, "Otto's bedenking")
    consensus.add_comment(zoe, proposal, "Ich bringe Kaffee mit.")
    consensus.close_round(admin, round_, reason="Agreed in the meeting.")
    past = make_meeting(group, start=utcnow() - timedelta(days=30))
    for person in (zoe, otto):
        db.session.add(Invitation(meeting=past, user=person, attendance=Attendance.present))
    db.session.add(AgendaItem(meeting=past, title="Sprachcafé", presenter=NAME))
    future = make_meeting(group, start=utcnow() + timedelta(days=30), invitees=[zoe, otto])
    db.session.add(CalendarFeed(user=zoe, token="zoe-secret-feed-token"))
    subscription = make_subscriber(email=EMAIL, name="Zoë V.", language="de")
    edition = make_edition(quarter="2026 Q3", status=EditionStatus.sent, queued_at=utcnow())
    sent = queue_message(build_message((NAME, EMAIL), "Nieuwsbrief", f"Hallo {NAME}"))
    sent.status = OutboxStatus.sent
    db.session.add(
        Delivery(
            edition=edition,
            subscriber=subscription,
            status=DeliveryStatus.queued,
            outbox_message=sent,
        )
    )
    queue_message(build_message((NAME, EMAIL), "Einladung", f"Liebe {NAME}"))
    record_audit(admin, "user.invited", zoe, email=EMAIL, is_admin=False)
    visit = make_visit(gronau, contact_name=NAME, contact_email=EMAIL)
    db.session.add(
        Registration(
            visit=make_visit(),
            name=NAME,
            email=EMAIL,
            function="Integrationsbeauftragte",
            remarks="Vegetarisch, Verwijderd",
            status=RegistrationStatus.confirmed,
        )
    )
    db.session.add(
        Registration(
            visit=visit, name="Otto Anders", email=otto.email, status=RegistrationStatus.confirmed
        )
    )
    db.session.commit()
    return {
        "zoe": zoe,
        "otto": otto,
        "round": round_,
        "past": past,
        "future": future,
        "subscription": subscription,
        "edition": edition,
    }


def test_the_export_holds_everything_about_the_person(story):
    data = personal_data.export_person(story["zoe"])
    assert data["profile"]["email"] == EMAIL
    assert data["profile"]["organisation.name"] == "Stadt Gronau"
    assert data["profile"]["gender"] == "female"
    assert [m["group.slug"] for m in data["memberships"]] == ["xenia"]
    assert [p["reason"] for p in data["positions"]] == ["Nur mit Dolmetschern"]
    assert [c["body"] for c in data["comments"]] == ["Ich bringe Kaffee mit."]
    assert sorted(i["attendance"] or "" for i in data["meeting_invitations"]) == ["", "present"]
    assert data["calendar_feed"]["token"] == "zoe-secret-feed-token"
    assert [s["name"] for s in data["newsletter_subscriptions"]] == ["Zoë V."]
    assert [r["remarks"] for r in data["visit_registrations"]] == ["Vegetarisch, Verwijderd"]
    invited = [e for e in data["audit_entries"] if e["action"] == "user.invited"]
    assert invited[0]["details"]["email"] == EMAIL


def test_the_export_holds_nothing_about_other_people(story, admin):
    record_audit(story["zoe"], "user.invited", story["otto"], email=story["otto"].email)
    # An entry by her about another kind of object that happens to share her id.
    db.session.add(
        AuditEntry(
            actor_id=story["zoe"].id,
            action="group.updated",
            object_type="working_groups",
            object_id=story["zoe"].id,
            details={"chair": "Otto Anders"},
        )
    )
    text = json.dumps(personal_data.export_person(story["zoe"]), ensure_ascii=False)
    for other in ("Otto", "otto.anders", "bedenking", admin.email, admin.name):
        assert other not in text


def test_a_member_downloads_their_data_from_the_profile(app, story):
    client = app.test_client()
    assert login(client, EMAIL).status_code == 302
    assert "/profile/my-data.json" in client.get("/profile").get_data(as_text=True)
    response = client.get("/profile/my-data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["profile"]["name"] == NAME


def every_text_in_the_database() -> str:
    """Every string, JSON and binary column of every table, as one lower-case text."""
    texts = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        texts.append(value.decode("utf-8", "replace"))
                    elif value is not None and not isinstance(value, int | float):
                        texts.append(
                            json.dumps(value, default=str)
                            if isinstance(value, dict)
                            else str(value)
                        )
    return "\n".join(texts).lower()


def test_erasure_leaves_no_name_or_address_in_any_table(admin_client, story):
    before = every_text_in_the_database()
    assert all(trace.lower() in before for trace in TRACES)

    response = admin_client.post(f"/admin/users/{story['zoe'].id}/erase")
    assert response.status_code == 302

    after = every_text_in_the_database()
    for trace in TRACES:
        assert trace.lower() not in after, trace
    assert "otto anders" in after  # the others are untouched


def test_an_erased_person_is_named_in_the_readers_language(admin_client, story, admin):
    zoe, round_ = story["zoe"], story["round"]
    admin_client.post(f"/admin/users/{zoe.id}/erase")
    dashboard = f"/consensus/proposals/{round_.proposal_id}/rounds/{round_.id}/dashboard"
    german = admin_client.get(dashboard + "?lang=de").get_data(as_text=True)
    assert "Ehemalige teilnehmende Person" in german and "Former participant" not in german
    english = admin_client.get(dashboard + "?lang=en").get_data(as_text=True)
    assert "Former participant" in english


def test_erasure_keeps_attendance_positions_and_the_decision_record(admin_client, story, admin):
    zoe, round_ = story["zoe"], story["round"]
    tally, outcome = dict(round_.tally), round_.outcome
    admin_client.post(f"/admin/users/{zoe.id}/erase")
    db.session.expire_all()

    assert zoe.name == "Former participant"
    assert zoe.is_erased and not zoe.is_active and zoe.gender is Gender.not_stated
    assert not zoe.check_password(TEST_PASSWORD)
    round_ = db.session.get(Round, round_.id)
    assert (round_.tally, round_.outcome) == (tally, outcome)
    assert sorted(p.membership.user.name for p in round_.positions) == [
        "Former participant",
        "Otto Anders",
    ]
    registrations = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
    assert [(r.name, r.status) for r in registrations] == [
        ("Former participant", RegistrationStatus.confirmed),
        ("Otto Anders", RegistrationStatus.confirmed),
    ]
    present = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.meeting_id == story["past"].id, Invitation.attendance == Attendance.present
        )
    ).all()
    assert len(present) == 2
    # Upcoming invitations, the active membership and the calendar feed are gone.
    assert (
        db.session.scalars(sa.select(Invitation).where(Invitation.meeting_id == story["future"].id))
        .all()[0]
        .user.name
        == "Otto Anders"
    )
    assert (
        db.session.scalar(sa.select(Membership.left_on).where(Membership.user_id == zoe.id))
        is not None
    )
    assert db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == zoe.id)) is None
    # The project manager's entry says who erased whom, without the person's data.
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user.erased")
    ).one()
    assert (entry.actor_id, entry.object_id, entry.details) == (admin.id, zoe.id, {})


def test_erasure_cancels_unsent_mails_and_keeps_the_newsletter_reach(admin_client, story):
    period = services.current_year()
    reach_before = services.editions_sent(period).rows
    admin_client.post(f"/admin/users/{story['zoe'].id}/erase")
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    to_zoe = [m for m in messages if m.recipient.startswith("erased-")]
    assert [(m.status, m.raw, m.subject) for m in to_zoe] == [(OutboxStatus.sent, b"", "")]
    assert services.editions_sent(period).rows == reach_before == [("2026 Q3", 1)]
    assert story["subscription"].status is SubscriberStatus.unsubscribed


def test_no_mail_is_queued_to_an_erased_person_afterwards(admin_client, story):
    zoe = story["zoe"]
    admin_client.post(f"/admin/users/{zoe.id}/erase")
    db.session.refresh(zoe)
    message = queue_message(build_message((zoe.name, zoe.email), "Einladung", "Hallo"))
    assert message.status is OutboxStatus.failed


def test_a_confirmation_page_comes_first(admin_client, story):
    response = admin_client.get(f"/admin/users/{story['zoe'].id}/erase")
    assert response.status_code == 200
    assert NAME in response.get_data(as_text=True)
    assert db.session.get(type(story["zoe"]), story["zoe"].id).name == NAME


def test_the_project_manager_cannot_erase_themselves(admin_client, admin, story):
    response = admin_client.post(f"/admin/users/{admin.id}/erase")
    assert response.status_code == 409
    assert "You cannot erase your own account" in response.get_data(as_text=True)
    assert admin.name == "Anna Admin" and admin.is_active
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "user.erased")
        )
        == 0
    )


def test_erasing_twice_is_refused(admin_client, story):
    assert admin_client.post(f"/admin/users/{story['zoe'].id}/erase").status_code == 302
    response = admin_client.post(f"/admin/users/{story['zoe'].id}/erase")
    assert response.status_code == 409


def test_members_cannot_erase_anyone(member_client, story):
    assert member_client.post(f"/admin/users/{story['otto'].id}/erase").status_code == 403
    assert story["otto"].name == "Otto Anders"


def test_a_newsletter_subscriber_is_erased_with_their_mails(admin_client, story):
    reader = make_subscriber(email="leser@muenster.de", name="Lena Leserin")
    queue_message(build_message(("Lena Leserin", "leser@muenster.de"), "Bestätigen", "Hallo"))
    record_audit(None, "newsletter.add_subscriber", reader, email="leser@muenster.de")
    db.session.commit()
    listing = admin_client.get("/newsletter/admin/subscribers").get_data(as_text=True)
    assert f"/admin/subscribers/{reader.id}/erase" in listing
    response = admin_client.post(f"/admin/subscribers/{reader.id}/erase")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/newsletter/admin/subscribers")
    after = every_text_in_the_database()
    assert "leser@muenster.de" not in after and "lena leserin" not in after
    assert reader.status is SubscriberStatus.unsubscribed


def test_a_subscribers_erasure_page_speaks_of_a_subscription(admin_client):
    reader = make_subscriber(email="lees@enschede.nl", name="Lies Lezer")
    db.session.commit()
    page = admin_client.get(f"/admin/subscribers/{reader.id}/erase").get_data(as_text=True)
    assert "the subscription ends" in page
    assert "function, phone" not in page and "positions" not in page


def test_an_erased_subscriber_leaves_the_list_the_counts_and_the_export(admin_client):
    reader = make_subscriber(email="lees@enschede.nl", name="Lies Lezer")
    make_subscriber(email="blijft@almelo.nl", name="Blijft")
    db.session.commit()
    assert admin_client.post(f"/admin/subscribers/{reader.id}/erase").status_code == 302
    listing = admin_client.get("/newsletter/admin/subscribers?status=unsubscribed")
    text = listing.get_data(as_text=True)
    assert f"/admin/subscribers/{reader.id}/erase" not in text
    assert "erased.invalid" not in text
    export = admin_client.get("/newsletter/admin/subscribers.csv").get_data(as_text=True)
    assert "blijft@almelo.nl" in export and "erased.invalid" not in export
    counts = admin_client.get("/newsletter/admin/subscribers").get_data(as_text=True)
    assert "erased.invalid" not in counts


def test_after_an_erasure_the_address_is_in_no_database_file(app, admin_client):
    """On SQLite the file and its write-ahead log are read as bytes; on PostgreSQL every
    text in every table (the files belong to the server)."""
    address = "geheim.adres.7731@hengelo.nl"
    reader = make_subscriber(email=address, name="Geheim Adres")
    db.session.commit()
    reader_id = reader.id
    db.session.remove()  # the test holds no snapshot that would keep old pages in the log
    assert admin_client.post(f"/admin/subscribers/{reader_id}/erase").status_code == 302
    db.session.remove()
    assert address not in every_text_in_the_database()
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # grep in another process: opening the file here would drop this process's SQLite
        # locks on it (POSIX locks belong to the process, not to the file descriptor).
        for path in (url.database, f"{url.database}-wal"):
            for text in (address, "Geheim Adres"):
                found = subprocess.run(
                    ["grep", "-a", "-q", "-F", text, path], check=False, capture_output=True
                )
                assert found.returncode == 1, f"{text!r} is still in {path}"


def test_a_subscriber_sent_an_edition_is_erased_from_its_outbox_row_too(admin_client):
    from app.newsletter import sending
    from app.newsletter import services as newsletter

    reader = make_subscriber(email="leser@muenster.de", name="Lena Leserin-Oßenbrügge")
    edition = make_edition(quarter="2026 Q3", languages=("nl", "de"))
    db.session.flush()
    newsletter.queue_edition(None, edition)
    sending.produce_deliveries(10)  # the worker's part: a row of reader values + a template
    db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.sent))
    db.session.commit()
    assert "oßenbrügge" in every_text_in_the_database()

    response = admin_client.post(f"/admin/subscribers/{reader.id}/erase")

    assert response.status_code == 302
    after = every_text_in_the_database()
    assert "leser@muenster.de" not in after and "oßenbrügge" not in after
    row = db.session.scalars(sa.select(OutboxMessage)).one()
    assert row.fields is None and row.raw == b""  # the fact of sending stays, nothing else

"""Capacity and waiting-list order in every path: register, cancel, capacity up and down,
deadline passed, visit cancelled; duplicates and cancel links."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.visits import registration as reg
from app.visits import services
from app.visits.models import Registration, RegistrationStatus
from tests.factories import make_organisation, make_user, make_visit

CONFIRMED, WAITLISTED, CANCELLED = (
    RegistrationStatus.confirmed,
    RegistrationStatus.waitlisted,
    RegistrationStatus.cancelled,
)


def sign_up(visit, name, **values):
    return services.register(
        visit,
        name=name,
        email=values.pop("email", f"{name.lower()}@example.org"),
        organisation=values.pop("organisation", None),
        organisation_name=values.pop("organisation_name", "Gemeente Almelo"),
        function=values.pop("function", "Beleidsmedewerker"),
        remarks=values.pop("remarks", ""),
        locale=values.pop("locale", "nl"),
        **values,
    )


def statuses(visit):
    db.session.expire_all()
    return [(r.name, r.status) for r in visit.registrations]


def mails(category=None):
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if category:
        stmt = stmt.where(OutboxMessage.category == category)
    return list(db.session.scalars(stmt))


# --- the pure rules ----------------------------------------------------------------------


def test_place_for_confirms_while_places_are_free():
    assert reg.place_for(2, 0) == CONFIRMED
    assert reg.place_for(2, 1) == CONFIRMED
    assert reg.place_for(2, 2) == WAITLISTED
    assert reg.place_for(0, 0) == WAITLISTED


def test_to_promote_takes_the_first_in_line_for_each_free_place():
    assert reg.to_promote(3, 1, ["a", "b", "c"]) == ["a", "b"]
    assert reg.to_promote(3, 3, ["a"]) == []
    assert reg.to_promote(2, 5, ["a"]) == []


def test_to_demote_takes_the_latest_arrivals():
    assert reg.to_demote(2, ["a", "b", "c", "d"]) == ["c", "d"]
    assert reg.to_demote(4, ["a", "b"]) == []


# --- registering ---------------------------------------------------------------------------


def test_registrations_beyond_capacity_are_waitlisted_in_arrival_order():
    visit = make_visit(capacity=2)
    for name in ("Ada", "Bert", "Cas", "Dirk"):
        sign_up(visit, name)
    assert statuses(visit) == [
        ("Ada", CONFIRMED),
        ("Bert", CONFIRMED),
        ("Cas", WAITLISTED),
        ("Dirk", WAITLISTED),
    ]
    dirk = visit.registrations[3]
    assert reg.waitlist_position(dirk) == 2
    assert [m.category for m in mails()] == [
        "visits.confirmed",
        "visits.host_registered",
        "visits.confirmed",
        "visits.host_registered",
        "visits.waitlisted",
        "visits.host_registered",
        "visits.waitlisted",
        "visits.host_registered",
    ]


def test_same_email_in_other_capitals_is_refused_and_nothing_is_written():
    visit = make_visit()
    sign_up(visit, "Ada", email="Ada.Bakker@Example.org")
    before = len(mails())
    with pytest.raises(reg.AlreadyRegistered) as caught:
        sign_up(visit, "Ada2", email="ada.bakker@EXAMPLE.ORG")
    assert caught.value.registration.name == "Ada"
    assert len(visit.registrations) == 1
    assert len(mails()) == before


def test_database_refuses_a_second_row_for_the_same_address():
    visit = make_visit()
    sign_up(visit, "Ada", email="ada@example.org")
    db.session.add(
        Registration(visit_id=visit.id, name="X", email="ada@example.org", status=CONFIRMED)
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_no_registrations_after_the_deadline():
    visit = make_visit(deadline=datetime(2030, 5, 1, 12, tzinfo=UTC))
    with pytest.raises(reg.RegistrationClosed):
        sign_up(visit, "Ada", now=datetime(2030, 5, 1, 12, 1, tzinfo=UTC))
    assert visit.registrations == []


def test_no_registrations_for_a_closed_or_cancelled_visit():
    admin = make_user(is_admin=True)
    visit = make_visit()
    services.cancel_visit(admin, visit)
    with pytest.raises(reg.RegistrationClosed):
        sign_up(visit, "Ada")


def test_registrant_can_pick_an_organisation_from_the_directory():
    almelo = make_organisation(name="Gemeente Almelo")
    visit = make_visit()
    registration = sign_up(visit, "Ada", organisation=almelo, organisation_name="ignored")
    assert registration.organisation_label == "Gemeente Almelo"
    assert registration.organisation_name == ""


# --- cancelling ------------------------------------------------------------------------------


def test_cancel_promotes_first_waitlisted_who_gets_a_mail_with_ics():
    visit = make_visit(capacity=1)
    ada, bert, cas = (sign_up(visit, n) for n in ("Ada", "Bert", "Cas"))
    services.cancel_registration(ada)
    assert statuses(visit) == [("Ada", CANCELLED), ("Bert", CONFIRMED), ("Cas", WAITLISTED)]
    assert reg.waitlist_position(cas) == 1
    [promoted] = mails("visits.promoted")
    assert promoted.recipient == "bert@example.org"
    assert b"visit.ics" in promoted.raw
    assert len(mails("visits.host_cancelled")) == 1


def test_a_waitlisted_person_cancelling_promotes_nobody():
    visit = make_visit(capacity=1)
    sign_up(visit, "Ada")
    bert = sign_up(visit, "Bert")
    sign_up(visit, "Cas")
    services.cancel_registration(bert)
    assert statuses(visit) == [("Ada", CONFIRMED), ("Bert", CANCELLED), ("Cas", WAITLISTED)]
    assert mails("visits.promoted") == []


def test_cancelling_twice_is_refused():
    visit = make_visit()
    ada = sign_up(visit, "Ada")
    services.cancel_registration(ada)
    with pytest.raises(reg.AlreadyCancelled):
        services.cancel_registration(ada)


def test_someone_who_cancelled_may_register_again_at_the_end_of_the_line():
    visit = make_visit(capacity=1)
    ada = sign_up(visit, "Ada")
    sign_up(visit, "Bert")
    services.cancel_registration(ada)
    again = sign_up(visit, "Ada")
    assert again.status == WAITLISTED
    assert statuses(visit) == [("Bert", CONFIRMED), ("Ada", WAITLISTED)]


# --- capacity ------------------------------------------------------------------------------


def test_raising_capacity_promotes_in_order():
    admin = make_user(is_admin=True)
    visit = make_visit(capacity=1)
    for name in ("Ada", "Bert", "Cas", "Dirk"):
        sign_up(visit, name)
    changes = reg.change_capacity(visit, 3)
    assert [r.name for r in changes.promoted] == ["Bert", "Cas"]
    assert statuses(visit)[-1] == ("Dirk", WAITLISTED)
    assert admin.is_admin


def test_lowering_capacity_below_confirmed_asks_first_and_changes_nothing():
    visit = make_visit(capacity=3)
    for name in ("Ada", "Bert", "Cas"):
        sign_up(visit, name)
    with pytest.raises(reg.CapacityConflict) as caught:
        reg.change_capacity(visit, 1)
    assert [r.name for r in caught.value.affected] == ["Bert", "Cas"]
    db.session.rollback()
    assert visit.capacity == 3
    assert all(status == CONFIRMED for _, status in statuses(visit))


def test_lowering_capacity_with_consent_moves_latest_to_head_of_waiting_list():
    admin = make_user(is_admin=True)
    visit = make_visit(capacity=3)
    for name in ("Ada", "Bert", "Cas", "Dirk"):
        sign_up(visit, name)
    details = details_of(visit, capacity=1)
    changes = services.update_visit(admin, visit, details, move_to_waitlist=True)
    assert [r.name for r in changes.demoted] == ["Bert", "Cas"]
    assert statuses(visit) == [
        ("Ada", CONFIRMED),
        ("Bert", WAITLISTED),
        ("Cas", WAITLISTED),
        ("Dirk", WAITLISTED),
    ]
    assert [m.recipient for m in mails("visits.demoted")] == [
        "bert@example.org",
        "cas@example.org",
    ]


def test_lowering_capacity_to_the_confirmed_number_needs_no_consent():
    visit = make_visit(capacity=5)
    sign_up(visit, "Ada")
    changes = reg.change_capacity(visit, 1)
    assert changes.demoted == [] and visit.capacity == 1


def test_negative_capacity_is_refused():
    visit = make_visit()
    with pytest.raises(reg.InvalidCapacity):
        reg.change_capacity(visit, -1)


# --- cancelling the visit ----------------------------------------------------------------


def test_visit_cancelled_tells_every_registrant():
    admin = make_user(is_admin=True)
    visit = make_visit(capacity=1)
    for name in ("Ada", "Bert"):
        sign_up(visit, name)
    told = services.cancel_visit(admin, visit)
    assert {r.name for r in told} == {"Ada", "Bert"}
    assert statuses(visit) == [("Ada", CANCELLED), ("Bert", CANCELLED)]
    assert sorted(m.recipient for m in mails("visits.visit_cancelled")) == [
        "ada@example.org",
        "bert@example.org",
    ]
    with pytest.raises(services.VisitCancelled):
        services.cancel_visit(admin, visit)


def test_only_host_editors_and_project_manager_manage():
    host = make_organisation(name="Stadt Münster")
    visit = make_visit(host)
    stranger = make_user()
    editor = make_user()
    editor.organisation, editor.is_organisation_editor = host, True
    db.session.flush()
    with pytest.raises(services.NotAllowed):
        services.cancel_visit(stranger, visit)
    services.cancel_visit(editor, visit)


# --- cancel links ------------------------------------------------------------------------


def test_cancel_link_valid_tampered_and_used():
    visit = make_visit()
    ada = sign_up(visit, "Ada")
    token = reg.cancel_token(ada)
    assert reg.registration_for_token(token) is ada
    with pytest.raises(reg.InvalidCancelLink):
        reg.registration_for_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    with pytest.raises(reg.InvalidCancelLink):
        reg.registration_for_token("not-a-token")
    services.cancel_registration(ada)
    with pytest.raises(reg.AlreadyCancelled):
        reg.registration_for_token(token)


def test_resend_confirmation_at_most_every_ten_minutes():
    visit = make_visit()
    sign_up(visit, "Ada")
    before = len(mails("visits.confirmed"))
    assert not services.resend_confirmation(visit, "ADA@example.org")
    later = datetime(2040, 1, 1, tzinfo=UTC)
    assert services.resend_confirmation(visit, "ada@example.org", now=later)
    assert len(mails("visits.confirmed")) == before + 1
    assert not services.resend_confirmation(visit, "nobody@example.org", now=later)


def details_of(visit, **changes):
    values = dict(
        organisation=visit.organisation,
        registration_deadline=visit.registration_deadline,
        days=[services.DayPlan(d.day, d.starts, d.ends, d.programme) for d in visit.days],
        capacity=visit.capacity,
        title_nl=visit.title_nl,
        title_de=visit.title_de,
        title_en=visit.title_en,
        city=visit.city,
        contact_name=visit.contact_name,
        contact_email=visit.contact_email,
        languages=visit.language_codes,
    )
    values.update(changes)
    return services.VisitDetails(**values)

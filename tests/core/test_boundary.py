"""The input boundary: the failures the form sweep found, each pinned by name, and the
rule that keeps later forms inside the boundary."""

import importlib
import inspect
import pkgutil

import pytest
import sqlalchemy as sa
import wtforms

import app as app_package
from app.core.forms import BaseForm, BaseSubForm
from app.extensions import db
from app.meetings.models import Meeting
from app.newsletter.models import Subscriber
from app.visits.models import Registration, Visit
from tests.factories import make_open_meeting, make_visit
from tests.meetings.test_views import form as meeting_form
from tests.visits.test_views import edit_form
from tests.visits.test_views import form as registration_form

NL = {"Accept-Language": "nl"}


def form_classes():
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, wtforms.form.BaseForm) and cls.__module__.startswith("app."):
                yield cls


def test_every_form_in_the_app_passes_the_boundary():
    classes = set(form_classes())
    assert len(classes) > 30
    outside = sorted(
        f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, BaseForm | BaseSubForm)
    )
    assert outside == []


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("path", ["/partners/?q=%00", "/partners/export.csv?q=%00"])
def test_nul_in_a_search_is_a_translated_400(client, path):
    response = client.get(path, headers=NL)
    assert response.status_code == 400
    assert "tekens die niet zijn toegestaan" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/partners/\x00", "/newsletter/admin/subscribers?q=a%0D%0Ab", "/?lang=%00"]
)
def test_control_characters_anywhere_in_the_address_are_refused(admin_client, path):
    assert admin_client.get(path).status_code in (400, 404)


@pytest.mark.parametrize("field", ["name", "function", "organisation_name", "remarks"])
def test_nul_in_a_visit_registration_writes_nothing(client, field):
    visit = make_visit()
    db.session.commit()
    response = client.post(
        f"/visits/{visit.id}/register",
        data=registration_form(**{field: "Ada\x00Bakker"}),
        headers=NL,
    )
    assert response.status_code == 400
    assert "stuurtekens" in response.get_data(as_text=True)
    assert count(Registration) == 0


def test_nul_in_a_newsletter_subscription_writes_nothing(client):
    response = client.post(
        "/newsletter/",
        data={"email": "ada@example.org", "name": "A\x00", "language": "nl", "consent": "y"},
        headers=NL,
    )
    assert response.status_code == 400
    assert count(Subscriber) == 0


def test_a_line_break_in_a_meeting_title_is_refused(admin_client):
    response = admin_client.post(
        "/meetings/new?lang=nl", data=meeting_form(title_nl="Sessie\r\nBcc: x@example.org")
    )
    assert response.status_code == 400
    assert "op één regel" in response.get_data(as_text=True)
    assert count(Meeting) == 0


def test_a_line_break_in_a_visit_title_or_message_subject_is_refused(admin_client):
    visit = make_visit()
    db.session.commit()
    edited = admin_client.post(
        f"/visits/{visit.id}/edit", data=edit_form(visit, title_nl="Bezoek\nBcc: x")
    )
    assert edited.status_code == 400
    message = admin_client.post(
        f"/visits/{visit.id}/message", data={"subject": "Hallo\r\nBcc: x", "body": "Tekst"}
    )
    assert message.status_code == 400
    db.session.rollback()
    assert "\n" not in db.session.get(Visit, visit.id).title_nl


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "0", "-1", "x"])
@pytest.mark.parametrize(
    "path",
    [
        "/visits/",
        "/partners/",
        "/meetings/",
        "/admin/users",
        "/newsletter/admin/subscribers",
        "/reports/audit",
    ],
)
def test_impossible_page_numbers_are_a_4xx(admin_client, path, page):
    response = admin_client.get(path, query_string={"page": page})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_outside_2000_to_2100_are_refused_on_meetings_and_visits(admin_client, day):
    meeting = admin_client.post(
        "/meetings/new?lang=nl", data=meeting_form(start=f"{day}T10:00", end=f"{day}T12:00")
    )
    assert meeting.status_code == 400
    assert "Vul een datum tussen 2000 en 2100 in." in meeting.get_data(as_text=True)
    visit = make_visit()
    db.session.commit()
    for changes in ({"registration_deadline": f"{day}T12:00"}, {"days-0-day": day}):
        response = admin_client.post(f"/visits/{visit.id}/edit", data=edit_form(visit, **changes))
        assert response.status_code == 400
    assert count(Meeting) == 0


def test_a_deadline_after_the_visit_is_refused(admin_client):
    visit = make_visit()
    db.session.commit()
    response = admin_client.post(
        f"/visits/{visit.id}/edit?lang=nl",
        data=edit_form(visit, registration_deadline="2030-06-04T12:00"),
    )
    assert response.status_code == 400
    assert "mag niet na het begin liggen" in response.get_data(as_text=True)


def test_a_deadline_after_the_meeting_is_refused(admin_client):
    meeting = make_open_meeting()
    db.session.commit()
    response = admin_client.post(
        f"/visits/meetings/{meeting.id}/registration",
        data={
            "registration_deadline": "2031-01-01T10:00",
            "contact_name": "Petra",
            "contact_email": "pl@example.org",
            "capacity": "50",
            "is_open": "y",
        },
    )
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/visits/{id}/edit?lang=de", "/meetings/series/new?lang=de"])
def test_wtforms_date_and_time_messages_are_translated(admin_client, path):
    visit = make_visit()
    db.session.commit()
    response = admin_client.post(
        path.format(id=visit.id),
        data={
            **edit_form(visit, **{"days-0-day": "gisteren", "days-0-starts": "9 uur"}),
            "dates-0-day": "gisteren",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a valid date value." not in text
    assert "Kein gültiges Datum." in text


def test_the_language_link_of_a_search_page_answers_200(client):
    assert client.get("/partners/counterparts?lang=de").status_code == 200

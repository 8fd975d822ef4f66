"""Editions: writing, preview exactly as sent, test send, starting/pausing a send from the
pages, the progress JSON, the public archive and the Atom feed."""

from email import policy
from email.parser import BytesParser
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from app.core.audit import AuditEntry
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.newsletter import sending, services
from app.newsletter.models import Delivery, Edition, EditionStatus, SubscriberStatus
from tests.factories import make_edition, make_subscriber, make_user

EDITION_FORM = {
    "quarter": "2026 q4",
    "title_nl": "Vooruitblik",
    "body_nl": "De **conferentie** in Almelo.",
    "title_de": "Ausblick",
    "body_de": "Die **Konferenz** in Almelo.",
    "title_en": "",
    "body_en": "",
}


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_project_manager_writes_an_edition_and_it_is_audit_logged(admin_client):
    response = admin_client.post("/newsletter/admin/editions/new", data=EDITION_FORM)

    assert response.status_code == 302
    edition = db.session.scalar(sa.select(Edition))
    assert edition.quarter == "2026 Q4"
    assert edition.languages == ["nl", "de"]
    assert edition.status is EditionStatus.draft
    assert audit_actions() == ["newsletter.create_edition"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quarter": "2026 Q5"}, "as year and quarter, for example"),
        ({"quarter": "Q4 2026"}, "as year and quarter, for example"),
        ({"quarter": "1999 Q1"}, "as year and quarter, for example"),
        ({"title_nl": "", "title_de": "", "body_nl": "", "body_de": ""}, "at least one language"),
        ({"body_de": ""}, "Write the text for this title."),
        ({"title_en": "", "body_en": "Only a text"}, "Give this text a title."),
    ],
)
def test_a_bad_edition_is_refused_with_a_message_and_nothing_saved(admin_client, changes, message):
    response = admin_client.post("/newsletter/admin/editions/new", data={**EDITION_FORM, **changes})

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 0


def test_a_quarter_is_used_once(admin_client):
    make_edition(quarter="2026 Q4")
    db.session.commit()
    response = admin_client.post("/newsletter/admin/editions/new", data=EDITION_FORM)
    assert response.status_code == 409
    assert "There is already an edition for this quarter." in response.get_data(as_text=True)


def test_an_edition_being_sent_can_no_longer_be_edited(admin_client, admin):
    edition = make_edition()
    make_subscriber()
    services.queue_edition(admin, edition)
    db.session.commit()
    assert admin_client.get(f"/newsletter/admin/editions/{edition.id}/edit").status_code == 409
    response = admin_client.post(f"/newsletter/admin/editions/{edition.id}/edit", data=EDITION_FORM)
    assert response.status_code == 409
    assert db.session.get(Edition, edition.id).quarter != "2026 Q4"


def test_the_preview_shows_the_message_as_sent_in_each_language(admin_client):
    edition = make_edition(languages=("nl", "de"))
    db.session.commit()

    german = admin_client.get(f"/newsletter/admin/editions/{edition.id}/preview?language=de")
    english = admin_client.get(f"/newsletter/admin/editions/{edition.id}/preview?language=en")

    assert german.status_code == english.status_code == 200
    assert "Neues aus Münster" in german.get_data(as_text=True)
    english_page = english.get_data(as_text=True)
    assert "There is no English version" in english_page
    assert "This edition is not available in English." in english_page  # the note in the text
    html = admin_client.get(f"/newsletter/admin/editions/{edition.id}/preview/en.html")
    assert html.status_code == 200
    assert "frame-ancestors 'self'" in html.headers["Content-Security-Policy"]
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "<strong>Xenia</strong>" in html.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_test_goes_to_the_project_manager_only(admin_client, admin):
    edition = make_edition()
    make_subscriber()
    db.session.commit()

    response = admin_client.post(
        f"/newsletter/admin/editions/{edition.id}/test", data={"language": "de"}
    )

    assert response.status_code == 302
    [row] = db.session.scalars(sa.select(OutboxMessage))
    assert row.recipient == admin.email
    msg = BytesParser(policy=policy.default).parsebytes(row.raw)
    assert str(msg["Subject"]).startswith("[Test]")
    assert "Neues aus Münster" in str(msg["Subject"])
    assert msg["Message-ID"] is None  # the outbox gives it its own
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    assert db.session.get(Edition, edition.id).is_draft
    assert audit_actions() == ["newsletter.send_test"]


def test_sending_starts_with_one_pending_delivery_per_confirmed_subscriber(admin_client):
    edition = make_edition()
    confirmed = [make_subscriber() for _ in range(3)]
    for status in (
        SubscriberStatus.pending,
        SubscriberStatus.unsubscribed,
        SubscriberStatus.failed,
    ):
        make_subscriber(status=status)
    db.session.commit()

    response = admin_client.post(f"/newsletter/admin/editions/{edition.id}/send")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/editions/{edition.id}/progress")
    assert set(db.session.scalars(sa.select(Delivery.subscriber_id))) == {s.id for s in confirmed}
    assert db.session.get(Edition, edition.id).status is EditionStatus.sending
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    again = admin_client.post(f"/newsletter/admin/editions/{edition.id}/send")
    assert again.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 3
    assert audit_actions() == ["newsletter.queue_edition"]


def test_sending_without_confirmed_subscribers_is_refused_and_changes_nothing(admin_client):
    edition = make_edition()
    make_subscriber(status=SubscriberStatus.pending)
    db.session.commit()

    response = admin_client.post(f"/newsletter/admin/editions/{edition.id}/send")

    assert response.status_code == 409
    assert db.session.get(Edition, edition.id).is_draft
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    page = admin_client.get(f"/newsletter/admin/editions/{edition.id}/progress")
    assert "There are no confirmed subscribers" in page.get_data(as_text=True)


def test_pause_and_resume_from_the_progress_page(admin_client, admin):
    edition = make_edition()
    make_subscriber()
    services.queue_edition(admin, edition)
    db.session.commit()
    url = f"/newsletter/admin/editions/{edition.id}"

    assert admin_client.post(f"{url}/resume").status_code == 409
    assert admin_client.post(f"{url}/pause").status_code == 302
    assert db.session.get(Edition, edition.id).status is EditionStatus.paused
    assert admin_client.post(f"{url}/pause").status_code == 409
    assert admin_client.post(f"{url}/resume").status_code == 302
    assert db.session.get(Edition, edition.id).status is EditionStatus.sending
    assert audit_actions()[-2:] == ["newsletter.pause_edition", "newsletter.resume_edition"]


def test_the_progress_json_counts_what_happened(admin_client, admin):
    edition = make_edition()
    for _ in range(4):
        make_subscriber()
    services.queue_edition(admin, edition)
    sending.produce_deliveries(2)
    db.session.commit()

    data = admin_client.get(f"/newsletter/admin/editions/{edition.id}/progress.json").get_json()

    assert data["status"] == "sending"
    assert data["progress"] == {
        "total": 4,
        "sent": 0,
        "pending": 4,
        "retrying": 0,
        "failed": 0,
        "skipped": 0,
        "done": 0,
        "percent": 0,
    }


def test_the_progress_page_works_without_javascript(admin_client, admin):
    edition = make_edition()
    make_subscriber()
    services.queue_edition(admin, edition)
    db.session.commit()

    html = admin_client.get(f"/newsletter/admin/editions/{edition.id}/progress").get_data(
        as_text=True
    )

    assert '<progress id="progress-bar"' in html
    assert 'max="1" value="0"' in html
    assert "Reload this page" in html
    assert "/newsletter/progress.js" in html
    assert "style=" not in html  # the CSP forbids style attributes


def sent_edition(**kwargs) -> Edition:
    edition = make_edition(**kwargs)
    edition.status = EditionStatus.sent
    edition.sent_at = edition.queued_at = edition.created_at
    db.session.commit()
    return edition


def test_the_archive_shows_sent_editions_in_the_readers_language_with_a_note(client):
    sent = sent_edition(quarter="2026 Q3", languages=("nl", "de"))
    draft = make_edition(quarter="2026 Q4")
    db.session.commit()

    index = client.get("/newsletter/").get_data(as_text=True)
    assert "2026 Q3" in index and "2026 Q4" not in index
    english = client.get(f"/newsletter/editions/{sent.id}").get_data(as_text=True)
    assert "This edition is not available in English. You are reading the Dutch version." in (
        english
    )
    assert '<article lang="nl"' in english
    german = client.get(f"/newsletter/editions/{sent.id}?lang=de").get_data(as_text=True)
    assert "Neues aus Münster" in german and "nicht" not in german.split("<main")[0]
    assert client.get(f"/newsletter/editions/{draft.id}").status_code == 404
    assert client.get("/newsletter/editions/999").status_code == 404


def test_the_atom_feed_lists_sent_editions(client):
    sent_edition(quarter="2026 Q3")
    make_edition(quarter="2026 Q4")
    db.session.commit()

    response = client.get("/newsletter/feed.atom?lang=de")

    assert response.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.data)  # noqa: S314 (our own feed)
    entries = feed.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["2026 Q3: Neues aus Münster"]
    assert "<strong>Xenia</strong>" in entries[0].find("a:content", ns).text


def test_statistics_per_edition_on_the_editions_page(admin_client, admin):
    edition = make_edition(quarter="2026 Q3")
    readers = [make_subscriber() for _ in range(3)]
    services.queue_edition(admin, edition)
    sending.produce_deliveries(10)
    db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.sent))
    db.session.commit()
    services.unsubscribe(readers[0])
    db.session.commit()

    assert services.unsubscribes_since([edition.id]) == {edition.id: 1}
    page = admin_client.get("/newsletter/admin/editions")
    assert page.status_code == 200
    assert "Unsubscribes since" in page.get_data(as_text=True)


def test_members_cannot_reach_the_project_managers_pages(member_client):
    make_user()
    edition = make_edition()
    db.session.commit()
    for url in (
        "/newsletter/admin/subscribers",
        f"/newsletter/admin/editions/{edition.id}/preview",
        f"/newsletter/admin/editions/{edition.id}/progress.json",
    ):
        assert member_client.get(url).status_code == 403


def test_the_command_line_starts_a_send(runner):
    edition = make_edition(quarter="2026 Q4")
    make_subscriber()
    db.session.commit()

    result = runner.invoke(args=["newsletter", "send", str(edition.id)])

    assert result.exit_code == 0, result.output
    assert "to 1 subscriber(s) has started" in result.output
    assert db.session.get(Edition, edition.id).status is EditionStatus.sending
    again = runner.invoke(args=["newsletter", "send", str(edition.id)])
    assert again.exit_code == 1  # the reason is printed in the default language
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1
    assert runner.invoke(args=["newsletter", "send", "999"]).exit_code == 1

"""The project manager's subscriber list: search, manual unsubscribe, CSV import with a
preview and a stated consent basis, CSV export; and bounded SQL on the busy pages."""

import csv
import io

import pytest
import sqlalchemy as sa

from app.core.audit import AuditEntry
from app.extensions import db
from app.newsletter import sending, services
from app.newsletter.models import ConsentSource, Subscriber, SubscriberStatus
from tests.core.test_query_counts import queries_for
from tests.factories import make_edition, make_subscriber

BASIS = "Participants of the binational conference who ticked the newsletter box."
CSV_TEXT = (
    "E-mail;Naam;Organisatie;Taal\n"
    "wilma@enschede.nl;Wilma ter Horst;Gemeente Enschede;nl\n"
    "not-an-address;Nobody;;nl\n"
    "juergen@muenster.de;Jürgen Oßenbrügge;Stadt Münster;de\n"
    "WILMA@enschede.nl;Wilma again;;nl\n"
    "known@example.org;Known;;en\n"
    "sarah@example.org;Sarah;;fr\n"
    "anna@example.org;Anna;;\n"
)


def count(model=Subscriber) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_preview_lists_every_row_that_cannot_be_imported_and_why():
    make_subscriber(email="known@example.org")

    preview = services.preview_import(CSV_TEXT, "de")

    assert [(r.line, r.email) for r in preview.valid] == [
        (2, "wilma@enschede.nl"),
        (4, "juergen@muenster.de"),
        (8, "anna@example.org"),
    ]
    assert preview.valid[2].language == "de"  # the default for rows without a language
    errors = {row.line: row.error for row in preview.invalid}
    assert errors == {
        3: "Not a valid e-mail address.",
        5: "Duplicate: the same address is on line 2.",
        6: "Duplicate: this address is already on the list.",
        7: 'Unknown language "fr"; use nl, de or en.',
    }
    assert count() == 1  # the preview writes nothing


def test_import_needs_a_consent_basis_and_stores_it(admin):
    with pytest.raises(services.ConsentBasisMissing):
        services.import_subscribers(admin, CSV_TEXT, "nl", "  ")
    assert count() == 0

    services.import_subscribers(admin, CSV_TEXT, "nl", BASIS)

    added = db.session.scalars(sa.select(Subscriber).order_by(Subscriber.email)).all()
    assert [s.email for s in added] == [
        "anna@example.org",
        "juergen@muenster.de",
        "known@example.org",
        "wilma@enschede.nl",
    ]
    juergen = added[1]
    assert juergen.name == "Jürgen Oßenbrügge" and juergen.language == "de"
    assert juergen.status is SubscriberStatus.confirmed
    assert juergen.consent_source is ConsentSource.imported
    assert juergen.consent_basis == BASIS and juergen.consent_at is not None


def test_an_import_never_puts_back_someone_who_unsubscribed(admin):
    gone = make_subscriber(email="known@example.org", status=SubscriberStatus.unsubscribed)
    services.import_subscribers(admin, CSV_TEXT, "nl", BASIS)
    assert db.session.get(Subscriber, gone.id).status is SubscriberStatus.unsubscribed


def upload(client, content: bytes, basis: str = BASIS, filename: str = "list.csv"):
    return client.post(
        "/newsletter/admin/subscribers/import",
        data={
            "step": "preview",
            "file": (io.BytesIO(content), filename),
            "language": "nl",
            "consent_basis": basis,
        },
        content_type="multipart/form-data",
    )


def test_import_through_the_pages_preview_then_confirm(admin_client):
    preview = upload(admin_client, CSV_TEXT.encode("cp1252", errors="replace"))

    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Rows that cannot be imported" in html
    assert "Not a valid e-mail address." in html
    assert "Import 4 addresses" in html
    assert count() == 0

    text = services.decode_upload(CSV_TEXT.encode("utf-8-sig"))
    done = admin_client.post(
        "/newsletter/admin/subscribers/import",
        data={"step": "confirm", "csv_text": text, "language": "nl", "consent_basis": BASIS},
    )

    assert done.status_code == 302
    assert count() == 4
    [entry] = db.session.scalars(sa.select(AuditEntry))
    assert entry.action == "newsletter.import_subscribers"
    assert entry.details["basis"] == BASIS


@pytest.mark.parametrize(
    ("content", "basis", "message"),
    [
        (CSV_TEXT.encode(), "", "This field is required."),
        (CSV_TEXT.encode(), "too short", "between 10 and 2000 characters"),
        (b"", BASIS, "The file contains no addresses."),
        (b"\n\n", BASIS, "The file contains no addresses."),
    ],
)
def test_a_bad_upload_is_refused_with_a_message(admin_client, content, basis, message):
    response = upload(admin_client, content, basis)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_an_upload_without_a_file_or_of_another_kind_is_refused(admin_client):
    response = upload(admin_client, b"%PDF-1.4", filename="list.pdf")
    assert response.status_code == 400
    assert "Please choose a CSV file." in response.get_data(as_text=True)
    response = admin_client.post(
        "/newsletter/admin/subscribers/import",
        data={"step": "preview", "language": "nl", "consent_basis": BASIS},
    )
    assert response.status_code == 400
    assert "Please choose a CSV file." in response.get_data(as_text=True)
    assert count() == 0


def test_confirming_without_a_consent_basis_imports_nothing(admin_client):
    response = admin_client.post(
        "/newsletter/admin/subscribers/import",
        data={"step": "confirm", "csv_text": CSV_TEXT, "language": "nl", "consent_basis": ""},
    )
    assert response.status_code == 400
    assert count() == 0


def test_the_project_manager_adds_an_address_with_a_basis(admin_client):
    data = {"email": "Neu@Example.org", "name": "Neu", "organisation": "", "language": "de"}
    assert admin_client.post("/newsletter/admin/subscribers/new", data=data).status_code == 400
    response = admin_client.post(
        "/newsletter/admin/subscribers/new", data={**data, "consent_basis": BASIS}
    )
    assert response.status_code == 302
    again = admin_client.post(
        "/newsletter/admin/subscribers/new", data={**data, "consent_basis": BASIS}
    )
    assert again.status_code == 409
    subscriber = services.find_subscriber("neu@example.org")
    assert subscriber.consent_source is ConsentSource.admin
    assert subscriber.status is SubscriberStatus.confirmed


def test_search_filter_and_manual_unsubscribe(admin_client):
    wilma = make_subscriber(email="wilma@enschede.nl", name="Wilma", language="nl")
    make_subscriber(email="klaus@muenster.de", name="Klaus", language="de")
    make_subscriber(email="waiting@example.org", status=SubscriberStatus.pending)
    db.session.commit()

    page = admin_client.get("/newsletter/admin/subscribers?q=ENSCHEDE&language=nl")
    html = page.get_data(as_text=True)
    assert "wilma@enschede.nl" in html and "klaus@" not in html
    pending = admin_client.get("/newsletter/admin/subscribers?status=pending").get_data(
        as_text=True
    )
    assert "waiting@example.org" in pending and "wilma@" not in pending

    response = admin_client.post(
        f"/newsletter/admin/subscribers/{wilma.id}/unsubscribe",
        data={"back": "/newsletter/admin/subscribers?q=enschede"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/newsletter/admin/subscribers?q=enschede"
    assert db.session.get(Subscriber, wilma.id).status is SubscriberStatus.unsubscribed
    assert db.session.scalar(sa.select(AuditEntry.action)) == "newsletter.unsubscribe"
    assert admin_client.get("/newsletter/admin/subscribers?page=99").status_code == 404


def test_export_as_csv_is_audit_logged_and_safe_for_spreadsheets(admin_client):
    make_subscriber(email="wilma@enschede.nl", name='=HYPERLINK("x")', language="nl")
    make_subscriber(email="klaus@muenster.de", name="Klaus Wübbeling", language="de")
    db.session.commit()

    response = admin_client.get("/newsletter/admin/subscribers.csv?language=de")

    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["email"], r["name"]) for r in rows] == [("klaus@muenster.de", "Klaus Wübbeling")]
    everyone = admin_client.get("/newsletter/admin/subscribers.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in everyone
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/newsletter/admin/subscribers",
        "/newsletter/admin/subscribers?q=example&status=confirmed",
        "/newsletter/admin/editions",
        "/newsletter/admin/editions/{edition}/progress",
        "/newsletter/admin/editions/{edition}/progress.json",
        "/newsletter/",
    ],
)
def test_page_queries_do_not_grow_with_the_subscribers(admin_client, admin, path):
    edition = make_edition()
    for _ in range(3):
        make_subscriber()
    services.queue_edition(admin, edition)
    sending.produce_deliveries(2)
    db.session.commit()
    url = path.format(edition=edition.id)
    few = queries_for(admin_client, url)
    for _ in range(60):
        make_subscriber()
    make_edition()
    db.session.commit()
    assert queries_for(admin_client, url) == few
    assert few <= 8


def test_the_list_takes_its_total_from_the_counts_per_status(admin_client):
    """Unfiltered or filtered by status only, the total is one of the counts per status the
    page shows anyway: no second count of every subscriber. A search still counts."""
    from tests.core.test_query_counts import count_queries

    for i in range(3):
        make_subscriber(email=f"ja{i}@example.org")
    make_subscriber(email="wacht@example.org", status=SubscriberStatus.pending)
    make_subscriber(email="weg@example.org", status=SubscriberStatus.unsubscribed)
    from app.auth.models import ERASED_DOMAIN

    make_subscriber(email=f"gewist-1@{ERASED_DOMAIN}")  # erased: in no count and no list
    db.session.commit()

    for url, total in (
        ("/newsletter/admin/subscribers", 5),
        ("/newsletter/admin/subscribers?status=confirmed", 3),
        ("/newsletter/admin/subscribers?status=pending", 1),
        ("/newsletter/admin/subscribers?status=failed", 0),
        ("/newsletter/admin/subscribers?status=nonsense", 5),
        ("/newsletter/admin/subscribers?q=wacht", 1),
        ("/newsletter/admin/subscribers?language=nl&status=confirmed", 3),
    ):
        with count_queries() as statements:
            html = admin_client.get(url).get_data(as_text=True)
        assert f"{total} address" in html or f"{total} adres" in html, url
        counted_rows = [s for s in statements if "count(*)" in s.lower() and "(SELECT 1" in s]
        assert bool(counted_rows) == ("q=" in url or "language=" in url), url

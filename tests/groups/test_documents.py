"""Group documents: upload checked by content and size, stored out of public reach,
downloaded only by those who may see the group."""

import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups.models import GroupDocument, Membership, Role
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_group, make_membership, make_user

from .helpers import EXE_BYTES, PDF_BYTES, PNG_BYTES, docx_bytes


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email, TEST_PASSWORD).status_code == 302
    return client


def upload(client, slug, content, filename, title="Verslag bijeenkomst", language="nl"):
    return client.post(
        f"/groups/{slug}/documents",
        data={"title": title, "language": language, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def documents() -> list[GroupDocument]:
    return list(db.session.scalars(sa.select(GroupDocument)))


@pytest.fixture
def group():
    return make_group(slug="kern", is_public=False)


@pytest.fixture
def insider(group):
    user = make_user(name="Ina Insider")
    make_membership(group, user, role=Role.member)
    db.session.commit()
    return user


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        (PDF_BYTES, "verslag.pdf", "application/pdf"),
        (PNG_BYTES, "foto.PNG", "image/png"),
        (
            docx_bytes(),
            "notitie.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_member_uploads_and_downloads_a_document(
    app, group, insider, documents_dir, content, filename, content_type
):
    client = signed_in(app, insider)
    response = upload(client, "kern", content, filename)
    assert response.status_code == 302
    [document] = documents()
    assert document.content_type == content_type
    assert document.size_bytes == len(content)
    # Stored under a random name in the configured folder, not under the user's name.
    stored = documents_dir / document.stored_name
    assert stored.read_bytes() == content
    assert filename not in document.stored_name
    listing = client.get("/groups/kern/documents").get_data(as_text=True)
    assert "Verslag bijeenkomst" in listing
    with client.get(f"/groups/kern/documents/{document.id}") as download:
        assert download.status_code == 200
        assert download.data == content
        assert download.mimetype == content_type
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in download.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (EXE_BYTES, "verslag.pdf", "this file's content is none of these"),
        (b"<script>alert(1)</script>", "foto.png", "this file's content is none of these"),
        (PNG_BYTES, "verslag.pdf", "The file's name says .pdf but its content is a PNG file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "setup.msi", "none of these"),
        (b"", "leeg.pdf", "The file is empty."),
    ],
)
def test_upload_is_refused_when_the_content_is_not_an_allowed_type(
    app, group, insider, documents_dir, content, filename, message
):
    response = upload(signed_in(app, insider), "kern", content, filename)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert documents() == []
    assert not documents_dir.exists() or list(documents_dir.iterdir()) == []


def test_upload_larger_than_the_limit_is_refused(app, group, insider, documents_dir, monkeypatch):
    monkeypatch.setitem(app.config, "GROUP_DOCUMENT_MAX_BYTES", 2048)
    response = upload(signed_in(app, insider), "kern", PDF_BYTES + b"0" * 4096, "groot.pdf")
    assert response.status_code == 413
    assert "The file is larger than the maximum of 2 kB." in response.get_data(as_text=True)
    assert documents() == []


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "language": "nl"},
        {"title": "Zonder bestand", "language": "nl"},
        {"title": "x" * 201, "language": "nl"},
        {"title": "Taal", "language": "fr"},
    ],
)
def test_bad_upload_form_is_a_400(app, group, insider, data):
    if data.get("title") != "Zonder bestand":
        data = {**data, "file": (io.BytesIO(PDF_BYTES), "a.pdf")}
    response = signed_in(app, insider).post(
        "/groups/kern/documents", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Please correct the marked fields." in response.get_data(as_text=True)
    assert documents() == []


def test_private_group_files_only_for_members_and_the_project_manager(
    app, client, group, insider, member_client, admin_client
):
    assert upload(signed_in(app, insider), "kern", PDF_BYTES, "a.pdf").status_code == 302
    [document] = documents()
    url = f"/groups/kern/documents/{document.id}"
    assert client.get(url).status_code == 404
    assert member_client.get(url).status_code == 404
    assert client.get("/groups/kern/documents").status_code == 404
    with admin_client.get(url) as response:
        assert response.status_code == 200
    # A former member loses access.
    membership = db.session.scalar(sa.select(Membership))
    membership.left_on = membership.joined_on
    db.session.commit()
    assert signed_in(app, insider).get(url).status_code == 404


def test_public_group_documents_are_readable_by_anyone_but_added_by_members(
    app, client, member_client, admin_client
):
    make_group(slug="open")
    db.session.commit()
    assert upload(member_client, "open", PDF_BYTES, "a.pdf").status_code == 403
    assert upload(admin_client, "open", PDF_BYTES, "a.pdf").status_code == 302
    [document] = documents()
    page = client.get("/groups/open/documents").get_data(as_text=True)
    assert "Verslag bijeenkomst" in page
    assert "Add a document" not in page
    with client.get(f"/groups/open/documents/{document.id}") as response:
        assert response.status_code == 200
        assert response.data == PDF_BYTES


def test_document_of_another_group_is_not_found_under_this_one(app, admin_client):
    make_group(slug="one")
    make_group(slug="two")
    db.session.commit()
    upload(admin_client, "one", PDF_BYTES, "a.pdf")
    [document] = documents()
    assert admin_client.get(f"/groups/two/documents/{document.id}").status_code == 404
    assert admin_client.get("/groups/one/documents/999999").status_code == 404


# --- a file exists exactly when its row does ---------------------------------------------


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_an_insert_that_fails_leaves_no_file_behind(app, group, documents_dir):
    from types import SimpleNamespace

    from app.groups import services

    # An uploader the database does not know: the row's foreign key fails on insert.
    ghost = SimpleNamespace(id=987_654, is_admin=True, is_authenticated=True)
    with pytest.raises(sa.exc.IntegrityError):
        services.store_document(
            ghost,
            group,
            title="Verslag",
            language="nl",
            filename="v.pdf",
            stream=io.BytesIO(PDF_BYTES),
        )
    db.session.rollback()
    assert files_in(documents_dir) == []
    assert documents() == []


def test_the_file_appears_only_with_the_commit(app, group, insider, documents_dir):
    from app.groups import services

    document = services.store_document(
        insider,
        group,
        title="Verslag",
        language="nl",
        filename="v.pdf",
        stream=io.BytesIO(PDF_BYTES),
    )
    assert document.stored_name not in files_in(documents_dir)  # staged under a temporary name
    db.session.commit()
    assert files_in(documents_dir) == [document.stored_name]
    assert services.document_path(document).read_bytes() == PDF_BYTES


def test_uploader_deletes_a_document_with_its_file_and_an_audit_entry(
    app, group, insider, documents_dir
):
    from app.core.audit import AuditEntry

    client = signed_in(app, insider)
    assert upload(client, "kern", PDF_BYTES, "verslag.pdf").status_code == 302
    document = documents()[0]
    assert files_in(documents_dir) == [document.stored_name]
    page = client.get("/groups/kern/documents").get_data(as_text=True)
    delete_url = f"/groups/kern/documents/{document.id}/delete"
    assert f'action="{delete_url}"' in page
    response = client.post(delete_url)
    assert response.status_code == 302
    assert documents() == []
    assert files_in(documents_dir) == []
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "group.document_deleted")
    ).one()
    assert entry.actor_id == insider.id and entry.details["title"] == "Verslag bijeenkomst"


@pytest.mark.parametrize(("role", "allowed"), [(Role.moderator, True), (Role.member, False)])
def test_the_moderator_may_delete_others_documents_a_member_may_not(
    app, group, insider, documents_dir, role, allowed
):
    assert upload(signed_in(app, insider), "kern", PDF_BYTES, "verslag.pdf").status_code == 302
    document = documents()[0]
    other = make_user(email=f"{role.name}@example.org", password=TEST_PASSWORD)
    make_membership(group, other, role=role)
    db.session.commit()
    response = signed_in(app, other).post(f"/groups/kern/documents/{document.id}/delete")
    assert response.status_code == (302 if allowed else 403)
    assert bool(documents()) is not allowed
    assert bool(files_in(documents_dir)) is not allowed


def test_project_manager_deletes_a_meeting_document_and_its_file(app, admin_client, documents_dir):
    from app.meetings.models import MeetingDocument
    from tests.factories import make_meeting

    meeting = make_meeting(group=make_group(slug="xenia"))
    db.session.commit()
    added = admin_client.post(
        f"/meetings/{meeting.id}/documents",
        data={
            "document-title": "Slides",
            "document-language": "de",
            "document-file": (io.BytesIO(PDF_BYTES), "slides.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    document = db.session.scalars(sa.select(MeetingDocument)).one()
    assert files_in(documents_dir) == [document.stored_name]
    response = admin_client.post(f"/meetings/{meeting.id}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert db.session.scalars(sa.select(MeetingDocument)).all() == []
    assert files_in(documents_dir) == []

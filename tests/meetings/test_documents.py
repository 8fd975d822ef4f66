"""Documents of a meeting, checked and stored as a group's documents are."""

import io

import sqlalchemy as sa

from app.extensions import db
from app.meetings.models import MeetingDocument
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_group, make_meeting, make_membership, make_user
from tests.groups.helpers import EXE_BYTES, PDF_BYTES


def upload(client, meeting, content, filename, **values):
    data = {
        "document-title": "Presentatie wonen",
        "document-language": "nl",
        "document-file": (io.BytesIO(content), filename),
        **values,
    }
    return client.post(
        f"/meetings/{meeting.id}/documents", data=data, content_type="multipart/form-data"
    )


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email, TEST_PASSWORD).status_code == 302
    return client


def documents():
    return db.session.scalars(sa.select(MeetingDocument)).all()


def test_manager_uploads_and_invitees_download(app, admin_client, documents_dir):
    group = make_group(is_public=False)
    lid = make_user(password=TEST_PASSWORD)
    make_membership(group, lid)
    meeting = make_meeting(group, invitees=[lid])
    db.session.commit()
    response = upload(admin_client, meeting, PDF_BYTES, "presentatie.pdf")
    assert response.status_code == 302
    [document] = documents()
    assert document.content_type == "application/pdf"
    assert [p.name for p in documents_dir.iterdir()] == [document.stored_name]
    member = signed_in(app, lid)
    page = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Presentatie wonen" in page and "Add a document" not in page
    download = member.get(f"/meetings/{meeting.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Cache-Control"] == "private, no-store"


def test_outsiders_and_members_cannot_reach_or_add(app, member_client, admin_client):
    meeting = make_meeting(make_group(is_public=False))
    public_meeting = make_meeting(make_group())
    db.session.commit()
    assert upload(admin_client, meeting, PDF_BYTES, "a.pdf").status_code == 302
    [document] = documents()
    assert member_client.get(f"/meetings/{meeting.id}/documents/{document.id}").status_code == 404
    other = f"/meetings/{public_meeting.id}/documents/{document.id}"
    assert member_client.get(other).status_code == 404
    assert upload(member_client, public_meeting, PDF_BYTES, "b.pdf").status_code == 403
    assert len(documents()) == 1


def test_bad_files_are_refused_with_a_message(app, admin_client, documents_dir, monkeypatch):
    meeting = make_meeting()
    db.session.commit()
    cases = [
        (EXE_BYTES, "agenda.pdf", "this file&#39;s content is none of these"),
        (PDF_BYTES, "agenda.docx", "The file&#39;s name says .docx"),
        (b"", "leeg.pdf", None),
    ]
    for content, filename, message in cases:
        response = upload(admin_client, meeting, content, filename)
        assert response.status_code == 400
        if message:
            assert message in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "GROUP_DOCUMENT_MAX_BYTES", 64)
    response = upload(admin_client, meeting, PDF_BYTES + b"0" * 100, "groot.pdf")
    assert response.status_code == 413
    assert "larger than the maximum" in response.get_data(as_text=True)
    response = upload(admin_client, meeting, PDF_BYTES, "a.pdf", **{"document-language": "fr"})
    assert response.status_code == 400
    assert documents() == []
    assert not documents_dir.exists() or list(documents_dir.iterdir()) == []

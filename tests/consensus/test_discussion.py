"""The discussion thread: sanitised Markdown, editing for 15 minutes, hiding with a reason."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Comment
from app.core.audit import AuditEntry
from app.extensions import db
from tests.factories import make_proposal, make_user

from .helpers import xenia
from .test_views import signed_in


@pytest.fixture
def thread():
    w = xenia(voters=2)
    proposal = make_proposal(w.group, w.moderator)
    db.session.commit()
    return w, proposal


def test_members_and_observers_comment_outsiders_do_not(thread):
    w, proposal = thread
    services.add_comment(w.voters[0], proposal, "Goed idee")
    services.add_comment(w.observer, proposal, "Vraag")
    with pytest.raises(services.NotAMember):
        services.add_comment(make_user(), proposal, "Ik ook")


def test_author_edits_for_fifteen_minutes_only(thread):
    w, proposal = thread
    comment = services.add_comment(w.voters[0], proposal, "Eerst")
    services.edit_comment(
        w.voters[0], comment, "Daarna", now=comment.created_at + timedelta(minutes=14)
    )
    assert comment.body == "Daarna" and comment.edited_at is not None
    with pytest.raises(services.EditWindowPassed):
        services.edit_comment(
            w.voters[0], comment, "Te laat", now=comment.created_at + timedelta(minutes=16)
        )
    with pytest.raises(services.EditWindowPassed):
        services.edit_comment(w.voters[1], comment, "Niet van mij")


def test_moderator_hides_with_a_visible_reason(app, thread):
    w, proposal = thread
    comment = services.add_comment(w.voters[0], proposal, "Beledigend")
    with pytest.raises(services.ReasonRequired):
        services.hide_comment(w.moderator, comment, " ")
    with pytest.raises(services.NotModerator):
        services.hide_comment(w.voters[1], comment, "Nee")
    services.hide_comment(w.moderator, comment, "Persoonlijke aanval")
    db.session.commit()
    assert db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action == "consensus.hide_comment")
    )
    page = (
        signed_in(app, w.voters[1])
        .get(f"/consensus/proposals/{proposal.id}")
        .get_data(as_text=True)
    )
    assert "Persoonlijke aanval" in page and "Beledigend" not in page


def test_markdown_is_sanitised_on_the_page(app, thread):
    w, proposal = thread
    client = signed_in(app, w.voters[0])
    response = client.post(
        f"/consensus/proposals/{proposal.id}/comments",
        data={"body": "**Sterk** <script>alert(1)</script> [x](javascript:alert(1))"},
    )
    assert response.status_code == 302
    page = client.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "<strong>Sterk</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert (
        client.post(f"/consensus/proposals/{proposal.id}/comments", data={"body": " "}).status_code
        == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
    outsider = make_user()
    db.session.commit()
    assert (
        signed_in(app, outsider)
        .post(f"/consensus/proposals/{proposal.id}/comments", data={"body": "Hallo"})
        .status_code
        == 403
    )

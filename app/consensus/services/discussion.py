"""The discussion of a proposal: contributions, editing, hiding."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth.models import User
from ...core.audit import record_audit
from ...core.database import utcnow
from ...extensions import db
from ...groups.models import WorkingGroup
from ..models import (
    Comment,
    Proposal,
)
from .access import active_membership, require_moderator, require_open_proposal
from .errors import ConsensusError, ReasonRequired


class NotAMember(ConsensusError):
    status_code = 403
    message = _l("Only members of the group take part in the discussion.")


class EditWindowPassed(ConsensusError):
    status_code = 403
    message = _l("A contribution can only be edited by its author for 15 minutes.")


def can_comment(group: WorkingGroup, user) -> bool:
    """Active members of the group (observers too) and the project manager."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or active_membership(group, user) is not None


def add_comment(actor: User, proposal: Proposal, body: str) -> Comment:
    """A member adds a contribution to the discussion while the proposal is open."""
    require_open_proposal(proposal)
    if not can_comment(proposal.group, actor):
        raise NotAMember()
    comment = Comment(proposal=proposal, author_id=actor.id, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def edit_comment(
    actor: User, comment: Comment, body: str, *, now: datetime | None = None
) -> Comment:
    """Its author edits a contribution within 15 minutes of writing it."""
    now = now or utcnow()
    if not comment.is_editable_by(actor, now):
        raise EditWindowPassed()
    comment.body = body.strip()
    comment.edited_at = now
    db.session.flush()
    return comment


def hide_comment(actor: User, comment: Comment, reason: str) -> Comment:
    """The moderator hides a contribution; the reason stays visible in its place."""
    require_moderator(actor, comment.proposal.group)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Please give the reason for hiding this contribution."))
    comment.hidden_at = utcnow()
    comment.hidden_by_id = actor.id
    comment.hidden_reason = reason
    db.session.flush()
    record_audit(
        actor, "consensus.hide_comment", comment, proposal=comment.proposal_id, reason=reason
    )
    return comment

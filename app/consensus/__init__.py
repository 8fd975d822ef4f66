from flask import Blueprint

bp = Blueprint("consensus", __name__, url_prefix="/consensus")


@bp.record_once
def _register_producers(state) -> None:
    """The mail worker closes rounds whose closing time has passed."""
    from ..mail.producers import register_producer
    from .services import close_due_rounds_job

    register_producer(state.app, close_due_rounds_job)


@bp.app_template_global()
def consensus_proposals_of(group):
    """The group's proposals for its page (groups/show.html includes our section)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from ..extensions import db
    from .models import Proposal

    return db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.group_id == group.id)
        .options(selectinload(Proposal.rounds))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    ).all()


@bp.app_template_global("default_quorum")
def _default_quorum(eligible: int) -> int:
    from .models import default_quorum

    return default_quorum(eligible)


@bp.app_template_filter("consensus_when")
def consensus_when(value, style: str = "medium") -> str:
    """A date and time in the viewer's language and time zone, to the minute, in the
    platform's one date style (app.core.dates); "full" adds the day of the week."""
    from ..core.dates import format_when

    return format_when(value, weekday=style == "full")


from . import cli, views  # noqa: E402, F401

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.record_once
def _register_inbound(state) -> None:
    """Answers from calendar programs (iTIP REPLY, COUNTER) sent to the inbound address."""
    from ..mail.inbound import register_inbound_handler
    from ..mail.models import InboundKind
    from .inbound import record_calendar_counter, record_calendar_reply

    register_inbound_handler(state.app, InboundKind.calendar_reply, record_calendar_reply)
    register_inbound_handler(state.app, InboundKind.calendar_counter, record_calendar_counter)


from . import views  # noqa: E402, F401

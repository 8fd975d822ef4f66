from flask import Blueprint

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")


@bp.record_once
def _register_producers(state) -> None:
    """The mail worker finishes editions whose deliveries settled and renders the next chunk."""
    from ..mail.producers import register_producer
    from .sending import finish_editions, produce_deliveries

    register_producer(state.app, finish_editions)
    register_producer(state.app, produce_deliveries)


@bp.record_once
def _register_inbound(state) -> None:
    """Mail that comes back: unsubscribe requests to the List-Unsubscribe mailto, bounces."""
    from ..mail.inbound import register_inbound_handler
    from ..mail.models import InboundKind
    from .inbound import record_bounce, unsubscribe_by_mail

    register_inbound_handler(state.app, InboundKind.unsubscribe, unsubscribe_by_mail)
    register_inbound_handler(state.app, InboundKind.bounce, record_bounce)


from . import cli, views  # noqa: E402, F401

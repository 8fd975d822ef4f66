from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.record_once
def _translate_former_participant(state) -> None:
    """An erased person's stored name is shown in the reader's language wherever a
    template prints it (registered here, so app/core imports no domain)."""
    from .models import FORMER_PARTICIPANT, FORMER_PARTICIPANT_TITLE

    def translate(value):
        return FORMER_PARTICIPANT_TITLE if value == FORMER_PARTICIPANT else value

    state.app.jinja_env.finalize = translate


from . import views  # noqa: E402, F401

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm
from .models import STANCE_TITLES, VISIBILITY_TITLES, Stance, Visibility


def strip(value):
    return value.strip() if isinstance(value, str) else value


BINDING_CHOICES = [
    SelectChoice("", _l("Both languages are equally valid")),
    SelectChoice("nl", _l("The Dutch text is binding")),
    SelectChoice("de", _l("The German text is binding")),
]


class VersionForm(BaseForm):
    text_nl = TextAreaField(
        _l("Text in Dutch"), filters=[strip], validators=[DataRequired(), Length(max=20000)]
    )
    text_de = TextAreaField(
        _l("Text in German"), filters=[strip], validators=[DataRequired(), Length(max=20000)]
    )
    binding_language = SelectField(_l("Binding language"), choices=BINDING_CHOICES, default="")
    change_note = TextAreaField(
        _l("What changed and why"), filters=[strip], validators=[Length(max=2000)]
    )


class ProposalForm(VersionForm):
    title = StringField(
        _l("Title in Dutch"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    title_de = StringField(
        _l("Title in German"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("German readers see the Dutch title while this is empty."),
    )
    supersedes = SelectField(
        _l("Supersedes the decision"),
        coerce=int,
        default=0,
        description=_l("A decision is never edited: a new proposal may supersede it."),
    )

    def set_decisions(self, decisions) -> "ProposalForm":
        self.supersedes.choices = [SelectChoice(0, _l("No earlier decision"))] + [
            SelectChoice(p.id, p.title) for p in decisions
        ]
        return self


class OpenRoundForm(BaseForm):
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired()],
        description=_l("Local time (Amsterdam / Berlin)."),
    )
    quorum = IntegerField(
        _l("Quorum"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Leave empty for two thirds of the voting members."),
    )
    visibility = SelectField(
        _l("Visibility"),
        choices=[SelectChoice(v.value, VISIBILITY_TITLES[v]) for v in Visibility],
        default=Visibility.named.value,
    )
    is_tally_hidden = BooleanField(_l("Hide the tally from members until the round closes"))


class PositionForm(BaseForm):
    stance = RadioField(
        _l("Your position"),
        choices=[SelectChoice(s.value, STANCE_TITLES[s]) for s in Stance],
        validators=[InputRequired(_l("Choose your position."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Length(max=4000)],
        description=_l("Required for reservations and objections."),
    )


class RepresentationForm(BaseForm):
    """Posted per organisation: the representative (only the project manager chooses one)
    and the deputy (0: none)."""

    representative = IntegerField(validators=[Optional()])
    deputy = IntegerField(validators=[Optional()])


class ConfirmForm(BaseForm):
    """A button with its CSRF token (close now, remind)."""


class CloseRoundForm(BaseForm):
    """The confirmation to close a round; before its closing time with the reason."""

    reason = TextAreaField(
        _l("Why close the round now?"),
        filters=[strip],
        validators=[Length(max=2000)],
        description=_l(
            "Required before the closing time. The decision record shows it with your name."
        ),
    )


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Your contribution"),
        filters=[strip],
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Markdown is allowed: **bold**, *italic*, lists and links."),
    )


class HideCommentForm(BaseForm):
    reason = StringField(
        _l("Reason for hiding"), filters=[strip], validators=[DataRequired(), Length(max=500)]
    )

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..core.i18n import LANGUAGE_NAMES
from .models import ROLE_TITLES, Role

ROLE_CHOICES = [SelectChoice(role.name, ROLE_TITLES[role]) for role in Role]
# "as usual for the role" leaves the decision to Role.votes_by_default.
VOTING_CHOICES = [
    SelectChoice("default", _l("As usual for the role")),
    SelectChoice("yes", _l("Voting member")),
    SelectChoice("no", _l("Not voting")),
]
VOTING_VALUES = {"default": None, "yes": True, "no": False}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def chosen(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose the person to add."))


class AddMemberForm(FlaskForm):
    person = SelectField(_l("Person"), coerce=int, validators=[InputRequired(), chosen])
    organisation = SelectField(
        _l("Represents"),
        coerce=int,
        validators=[InputRequired()],
        description=_l(
            "“Their own organisation” is the one in the person’s profile. Choose “No organisation” for an external moderator or guest."
        ),
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.member.name)
    voting = SelectField(
        _l("Voting rights"),
        choices=VOTING_CHOICES,
        default="default",
        description=_l(
            "As usual, the chair, the deputy chair and members vote. Observers never vote; a moderator votes only when made a voting member."
        ),
    )


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    voting = SelectField(
        _l("Voting rights"),
        choices=[choice for choice in VOTING_CHOICES if choice.value != "default"],
    )


class EndMembershipForm(FlaskForm):
    pass


class NextPhaseForm(FlaskForm):
    note = TextAreaField(
        _l("Note on the new phase"),
        validators=[Length(max=500)],
        filters=[strip],
        description=_l("Optional: what the group agreed when moving on (at most 500 characters)."),
    )


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    language = SelectField(
        _l("Language of the document"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
    )

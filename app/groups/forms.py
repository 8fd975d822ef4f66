from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..core.forms import BaseForm
from ..core.i18n import LANGUAGE_NAMES
from .models import GROUP_KIND_TITLES, ROLE_TITLES, GroupKind, Role

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


def lower(value):
    return value.lower() if isinstance(value, str) else value


# Paths under /groups/ that are pages of their own, not groups.
RESERVED_SLUGS = frozenset({"new", "mine"})
KIND_CHOICES = [SelectChoice(kind.name, GROUP_KIND_TITLES[kind]) for kind in GroupKind]


def not_reserved(form, field) -> None:
    if field.data in RESERVED_SLUGS:
        raise ValidationError(
            _(
                "“%(slug)s” is reserved for a page of the site; choose another web address.",
                slug=field.data,
            )
        )


def chosen(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose the person to add."))


TERM_DESCRIPTION = _l(
    "Optional. From this day the person no longer votes and is listed as a former member."
)


class AddMemberForm(BaseForm):
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
    term_ends_on = DateField(
        _l("Term ends on"), validators=[Optional()], description=TERM_DESCRIPTION
    )


class TermForm(BaseForm):
    term_ends_on = DateField(
        _l("Term ends on"), validators=[Optional()], description=TERM_DESCRIPTION
    )


class ChangeRoleForm(BaseForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    voting = SelectField(
        _l("Voting rights"),
        choices=[choice for choice in VOTING_CHOICES if choice.value != "default"],
    )


class EndMembershipForm(BaseForm):
    pass


class DeleteDocumentForm(BaseForm):
    """The delete button beside a group's or a meeting's document: CSRF only."""


class NextPhaseForm(BaseForm):
    # Set by the confirmation step: without it the page asks first.
    confirmed = HiddenField()
    note = TextAreaField(
        _l("Note on the new phase"),
        validators=[Length(max=500)],
        filters=[strip],
        description=_l("Optional: what the group agreed when moving on (at most 500 characters)."),
    )


class DocumentForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    language = SelectField(
        _l("Language of the document"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
    )


class GroupForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default=GroupKind.xenia.name)
    slug = StringField(
        _l("Web address"),
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(
                r"^[a-z0-9-]+$",
                message=_l("Use only lower-case letters a–z, digits and hyphens."),
            ),
            not_reserved,
        ],
        filters=[strip, lower],
        description=_l(
            "Part of the group’s address: /groups/<web address>. 3 to 80 lower-case letters, digits and hyphens."
        ),
    )
    name_nl = StringField(
        _l("Name in Dutch"), validators=[DataRequired(), Length(max=200)], filters=[strip]
    )
    name_de = StringField(_l("Name in German"), validators=[Length(max=200)], filters=[strip])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)], filters=[strip])
    description_nl = TextAreaField(_l("Description in Dutch"), filters=[strip])
    description_de = TextAreaField(_l("Description in German"), filters=[strip])
    description_en = TextAreaField(_l("Description in English"), filters=[strip])
    theme_nl = StringField(_l("Theme in Dutch"), validators=[Length(max=200)], filters=[strip])
    theme_de = StringField(_l("Theme in German"), validators=[Length(max=200)], filters=[strip])
    theme_en = StringField(_l("Theme in English"), validators=[Length(max=200)], filters=[strip])
    cities = StringField(
        _l("Cities involved"),
        validators=[Length(max=200)],
        filters=[strip],
        description=_l("As written on both sides of the border, e.g. “Münster, Enschede”."),
    )
    is_public = BooleanField(
        _l("Public group"),
        default=True,
        description=_l("A private group is seen only by its members and the project manager."),
    )
    is_leadership_required = BooleanField(
        _l("Only an organisation’s leadership may represent it in this group")
    )
    decides_per_institution = BooleanField(
        _l("The group decides per institution"),
        description=_l(
            "In consensus rounds each organisation has one position, given by its representative or their deputy."
        ),
    )
    quorum_floor = IntegerField(
        _l("Lowest quorum for consensus rounds"),
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description=_l(
            "A moderator cannot set a round's quorum below this number of voting members (or organisations). Leave empty for a simple majority."
        ),
    )

    TEXT_FIELDS = (
        "slug",
        "name_nl",
        "name_de",
        "name_en",
        "description_nl",
        "description_de",
        "description_en",
        "theme_nl",
        "theme_de",
        "theme_en",
        "cities",
    )

    def group_fields(self) -> dict:
        """The values for services.create_group / update_group."""
        values = {name: getattr(self, name).data or "" for name in self.TEXT_FIELDS}
        values["kind"] = GroupKind[self.kind.data]
        values["is_public"] = bool(self.is_public.data)
        values["is_leadership_required"] = bool(self.is_leadership_required.data)
        values["decides_per_institution"] = bool(self.decides_per_institution.data)
        values["quorum_floor"] = self.quorum_floor.data
        return values

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..auth.forms import strip
from ..core.forms import BaseForm, BaseSubForm, EmailAddress, GetForm
from ..core.pagination import MAX_PAGE
from ..partners.forms import COUNTRY_CHOICES, MultiCheckboxField
from .models import LANGUAGE_TITLES, POINT_KIND_TITLES

MAX_DAYS = 5
LANGUAGE_CHOICES = [SelectChoice(code, title) for code, title in LANGUAGE_TITLES.items()]


class DayForm(BaseSubForm):
    """One day of the visit; rows left empty are ignored."""

    day = DateField(_l("Date"), validators=[Optional()])
    starts = TimeField(_l("From"), validators=[Optional()])
    ends = TimeField(_l("Until"), validators=[Optional()])
    programme = TextAreaField(
        _l("Programme of the day"),
        validators=[Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 3},
    )

    @property
    def is_empty(self) -> bool:
        return not (self.day.data or self.starts.data or self.ends.data or self.programme.data)


def _title(lang_label):
    return StringField(lang_label, validators=[Length(max=200)], filters=[strip])


def _description(lang_label):
    return TextAreaField(
        lang_label, validators=[Length(max=10000)], filters=[strip], render_kw={"rows": 5}
    )


class RegistrationSettingsForm(BaseForm):
    """What a visit and a meeting with public registration share: the deadline, the contact
    person who hears of every registration, and the host's consent when fewer places would
    move confirmed people to the waiting list."""

    registration_deadline = DateTimeLocalField(
        _l("Registration deadline"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    contact_name = StringField(
        _l("Contact person"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    contact_email = EmailField(
        _l("Contact person's e-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
        description=_l("Receives a notice of every registration and cancellation."),
    )
    move_to_waitlist = BooleanField(
        _l("Yes, move these people to the waiting list and tell them by e-mail")
    )
    # When the event begins (local wall-clock time); the view sets it for a meeting.
    event_start: datetime | None = None

    def first_start(self) -> datetime | None:
        return self.event_start

    def validate_registration_deadline(self, field) -> None:
        start = self.first_start()
        if field.data and start and field.data > start:
            raise ValidationError(_l("The registration deadline must not be after the start."))


class VisitForm(RegistrationSettingsForm):
    organisation = SelectField(_l("Host organisation"), coerce=int)
    title_nl = _title(_l("Title in Dutch"))
    title_de = _title(_l("Title in German"))
    title_en = _title(_l("Title in English"))
    description_nl = _description(_l("Description in Dutch"))
    description_de = _description(_l("Description in German"))
    description_en = _description(_l("Description in English"))
    policy_fields = MultiCheckboxField(_l("Policy fields"), coerce=int)
    place = StringField(
        _l("Address"),
        validators=[Length(max=300)],
        filters=[strip],
        description=_l("Building and address where the visitors are expected."),
    )
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    languages = MultiCheckboxField(_l("Languages spoken"), choices=LANGUAGE_CHOICES)
    capacity = IntegerField(
        _l("Places"), validators=[InputRequired(), NumberRange(min=0, max=1000)], default=10
    )
    days = FieldList(FormField(DayForm), min_entries=MAX_DAYS, max_entries=MAX_DAYS)
    is_closed = BooleanField(_l("Registration closed (no new registrations)"))

    def first_start(self) -> datetime | None:
        starts = [
            datetime.combine(entry.form.day.data, entry.form.starts.data)
            for entry in self.days.entries
            if entry.form.day.data and entry.form.starts.data
        ]
        return min(starts, default=None)

    def validate_title_de(self, field) -> None:
        if not (self.title_nl.data or self.title_de.data or self.title_en.data):
            raise ValidationError(_l("Please enter a title in at least one language."))

    def validate_days(self, field) -> None:
        filled = [entry for entry in field.entries if not entry.form.is_empty]
        if not filled:
            raise ValidationError(_l("Please enter at least one day."))
        for entry in filled:
            day = entry.form
            if not (day.day.data and day.starts.data and day.ends.data):
                raise ValidationError(
                    _l(
                        "Each day needs a date, a start and an end time, and must end after it starts."
                    )
                )
            if day.ends.data <= day.starts.data:
                raise ValidationError(
                    _l(
                        "Each day needs a date, a start and an end time, and must end after it starts."
                    )
                )


class RegistrationForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
        description=_l("We send the confirmation and your personal cancellation link here."),
    )
    organisation = SelectField(_l("Organisation"), coerce=int, default=0)
    organisation_name = StringField(
        _l("Organisation not in the list"),
        validators=[Length(max=200)],
        filters=[strip],
        description=_l("Type its name if you did not find it above."),
    )
    function = StringField(
        _l("Function"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    remarks = TextAreaField(
        _l("Remarks"),
        validators=[Length(max=2000)],
        filters=[strip],
        render_kw={"rows": 3},
        description=_l("Optional: dietary needs, accessibility, anything the host should know."),
    )
    # A spam trap: hidden from people (also from screen readers), filled in by bots.
    website = StringField(_l("Leave this field empty"))

    def set_choices(self, organisations) -> None:
        self.organisation.choices = [SelectChoice(0, _l("Choose from the directory"))] + [
            SelectChoice(o.id, o.name) for o in organisations
        ]

    def validate_organisation_name(self, field) -> None:
        if not self.organisation.data and not field.data:
            raise ValidationError(
                _l("Please choose your organisation from the list or type its name.")
            )


class ResendForm(BaseForm):
    email = HiddenField(validators=[DataRequired(), EmailAddress(), Length(max=254)])


class MessageForm(BaseForm):
    subject = StringField(
        _l("Subject"), validators=[DataRequired(), Length(max=200)], filters=[strip]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=10000)],
        filters=[strip],
        render_kw={"rows": 6},
    )


class PointForm(BaseForm):
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, title) for kind, title in POINT_KIND_TITLES.items()],
        validators=[DataRequired(message=_l("Choose learning point or transfer point."))],
        description=_l(
            "Learning point: what did we learn? Transfer point: what can we adopt, and how must it be adapted at home?"
        ),
    )
    text = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 4},
    )


class ActionForm(BaseForm):
    """A button that changes something: CSRF only."""


class VisitFilterForm(GetForm):
    field = SelectField(_l("Policy field"), default="")
    country = SelectField(_l("Host country"), default="")
    month = SelectField(_l("Month"), default="")
    page = IntegerField(
        _l("Page"), validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)], default=1
    )

    def set_choices(self, policy_fields, months: list[tuple[str, str]]) -> None:
        self.field.choices = [SelectChoice("", _l("All policy fields"))] + [
            SelectChoice(f.slug, str(f.name)) for f in policy_fields
        ]
        self.country.choices = [SelectChoice("", _l("All countries")), *COUNTRY_CHOICES]
        self.month.choices = [SelectChoice("", _l("Any month"))] + [
            SelectChoice(value, label) for value, label in months
        ]


class PublicRegistrationForm(RegistrationSettingsForm):
    """Opens a meeting (binational conference, study day) for registration by anyone."""

    capacity = IntegerField(
        _l("Places"), validators=[InputRequired(), NumberRange(min=0, max=5000)], default=50
    )
    is_open = BooleanField(_l("Open for registration by anyone (no account needed)"), default=True)

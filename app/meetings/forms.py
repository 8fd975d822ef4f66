from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm, BaseSubForm
from .models import ATTENDANCE_TITLES, MEETING_KIND_TITLES, Attendance, MeetingKind

KIND_CHOICES = [SelectChoice(kind.name, MEETING_KIND_TITLES[kind]) for kind in MeetingKind]
ZONE_CHOICES = [
    SelectChoice("Europe/Berlin", _l("Central European Time (Berlin, Amsterdam)")),
    SelectChoice("Europe/Amsterdam", _l("Central European Time (Amsterdam)")),
]
COUNTRY_CHOICES = [
    SelectChoice("", _l("Not given")),
    SelectChoice("NL", _l("Netherlands")),
    SelectChoice("DE", _l("Germany")),
]
PROJECT_WIDE = 0


def strip(value):
    return value.strip() if isinstance(value, str) else value


class MeetingForm(BaseForm):
    kind = SelectField(_l("Kind of meeting"), choices=KIND_CHOICES)
    group = SelectField(_l("Group"), coerce=int, validators=[InputRequired()])
    title_nl = StringField(_l("Title (Dutch)"), filters=[strip], validators=[Length(max=200)])
    title_de = StringField(_l("Title (German)"), filters=[strip], validators=[Length(max=200)])
    title_en = StringField(_l("Title (English)"), filters=[strip], validators=[Length(max=200)])
    description_nl = TextAreaField(_l("Description (Dutch)"), validators=[Length(max=5000)])
    description_de = TextAreaField(_l("Description (German)"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=5000)])
    start = DateTimeLocalField(
        _l("Starts"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired()],
        description=_l("Local time in Münster and Enschede."),
    )
    end = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    zone = SelectField(_l("Time zone"), choices=ZONE_CHOICES, default="Europe/Berlin")
    venue = StringField(_l("Venue"), filters=[strip], validators=[Length(max=200)])
    address = StringField(_l("Address"), filters=[strip], validators=[Length(max=300)])
    city = StringField(_l("City"), filters=[strip], validators=[Length(max=100)])
    country = SelectField(_l("Country"), choices=COUNTRY_CHOICES, default="")
    online_url = StringField(
        _l("Online meeting link"),
        filters=[strip],
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    extra_invitees = SelectMultipleField(
        _l("Extra invitees"),
        coerce=int,
        validate_choice=True,
        description=_l("Besides the group's members. Hold Ctrl or Cmd to choose several."),
    )
    confirm_holiday = BooleanField(_l("Plan it on this public holiday anyway"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.has_title() and ok
        if ok and self.end.data <= self.start.data:
            self.end.errors.append(_l("The meeting must end after it starts."))
            ok = False
        return ok

    def has_title(self) -> bool:
        if self.title_nl.data or self.title_de.data or self.title_en.data:
            return True
        self.title_nl.errors.append(_l("Give the meeting a title in at least one language."))
        return False


SERIES_ROWS = 6


class SeriesDateForm(BaseSubForm):
    """One date of a series; a row left empty is skipped."""

    day = DateField(_l("Date"), validators=[Optional()])
    starts = TimeField(_l("Starts"), validators=[Optional()])
    ends = TimeField(_l("Ends"), validators=[Optional()])

    @property
    def is_empty(self) -> bool:
        return not (self.day.raw_data and self.day.raw_data[0]) and not any(
            f.raw_data and f.raw_data[0] for f in (self.starts, self.ends)
        )


class SeriesForm(MeetingForm):
    """The same meeting on several dates: shared details and one row per date."""

    start = None
    end = None
    dates = FieldList(FormField(SeriesDateForm), min_entries=SERIES_ROWS, max_entries=SERIES_ROWS)

    def validate(self, extra_validators=None) -> bool:
        ok = BaseForm.validate(self, extra_validators)
        ok = self.has_title() and ok
        for number, entry in enumerate(self.dates, start=1):
            for errors in entry.form.errors.values():
                for error in errors:
                    self.form_errors.append(
                        _l("Row %(num)s: %(problem)s", num=number, problem=error)
                    )
        return ok


class CancelForm(BaseForm):
    pass


class RsvpForm(BaseForm):
    answer = SelectField(
        _l("Your answer"),
        choices=[
            SelectChoice("accepted", _l("I will come")),
            SelectChoice("tentative", _l("Maybe")),
            SelectChoice("declined", _l("I cannot come")),
        ],
    )


class InviteForm(BaseForm):
    person = SelectField(_l("Person"), coerce=int, validators=[InputRequired()])


class AgendaItemForm(BaseForm):
    title = StringField(
        _l("Agenda item"), filters=[strip], validators=[InputRequired(), Length(max=300)]
    )
    presenter = StringField(_l("Presenter"), filters=[strip], validators=[Length(max=120)])
    duration = IntegerField(
        _l("Duration in minutes"),
        default=15,
        validators=[InputRequired(), NumberRange(min=1, max=1440)],
    )
    # The service checks that the proposal belongs to the meeting's group.
    proposal = SelectField(_l("Linked proposal"), coerce=int, default=0, validate_choice=False)


class MoveForm(BaseForm):
    direction = SelectField(choices=[SelectChoice("up", "up"), SelectChoice("down", "down")])


ATTENDANCE_CHOICES = [SelectChoice("", _l("Not recorded"))] + [
    SelectChoice(mark.name, ATTENDANCE_TITLES[mark]) for mark in Attendance
]


class MinutesForm(BaseForm):
    minutes = TextAreaField(
        _l("Minutes"),
        validators=[Length(max=50000)],
        description=_l("Markdown: **bold**, *italic*, lists with “-”, links."),
    )


class ActionItemForm(BaseForm):
    text = StringField(_l("Action"), filters=[strip], validators=[InputRequired(), Length(max=500)])
    owner = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("Due on"), validators=[Optional()])

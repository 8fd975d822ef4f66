from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from ..core.forms import BaseForm
from ..groups.forms import lower, strip
from .services import BadPhases, parse_phases

RESERVED_SLUGS = frozenset({"new", "reports"})


class ProjectForm(BaseForm):
    slug = StringField(
        _l("Web address"),
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(
                r"^[a-z0-9-]+$", message=_l("Use only lower-case letters a–z, digits and hyphens.")
            ),
        ],
        filters=[strip, lower],
        description=_l("The part of the project’s address after /projects/."),
    )
    title_nl = StringField(
        _l("Title in Dutch"), validators=[DataRequired(), Length(max=300)], filters=[strip]
    )
    title_de = StringField(_l("Title in German"), validators=[Length(max=300)], filters=[strip])
    title_en = StringField(_l("Title in English"), validators=[Length(max=300)], filters=[strip])
    programme = StringField(
        _l("Programme"),
        validators=[Length(max=200)],
        filters=[strip],
        description=_l("For example INTERREG IV A Deutschland-Nederland."),
    )
    starts_on = DateField(_l("Runs from"), validators=[InputRequired()])
    ends_on = DateField(_l("Runs until"), validators=[InputRequired()])
    lead_partner_id = SelectField(_l("Lead partner"), coerce=int, validate_choice=True)
    partner_ids = SelectMultipleField(
        _l("Project partners"),
        coerce=int,
        validate_choice=True,
        description=_l("Hold Ctrl or Cmd to choose several."),
    )
    co_financiers = TextAreaField(
        _l("Co-financiers"),
        filters=[strip],
        validators=[Length(max=2000)],
        description=_l("One name per line."),
    )
    group_ids = SelectMultipleField(
        _l("Working groups"),
        coerce=int,
        validate_choice=True,
        description=_l(
            "Their meetings and rounds belong to the project. None chosen: every group's. Hold Ctrl or Cmd to choose several."
        ),
    )
    phase_lines = TextAreaField(
        _l("Phases"),
        filters=[strip],
        validators=[Length(max=5000)],
        description=_l(
            "One per line: first day, last day, Dutch name | German name. For example: 2008-09-01 2009-06-30 Analyse en start | Analyse und Start"
        ),
    )
    acknowledgement_nl = TextAreaField(
        _l("Funding acknowledgement in Dutch"), filters=[strip], validators=[Length(max=2000)]
    )
    acknowledgement_de = TextAreaField(
        _l("Funding acknowledgement in German"), filters=[strip], validators=[Length(max=2000)]
    )
    acknowledgement_en = TextAreaField(
        _l("Funding acknowledgement in English"), filters=[strip], validators=[Length(max=2000)]
    )
    emblem = FileField(
        _l("Programme emblem (SVG)"),
        description=_l("Shown beside the acknowledgement. Leave empty to keep the current one."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.slug.data in RESERVED_SLUGS:
            self.slug.errors.append(_l("This web address is reserved; choose another."))
            ok = False
        if ok and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors.append(_l("The project cannot end before it starts."))
            ok = False
        try:
            phases = parse_phases(self.phase_lines.data)
        except BadPhases as error:
            self.phase_lines.errors.append(error.message)
            return False
        if ok and any(
            first < self.starts_on.data or last > self.ends_on.data
            for first, last, _nl, _de in phases
        ):
            self.phase_lines.errors.append(_l("Every phase must lie within the running time."))
            ok = False
        return ok


class NewReportForm(BaseForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    quarter = SelectField(
        _l("Quarter"),
        coerce=int,
        choices=[SelectChoice(q, f"Q{q}") for q in (1, 2, 3, 4)],
        validate_choice=True,
    )


class NarrativeForm(BaseForm):
    narrative_nl = TextAreaField(
        _l("Narrative in Dutch (Markdown)"), filters=[strip], validators=[Length(max=50000)]
    )
    narrative_de = TextAreaField(
        _l("Narrative in German (Markdown)"), filters=[strip], validators=[Length(max=50000)]
    )
    narrative_en = TextAreaField(
        _l("Narrative in English (Markdown, optional)"),
        filters=[strip],
        validators=[Length(max=50000)],
    )


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Your comment"), filters=[strip], validators=[DataRequired(), Length(max=5000)]
    )


class ActionForm(BaseForm):
    """The CSRF token of a one-button form (circulate, approve, correct, make edition)."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.forms import phone_number, strip
from ..core.forms import BaseForm, EmailAddress, GetForm
from ..core.pagination import MAX_PAGE
from .models import COUNTRY_TITLES, KIND_TITLES, Country, OrganisationKind
from .services import MAX_SEARCH_LENGTH

SORT_CHOICES = [
    SelectChoice("name", _l("Name")),
    SelectChoice("city", _l("City")),
    SelectChoice("country", _l("Country")),
]
COUNTRY_CHOICES = [SelectChoice(c.value, COUNTRY_TITLES[c]) for c in Country]
KIND_CHOICES = [SelectChoice(k.value, KIND_TITLES[k]) for k in OrganisationKind]


def web_address(form, field) -> None:
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme not in {"http", "https"} or not parts.netloc or " " in field.data:
            raise ValidationError(
                _l(
                    "Enter a web address starting with https:// or http://, e.g. https://www.enschede.nl."
                )
            )


class DirectoryForm(GetForm):
    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=MAX_SEARCH_LENGTH)],
        filters=[strip],
        description=_l("Name, city or description; accents and capitals do not matter."),
    )
    country = SelectField(_l("Country"), default="")
    kind = SelectField(_l("Kind of organisation"), default="")
    field = SelectField(_l("Policy field"), default="")
    city = SelectField(_l("City"), default="")
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="name")
    page = IntegerField(
        _l("Page"), validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)], default=1
    )

    def set_choices(self, policy_fields, cities: list[str]) -> None:
        self.country.choices = [SelectChoice("", _l("All countries")), *COUNTRY_CHOICES]
        self.kind.choices = [SelectChoice("", _l("All kinds")), *KIND_CHOICES]
        self.field.choices = [SelectChoice("", _l("All policy fields"))] + [
            SelectChoice(f.slug, str(f.name)) for f in policy_fields
        ]
        self.city.choices = [SelectChoice("", _l("All cities"))] + [
            SelectChoice(c, c) for c in cities
        ]


class CounterpartForm(GetForm):
    side = RadioField(
        _l("My organisation works in"),
        choices=COUNTRY_CHOICES,
        validators=[DataRequired(message=_l("Choose the country you work in."))],
    )
    field = SelectField(
        _l("Policy field"),
        validators=[DataRequired(message=_l("Choose a policy field."))],
        default="",
    )
    city = SelectField(
        _l("City across the border"),
        default="",
        description=_l("Optional. Leave empty to see the whole other side of the border."),
    )
    page = IntegerField(
        _l("Page"), validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)], default=1
    )

    def set_choices(self, policy_fields, cities: list[str]) -> None:
        self.field.choices = [SelectChoice("", _l("Choose a policy field"))] + [
            SelectChoice(f.slug, str(f.name)) for f in policy_fields
        ]
        self.city.choices = [SelectChoice("", _l("Any city"))] + [
            SelectChoice(c, c) for c in cities
        ]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganisationForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    short_name = StringField(
        _l("Short name"),
        validators=[Length(max=40)],
        filters=[strip],
        description=_l("Optional, e.g. ROC or WWU."),
    )
    kind = SelectField(_l("Kind of organisation"), choices=KIND_CHOICES)
    country = SelectField(_l("Country"), choices=COUNTRY_CHOICES)
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    address = TextAreaField(_l("Address"), validators=[Length(max=300)], filters=[strip])
    website = StringField(_l("Website"), validators=[Length(max=300), web_address], filters=[strip])
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[strip],
        description=_l("The organisation's general address, shown to everyone."),
    )
    phone = StringField(_l("Phone"), validators=[Length(max=40), phone_number], filters=[strip])
    description_nl = TextAreaField(
        _l("Description in Dutch"),
        validators=[Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 5},
    )
    description_de = TextAreaField(
        _l("Description in German"),
        validators=[Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 5},
    )
    description_en = TextAreaField(
        _l("Description in English"),
        validators=[Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 5},
    )
    policy_fields = MultiCheckboxField(_l("Policy fields"), coerce=int)
    is_active = BooleanField(_l("Active (shown in the directory)"), default=True)


class PolicyFieldForm(BaseForm):
    name_nl = StringField(
        _l("Name in Dutch"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    name_de = StringField(
        _l("Name in German"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    name_en = StringField(_l("Name in English"), validators=[Length(max=120)], filters=[strip])


class AssignPersonForm(BaseForm):
    organisation = SelectField(_l("Organisation"), coerce=int)
    function = StringField(_l("Function"), validators=[Length(max=120)], filters=[strip])
    is_organisation_leader = BooleanField(_l("Belongs to the leadership of the organisation"))
    is_organisation_editor = BooleanField(
        _l("May edit the organisation's profile in the partner directory")
    )

    def set_choices(self, organisations) -> None:
        self.organisation.choices = [SelectChoice(0, _l("No organisation"))] + [
            SelectChoice(o.id, o.name) for o in organisations
        ]

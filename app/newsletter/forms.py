from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..core.forms import BaseForm, EmailAddress, MultiLineHiddenField
from ..core.i18n import LANGUAGE_NAMES
from .models import QUARTER_PATTERN

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SubscribeForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)], filters=[strip])
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    language = SelectField(_l("Language of the newsletter"), choices=LANGUAGE_CHOICES)
    consent = BooleanField(
        _l(
            "I would like to receive the quarterly newsletter by e-mail. I can unsubscribe at any time with the link in every edition."
        ),
        validators=[InputRequired(message=_l("Please tick this box to subscribe."))],
    )
    # A spam trap: hidden from people (also from screen readers), filled in by bots.
    website = StringField(_l("Leave this field empty"))


class ConsentBasisMixin:
    consent_basis = TextAreaField(
        _l("Consent basis"),
        validators=[DataRequired(), Length(min=10, max=2000)],
        filters=[strip],
        render_kw={"rows": 3},
        description=_l(
            'Required. State on what basis these people agreed to receive the newsletter, e.g. "Participants of the binational conference of 12 May 2026 who ticked the newsletter box on the registration form".'
        ),
    )


class AddSubscriberForm(ConsentBasisMixin, BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)], filters=[strip])
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200)], filters=[strip]
    )
    language = SelectField(_l("Language of the newsletter"), choices=LANGUAGE_CHOICES)


class ImportUploadForm(ConsentBasisMixin, BaseForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], message=_l("Please choose a CSV file.")),
        ],
        description=_l(
            "One address per row. A first row with column titles (email, name, organisation, language) is recognised; without it the columns are taken in that order. Comma, semicolon or tab."
        ),
    )
    language = SelectField(
        _l("Language for rows without one"), choices=LANGUAGE_CHOICES, default="nl"
    )


class ImportConfirmForm(ConsentBasisMixin, BaseForm):
    csv_text = MultiLineHiddenField(validators=[DataRequired(), Length(max=2_000_000)])
    language = HiddenField(validators=[DataRequired()])


class EditionForm(BaseForm):
    quarter = StringField(
        _l("Quarter"),
        validators=[
            DataRequired(),
            Regexp(
                QUARTER_PATTERN.pattern,
                message=_l('Please enter the quarter as year and quarter, for example "2026 Q4".'),
            ),
        ],
        filters=[lambda v: " ".join(v.upper().split()) if isinstance(v, str) else v],
        description=_l('For example "2026 Q4".'),
    )
    title_nl = StringField(_l("Title (Dutch)"), validators=[Length(max=200)], filters=[strip])
    body_nl = TextAreaField(
        _l("Text (Dutch)"), validators=[Length(max=100_000)], render_kw={"rows": 16}
    )
    title_de = StringField(_l("Title (German)"), validators=[Length(max=200)], filters=[strip])
    body_de = TextAreaField(
        _l("Text (German)"), validators=[Length(max=100_000)], render_kw={"rows": 16}
    )
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)], filters=[strip])
    body_en = TextAreaField(
        _l("Text (English)"), validators=[Length(max=100_000)], render_kw={"rows": 16}
    )

    def validate(self, extra_validators=None) -> bool:
        """A language counts when it has both a title and a text; at least one must."""
        ok = super().validate(extra_validators)
        from flask_babel import gettext as _

        complete = 0
        for lang in ("nl", "de", "en"):
            title, body = self[f"title_{lang}"], self[f"body_{lang}"]
            has_title, has_body = bool((title.data or "").strip()), bool((body.data or "").strip())
            if has_title and not has_body:
                body.errors = [*body.errors, _("Write the text for this title.")]
                ok = False
            elif has_body and not has_title:
                title.errors = [*title.errors, _("Give this text a title.")]
                ok = False
            complete += has_title and has_body
        if not complete:
            self.form_errors.append(_("Write a title and a text in at least one language."))
            ok = False
        return ok


class SendTestForm(BaseForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ActionForm(BaseForm):
    """Only the CSRF token: send, pause, resume, unsubscribe."""

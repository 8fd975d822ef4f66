from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..core.forms import BaseForm, EmailAddress
from ..core.i18n import LANGUAGE_NAMES
from .models import GENDER_TITLES, Gender

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def min_password_length(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if field.data and len(field.data) < minimum:
        from flask_babel import gettext as _

        raise ValidationError(_("The password must be at least %(n)s characters long.", n=minimum))


def phone_number(form, field) -> None:
    allowed = set("0123456789+-()/. ")
    if field.data and (set(field.data) - allowed or not any(c.isdigit() for c in field.data)):
        raise ValidationError(_l("Enter a phone number with digits, spaces and + - ( ) / only."))


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
    )


class SetPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), min_password_length, Length(max=200)],
        description=_l("At least 10 characters. A few unrelated words make a good password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    function = StringField(_l("Function"), validators=[Length(max=120)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    gender = RadioField(
        _l("Gender"),
        choices=[SelectChoice(g.name, GENDER_TITLES[g]) for g in Gender],
        default=Gender.not_stated.name,
        description=_l(
            "Optional. Used only for the anonymous participation statistics the funder asks for (groups of fewer than five people are never shown)."
        ),
    )
    phone = StringField(_l("Phone"), validators=[Length(max=40), phone_number], filters=[strip])
    is_email_public = BooleanField(
        _l("Show my e-mail address to signed-in members in the partner directory")
    )
    is_phone_public = BooleanField(
        _l("Show my phone number to signed-in members in the partner directory")
    )
    is_minutes_mail_wanted = BooleanField(
        _l("Send me a mail when minutes of my groups are circulated for comments")
    )


class InviteForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), EmailAddress(), Length(max=254)],
        filters=[strip],
    )
    function = StringField(_l("Function"), validators=[Length(max=120)])
    locale = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES, default="nl")
    is_admin = BooleanField(_l("Project manager (may manage people and all content)"))


class TwoFactorCodeForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        filters=[strip],
        description=_l("The six digits your authenticator app shows now, or a recovery code."),
    )


class EnrolTwoFactorForm(BaseForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=10)],
        filters=[strip],
        description=_l("After adding the account, enter the six digits the app shows."),
    )


class ConfirmPasswordForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])

"""Account rules: signing in, passwords, signed links, invitations and deactivation.

Services change state and flush; the calling view commits once."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.urls import external_url
from ..extensions import db
from ..mail.services import queue_template_mail
from . import throttle
from .models import Gender, User, normalise_email
from .sessions import end_all_sessions


class InvalidCredentials(DomainError):
    status_code = 401
    message = _l("The e-mail address or password is not correct.")


class AccountDeactivated(DomainError):
    status_code = 403
    message = _l("This account has been deactivated. Please contact the project manager.")


class EmailTaken(DomainError):
    message = _l("There is already an account with this e-mail address.")


class PasswordTooShort(DomainError):
    status_code = 400


class InvalidLink(DomainError):
    status_code = 400
    message = _l("This link is not valid. It may have been used already or copied incompletely.")


class ExpiredLink(DomainError):
    status_code = 400
    message = _l("This link has expired. Please ask for a new one.")


class CannotDeactivateSelf(DomainError):
    message = _l("You cannot deactivate your own account.")


RESET = "password-reset"
INVITATION = "invitation"


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, address: str | None = None) -> User:
    """The password must match and the account must be active. Unknown addresses and wrong
    passwords get the same answer, so the form does not reveal who has an account.
    While the account or the address is held after failures (app.auth.throttle) the
    password is not even checked; each failure counts, and the owner gets a mail once the
    failures reach LOGIN_NOTIFY_AFTER."""
    email = normalise_email(email)
    throttle.check_not_held(email, address)
    user = find_user_by_email(email)
    if user is None or not user.check_password(password):
        record_failed_sign_in(email, address, user)
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountDeactivated()
    throttle.forget_failures(email)
    return user


def record_failed_sign_in(
    email: str, address: str | None, user: User | None, *, password_was_right: bool = False
) -> None:
    """Counts a failed sign-in (a wrong password, or the right password with a wrong
    second-factor code) and mails the owner once the count reaches LOGIN_NOTIFY_AFTER."""
    failures = throttle.record_failure(email, address)
    if user is not None and user.is_active and failures == current_app.config["LOGIN_NOTIFY_AFTER"]:
        queue_template_mail(
            "auth/emails/failed_sign_ins",
            to=(user.name, user.email),
            locale=user.locale,
            subject=_l("Failed sign-in attempts on your Netwerkbrug account"),
            user=user,
            failures=failures,
            password_was_right=password_was_right,
            link=external_url("auth.forgot_password"),
        )


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        from flask_babel import gettext as _

        raise PasswordTooShort(_("The password must be at least %(n)s characters long.", n=minimum))


def change_password(user: User, password: str) -> None:
    """A new password ends every session and remember token of the person (the view signs
    the current browser in again)."""
    check_password_rules(password)
    user.set_password(password)
    end_all_sessions(user)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"netwerkbrug.{purpose}")


def make_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps([user.id, user.link_fingerprint])


def user_from_link_token(token: str, purpose: str, max_age: timedelta) -> User:
    """The token must be signed by us for this purpose, younger than max_age and made for
    the user's current password (so it works once); the account must be active."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except SignatureExpired as error:
        raise ExpiredLink() from error
    except (BadSignature, ValueError, TypeError) as error:
        raise InvalidLink() from error
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.link_fingerprint != fingerprint:
        raise InvalidLink()
    if not user.is_active:
        raise AccountDeactivated()
    return user


def request_password_reset(email: str) -> bool:
    """Queues a reset mail when an active account with this address exists.
    Returns whether a mail was queued; the page says the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return False
    token = make_link_token(user, RESET)
    queue_template_mail(
        "auth/emails/reset_password",
        to=(user.name, user.email),
        locale=user.locale,
        subject=_l("Reset your Netwerkbrug password"),
        user=user,
        link=external_url("auth.reset_password", token=token),
        hours=int(current_app.config["RESET_LINK_MAX_AGE"].total_seconds() // 3600),
    )
    return True


def invite_user(
    actor: User,
    email: str,
    name: str,
    *,
    function: str = "",
    locale: str = "nl",
    is_admin: bool = False,
) -> User:
    """Creates an account without a password and mails a signed link to set one."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        name=name.strip(),
        function=function.strip(),
        locale=locale,
        is_admin=is_admin,
        gender=Gender.not_stated,
    )
    db.session.add(user)
    db.session.flush()
    send_invitation(actor, user)
    record_audit(actor, "user.invited", user, email=email, is_admin=is_admin)
    return user


def send_invitation(actor: User, user: User) -> None:
    if not user.is_invitation_pending:
        raise DomainError(_l("This person has already accepted the invitation."))
    user.invited_at = utcnow()
    token = make_link_token(user, INVITATION)
    queue_template_mail(
        "auth/emails/invitation",
        to=(user.name, user.email),
        locale=user.locale,
        subject=_l("You are invited to Netwerkbrug"),
        user=user,
        inviter=actor,
        link=external_url("auth.accept_invitation", token=token),
        days=current_app.config["INVITATION_LINK_MAX_AGE"].days,
    )


def deactivate_user(actor: User, user: User) -> None:
    if user.id == actor.id:
        raise CannotDeactivateSelf()
    user.is_active = False
    end_all_sessions(user)
    record_audit(actor, "user.deactivated", user)


def reactivate_user(actor: User, user: User) -> None:
    user.is_active = True
    record_audit(actor, "user.reactivated", user)


def create_admin(email: str, name: str, password: str) -> User:
    """Makes (or promotes) a project-manager account; used by `flask create-admin`."""
    check_password_rules(password)
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), name=name, gender=Gender.not_stated)
        db.session.add(user)
    user.is_admin = True
    user.is_active = True
    user.set_password(password)
    db.session.flush()
    record_audit(None, "user.admin_created", user)
    return user

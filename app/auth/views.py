import json
import secrets
import time
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.i18n import use_recipient_language
from ..core.security import public
from ..extensions import db, limiter, login_manager
from . import bp, services, sessions, throttle, two_factor
from .forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EnrolTwoFactorForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
    TwoFactorCodeForm,
)
from .models import Gender, User

# Between the password and the second factor, the session holds who is signing in.
PENDING_SIGN_IN = "pending_sign_in"
PENDING_MAX_SECONDS = 300
# The two password confirmations on the second factor page.
RECOVERY_PREFIX, DISABLE_PREFIX = "recovery", "disable"
# Pages a person who must set up a second factor may still open.
ENROLMENT_ENDPOINTS = {"auth.two_factor_page", "auth.logout", "core.healthz"}


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The session and remember cookies carry a device token (app.auth.sessions)."""
    device = sessions.load_device(token)
    if device is None:
        return None
    g.signed_in_device = device
    return device.user


@bp.before_app_request
def _signed_in_checks():
    """Keeps 'last seen' of the device roughly current and sends staff without a required
    second factor to its set-up page."""
    if request.endpoint in (None, "static", "bootstrap.static"):
        return None
    if not current_user.is_authenticated:
        return None
    device = g.get("signed_in_device")
    if device is not None and sessions.touch_device(device):
        db.session.commit()
    if request.endpoint not in ENROLMENT_ENDPOINTS and two_factor.must_enrol(current_user):
        flash(_("Please set up a second factor for your account first."), "warning")
        return redirect(url_for("auth.two_factor_page"))
    return None


def _sign_in(user: User, remember: bool) -> None:
    """A new device token and a new session: nothing from before the sign-in survives in
    the session cookie (the session id rotates)."""
    sessions.start_device(user, remember=remember, user_agent=request.headers.get("User-Agent"))
    session.clear()
    session["nonce"] = secrets.token_urlsafe(16)
    login_user(user, remember=remember)


def _continue_sign_in(user: User, remember: bool, next_url: str):
    """After the password: straight in, or first the second factor."""
    if user.has_two_factor:
        session.clear()
        session[PENDING_SIGN_IN] = {
            "user": user.id,
            "generation": user.session_generation,
            "remember": bool(remember),
            "next": next_url,
            "at": int(time.time()),
        }
        return redirect(url_for("auth.login_code"))
    _sign_in(user, remember)
    db.session.commit()
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(next_url)


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (other hosts, `//evil`, `javascript:`) goes home."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("core.index")


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, get_remote_address())
        except DomainError as error:
            db.session.commit()  # the mail to the owner after repeated failures
            form.form_errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            return _continue_sign_in(user, form.remember.data, safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


def _pending_user() -> User | None:
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_SECONDS:
        return None
    user = db.session.get(User, pending.get("user") or 0)
    if (
        user is None
        or not user.is_active
        or not user.has_two_factor
        or user.session_generation != pending.get("generation")
    ):
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    """The second step of signing in for people with a second factor."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_SIGN_IN, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    status = 200
    if form.validate_on_submit():
        address = get_remote_address()
        try:
            throttle.check_not_held(user.email, address)
            two_factor.verify_sign_in(user, form.code.data)
        except throttle.LoginHeld as error:
            form.code.errors.append(str(error.message))
            status = error.status_code
        except DomainError as error:
            db.session.rollback()
            services.record_failed_sign_in(user.email, address, user, password_was_right=True)
            db.session.commit()
            form.code.errors.append(str(error.message))
            status = error.status_code
        else:
            pending = session[PENDING_SIGN_IN]
            throttle.forget_failures(user.email)
            _sign_in(user, pending["remember"])
            left = two_factor.unused_recovery_codes(user)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            if left < two_factor.RECOVERY_CODE_COUNT:
                flash(
                    ngettext(
                        "You have %(num)s unused recovery code left. You can make new ones on your profile.",
                        "You have %(num)s unused recovery codes left. You can make new ones on your profile.",
                        left,
                    ),
                    "warning",
                )
            return redirect(safe_next(pending.get("next")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/login_code.html", form=form), status


@bp.post("/logout")
@public
def logout():
    """Ends this browser's sign-in: a copy of its cookies stops working too."""
    device = g.get("signed_in_device")
    if current_user.is_authenticated and device is not None:
        sessions.end_device(current_user, device.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an active account exists for %(email)s, we have sent it a link to choose a new password.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/forgot_password.html", form=form
    ), 400 if form.is_submitted() else 200


def _set_password_page(purpose: str, template: str, max_age_key: str, success_message: str):
    token = request.view_args["token"]
    try:
        user = services.user_from_link_token(token, purpose, current_app.config[max_age_key])
    except DomainError as error:
        return render_template("auth/link_problem.html", message=error.message), error.status_code
    use_recipient_language(user.locale)
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        db.session.commit()
        flash(success_message, "success")
        # A person with a second factor still enters a code: the link proves only the mailbox.
        return _continue_sign_in(user, False, url_for("core.index"))
    return render_template(template, form=form, user=user), 400 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(
        services.RESET,
        "auth/reset_password.html",
        "RESET_LINK_MAX_AGE",
        _("Your password has been changed."),
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(
        services.INVITATION,
        "auth/accept_invitation.html",
        "INVITATION_LINK_MAX_AGE",
        _("Welcome to Netwerkbrug. Your account is ready."),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.gender.data = current_user.gender.name
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.function = (form.function.data or "").strip()
        current_user.locale = form.locale.data
        current_user.gender = Gender[form.gender.data]
        current_user.phone = form.phone.data or ""
        current_user.is_email_public = form.is_email_public.data
        current_user.is_phone_public = form.is_phone_public.data
        current_user.is_minutes_mail_wanted = form.is_minutes_mail_wanted.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html",
        form=form,
        password_form=ChangePasswordForm(),
        **_calendar_feed_context(),
        **_sign_in_context(),
    ), 400 if form.is_submitted() else 200


def _sign_in_context() -> dict:
    """Signed-in devices and the second factor, shown on the profile."""
    return {
        "devices": sessions.devices_of(current_user),
        "current_device_id": sessions.current_device_id(current_user),
        "two_factor_required": two_factor.is_required_for(current_user),
    }


@bp.post("/profile/devices/<int:device_id>/end")
@login_required
def end_device(device_id: int):
    """Signs one of the person's devices out; ending this one signs out here."""
    this_one = device_id == sessions.current_device_id(current_user)
    ended = sessions.end_device(current_user, device_id)
    db.session.commit()
    if this_one:
        logout_user()
        session.clear()
        flash(_("You have been signed out."), "info")
        return redirect(url_for("auth.login"))
    if ended:
        flash(_("That device has been signed out."), "success")
    return redirect(url_for("auth.profile") + "#devices")


@bp.post("/profile/devices/end-all")
@login_required
def end_all_devices():
    """'Sign out everywhere': every session and remember token of the person ends."""
    sessions.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page():
    """Setting up the second factor: scan the QR code (or type the key), confirm a code,
    keep the recovery codes. Once set up: status, new recovery codes, switching it off."""
    if current_user.has_two_factor:
        return _two_factor_page_with()
    secret = two_factor.begin_enrolment(current_user)
    db.session.commit()
    form = EnrolTwoFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(current_user, form.code.data)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            flash(_("The second factor is now switched on."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
    elif form.is_submitted():
        status = 400
    uri = two_factor.provisioning_uri(current_user)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr_code=two_factor.qr_code_data_uri(uri),
        manual_key=two_factor.grouped_secret(secret),
        two_factor_required=two_factor.is_required_for(current_user),
    ), status


def _password_confirmed(form: ConfirmPasswordForm) -> bool:
    if not form.validate_on_submit():
        return False
    if not current_user.check_password(form.password.data):
        form.password.errors.append(_("The password is not correct."))
        return False
    return True


@bp.post("/profile/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    form = ConfirmPasswordForm(prefix=RECOVERY_PREFIX)
    if not current_user.has_two_factor:
        return redirect(url_for("auth.two_factor_page"))
    if not _password_confirmed(form):
        return _two_factor_page_with(recovery_form=form), 400
    codes = two_factor.new_recovery_codes(current_user)
    db.session.commit()
    flash(_("New recovery codes have been made; the old ones no longer work."), "success")
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/profile/two-factor/disable")
@login_required
def disable_two_factor():
    form = ConfirmPasswordForm(prefix=DISABLE_PREFIX)
    if not current_user.has_two_factor:
        return redirect(url_for("auth.two_factor_page"))
    if not _password_confirmed(form):
        return _two_factor_page_with(disable_form=form), 400
    try:
        two_factor.disable_two_factor(current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _two_factor_page_with(), error.status_code
    db.session.commit()
    flash(_("The second factor has been switched off."), "info")
    return redirect(url_for("auth.profile"))


def _two_factor_page_with(
    recovery_form: ConfirmPasswordForm | None = None,
    disable_form: ConfirmPasswordForm | None = None,
) -> str:
    """The second factor page once it is on; each form has its own password field."""
    return render_template(
        "auth/two_factor.html",
        recovery_form=recovery_form or ConfirmPasswordForm(prefix=RECOVERY_PREFIX, formdata=None),
        disable_form=disable_form or ConfirmPasswordForm(prefix=DISABLE_PREFIX, formdata=None),
        recovery_codes_left=two_factor.unused_recovery_codes(current_user),
        two_factor_required=two_factor.is_required_for(current_user),
    )


def _calendar_feed_context() -> dict:
    """The personal calendar feed (app.meetings) shown on the profile."""
    from ..core.urls import external_url
    from ..meetings.services import feed_of

    feed = feed_of(current_user)
    url = external_url("calendar.personal_feed", token=feed.token) if feed else None
    return {"calendar_feed_url": url}


@bp.get("/profile/my-data.json")
@login_required
def export_data():
    """Everything stored about the signed-in person, as a JSON download (GDPR art. 15, 20)."""
    from ..reports.personal_data import export_person

    return Response(
        json.dumps(export_person(current_user), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="netwerkbrug-my-data.json"'},
    )


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            device = g.get("signed_in_device")
            remember = device.is_remembered if device is not None else False
            user = current_user._get_current_object()
            services.change_password(user, form.password.data)
            # Every other session ends with the old password; this browser stays signed in.
            _sign_in(user, remember)
            db.session.commit()
            flash(
                _("Your password has been changed. Other devices have been signed out."),
                "success",
            )
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(obj=current_user, formdata=None)
    profile_form.gender.data = current_user.gender.name
    return render_template(
        "auth/profile.html",
        form=profile_form,
        password_form=form,
        **_calendar_feed_context(),
        **_sign_in_context(),
    ), 400

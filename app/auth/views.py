import json
from urllib.parse import urlsplit

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.security import public
from ..extensions import db, limiter, login_manager
from . import bp, services
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, SetPasswordForm
from .models import Gender, User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


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
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            form.form_errors.append(str(error.message))
            status = error.status_code
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@public
def logout():
    logout_user()
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
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        login_user(user)
        db.session.commit()
        flash(success_message, "success")
        return redirect(url_for("core.index"))
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
    ), 400 if form.is_submitted() else 200


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
            services.change_password(current_user, form.password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(obj=current_user, formdata=None)
    profile_form.gender.data = current_user.gender.name
    return render_template(
        "auth/profile.html", form=profile_form, password_form=form, **_calendar_feed_context()
    ), 400

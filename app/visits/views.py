"""Work visit pages: the public list and visit page with the registration form, the
personal cancel link, the host's offer form and registration list, and the learning and
transfer points."""

from datetime import date

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import DomainError
from ..core.forms import search_args
from ..core.i18n import use_recipient_language
from ..core.page_cache import cached_page
from ..core.pagination import paginate
from ..core.security import public
from ..core.urls import external_url
from ..extensions import db, limiter
from ..meetings.models import Meeting
from ..meetings.services import to_utc
from ..partners import services as partner_services
from ..partners.models import Country, Organisation
from . import bp, services
from . import registration as reg
from .forms import (
    ActionForm,
    MessageForm,
    PointForm,
    PublicRegistrationForm,
    RegistrationForm,
    ResendForm,
    VisitFilterForm,
    VisitForm,
)
from .models import LOCAL_ZONE, PointKind, PublicRegistration, RegistrationStatus, Visit

PER_PAGE = 10


def _register_limit() -> str:
    return current_app.config.get("RATELIMIT_REGISTER", "10 per minute")


def _lang() -> str:
    lang = str(get_locale() or "nl")
    return lang if lang in services.LANGUAGES else "nl"


def _managed_visit(visit_id: int) -> Visit:
    visit = db.get_or_404(Visit, visit_id)
    if not visit.can_be_managed_by(current_user):
        abort(403)
    return visit


def _months(today: date, count: int = 12) -> list[tuple[str, str]]:
    months = []
    year, month = today.year, today.month
    for _n in range(count):
        first = date(year, month, 1)
        months.append((f"{year:04d}-{month:02d}", format_date(first, "LLLL yyyy")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- public ------------------------------------------------------------------------------


@bp.get("/")
@public
@cached_page
def index():
    policy_fields = partner_services.all_policy_fields()
    form = VisitFilterForm(formdata=search_args())
    form.set_choices(policy_fields, _months(date.today()))
    if not form.validate():
        abort(400)
    by_slug = {f.slug: f for f in policy_fields}
    month = None
    if form.month.data:
        year, number = form.month.data.split("-")
        month = date(int(year), int(number), 1)
    criteria = services.VisitFilter(
        policy_field=by_slug.get(form.field.data or ""),
        country=Country(form.country.data) if form.country.data else None,
        month=month,
    )
    page = paginate(services.upcoming_visits_query(criteria), PER_PAGE)
    counts = services.counts_by_visit([v.id for v in page.items])
    return render_template(
        "visits/index.html",
        form=form,
        page=page,
        counts=counts,
        filtered=bool(form.field.data or form.country.data or form.month.data),
        can_offer=services.can_offer(current_user),
    )


@bp.get("/learning")
@public
@cached_page
def learning():
    return render_template("visits/learning.html", groups=services.points_by_policy_field())


def _registration_form() -> RegistrationForm:
    form = RegistrationForm()
    form.set_choices(
        db.session.scalars(
            sa.select(Organisation).where(Organisation.is_active).order_by(Organisation.name)
        )
    )
    return form


def _render_visit(visit: Visit, status: int = 200, **forms):
    counts = services.counts(visit)
    managing = visit.can_be_managed_by(current_user)
    forms.setdefault("form", _registration_form())
    if services.can_record_points(current_user, visit) and visit.is_over():
        forms.setdefault("point_form", PointForm())
    return render_template(
        "visits/show.html",
        visit=visit,
        counts=counts,
        state=visit.state(counts.confirmed),
        managing=managing,
        action_form=ActionForm(),
        points={kind: [p for p in visit.points if p.kind == kind] for kind in PointKind},
        **forms,
    ), status


@bp.get("/<int:visit_id>")
@public
def show(visit_id: int):
    return _render_visit(db.get_or_404(Visit, visit_id))


@bp.get("/<int:visit_id>.ics")
@public
def ics(visit_id: int):
    from ..calendar.ical import visit_bytes
    from ..calendar.views import calendar_response

    visit = db.get_or_404(Visit, visit_id)
    body = visit_bytes(visit, lang=_lang(), url=external_url("visits.show", visit_id=visit.id))
    return calendar_response(body, visit.updated_at, f"visit-{visit.id}.ics")


@bp.post("/<int:visit_id>/register")
@public
@limiter.limit(_register_limit)
def register(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    return _register(visit, lambda status, **forms: _render_visit(visit, status, **forms))


def _register(owner: reg.Owner, render):
    """Registers for a visit or a meeting; `render(status, **forms)` shows its page again."""
    form = _registration_form()
    back = _page_url(owner)
    if form.is_submitted() and form.website.data:
        # The spam trap was filled in: a neutral answer, nothing written.
        flash(_("Thank you. Your registration has been received."), "info")
        return redirect(back)
    if not form.validate_on_submit():
        return render(400, form=form)
    try:
        registration = services.register(
            owner,
            name=form.name.data,
            email=form.email.data,
            organisation=db.session.get(Organisation, form.organisation.data or 0),
            organisation_name=form.organisation_name.data or "",
            function=form.function.data,
            remarks=form.remarks.data or "",
            locale=_lang(),
        )
    except reg.AlreadyRegistered as error:
        db.session.rollback()
        form.email.errors.append(str(error.message))
        return render(409, form=form, resend_form=ResendForm(formdata=None, email=form.email.data))
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return render(error.status_code, form=form)
    db.session.commit()
    if registration.status == RegistrationStatus.confirmed:
        flash(
            _(
                "You are registered. We have sent a confirmation to %(email)s with a file for your calendar and a link to cancel.",
                email=registration.email,
            ),
            "success",
        )
    else:
        flash(
            _(
                "All places are taken: you are number %(position)s on the waiting list. We will mail %(email)s as soon as a place becomes free.",
                position=reg.waitlist_position(registration),
                email=registration.email,
            ),
            "info",
        )
    return redirect(back)


def _page_url(owner: reg.Owner) -> str:
    if isinstance(owner, Visit):
        return url_for("visits.show", visit_id=owner.id)
    return url_for("visits.meeting", meeting_id=owner.meeting_id)


@bp.post("/<int:visit_id>/resend")
@public
@limiter.limit(_register_limit)
def resend(visit_id: int):
    return _resend(db.get_or_404(Visit, visit_id))


def _resend(owner: reg.Owner):
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    services.resend_confirmation(owner, form.email.data)
    db.session.commit()
    flash(
        _(
            "If %(email)s is registered, we have sent the confirmation again. Please check your inbox.",
            email=form.email.data,
        ),
        "info",
    )
    return redirect(_page_url(owner))


def _link_problem(error: DomainError):
    return render_template("visits/link_problem.html", message=error.message), error.status_code


@bp.route("/cancel/<token>", methods=["GET", "POST"])
@public
def cancel_registration(token: str):
    """The personal link from the mail: one button, so a mail scanner opening the link
    cancels nothing."""
    try:
        registration = reg.registration_for_token(token)
    except DomainError as error:
        return _link_problem(error)
    use_recipient_language(registration.locale)
    form = ActionForm()
    event = services.summary(registration.owner, _lang())
    if form.validate_on_submit():
        try:
            services.cancel_registration(registration)
        except DomainError as error:
            db.session.rollback()
            return _link_problem(error)
        db.session.commit()
        return render_template("visits/cancelled.html", event=event)
    if form.is_submitted():
        abort(400)
    return render_template("visits/cancel.html", registration=registration, form=form, event=event)


# --- the host ------------------------------------------------------------------------------


def _visit_form(visit: Visit | None = None) -> VisitForm:
    form = VisitForm(obj=visit) if request.method == "GET" and visit else VisitForm()
    organisations = services.host_organisations(current_user)
    if visit is not None and visit.organisation not in organisations:
        organisations = [visit.organisation, *organisations]
    form.organisation.choices = [(o.id, o.name) for o in organisations]
    form.policy_fields.choices = [(f.id, str(f.name)) for f in partner_services.all_policy_fields()]
    if request.method == "GET" and visit is not None:
        form.organisation.data = visit.organisation_id
        form.policy_fields.data = [f.id for f in visit.policy_fields]
        form.languages.data = visit.language_codes
        form.registration_deadline.data = visit.registration_deadline.astimezone(
            LOCAL_ZONE
        ).replace(tzinfo=None)
        form.is_closed.data = visit.status.name == "closed"
        for entry, day in zip(form.days.entries, visit.days, strict=False):
            entry.form.day.data, entry.form.starts.data = day.day, day.starts
            entry.form.ends.data, entry.form.programme.data = day.ends, day.programme
    return form


def _details(form: VisitForm) -> services.VisitDetails:
    organisation = db.session.get(Organisation, form.organisation.data)
    chosen = set(form.policy_fields.data or [])
    return services.VisitDetails(
        organisation=organisation,
        registration_deadline=to_utc(form.registration_deadline.data),
        days=[
            services.DayPlan(
                e.form.day.data, e.form.starts.data, e.form.ends.data, e.form.programme.data or ""
            )
            for e in form.days.entries
            if not e.form.is_empty
        ],
        capacity=form.capacity.data,
        policy_fields=[f for f in partner_services.all_policy_fields() if f.id in chosen],
        languages=form.languages.data or [],
        is_closed=form.is_closed.data,
        **{name: getattr(form, name).data or "" for name in services.TEXT_FIELDS},
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    if not services.host_organisations(current_user):
        abort(403)
    form = _visit_form()
    if form.validate_on_submit():
        try:
            visit = services.create_visit(current_user, _details(form))
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            return render_template("visits/form.html", form=form, visit=None), error.status_code
        db.session.commit()
        flash(_("The visit has been published."), "success")
        return redirect(url_for("visits.show", visit_id=visit.id))
    status = 400 if form.is_submitted() else 200
    return render_template("visits/form.html", form=form, visit=None), status


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
def edit(visit_id: int):
    visit = _managed_visit(visit_id)
    form = _visit_form(visit)
    if form.validate_on_submit():
        try:
            services.update_visit(
                current_user, visit, _details(form), move_to_waitlist=form.move_to_waitlist.data
            )
        except reg.CapacityConflict as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            affected = [(r.name, r.organisation_label) for r in error.affected]
            return render_template(
                "visits/form.html", form=form, visit=visit, affected=affected
            ), error.status_code
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            return render_template("visits/form.html", form=form, visit=visit), error.status_code
        db.session.commit()
        flash(_("The visit has been saved."), "success")
        return redirect(url_for("visits.show", visit_id=visit.id))
    status = 400 if form.is_submitted() else 200
    return render_template("visits/form.html", form=form, visit=visit), status


@bp.post("/<int:visit_id>/cancel")
def cancel(visit_id: int):
    visit = _managed_visit(visit_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    told = services.cancel_visit(current_user, visit)
    db.session.commit()
    flash(
        ngettext(
            "The visit has been cancelled; %(num)s registrant has been told.",
            "The visit has been cancelled; %(num)s registrants have been told.",
            len(told),
        ),
        "success",
    )
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.get("/<int:visit_id>/registrations")
def registrations(visit_id: int):
    visit = _managed_visit(visit_id)
    return _render_registrations(visit, MessageForm())


def _render_registrations(visit: Visit, message_form: MessageForm, status: int = 200):
    return render_template(
        "visits/registrations.html",
        title=visit.title,
        back_url=url_for("visits.show", visit_id=visit.id),
        csv_url=url_for("visits.registrations_csv", visit_id=visit.id),
        message_url=url_for("visits.message", visit_id=visit.id),
        capacity=visit.capacity,
        confirmed=reg.confirmed_of(visit),
        waitlisted=reg.waitlisted_of(visit),
        message_form=message_form,
    ), status


@bp.get("/<int:visit_id>/registrations.csv")
def registrations_csv(visit_id: int):
    visit = _managed_visit(visit_id)
    return _csv_response(services.registrations_csv(current_user, visit), f"visit-{visit.id}")


def _csv_response(body: str, name: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-registrations.csv"'},
    )


@bp.post("/<int:visit_id>/message")
def message(visit_id: int):
    visit = _managed_visit(visit_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_registrations(visit, form, 400)
    sent = services.message_registrants(current_user, visit, form.subject.data, form.body.data)
    db.session.commit()
    flash(
        ngettext(
            "Your message is on its way to %(num)s registrant.",
            "Your message is on its way to %(num)s registrants.",
            sent,
        ),
        "success",
    )
    return redirect(url_for("visits.registrations", visit_id=visit.id))


@bp.post("/<int:visit_id>/points")
def add_point(visit_id: int):
    visit = db.get_or_404(Visit, visit_id)
    if not services.can_record_points(current_user, visit):
        abort(403)
    form = PointForm()
    if not form.validate_on_submit():
        return _render_visit(visit, 400, point_form=form)
    try:
        services.add_point(current_user, visit, PointKind(form.kind.data), form.text.data)
    except DomainError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return _render_visit(db.get_or_404(Visit, visit_id), error.status_code, point_form=form)
    db.session.commit()
    flash(_("Thank you, your point has been recorded."), "success")
    return redirect(url_for("visits.show", visit_id=visit.id, _anchor="points"))


# --- meetings with public registration -------------------------------------------------


def _public_registration(meeting_id: int) -> PublicRegistration:
    meeting = db.get_or_404(Meeting, meeting_id)
    public = services.public_registration_of(meeting)
    if public is None:
        abort(404)
    return public


def _render_meeting(public: PublicRegistration, status: int = 200, **forms):
    counts = services.counts_of(public)
    forms.setdefault("form", _registration_form())
    return render_template(
        "visits/meeting.html",
        public=public,
        meeting=public.meeting,
        counts=counts,
        state=public.state(counts.confirmed),
        managing=public.can_be_managed_by(current_user),
        **forms,
    ), status


@bp.get("/meetings/<int:meeting_id>")
@public
def meeting(meeting_id: int):
    """The public page of a meeting open for registration (no account needed)."""
    return _render_meeting(_public_registration(meeting_id))


@bp.post("/meetings/<int:meeting_id>/register")
@public
@limiter.limit(_register_limit)
def meeting_register(meeting_id: int):
    public = _public_registration(meeting_id)
    return _register(public, lambda status, **forms: _render_meeting(public, status, **forms))


@bp.post("/meetings/<int:meeting_id>/resend")
@public
@limiter.limit(_register_limit)
def meeting_resend(meeting_id: int):
    return _resend(_public_registration(meeting_id))


@bp.route("/meetings/<int:meeting_id>/registration", methods=["GET", "POST"])
def meeting_settings(meeting_id: int):
    """The meeting's organisers open it for public registration, with capacity and deadline."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    existing = services.public_registration_of(meeting)
    form = PublicRegistrationForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is not None:
        form.registration_deadline.data = existing.registration_deadline.astimezone(
            LOCAL_ZONE
        ).replace(tzinfo=None)
    form.event_start = meeting.start_at.astimezone(LOCAL_ZONE).replace(tzinfo=None)
    context = {"form": form, "meeting": meeting, "public": existing}
    if form.validate_on_submit():
        try:
            services.set_public_registration(
                current_user,
                meeting,
                capacity=form.capacity.data,
                registration_deadline=to_utc(form.registration_deadline.data),
                contact_name=form.contact_name.data,
                contact_email=form.contact_email.data,
                is_open=form.is_open.data,
                move_to_waitlist=form.move_to_waitlist.data,
            )
        except reg.CapacityConflict as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            context["affected"] = [(r.name, r.organisation_label) for r in error.affected]
            return render_template("visits/meeting_settings.html", **context), 409
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            return render_template("visits/meeting_settings.html", **context), error.status_code
        db.session.commit()
        flash(_("Public registration has been saved."), "success")
        return redirect(url_for("visits.meeting_registrations", meeting_id=meeting.id))
    status = 400 if form.is_submitted() else 200
    return render_template("visits/meeting_settings.html", **context), status


def _managed_public_registration(meeting_id: int) -> PublicRegistration:
    public = _public_registration(meeting_id)
    if not public.can_be_managed_by(current_user):
        abort(403)
    return public


@bp.get("/meetings/<int:meeting_id>/registrations")
def meeting_registrations(meeting_id: int):
    public = _managed_public_registration(meeting_id)
    return render_template(
        "visits/registrations.html",
        title=public.meeting.title,
        back_url=url_for("visits.meeting", meeting_id=meeting_id),
        csv_url=url_for("visits.meeting_registrations_csv", meeting_id=meeting_id),
        capacity=public.capacity,
        confirmed=reg.confirmed_of(public),
        waitlisted=reg.waitlisted_of(public),
        message_form=None,
        message_url=None,
    )


@bp.get("/meetings/<int:meeting_id>/registrations.csv")
def meeting_registrations_csv(meeting_id: int):
    public = _managed_public_registration(meeting_id)
    return _csv_response(services.registrations_csv(current_user, public), f"meeting-{meeting_id}")


@bp.app_context_processor
def _meeting_registration_helpers() -> dict:
    """For the partial on the meeting page (visits/_meeting_registration.html)."""

    def public_registration_panel(meeting):
        public = services.public_registration_of(meeting)
        counts = services.counts_of(public) if public else None
        return {"public": public, "counts": counts}

    return {"public_registration_panel": public_registration_panel}

"""Newsletter pages: the public subscription, confirmation, unsubscription, archive and feed;
the project manager's subscriber list, import, editions, preview and sending progress."""

from email import policy
from email.parser import BytesParser
from pathlib import Path
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..core.dates import format_when
from ..core.errors import DomainError
from ..core.i18n import LANGUAGE_NAMES, use_recipient_language
from ..core.markdown import render_markdown
from ..core.page_cache import CSRF_PLACEHOLDER, kept_html, per_change, shared_fragment
from ..core.pagination import paginate_with_kept_count
from ..core.security import admin_required, public
from ..core.urls import external_url
from ..extensions import csrf, db, limiter
from ..mail.heartbeat import worker_status
from . import bp, services
from .forms import (
    ActionForm,
    AddSubscriberForm,
    EditionForm,
    ImportConfirmForm,
    ImportUploadForm,
    SendTestForm,
    SubscribeForm,
)
from .inbound import reenable_subscriber as reenable
from .models import (
    LANGUAGES,
    ConsentSource,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SUBSCRIBERS_PER_PAGE = 50
# The HTML of a mail as sent, shown in a sandboxed frame of the preview page: its inline
# styles are allowed there, scripts never.
PREVIEW_CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox"
)


def _subscribe_limit() -> str:
    return current_app.config.get("RATELIMIT_SUBSCRIBE", "5 per minute")


def _viewer_language() -> str:
    lang = str(get_locale() or "nl")
    return lang if lang in LANGUAGES else "nl"


def _public_editions():
    return db.session.scalars(
        sa.select(Edition)
        .where(Edition.status == EditionStatus.sent)
        .order_by(Edition.quarter.desc(), Edition.id.desc())
    ).all()


# --- public ----------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(_subscribe_limit, methods=["POST"])
def index():
    """Subscribe (double opt-in) and the archive of sent editions."""
    form = SubscribeForm()
    if request.method == "GET":
        form.language.data = _viewer_language()
    status = 200
    if form.is_submitted() and form.website.data:
        # The spam trap was filled in: answer as if it worked, do nothing.
        flash(_subscribe_message(form.email.data or ""), "info")
        return redirect(url_for("newsletter.index"))
    if form.validate_on_submit():
        try:
            services.subscribe(
                form.email.data,
                name=form.name.data or "",
                organisation=form.organisation.data or "",
                language=form.language.data,
            )
        except services.InvalidEmail as error:
            db.session.rollback()
            form.email.errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            flash(_subscribe_message(form.email.data), "info")
            return redirect(url_for("newsletter.index"))
    elif form.is_submitted():
        status = 400
    return render_template("newsletter/index.html", form=form, editions=_public_editions()), status


def _subscribe_message(email: str) -> str:
    # The same words whether or not the address was on the list already.
    return _(
        "Thank you. If %(email)s is not yet subscribed, we have sent it a mail with a link to confirm the subscription. Please check your inbox.",
        email=email,
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    """The link from the confirmation mail: one button, so a mail scanner opening the link
    does not subscribe anybody."""
    try:
        subscriber = services.subscriber_from_confirmation(token)
    except DomainError as error:
        return render_template(
            "newsletter/link_problem.html", message=error.message
        ), error.status_code
    use_recipient_language(subscriber.language)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.confirm_subscription(token)
        except DomainError as error:
            db.session.rollback()
            return render_template(
                "newsletter/link_problem.html", message=error.message
            ), error.status_code
        db.session.commit()
        return render_template("newsletter/confirmed.html", subscriber=subscriber)
    if subscriber.status is SubscriberStatus.confirmed:
        return render_template("newsletter/confirmed.html", subscriber=subscriber)
    if subscriber.status is not SubscriberStatus.pending:
        error = services.InvalidLink()
        return render_template("newsletter/link_problem.html", message=error.message), 400
    return render_template(
        "newsletter/confirm.html", form=form, subscriber=subscriber
    ), 400 if form.is_submitted() else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without a form from this site
def unsubscribe(token: str):
    """GET: a page with one button. POST (that button, or a mail client's one-click
    `List-Unsubscribe=One-Click`): off the list at once, no login, no confirmation."""
    try:
        subscriber = services.subscriber_from_unsubscribe_token(token)
    except DomainError as error:
        return render_template(
            "newsletter/link_problem.html", message=error.message, unsubscribe=True
        ), error.status_code
    use_recipient_language(subscriber.language)
    if request.method == "POST":
        services.unsubscribe(subscriber)
        db.session.commit()
        return render_template("newsletter/unsubscribed.html", subscriber=subscriber)
    if subscriber.status is SubscriberStatus.unsubscribed:
        return render_template("newsletter/unsubscribed.html", subscriber=subscriber)
    return render_template("newsletter/unsubscribe.html", subscriber=subscriber)


@bp.get("/editions/<int:edition_id>")
@public
def edition(edition_id: int):
    """The web version of an edition, in the viewer's language or another with a note."""
    edition = db.get_or_404(Edition, edition_id)
    if not edition.is_public:
        return abort(404)
    wanted = _viewer_language()
    lang = edition.content_language(wanted) or wanted
    others = [code for code in edition.languages if code != lang]
    return render_template(
        "newsletter/edition.html",
        edition=edition,
        lang=lang,
        wanted=wanted,
        is_fallback=lang != wanted,
        fallback_note=services.fallback_note(wanted, lang) if lang != wanted else "",
        title=edition.title_in(lang),
        body=render_markdown(edition.body_in(lang)),
        others=others,
    )


ATOM = "http://www.w3.org/2005/Atom"


@bp.get("/feed.atom")
@public
def feed():
    """An Atom feed of the sent editions in the viewer's language (or `?lang=`)."""
    wanted = _viewer_language()
    editions = _public_editions()[:20]
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": wanted})
    ET.SubElement(root, f"{{{ATOM}}}title").text = _("Netwerkbrug newsletter")
    ET.SubElement(root, f"{{{ATOM}}}id").text = external_url("newsletter.feed")
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "href": external_url("newsletter.feed")})
    ET.SubElement(
        root,
        f"{{{ATOM}}}link",
        {"rel": "alternate", "type": "text/html", "href": external_url("newsletter.index")},
    )
    updated = max((e.sent_at or e.updated_at for e in editions), default=None)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = (updated or services.utcnow()).isoformat(
        timespec="seconds"
    )
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Netwerkbrug"
    for item in editions:
        lang = item.content_language(wanted) or wanted
        url = external_url("newsletter.edition", edition_id=item.id, lang=wanted)
        entry = ET.SubElement(root, f"{{{ATOM}}}entry", {"xml:lang": lang})
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{item.quarter}: {item.title_in(lang)}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = external_url(
            "newsletter.edition", edition_id=item.id
        )
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url})
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (
            item.sent_at or item.updated_at
        ).isoformat(timespec="seconds")
        ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"}).text = str(
            render_markdown(item.body_in(lang))
        )
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/progress.js")
@public
def script():
    """The small script that updates the progress page (the CSP allows no inline script)."""
    response = Response((STATIC_DIR / "progress.js").read_bytes(), mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# --- project manager: subscribers ------------------------------------------------------------


def _subscriber_query():
    query = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    language = request.args.get("language") or ""
    stmt = sa.select(Subscriber).where(Subscriber.not_erased()).order_by(Subscriber.email)
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                Subscriber.email.like(pattern),
                sa.func.lower(Subscriber.name).like(pattern),
                sa.func.lower(Subscriber.organisation).like(pattern),
            )
        )
    if status in SubscriberStatus.__members__:
        stmt = stmt.where(Subscriber.status == SubscriberStatus[status])
    if language in LANGUAGES:
        stmt = stmt.where(Subscriber.language == language)
    return stmt, {"q": query, "status": status, "language": language}


def _status_counts() -> dict[SubscriberStatus, int]:
    return dict(
        db.session.execute(
            sa.select(Subscriber.status, sa.func.count())
            .where(Subscriber.not_erased())
            .group_by(Subscriber.status)
        ).all()
    )


def _subscriber_list(stmt, filters: dict) -> str:
    counts = per_change("newsletter:status-counts", _status_counts)
    total = None
    if not filters["q"] and filters["language"] not in LANGUAGES:
        # the list's total is one of the counts per status shown above it: no second count
        status = SubscriberStatus.__members__.get(filters["status"])
        total = sum(counts.values()) if status is None else counts.get(status, 0)
    page = paginate_with_kept_count(
        stmt,
        count_key=f"subscribers:{sorted(filters.items())!r}",
        per_page=SUBSCRIBERS_PER_PAGE,
        total=None if total is None else lambda: total,
    )
    return render_template(
        "newsletter/admin/_subscriber_list.html",
        page=page,
        filters=filters,
        counts=counts,
        statuses=list(SubscriberStatus),
        # translated once, not once per row
        status_titles={status.name: str(status.title) for status in SubscriberStatus},
        source_titles={source.name: str(source.title) for source in ConsentSource},
        csrf=CSRF_PLACEHOLDER,
    )


@bp.get("/admin/subscribers")
@admin_required
def subscribers():
    # Every project manager sees the same list for the same URL: kept until the next change,
    # with each one's own CSRF token put into its forms.
    stmt, filters = _subscriber_query()
    listing = shared_fragment(
        "newsletter:subscribers", (request.full_path,), lambda: _subscriber_list(stmt, filters)
    )
    return render_template(
        "newsletter/admin/subscribers.html", listing=kept_html(listing), filters=filters
    )


@bp.get("/admin/subscribers.csv")
@admin_required
def export_subscribers():
    stmt, _filters = _subscriber_query()
    content = services.export_subscribers_csv(current_user, stmt)
    db.session.commit()
    return Response(
        content,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="newsletter-subscribers.csv"'},
    )


@bp.route("/admin/subscribers/new", methods=["GET", "POST"])
@admin_required
def add_subscriber():
    form = AddSubscriberForm()
    status = 200
    if form.validate_on_submit():
        try:
            subscriber = services.add_subscriber(
                current_user,
                form.email.data,
                name=form.name.data or "",
                organisation=form.organisation.data or "",
                language=form.language.data,
                consent_basis=form.consent_basis.data,
            )
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            flash(_("%(email)s has been added to the list.", email=subscriber.email), "success")
            return redirect(url_for("newsletter.subscribers"))
    elif form.is_submitted():
        status = 400
    return render_template("newsletter/admin/add_subscriber.html", form=form), status


@bp.post("/admin/subscribers/<int:subscriber_id>/unsubscribe")
@admin_required
def unsubscribe_subscriber(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("newsletter.subscribers")), 400
    if services.unsubscribe(subscriber, actor=current_user):
        db.session.commit()
        flash(_("%(email)s has been unsubscribed.", email=subscriber.email), "success")
    else:
        flash(_("%(email)s was already unsubscribed.", email=subscriber.email), "info")
    back = request.form.get("back") or ""
    if not (back.startswith("/newsletter/admin/subscribers") and "//" not in back):
        back = url_for("newsletter.subscribers")
    return redirect(back)


@bp.post("/admin/subscribers/<int:subscriber_id>/reenable")
@admin_required
def reenable_subscriber(subscriber_id: int):
    """Puts a subscriber disabled after bounces back on the list."""
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("newsletter.subscribers")), 400
    try:
        reenable(current_user, subscriber)
    except DomainError as error:
        flash(str(error.message), "warning")
        return redirect(url_for("newsletter.subscribers")), error.status_code
    db.session.commit()
    flash(_("%(email)s receives the newsletter again.", email=subscriber.email), "success")
    return redirect(url_for("newsletter.subscribers", status=SubscriberStatus.confirmed.name))


@bp.route("/admin/subscribers/import", methods=["GET", "POST"])
@admin_required
def import_subscribers():
    """Step 1: upload the CSV and state the consent basis; step 2: the preview with an error
    per row; step 3: import the valid rows. Nothing is written before step 3."""
    if request.form.get("step") == "confirm":
        return _import_confirm()
    form = ImportUploadForm()
    if form.validate_on_submit():
        text = services.decode_upload(form.file.data.read())
        try:
            preview = services.preview_import(text, form.language.data)
        except DomainError as error:
            form.form_errors.append(str(error.message))
            return render_template("newsletter/admin/import.html", form=form), error.status_code
        confirm_form = ImportConfirmForm(
            formdata=None,
            csv_text=text,
            language=form.language.data,
            consent_basis=form.consent_basis.data,
        )
        return render_template(
            "newsletter/admin/import_preview.html", preview=preview, form=confirm_form
        )
    return render_template(
        "newsletter/admin/import.html", form=form
    ), 400 if form.is_submitted() else 200


def _import_confirm():
    form = ImportConfirmForm()
    if form.validate_on_submit():
        try:
            result = services.import_subscribers(
                current_user, form.csv_text.data, form.language.data, form.consent_basis.data
            )
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(
                _(
                    "Imported: %(added)s addresses added, %(rejected)s rows left out.",
                    added=len(result.valid),
                    rejected=len(result.invalid),
                ),
                "success",
            )
            return redirect(url_for("newsletter.subscribers"))
    if not form.csv_text.data:
        return redirect(url_for("newsletter.import_subscribers")), 400
    try:
        preview = services.preview_import(form.csv_text.data, form.language.data or "nl")
    except DomainError:
        return redirect(url_for("newsletter.import_subscribers")), 400
    return render_template("newsletter/admin/import_preview.html", preview=preview, form=form), 400


# --- project manager: editions ---------------------------------------------------------------


@bp.get("/admin/editions")
@admin_required
def editions():
    items = db.session.scalars(
        sa.select(Edition).order_by(Edition.quarter.desc(), Edition.id.desc())
    ).all()
    ids = [item.id for item in items]
    return render_template(
        "newsletter/admin/editions.html",
        editions=items,
        progress=services.progress_by_edition(ids),
        unsubscribes=services.unsubscribes_since(ids),
        confirmed=services.confirmed_count(),
    )


def _edition_content(form: EditionForm) -> dict[str, str]:
    return {name: form[name].data or "" for name in services.CONTENT_FIELDS}


@bp.route("/admin/editions/new", methods=["GET", "POST"])
@admin_required
def new_edition():
    form = EditionForm()
    status = 200
    if form.validate_on_submit():
        try:
            edition = services.create_edition(
                current_user, form.quarter.data, **_edition_content(form)
            )
        except DomainError as error:
            db.session.rollback()
            form.quarter.errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            flash(_("The edition %(quarter)s has been saved.", quarter=edition.quarter), "success")
            return redirect(url_for("newsletter.preview_edition", edition_id=edition.id))
    elif form.is_submitted():
        status = 400
    return render_template("newsletter/admin/edition_form.html", form=form, edition=None), status


@bp.route("/admin/editions/<int:edition_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_edition(edition_id: int):
    edition = db.get_or_404(Edition, edition_id)
    if not edition.is_draft:
        raise services.EditionNotDraft()
    form = EditionForm(obj=edition)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_edition(
                current_user, edition, form.quarter.data, **_edition_content(form)
            )
        except DomainError as error:
            db.session.rollback()
            form.quarter.errors.append(str(error.message))
            status = error.status_code
        else:
            db.session.commit()
            flash(_("The edition %(quarter)s has been saved.", quarter=edition.quarter), "success")
            return redirect(url_for("newsletter.preview_edition", edition_id=edition.id))
    elif form.is_submitted():
        status = 400
    return render_template("newsletter/admin/edition_form.html", form=form, edition=edition), status


def _preview_language() -> str:
    language = request.args.get("language") or _viewer_language()
    return language if language in LANGUAGES else "nl"


def _preview_parts(edition: Edition, language: str) -> dict:
    """The message exactly as a subscriber of `language` gets it, parsed back from the bytes."""
    msg = services.edition_message(edition, services.preview_reader(current_user, language))
    parsed = BytesParser(policy=policy.default).parsebytes(msg.as_bytes(policy=policy.SMTP))
    return {
        "message": parsed,
        "subject": str(parsed["Subject"]),
        "text": parsed.get_body(("plain",)).get_content(),
        "html": parsed.get_body(("html",)).get_content(),
        "content_language": edition.content_language(language),
    }


@bp.get("/admin/editions/<int:edition_id>/preview")
@admin_required
def preview_edition(edition_id: int):
    edition = db.get_or_404(Edition, edition_id)
    language = _preview_language()
    test_form = SendTestForm(formdata=None, language=language)
    return render_template(
        "newsletter/admin/preview.html",
        edition=edition,
        language=language,
        preview=_preview_parts(edition, language),
        test_form=test_form,
        action_form=ActionForm(),
        confirmed=services.confirmed_count(),
        language_names=LANGUAGE_NAMES,
    )


@bp.get("/admin/editions/<int:edition_id>/preview/<language>.html")
@admin_required
def preview_html(edition_id: int, language: str):
    edition = db.get_or_404(Edition, edition_id)
    if language not in LANGUAGES:
        abort(404)
    html = _preview_parts(edition, language)["html"]
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _edition_action(edition_id: int, action, message: str, target: str):
    """Runs one send/pause/resume/test service; a broken rule is shown with a 4xx."""
    edition = db.get_or_404(Edition, edition_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return redirect(url_for(target, edition_id=edition.id)), 400
    try:
        result = action(edition)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return redirect(url_for(target, edition_id=edition.id)), error.status_code
    db.session.commit()
    flash(message(edition, result), "success")
    return redirect(url_for(target, edition_id=edition.id))


@bp.post("/admin/editions/<int:edition_id>/test")
@admin_required
def send_test(edition_id: int):
    form = SendTestForm()
    language = form.language.data if form.language.data in LANGUAGES else "nl"
    edition = db.get_or_404(Edition, edition_id)
    if not form.validate_on_submit():
        flash(_("Choose the language of the test."), "danger")
        return redirect(url_for("newsletter.preview_edition", edition_id=edition.id)), 400
    services.send_test(current_user, edition, language)
    db.session.commit()
    flash(
        _(
            "A test of %(quarter)s in %(language)s has been sent to %(email)s.",
            quarter=edition.quarter,
            language=LANGUAGE_NAMES[language],
            email=current_user.email,
        ),
        "success",
    )
    return redirect(url_for("newsletter.preview_edition", edition_id=edition.id, language=language))


@bp.get("/admin/editions/<int:edition_id>/send")
@admin_required
def confirm_send(edition_id: int):
    """The confirmation step before sending to everyone (works without JavaScript): how
    many confirmed subscribers receive it, in which languages."""
    edition = db.get_or_404(Edition, edition_id)
    if not edition.is_draft:
        return redirect(url_for("newsletter.progress", edition_id=edition.id))
    by_language = services.confirmed_by_language()
    return render_template(
        "newsletter/admin/confirm_send.html",
        edition=edition,
        form=ActionForm(),
        total=sum(by_language.values()),
        total_text=format_decimal(sum(by_language.values())),
        by_language=by_language,
        language_names=LANGUAGE_NAMES,
    )


@bp.post("/admin/editions/<int:edition_id>/send")
@admin_required
def send_edition(edition_id: int):
    return _edition_action(
        edition_id,
        lambda edition: services.queue_edition(current_user, edition),
        lambda edition, n: ngettext(
            "Sending %(quarter)s to %(num)s subscriber has started.",
            "Sending %(quarter)s to %(num)s subscribers has started.",
            n,
            quarter=edition.quarter,
        ),
        "newsletter.progress",
    )


@bp.post("/admin/editions/<int:edition_id>/pause")
@admin_required
def pause_edition(edition_id: int):
    return _edition_action(
        edition_id,
        lambda edition: services.pause_edition(current_user, edition),
        lambda edition, _n: _("Sending %(quarter)s has been paused.", quarter=edition.quarter),
        "newsletter.progress",
    )


@bp.post("/admin/editions/<int:edition_id>/resume")
@admin_required
def resume_edition(edition_id: int):
    return _edition_action(
        edition_id,
        lambda edition: services.resume_edition(current_user, edition),
        lambda edition, _n: _("Sending %(quarter)s has been resumed.", quarter=edition.quarter),
        "newsletter.progress",
    )


def _worker_notice(edition: Edition) -> str | None:
    """While an edition is being sent: a sentence when no mail worker is alive or the mail
    server is unreachable (from the workers' heartbeats)."""
    if edition.status is not EditionStatus.sending:
        return None
    status = worker_status()
    if status.last_seen_at is None:
        return _("No mail worker has reported yet: the messages wait until one runs.")
    if not status.is_alive:
        return ngettext(
            "No mail worker has reported for %(num)s minute: the messages wait until one runs again.",
            "No mail worker has reported for %(num)s minutes: the messages wait until one runs again.",
            status.silent_minutes or 0,
        )
    if status.smtp_down_since is not None:
        return _(
            "The mail server has been unreachable since %(time)s; the messages wait. Last answer: %(error)s",
            time=format_when(status.smtp_down_since),
            error=status.smtp_error or "",
        )
    return None


@bp.get("/admin/editions/<int:edition_id>/progress")
@admin_required
def progress(edition_id: int):
    edition = db.get_or_404(Edition, edition_id)
    return render_template(
        "newsletter/admin/progress.html",
        edition=edition,
        worker_notice=_worker_notice(edition),
        progress=services.edition_progress(edition),
        failures=services.failed_deliveries(edition),
        unsubscribes=services.unsubscribes_since([edition.id]).get(edition.id, 0),
        action_form=ActionForm(),
    )


@bp.get("/admin/editions/<int:edition_id>/progress.json")
@admin_required
def progress_json(edition_id: int):
    edition = db.get_or_404(Edition, edition_id)
    progress = services.edition_progress(edition)
    return {
        "edition": edition.id,
        "status": edition.status.name,
        "status_title": edition.status.title,
        "progress": progress.as_dict(),
        "sent_at": format_when(edition.sent_at) if edition.sent_at else None,
        "worker_notice": _worker_notice(edition),
    }

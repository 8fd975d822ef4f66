from pathlib import Path

from flask import Response, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.page_cache import kept_html, shared_fragment
from ..core.security import admin_required, public
from ..extensions import db
from . import bp, services
from .forms import IntroductionForm


def _for_me_lists() -> tuple[str, int, bool]:
    """The lists of what waits for the person (HTML), how many things wait, and whether a
    list was cut."""
    overview = services.for_me(current_user)
    html = render_template("home/_for_me_lists.html", overview=overview)
    return html, overview.pending, overview.is_cut


def home():
    """The page behind core.index: "For me" when signed in, the front page otherwise."""
    if current_user.is_authenticated:
        # The person's own lists, kept for them alone (their id is in the key) until the
        # next change.
        lists, pending, is_cut = shared_fragment("home:for_me", (current_user.id,), _for_me_lists)
        if not is_cut:
            g.for_me_count = pending  # the header's count, without asking again
        return render_template("home/for_me.html", lists=kept_html(lists), pending=pending)
    return render_template("home/front.html", front=services.front_page())


@bp.route("/introduction", methods=["GET", "POST"])
@admin_required
def edit_introduction():
    current = services.introduction()
    form = IntroductionForm(obj=current)
    if form.validate_on_submit():
        services.save_introduction(
            current_user,
            {"nl": form.text_nl.data, "de": form.text_de.data, "en": form.text_en.data},
        )
        db.session.commit()
        flash(_("The introduction on the front page has been saved."), "success")
        return redirect(url_for("core.index"))
    return render_template("home/introduction.html", form=form), (
        400 if form.is_submitted() else 200
    )


@bp.get("/about")
@public
def about():
    from ..groups.models import Phase

    return render_template(
        "home/about.html", phases=list(Phase), introduction=services.introduction()
    )


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; 6 KB, read whole (no file
    handle left to the response)."""
    icon = Path(current_app.static_folder) / "icons" / "favicon.ico"
    response = Response(icon.read_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 7 * 24 * 3600
    return response


@bp.get("/for-me/count.json")
def for_me_count():
    """The header's number, fetched by the page's script so that other pages spend no
    query on it."""
    count = services.pending_counts(current_user)
    return {"count": count, "label": ngettext("thing waits", "things wait", count)}

from flask import current_app, g, render_template, send_from_directory
from flask_babel import ngettext
from flask_login import current_user

from ..core.security import public
from . import bp, services


def home():
    """The page behind core.index: "For me" when signed in, the front page otherwise."""
    if current_user.is_authenticated:
        overview = services.for_me(current_user)
        if not overview.is_cut:
            g.for_me_count = overview.pending  # the header's count, without asking again
        return render_template("home/for_me.html", overview=overview)
    return render_template("home/front.html", front=services.front_page())


@bp.get("/about")
@public
def about():
    from ..groups.models import Phase

    return render_template("home/about.html", phases=list(Phase))


@bp.get("/favicon.ico")
@public
def favicon():
    return send_from_directory(
        current_app.static_folder, "icons/favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


@bp.get("/for-me/count.json")
def for_me_count():
    """The header's number, fetched by the page's script so that other pages spend no
    query on it."""
    count = services.pending_counts(current_user)
    return {"count": count, "label": ngettext("thing waits", "things wait", count)}

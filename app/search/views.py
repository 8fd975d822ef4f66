from flask import abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.security import public
from . import bp
from .services import MAX_QUERY_LENGTH, search
from .sources import KINDS

KIND_TITLES = {
    "organisation": _l("Organisations"),
    "person": _l("People"),
    "group": _l("Working groups"),
    "meeting": _l("Meetings"),
    "proposal": _l("Proposals"),
    "decision": _l("Decisions"),
    "document": _l("Documents"),
    "visit": _l("Work visits"),
    "point": _l("Learning and transfer points"),
    "edition": _l("Newsletters"),
}


def link_of(hit) -> str | None:
    """Where a hit is read (or done)."""
    entry = hit.entry
    match entry.source:
        case "organisations":
            return url_for("partners.show", organisation_id=entry.ref_id)
        case "users":
            if entry.parent_id is None:
                return None
            return url_for("partners.show", organisation_id=entry.parent_id)
        case "working_groups":
            return url_for("groups.show", slug=hit.group_slug)
        case "meetings":
            return url_for("meetings.show", meeting_id=entry.ref_id)
        case "proposals":
            endpoint = "consensus.decision" if entry.kind == "decision" else "consensus.show"
            return url_for(endpoint, proposal_id=entry.ref_id)
        case "visits":
            return url_for("visits.show", visit_id=entry.ref_id)
        case "visit_points":
            return url_for("visits.show", visit_id=entry.parent_id)
        case "newsletter_editions":
            return url_for("newsletter.edition", edition_id=entry.ref_id)
        case "group_documents":
            return url_for(
                "groups.download_document", slug=hit.group_slug, document_id=entry.ref_id
            )
        case "meeting_documents":
            return url_for(
                "meetings.download_document", meeting_id=entry.parent_id, document_id=entry.ref_id
            )
    return None


@bp.get("/")
@public
def index():
    query = request.args.get("q", "").strip()
    kind = request.args.get("type") or None
    if len(query) > MAX_QUERY_LENGTH or (kind is not None and kind not in KINDS):
        abort(400)
    page = request.args.get("page", 1, type=int)
    lang = str(get_locale())
    results = search(query, current_user, kind=kind, page=page, lang=lang)
    if page != results.page:
        abort(404)
    return render_template(
        "search/index.html",
        results=results,
        kinds=[(k, KIND_TITLES[k]) for k in KINDS],
        kind_titles=KIND_TITLES,
        link_of=link_of,
        lang=lang,
    )

"""Calendar feeds that calendar programs subscribe to. They cannot sign in, so a public
group's feed is public and a person's feed carries a secret, regenerable token. A person's
feed holds their meetings and the work visits they have a confirmed place for."""

import hashlib
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.http import is_resource_modified

from ..core.not_modified import remember_validators
from ..core.security import public
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import WorkingGroup
from ..meetings import services as meeting_services
from ..meetings.models import CalendarFeed, Invitation, Meeting
from ..visits import services as visit_services
from . import bp, feeds, ical


def calendar_response(body: bytes, last_modified: datetime | None, filename: str) -> Response:
    """`text/calendar; charset=utf-8` with an ETag and Last-Modified; an unchanged feed
    answers 304 Not Modified."""
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


def _is_current(check: "feeds.Validators | None") -> bool:
    """Whether the client's copy (If-None-Match / If-Modified-Since) matches `check`."""
    return check is not None and not is_resource_modified(
        request.environ, etag=check.etag, last_modified=check.last_modified
    )


def _with_validators(response: Response, check: "feeds.Validators") -> Response:
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.set_etag(check.etag)
    if check.last_modified is not None:
        response.last_modified = check.last_modified
    return response


def _feed_response(
    check: "feeds.Validators", build: Callable[[], bytes], filename: str
) -> Response:
    """304 from the validators alone when the client's copy is current; else the body."""
    if _is_current(check):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return _with_validators(response, check)


@bp.get("/groups/<slug>.ics")
@public
def group_feed(slug: str):
    """Only public groups have a public feed; a private group's answers 404.
    `?history=all` gives every meeting, not only those from a year back onward."""
    lang = str(get_locale() or "nl")
    since = feeds.window_start(request.args.get("history"))
    remember_validators(until=feeds.window_moves_at(since))
    group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
    if not group.is_public:
        abort(404)
    name = f"Netwerkbrug – {group.name}"
    check = feeds.group_validators(group, name=name, lang=lang, since=since)
    return _feed_response(
        check,
        lambda: feeds.feed_body([Meeting.group_id == group.id], name=name, lang=lang, since=since),
        f"{group.slug}.ics",
    )


@bp.get("/feed/<token>.ics")
@public
def personal_feed(token: str):
    """A person's meetings and confirmed visit places (`?history=all` as above). The
    answer remembered for a conditional poll is the token's: a renewed token, a deactivated
    account or a changed language is a write, after which the token is looked up again."""
    since = feeds.window_start(request.args.get("history"))
    remember_validators(until=feeds.window_moves_at(since))
    feed = db.one_or_404(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token == token)
        .options(joinedload(CalendarFeed.user))
    )
    user = feed.user
    if not user.is_active:
        abort(404)
    lang = user.locale

    def build() -> bytes:
        visits = b"".join(
            event.to_ical()
            for visit in visit_services.feed_visits(user)
            for event in ical.visit_events(
                visit, lang=lang, url=external_url("visits.show", visit_id=visit.id)
            )
        )
        return feeds.feed_body(
            [Invitation.user_id == user.id],
            name="Netwerkbrug",
            lang=lang,
            since=since,
            join_invitations=True,
            extra=visits,
        )

    check = feeds.personal_validators(user, lang=lang, since=since)
    return _feed_response(check, build, "netwerkbrug.ics")


@bp.post("/feed/regenerate")
def regenerate_feed():
    from ..core.forms import BaseForm

    if not BaseForm().validate_on_submit():
        abort(400)
    meeting_services.regenerate_feed_token(current_user)
    db.session.commit()
    flash(_("Your calendar link has been renewed. The old link no longer works."), "success")
    return redirect(url_for("auth.profile", _anchor="calendar-feed"))

"""Calendar feeds that calendar programs subscribe to. They cannot sign in, so a public
group's feed is public and a person's feed carries a secret, regenerable token. A person's
feed holds their meetings and the work visits they have a confirmed place for."""

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.security import public
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import WorkingGroup
from ..meetings import services as meeting_services
from ..meetings.models import CalendarFeed, Meeting
from ..visits import services as visit_services
from ..visits.models import Visit
from . import bp, ical


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


def _meeting_url(meeting: Meeting) -> str:
    return external_url("meetings.show", meeting_id=meeting.id)


def _send_feed(
    meetings: list[Meeting],
    name: str,
    filename: str,
    lang: str | None = None,
    visits: list[Visit] = (),
) -> Response:
    lang = lang or str(get_locale() or "nl")
    visit_events = [
        event
        for visit in visits
        for event in ical.visit_events(
            visit, lang=lang, url=external_url("visits.show", visit_id=visit.id)
        )
    ]
    body = ical.feed_bytes(
        meetings, name=name, lang=lang, url_for=_meeting_url, extra_events=visit_events
    )
    last = max((x.updated_at for x in [*meetings, *visits]), default=None)
    return calendar_response(body, last, filename)


@bp.get("/groups/<slug>.ics")
@public
def group_feed(slug: str):
    """Only public groups have a public feed; a private group's answers 404."""
    group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
    if not group.is_public:
        abort(404)
    meetings = list(
        db.session.scalars(
            sa.select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.start_at)
        )
    )
    return _send_feed(meetings, f"Netwerkbrug – {group.name}", f"{group.slug}.ics")


@bp.get("/feed/<token>.ics")
@public
def personal_feed(token: str):
    feed = db.one_or_404(sa.select(CalendarFeed).where(CalendarFeed.token == token))
    if not feed.user.is_active:
        abort(404)
    meetings = meeting_services.feed_meetings(feed.user)
    visits = visit_services.feed_visits(feed.user)
    return _send_feed(
        meetings, "Netwerkbrug", "netwerkbrug.ics", lang=feed.user.locale, visits=visits
    )


@bp.post("/feed/regenerate")
def regenerate_feed():
    from ..core.forms import BaseForm

    if not BaseForm().validate_on_submit():
        abort(400)
    meeting_services.regenerate_feed_token(current_user)
    db.session.commit()
    flash(_("Your calendar link has been renewed. The old link no longer works."), "success")
    return redirect(url_for("auth.profile", _anchor="calendar-feed"))

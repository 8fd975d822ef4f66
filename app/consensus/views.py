"""Consensus pages: thin handlers that load, authorise, validate, call a service and
commit once. A private group's proposals answer 404 to people outside the group; the
moderator's pages answer 403 to everyone but the moderator and the project manager."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..core.database import utcnow
from ..extensions import db
from ..groups.models import Membership, WorkingGroup
from . import bp, services
from .forms import (
    CloseRoundForm,
    CommentForm,
    ConfirmForm,
    HideCommentForm,
    OpenRoundForm,
    PositionForm,
    ProposalForm,
    RepresentationForm,
    VersionForm,
)
from .models import Comment, Proposal, ProposalVersion, Round, Stance, Visibility

LOCAL_ZONE = ZoneInfo("Europe/Berlin")


def _visible_group(slug: str) -> WorkingGroup:
    group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
    if not group.is_visible_to(current_user):
        abort(404)
    return group


def _visible_proposal(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not proposal.group.is_visible_to(current_user):
        abort(404)
    return proposal


def _round_of(proposal: Proposal, round_id: int) -> Round:
    round_ = db.get_or_404(Round, round_id)
    if round_.proposal_id != proposal.id:
        abort(404)
    return round_


def _moderated_round(proposal_id: int, round_id: int) -> Round:
    proposal = _visible_proposal(proposal_id)
    if not services.can_moderate(proposal.group, current_user):
        abort(403)
    return _round_of(proposal, round_id)


@bp.get("/")
def index():
    """Proposals in every group the viewer may see."""
    stmt = (
        sa.select(Proposal)
        .join(WorkingGroup, WorkingGroup.id == Proposal.group_id)
        .options(selectinload(Proposal.group), selectinload(Proposal.rounds))
        .order_by(Proposal.status, Proposal.created_at.desc(), Proposal.id.desc())
    )
    if not current_user.is_admin:
        member_of = sa.select(Membership.group_id).where(
            Membership.user_id == current_user.id, Membership.left_on.is_(None)
        )
        stmt = stmt.where(sa.or_(WorkingGroup.is_public.is_(True), WorkingGroup.id.in_(member_of)))
    proposals = db.session.scalars(stmt).all()
    return render_template("consensus/index.html", proposals=proposals)


def _render_group_proposals(group: WorkingGroup, form: ProposalForm | None = None, status=200):
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.group_id == group.id)
        .options(selectinload(Proposal.rounds), selectinload(Proposal.versions))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    ).all()
    can_moderate = services.can_moderate(group, current_user)
    if can_moderate and form is None:
        form = ProposalForm(supersedes=request.args.get("supersedes", 0, type=int))
    if form is not None:
        form.set_decisions(services.decisions_of(group))
    return render_template(
        "consensus/group.html",
        group=group,
        proposals=proposals,
        form=form if can_moderate else None,
        representation_rows=services.representation_rows(group)
        if group.decides_per_institution and group.can_see_members(current_user)
        else None,
    ), status


@bp.get("/groups/<slug>")
def group_proposals(slug: str):
    return _render_group_proposals(_visible_group(slug))


@bp.post("/groups/<slug>/representation/<int:organisation_id>")
def set_representation(slug: str, organisation_id: int):
    """The project manager names who answers for an organisation; its representative
    names their deputy."""
    group = _visible_group(slug)
    form = RepresentationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_representation(
            current_user,
            group,
            organisation_id,
            representative_id=form.representative.data or None,
            deputy_id=form.deputy.data or None,
        )
    except services.ConsensusError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _render_group_proposals(_visible_group(slug), status=error.status_code)
    db.session.commit()
    flash(_("Saved: who answers for the organisation in this group."), "success")
    return redirect(url_for("consensus.group_proposals", slug=slug, _anchor="representation"))


@bp.post("/groups/<slug>")
def create_proposal(slug: str):
    group = _visible_group(slug)
    if not services.can_moderate(group, current_user):
        abort(403)
    form = ProposalForm().set_decisions(services.decisions_of(group))
    if not form.validate_on_submit():
        return _render_group_proposals(group, form, 400)
    proposal = services.create_proposal(
        current_user,
        group,
        title=form.title.data,
        title_de=form.title_de.data or "",
        text_nl=form.text_nl.data,
        text_de=form.text_de.data,
        binding_language=form.binding_language.data or "",
        change_note=form.change_note.data or "",
        supersedes=db.session.get(Proposal, form.supersedes.data) if form.supersedes.data else None,
    )
    db.session.commit()
    flash(
        _("The proposal “%(title)s” has been put to the group.", title=proposal.local_title),
        "success",
    )
    return redirect(url_for("consensus.show", proposal_id=proposal.id))


def _explain_quorum(form: OpenRoundForm, group: WorkingGroup) -> None:
    """The quorum field states the group's floor and the default for today's members."""
    eligible = services.count_eligible(group)
    if not eligible:
        return
    values = {
        "floor": services.quorum_floor(group, eligible),
        "eligible": eligible,
        "default": services.default_quorum(eligible),
    }
    if group.decides_per_institution:
        form.quorum.description = _(
            "Between %(floor)s (this group's lowest quorum) and %(eligible)s organisations. Leave empty for two thirds: %(default)s.",
            **values,
        )
    else:
        form.quorum.description = _(
            "Between %(floor)s (this group's lowest quorum) and %(eligible)s voting members. Leave empty for two thirds: %(default)s.",
            **values,
        )


def _render_proposal(
    proposal: Proposal,
    *,
    position_form: PositionForm | None = None,
    round_form: OpenRoundForm | None = None,
    version_form: VersionForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
):
    group = proposal.group
    is_moderator = services.can_moderate(group, current_user)
    current = proposal.current_round
    current_view = None
    my_position = None
    membership = None
    if current is not None:
        current_view = services.round_view(current, current_user)
        membership = services.answering_membership_in(current, current_user)
        if membership is not None:
            my_position = services.position_of(current, membership)
    if position_form is None and current is not None and membership is not None:
        position_form = PositionForm(
            stance=my_position.stance.value if my_position and my_position.stance else None,
            reason=my_position.reason if my_position else "",
        )
    closed_views = [services.round_view(r, current_user) for r in proposal.rounds if r.is_closed]
    last_closed = closed_views[-1] if closed_views else None
    can_revise = is_moderator and not proposal.is_decided and current is None
    if can_revise and version_form is None:
        latest = proposal.current_version
        version_form = VersionForm(
            text_nl=latest.text_nl, text_de=latest.text_de, binding_language=latest.binding_language
        )
    if is_moderator and not proposal.is_decided and current is None and round_form is None:
        round_form = OpenRoundForm()
    if round_form is not None:
        _explain_quorum(round_form, group)
    versions = proposal.versions
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.proposal_id == proposal.id)
        .options(selectinload(Comment.author), selectinload(Comment.hidden_by))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    if (
        comment_form is None
        and not proposal.is_decided
        and services.can_comment(group, current_user)
    ):
        comment_form = CommentForm()
    return render_template(
        "consensus/proposal.html",
        proposal=proposal,
        group=group,
        versions=versions,
        is_moderator=is_moderator,
        current=current,
        current_view=current_view,
        my_position=my_position,
        my_membership=membership,
        can_take_position=membership is not None
        and current is not None
        and current.is_open()
        and not (current.is_secret and my_position is not None),
        position_form=position_form,
        round_form=round_form
        if (is_moderator and not proposal.is_decided and not current)
        else None,
        version_form=version_form if can_revise else None,
        closed_views=closed_views,
        last_closed=last_closed,
        comments=comments,
        comment_form=comment_form if not proposal.is_decided else None,
        now=utcnow(),
    ), status


@bp.get("/proposals/<int:proposal_id>")
def show(proposal_id: int):
    return _render_proposal(_visible_proposal(proposal_id))


def _domain_error(proposal: Proposal, error: services.ConsensusError, **forms):
    db.session.rollback()
    flash(str(error.message), "danger")
    return _render_proposal(_visible_proposal(proposal.id), status=error.status_code, **forms)


@bp.post("/proposals/<int:proposal_id>/versions")
def revise(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if not services.can_moderate(proposal.group, current_user):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        return _render_proposal(proposal, version_form=form, status=400)
    try:
        version = services.revise_proposal(
            current_user,
            proposal,
            text_nl=form.text_nl.data,
            text_de=form.text_de.data,
            binding_language=form.binding_language.data or "",
            change_note=form.change_note.data or "",
        )
    except services.ConsensusError as error:
        return _domain_error(proposal, error)
    db.session.commit()
    flash(_("Version %(number)s has been saved.", number=version.number), "success")
    return redirect(url_for("consensus.show", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/rounds")
def open_round(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if not services.can_moderate(proposal.group, current_user):
        abort(403)
    form = OpenRoundForm()
    if not form.validate_on_submit():
        return _render_proposal(proposal, round_form=form, status=400)
    closes_at = form.closes_at.data.replace(tzinfo=LOCAL_ZONE)
    try:
        round_ = services.open_round(
            current_user,
            proposal,
            closes_at=closes_at,
            visibility=Visibility(form.visibility.data),
            is_tally_hidden=form.is_tally_hidden.data,
            quorum=form.quorum.data,
        )
    except services.ConsensusError as error:
        return _domain_error(proposal, error)
    db.session.commit()
    flash(_("Round %(number)s is open.", number=round_.number), "success")
    return redirect(url_for("consensus.dashboard", proposal_id=proposal.id, round_id=round_.id))


@bp.post("/proposals/<int:proposal_id>/rounds/<int:round_id>/position")
def record_position(proposal_id: int, round_id: int):
    proposal = _visible_proposal(proposal_id)
    round_ = _round_of(proposal, round_id)
    form = PositionForm()
    if not form.validate_on_submit():
        return _render_proposal(proposal, position_form=form, status=400)
    try:
        services.record_position(round_, current_user, Stance(form.stance.data), form.reason.data)
    except services.ReasonRequired as error:
        db.session.rollback()
        form.reason.errors = [str(error.message)]
        return _render_proposal(_visible_proposal(proposal_id), position_form=form, status=400)
    except services.ConsensusError as error:
        return _domain_error(proposal, error)
    db.session.commit()
    if round_.is_secret:
        flash(_("Your position has been recorded, without your name."), "success")
    else:
        flash(
            _("Your position has been recorded. You can change it until the round closes."),
            "success",
        )
    return redirect(url_for("consensus.show", proposal_id=proposal.id))


@bp.get("/proposals/<int:proposal_id>/rounds/<int:round_id>/dashboard")
def dashboard(proposal_id: int, round_id: int):
    round_ = _moderated_round(proposal_id, round_id)
    view = services.round_view(round_, current_user)
    return render_template(
        "consensus/dashboard.html",
        proposal=round_.proposal,
        round=round_,
        view=view,
        form=ConfirmForm(),
        can_remind=round_.is_open() and bool(view.waiting),
    )


@bp.get("/proposals/<int:proposal_id>/rounds/<int:round_id>/projected")
def projected(proposal_id: int, round_id: int):
    """The view for the wall of the meeting room: what every member may see (never names;
    for a hidden tally only how many answered), whoever opens it."""
    round_ = _moderated_round(proposal_id, round_id)
    view = services.round_view(round_, None, is_moderator=False, show_participation=False)
    return render_template(
        "consensus/projected.html", proposal=round_.proposal, round=round_, view=view
    )


def _live_etag(round_: Round, audience: str) -> str:
    """Changes with everything a live view shows (see Round.revision) without reading
    the positions: a poll while nothing happened costs one small query and a 304."""
    is_open = int(round_.is_open())
    return f"round-{round_.id}-{round_.revision}-{is_open}-{audience}-{get_locale()}"


@bp.get("/proposals/<int:proposal_id>/rounds/<int:round_id>/tally.json")
def tally_json(proposal_id: int, round_id: int):
    """The live tally as the viewer may see it (names only where the round allows). The
    live pages poll it: 304 while the round's revision is unchanged."""
    proposal = _visible_proposal(proposal_id)
    round_ = _round_of(proposal, round_id)
    group = proposal.group
    if services.moderates_group(group, current_user):
        audience = "moderator"
    elif services.can_moderate(group, current_user):
        audience = "manager"
    else:
        audience = "member"
    etag = _live_etag(round_, audience)
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = jsonify(services.round_view(round_, current_user).as_json())
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def _render_close(round_: Round, form: CloseRoundForm, status: int = 200):
    view = services.round_view(round_, current_user)
    return render_template(
        "consensus/close.html",
        proposal=round_.proposal,
        round=round_,
        view=view,
        form=form,
        closes_early=utcnow() < round_.closes_at,
    ), status


@bp.get("/proposals/<int:proposal_id>/rounds/<int:round_id>/close")
def confirm_close(proposal_id: int, round_id: int):
    """The confirmation step before closing: what closing now means, and (before the
    closing time) the reason that goes into the decision record."""
    round_ = _moderated_round(proposal_id, round_id)
    if round_.is_closed:
        return redirect(url_for("consensus.show", proposal_id=proposal_id))
    return _render_close(round_, CloseRoundForm())


@bp.post("/proposals/<int:proposal_id>/rounds/<int:round_id>/close")
def close(proposal_id: int, round_id: int):
    round_ = _moderated_round(proposal_id, round_id)
    form = CloseRoundForm()
    if not form.validate_on_submit():
        return _render_close(round_, form, 400)
    try:
        outcome = services.close_round(current_user, round_, reason=form.reason.data or "")
    except services.ReasonRequired as error:
        db.session.rollback()
        form.reason.errors = [str(error.message)]
        return _render_close(db.session.get(Round, round_id), form, 400)
    except services.ConsensusError as error:
        return _domain_error(round_.proposal, error)
    db.session.commit()
    flash(
        _("Round %(number)s is closed: %(outcome)s.", number=round_.number, outcome=outcome.title),
        "success",
    )
    return redirect(url_for("consensus.show", proposal_id=proposal_id))


@bp.post("/proposals/<int:proposal_id>/rounds/<int:round_id>/remind")
def remind(proposal_id: int, round_id: int):
    round_ = _moderated_round(proposal_id, round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        reminder = services.remind_non_responders(current_user, round_)
    except services.ConsensusError as error:
        return _domain_error(round_.proposal, error)
    db.session.commit()
    flash(
        ngettext(
            "A reminder has been sent to %(num)s member.",
            "A reminder has been sent to %(num)s members.",
            reminder.recipient_count,
        ),
        "success",
    )
    return redirect(url_for("consensus.dashboard", proposal_id=proposal_id, round_id=round_id))


def _version_number(proposal: Proposal, name: str, default: int) -> ProposalVersion:
    number = request.args.get(name, default, type=int)
    version = next((v for v in proposal.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.get("/proposals/<int:proposal_id>/diff")
def diff(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    latest = proposal.current_version.number
    old = _version_number(proposal, "from", max(1, latest - 1))
    new = _version_number(proposal, "to", latest)
    return render_template(
        "consensus/diff.html",
        proposal=proposal,
        old=old,
        new=new,
        diff_nl=services.diff_texts(old.text_nl, new.text_nl),
        diff_de=services.diff_texts(old.text_de, new.text_de),
    )


def _render_decision(proposal_id: int, *, export: bool = False) -> str:
    proposal = _visible_proposal(proposal_id)
    if not proposal.is_decided:
        abort(404)
    is_moderator = services.can_moderate(proposal.group, current_user)
    views = [services.round_view(r, current_user) for r in proposal.rounds]
    return render_template(
        "consensus/decision.html",
        proposal=proposal,
        round=proposal.decision_round,
        views=views,
        now=utcnow(),
        export=export,
        # The downloaded file links its stylesheet and its origin absolutely.
        base_url=current_app.config["BASE_URL"] if export else "",
        is_moderator=is_moderator,
    )


@bp.get("/proposals/<int:proposal_id>/decision")
def decision(proposal_id: int):
    return _render_decision(proposal_id)


@bp.get("/proposals/<int:proposal_id>/decision/export")
def decision_export(proposal_id: int):
    """The decision record as a self-contained HTML file to keep or to send on; it shows
    names only as far as each round's visibility allows the person downloading it."""
    response = make_response(_render_decision(proposal_id, export=True))
    response.headers["Content-Disposition"] = f'attachment; filename="decision-{proposal_id}.html"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _comment_of(proposal: Proposal, comment_id: int) -> Comment:
    comment = db.get_or_404(Comment, comment_id)
    if comment.proposal_id != proposal.id:
        abort(404)
    return comment


def _comments_anchor(proposal: Proposal) -> str:
    return url_for("consensus.show", proposal_id=proposal.id, _anchor="discussion")


@bp.post("/proposals/<int:proposal_id>/comments")
def add_comment(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if not services.can_comment(proposal.group, current_user):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_proposal(proposal, comment_form=form, status=400)
    try:
        services.add_comment(current_user, proposal, form.body.data)
    except services.ConsensusError as error:
        return _domain_error(proposal, error)
    db.session.commit()
    flash(_("Your contribution has been added."), "success")
    return redirect(_comments_anchor(proposal))


@bp.post("/proposals/<int:proposal_id>/comments/<int:comment_id>/edit")
def edit_comment(proposal_id: int, comment_id: int):
    proposal = _visible_proposal(proposal_id)
    comment = _comment_of(proposal, comment_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Please write your contribution."), "danger")
        return _render_proposal(proposal, status=400)
    try:
        services.edit_comment(current_user, comment, form.body.data)
    except services.ConsensusError as error:
        return _domain_error(proposal, error)
    db.session.commit()
    flash(_("Your contribution has been changed."), "success")
    return redirect(_comments_anchor(proposal))


@bp.post("/proposals/<int:proposal_id>/comments/<int:comment_id>/hide")
def hide_comment(proposal_id: int, comment_id: int):
    proposal = _visible_proposal(proposal_id)
    if not services.can_moderate(proposal.group, current_user):
        abort(403)
    comment = _comment_of(proposal, comment_id)
    form = HideCommentForm()
    if not form.validate_on_submit():
        flash(_("Please give the reason for hiding this contribution."), "danger")
        return _render_proposal(proposal, status=400)
    services.hide_comment(current_user, comment, form.reason.data)
    db.session.commit()
    flash(_("The contribution is hidden; the reason is shown in its place."), "success")
    return redirect(_comments_anchor(proposal))

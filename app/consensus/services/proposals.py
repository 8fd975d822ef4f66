"""Proposals and their numbered bilingual versions."""

import sqlalchemy as sa
from flask_babel import gettext as _

from ...auth.models import User
from ...core.audit import record_audit
from ...extensions import db
from ...groups.models import WorkingGroup
from ..models import (
    Proposal,
    ProposalStatus,
    ProposalVersion,
)
from .access import require_moderator, require_open_proposal
from .errors import CannotSupersede, InvalidRound, RoundAlreadyOpen

BINDING_LANGUAGES = ("", "nl", "de")


def _clean_binding(binding_language: str) -> str:
    if binding_language not in BINDING_LANGUAGES:
        raise InvalidRound(_("Choose Dutch, German or no binding language."))
    return binding_language


def create_proposal(
    actor: User,
    group: WorkingGroup,
    *,
    title: str,
    title_de: str = "",
    text_nl: str,
    text_de: str,
    binding_language: str = "",
    change_note: str = "",
    supersedes: Proposal | None = None,
) -> Proposal:
    """The moderator (or project manager) puts a proposal to the group with version 1.
    A decision is never edited: a new proposal may supersede a decision of the group."""
    require_moderator(actor, group)
    if supersedes is not None and (supersedes.group_id != group.id or not supersedes.is_decided):
        raise CannotSupersede()
    proposal = Proposal(
        group=group,
        title=title.strip(),
        title_de=(title_de or "").strip(),
        created_by_id=actor.id,
        supersedes=supersedes,
    )
    db.session.add(proposal)
    db.session.flush()
    _add_version(actor, proposal, text_nl, text_de, binding_language, change_note)
    record_audit(
        actor,
        "consensus.create_proposal",
        proposal,
        title=proposal.title,
        supersedes=supersedes.id if supersedes else None,
    )
    return proposal


def decisions_of(group: WorkingGroup) -> list[Proposal]:
    """The group's decisions, newest first: what a new proposal may supersede."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.group_id == group.id, Proposal.status == ProposalStatus.decided)
            .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
        )
    )


def _add_version(actor, proposal, text_nl, text_de, binding_language, change_note):
    number = (
        db.session.scalar(
            sa.select(sa.func.max(ProposalVersion.number)).where(
                ProposalVersion.proposal_id == proposal.id
            )
        )
        or 0
    ) + 1
    version = ProposalVersion(
        proposal=proposal,
        number=number,
        text_nl=text_nl.strip(),
        text_de=text_de.strip(),
        binding_language=_clean_binding(binding_language),
        change_note=change_note.strip(),
        author_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


def revise_proposal(
    actor: User,
    proposal: Proposal,
    *,
    text_nl: str,
    text_de: str,
    binding_language: str = "",
    change_note: str = "",
) -> ProposalVersion:
    """The moderator writes the next version; not while a round is open, not after the
    decision."""
    require_moderator(actor, proposal.group)
    require_open_proposal(proposal)
    if proposal.current_round is not None:
        raise RoundAlreadyOpen()
    version = _add_version(actor, proposal, text_nl, text_de, binding_language, change_note)
    record_audit(actor, "consensus.revise_proposal", proposal, version=version.number)
    return version

"""Demo consensus data: the Xenia group decides per institution (each organisation's head
represents it; the housing company's deputy is the demo member), and the housing proposal
with two versions, a first round with objections and a second round that reached consensus
with a reservation, given by the deputy. Idempotent: runs after seed_groups() and adds
nothing when the proposal exists. The rounds lie in the past, so no mails are queued."""

from datetime import UTC, datetime

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..groups.models import WorkingGroup
from . import services
from .models import Proposal, Representation, Stance, Visibility

HOUSING_COMPANY = "Wohn + Stadtbau Münster"
DEPUTY = "lid@example.org"

TITLE = "Huisvesting van nieuwkomers in niet-gesegregeerde wijken"
TITLE_DE = "Wohnen für Neuzugewanderte in nicht segregierten Stadtvierteln"

V1_NL = (
    "Nieuwkomers krijgen een woning in wijken waar het aandeel nieuwkomers onder de 20% ligt.\n\n"
    "Woningcorporaties reserveren daarvoor elk jaar 5% van de vrijkomende woningen."
)
V1_DE = (
    "Zuwanderer erhalten eine Wohnung in Quartieren, in denen der Anteil der Zuwanderer unter "
    "20 % liegt.\n\n"
    "Die Wohnungsunternehmen reservieren dafür jedes Jahr 5 % der frei werdenden Wohnungen."
)
V2_NL = (
    "Nieuwkomers krijgen een woning verspreid over alle wijken van de stad; geen wijk krijgt "
    "een onevenredig groot aandeel.\n\n"
    "Woningcorporaties en gemeente spreken jaarlijks af hoeveel vrijkomende woningen zij "
    "daarvoor beschikbaar stellen, en begeleiden de eerste zes maanden met een buurtcoach."
)
V2_DE = (
    "Zuwanderer erhalten Wohnungen verteilt über alle Quartiere der Stadt; kein Quartier "
    "erhält einen unverhältnismäßig großen Anteil.\n\n"
    "Wohnungsunternehmen und Stadt vereinbaren jährlich, wie viele frei werdende Wohnungen "
    "sie dafür bereitstellen, und begleiten die ersten sechs Monate mit einem Quartierslotsen."
)


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _seed_representation(group: WorkingGroup, manager: User) -> list[Representation]:
    """Per organisation its first voting member represents it; the demo member deputises
    for the housing company's director."""
    group.decides_per_institution = True
    for row in services.representation_rows(group):
        deputy = next(
            (
                u
                for u in row.deputies
                if row.organisation.name == HOUSING_COMPANY and u.email == DEPUTY
            ),
            None,
        )
        representative = next((u for u in row.representatives if u != deputy), None)
        if representative is not None:
            services.set_representation(
                manager,
                group,
                row.organisation.id,
                representative_id=representative.id,
                deputy_id=deputy.id if deputy else None,
            )
    return sorted(services.representations_of(group), key=lambda r: r.representative.name.lower())


def seed_consensus() -> int:
    """Adds the Xenia housing proposal; returns 1 when added, 0 when already there."""
    group = db.session.scalar(sa.select(WorkingGroup).where(WorkingGroup.slug == "xenia-wohnen"))
    if group is None:
        return 0
    exists = db.session.scalar(
        sa.select(Proposal.id).where(Proposal.group_id == group.id, Proposal.title == TITLE)
    )
    if exists is not None:
        return 0
    moderator = db.session.scalar(sa.select(User).where(User.email == "moderator@example.org"))
    manager = db.session.scalar(sa.select(User).where(User.is_admin.is_(True)).order_by(User.id))
    if moderator is None or manager is None:
        return 0
    representations = _seed_representation(group, manager)
    proposal = services.create_proposal(
        moderator,
        group,
        title=TITLE,
        title_de=TITLE_DE,
        text_nl=V1_NL,
        text_de=V1_DE,
        binding_language="",
        change_note="Eerste voorstel na de bemiddelingsfase.",
    )
    proposal.created_at = proposal.versions[0].created_at = _at(10, 1)
    first = services.open_round(
        moderator,
        proposal,
        closes_at=_at(10, 15),
        visibility=Visibility.named,
        now=_at(10, 1),
        notify=False,
    )
    for i, representation in enumerate(representations):
        if i == 0:
            stance, reason = (
                Stance.object,
                "Een vast percentage per wijk stigmatiseert; spreiding moet over de hele stad.",
            )
        elif i == 1:
            stance, reason = Stance.object, "5% is voor kleine corporaties niet haalbaar."
        else:
            stance, reason = Stance.agree, ""
        services.record_position(
            first, representation.representative, stance, reason, now=_at(10, 5 + i % 5)
        )
    services.close_round(moderator, first, now=_at(10, 15), notify=False)
    version = services.revise_proposal(
        moderator,
        proposal,
        text_nl=V2_NL,
        text_de=V2_DE,
        binding_language="de",
        change_note="Geen vast percentage meer; jaarlijkse afspraak en buurtcoach, na de bezwaren in ronde 1.",
    )
    version.created_at = _at(10, 20)
    second = services.open_round(
        moderator,
        proposal,
        closes_at=_at(11, 12),
        visibility=Visibility.anonymous,
        now=_at(10, 21),
        notify=False,
    )
    for i, representation in enumerate(representations):
        person = representation.deputy or representation.representative
        if representation.deputy is not None:
            stance, reason = (
                Stance.agree_with_reservations,
                "Wij stemmen in, mits de buurtcoach ook na zes maanden bereikbaar blijft.",
            )
        elif i == 2:
            stance, reason = Stance.stand_aside, ""
        else:
            stance, reason = Stance.agree, ""
        services.record_position(second, person, stance, reason, now=_at(10, 25 + i % 5))
    services.close_round(moderator, second, now=_at(11, 12), notify=False)
    db.session.flush()
    return 1

"""A working group ready for a consensus round: a moderator and voting members."""

from dataclasses import dataclass, field

from app.auth.models import User
from app.extensions import db
from app.groups.models import Membership, Role, WorkingGroup
from tests.factories import make_group, make_membership, make_organisation, make_user


@dataclass
class Xenia:
    group: WorkingGroup
    moderator: User
    voters: list[User] = field(default_factory=list)
    observer: User | None = None
    memberships: list[Membership] = field(default_factory=list)


def xenia(voters: int = 3, *, is_public: bool = True, password: str | None = None) -> Xenia:
    group = make_group(slug=None, is_public=is_public, name_en="Xenia — Housing")
    moderator = make_user(name="Jürgen Moderator", email=None)
    make_membership(group, moderator, role=Role.moderator, is_voting=False)
    world = Xenia(group=group, moderator=moderator)
    for i in range(voters):
        person = make_user(name=f"Voter {i + 1:03d}")
        world.voters.append(person)
        world.memberships.append(
            make_membership(group, person, role=Role.member, organisation=make_organisation())
        )
    world.observer = make_user(name="Olga Observer")
    make_membership(group, world.observer, role=Role.observer)
    db.session.flush()
    return world


@dataclass
class Institutions:
    """A group that decides per institution: per organisation a named representative, a
    deputy (another member for it) and, for the first one, a third voting member."""

    group: WorkingGroup
    moderator: User
    manager: User
    organisations: list = field(default_factory=list)
    representatives: list[User] = field(default_factory=list)
    deputies: list[User] = field(default_factory=list)
    bystander: User | None = None  # a voting member who is neither


def institutions(
    count: int = 3, *, is_public: bool = True, locales: tuple[str, str] = ("nl", "de")
) -> Institutions:
    """Representatives read Dutch and deputies German unless `locales` says otherwise
    (pages are shown in the signed-in person's language)."""
    from app.consensus import services

    group = make_group(slug=None, is_public=is_public, decides_per_institution=True)
    moderator = make_user(name="Jürgen Moderator")
    make_membership(group, moderator, role=Role.moderator, is_voting=False)
    manager = make_user(name="Petra Projektleitung", is_admin=True)
    world = Institutions(group=group, moderator=moderator, manager=manager)
    for i in range(count):
        organisation = make_organisation()
        representative = make_user(name=f"Rep {i + 1:03d}", locale=locales[0])
        deputy = make_user(name=f"Deputy {i + 1:03d}", locale=locales[1])
        make_membership(group, representative, role=Role.member, organisation=organisation)
        make_membership(group, deputy, role=Role.member, organisation=organisation)
        world.organisations.append(organisation)
        world.representatives.append(representative)
        world.deputies.append(deputy)
    world.bystander = make_user(name="Bea Bystander")
    make_membership(group, world.bystander, role=Role.member, organisation=world.organisations[0])
    db.session.flush()
    for organisation, representative, deputy in zip(
        world.organisations, world.representatives, world.deputies, strict=True
    ):
        services.set_representation(
            manager,
            group,
            organisation.id,
            representative_id=representative.id,
            deputy_id=deputy.id,
        )
    return world

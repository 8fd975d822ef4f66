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

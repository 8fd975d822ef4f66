"""The demo groups: the four groups of the seeds, Xenia in mediation with an external,
non-voting moderator and the demo member as a voting member."""

import sqlalchemy as sa

from app.auth.models import User
from app.demo.seed import seed_demo
from app.extensions import db
from app.groups.models import Membership, Phase, Role, WorkingGroup


def test_demo_groups_follow_the_seeds_and_the_rules():
    seed_demo()
    again = seed_demo()
    assert again["groups"] == 0
    groups = {g.slug: g for g in db.session.scalars(sa.select(WorkingGroup))}
    assert set(groups) == {"xenia-wohnen", "kerngroep", "bruggroep", "regiegroep"}
    xenia = groups["xenia-wohnen"]
    assert xenia.phase == Phase.mediation
    assert [e.phase for e in xenia.phases] == [Phase.information_input, Phase.mediation]

    def membership_of(email):
        return db.session.scalar(
            sa.select(Membership)
            .join(User)
            .where(
                Membership.group_id == xenia.id, User.email == email, Membership.left_on.is_(None)
            )
        )

    moderator = membership_of("moderator@example.org")
    assert moderator.role == Role.moderator
    assert moderator.organisation is None
    assert not moderator.can_vote
    assert membership_of("lid@example.org").can_vote
    assert xenia.can_move_phase(moderator.user)
    assert any(not m.is_active for m in xenia.memberships)
    for group in groups.values():
        for m in group.memberships:
            if group.is_leadership_required and m.organisation is not None and m.is_active:
                assert m.user.is_organisation_leader, m
                assert m.user.organisation_id == m.organisation_id, m

"""Rows of the route-access table (tests/test_access.py) for consensus.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict.

The rows use a proposal with an open round in a private group of which "member" is not
part: they must not learn that it exists (404); the project manager may do everything.
Public groups, voting members and the moderator are covered in tests/consensus/."""

SIGN_IN = 302


def _proposal(w, **extra):
    return {"proposal_id": w["consensus_proposal"].id, **extra}


def _round(w, **extra):
    return _proposal(w, round_id=w["consensus_round"].id, **extra)


def _decided(w, **extra):
    return {"proposal_id": w["consensus_decided"].id, **extra}


ACCESS = {
    "consensus.index": {"GET": (SIGN_IN, 200, 200)},
    "consensus.group_proposals": {
        "args": lambda w: {"slug": w["private_group"].slug},
        "GET": (SIGN_IN, 404, 200),
    },
    # The admin's empty form is bad input: 400 with the form's messages.
    "consensus.create_proposal": {
        "args": lambda w: {"slug": w["private_group"].slug},
        "POST": (SIGN_IN, 404, 400),
    },
    # The private group decides per person: naming a representative is refused (400).
    "consensus.set_representation": {
        "args": lambda w: {
            "slug": w["private_group"].slug,
            "organisation_id": w["consensus_organisation"].id,
        },
        "POST": (SIGN_IN, 404, 400),
    },
    "consensus.show": {"args": _proposal, "GET": (SIGN_IN, 404, 200)},
    "consensus.revise": {"args": _proposal, "POST": (SIGN_IN, 404, 400)},
    "consensus.open_round": {"args": _proposal, "POST": (SIGN_IN, 404, 400)},
    "consensus.record_position": {"args": _round, "POST": (SIGN_IN, 404, 400)},
    "consensus.dashboard": {"args": _round, "GET": (SIGN_IN, 404, 200)},
    "consensus.projected": {"args": _round, "GET": (SIGN_IN, 404, 200)},
    "consensus.tally_json": {"args": _round, "GET": (SIGN_IN, 404, 200)},
    # Closing asks for confirmation first; before the closing time an empty reason is bad
    # input (400) and nothing is closed.
    "consensus.confirm_close": {"args": _round, "GET": (SIGN_IN, 404, 200)},
    "consensus.close": {"args": _round, "POST": (SIGN_IN, 404, 400)},
    "consensus.remind": {"args": _round, "POST": (SIGN_IN, 404, 302)},
    "consensus.diff": {"args": _proposal, "GET": (SIGN_IN, 404, 200)},
    "consensus.decision": {"args": _decided, "GET": (SIGN_IN, 404, 200)},
    "consensus.decision_export": {"args": _decided, "GET": (SIGN_IN, 404, 200)},
    "consensus.add_comment": {"args": _proposal, "POST": (SIGN_IN, 404, 400)},
    "consensus.edit_comment": {
        "args": lambda w: _proposal(w, comment_id=w["consensus_comment"].id),
        "POST": (SIGN_IN, 404, 400),
    },
    "consensus.hide_comment": {
        "args": lambda w: _proposal(w, comment_id=w["consensus_comment"].id),
        "POST": (SIGN_IN, 404, 400),
    },
}


def populate(world: dict) -> None:
    from app.consensus import services
    from app.consensus.models import Stance
    from tests.factories import make_organisation, make_proposal, make_round

    group = world["private_group"]  # made by tests/groups/access.py, "other" is a member
    proposal = make_proposal(group, world["admin"], versions=2)
    world["consensus_proposal"] = proposal
    world["consensus_round"] = make_round(proposal, world["admin"])
    decided = make_proposal(group, world["admin"])
    decided_round = make_round(decided, world["admin"])
    services.record_position(decided_round, world["other"], Stance.agree)
    services.close_round(world["admin"], decided_round, reason="Agreed in the meeting.")
    world["consensus_decided"] = decided
    world["consensus_organisation"] = make_organisation()
    world["consensus_comment"] = services.add_comment(world["admin"], proposal, "Eerste *reactie*")

"""Rows of the route-access table (tests/test_access.py) for consensus.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

ACCESS: dict = {}


def populate(world: dict) -> None:
    pass

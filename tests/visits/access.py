"""Rows of the route-access table (tests/test_access.py) for the work visits.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

SIGN_IN = 302


def _visit(w):
    return {"visit_id": w["visit"].id}


ACCESS = {
    "visits.index": {"GET": (200, 200, 200)},
    "visits.learning": {"GET": (200, 200, 200)},
    "visits.show": {"args": _visit, "GET": (200, 200, 200)},
    "visits.ics": {"args": _visit, "GET": (200, 200, 200)},
    # Anyone registers; an empty form is bad input.
    "visits.register": {"args": _visit, "POST": (400, 400, 400)},
    "visits.resend": {"args": _visit, "POST": (400, 400, 400)},
    "visits.cancel_registration": {
        "args": lambda w: {"token": w["visit_cancel_token"]},
        "GET": (200, 200, 200),
        # No CSRF in the tests, so the empty POST cancels: the first caller gets the
        # confirmation page, the later ones are told the link has been used.
        "POST": (200, 410, 410),
    },
    # The member in the world is no editor of the host organisation.
    "visits.create": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "visits.edit": {"args": _visit, "GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "visits.registrations": {"args": _visit, "GET": (SIGN_IN, 403, 200)},
    "visits.registrations_csv": {"args": _visit, "GET": (SIGN_IN, 403, 200)},
    "visits.message": {"args": _visit, "POST": (SIGN_IN, 403, 400)},
    "visits.cancel": {"args": _visit, "POST": (SIGN_IN, 403, 302)},
    # Neither the member nor the project manager took part, and the visit is not over;
    # the project manager manages every visit, so the empty form is bad input.
    "visits.add_point": {"args": _visit, "POST": (SIGN_IN, 403, 400)},
}


def populate(world: dict) -> None:
    from app.extensions import db
    from app.visits import registration as reg
    from app.visits.models import Registration, RegistrationStatus
    from tests.factories import make_visit

    visit = make_visit(world.get("organisation"))
    registration = Registration(
        visit_id=visit.id,
        name="Rita Register",
        email="rita@example.org",
        status=RegistrationStatus.confirmed,
    )
    db.session.add(registration)
    db.session.flush()
    world["visit"] = visit
    world["visit_cancel_token"] = reg.cancel_token(registration)

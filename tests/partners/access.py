"""Rows of the route-access table (tests/test_access.py) for the partner directory.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

from app.partners.models import Country

SIGN_IN = 302


def _org(w):
    return {"organisation_id": w["organisation"].id}


ACCESS = {
    "partners.index": {"GET": (200, 200, 200)},
    "partners.export_csv": {"GET": (200, 200, 200)},
    "partners.show": {"args": _org, "GET": (200, 200, 200)},
    "partners.counterparts": {"GET": (200, 200, 200)},
    "partners.contact_card": {
        "args": lambda w: {
            "organisation_id": w["organisation"].id,
            "person_id": w["contact"].id,
        },
        "GET": (SIGN_IN, 200, 200),
    },
    # The member in the world is no editor of this organisation.
    "partners.create": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "partners.edit": {"args": _org, "GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "partners.policy_fields": {"GET": (SIGN_IN, 403, 200)},
    "partners.create_policy_field": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "partners.edit_policy_field": {
        "args": lambda w: {"field_id": w["policy_field"].id},
        "GET": (SIGN_IN, 403, 200),
        # An empty form keeps the stored names: nothing changes, back to the list.
        "POST": (SIGN_IN, 403, 302),
    },
    # The field is in use, so even the project manager gets a 409 (nothing is removed).
    "partners.delete_policy_field": {
        "args": lambda w: {"field_id": w["policy_field"].id},
        "POST": (SIGN_IN, 403, 409),
    },
    # The project manager links people to organisations (a page of the people admin).
    "admin.edit_organisation": {
        "args": lambda w: {"user_id": w["other"].id},
        "GET": (SIGN_IN, 403, 200),
        "POST": (SIGN_IN, 403, 400),
    },
}


def populate(world: dict) -> None:
    from tests.factories import make_organisation, make_policy_field, make_user

    field = make_policy_field("housing")
    organisation = make_organisation(
        name="Stadt Münster", country=Country.DE, city="Münster", policy_fields=[field]
    )
    world["policy_field"] = field
    world["organisation"] = organisation
    world["contact"] = make_user(email="contact@example.org", password=None, is_active=True)
    world["contact"].organisation = organisation

"""Rows of the route-access table (tests/test_access.py) for working groups.

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict.

The rows use a private group of which "member" (a plain signed-in person) is not part:
it must not even learn that the group exists (404), while the project manager may do
everything. Public groups and the group's own members are covered in tests/groups/."""

import io
import tempfile

from flask import current_app

SIGN_IN = 302


def _private(w, **extra):
    return {"slug": w["private_group"].slug, **extra}


ACCESS = {
    "groups.index": {"GET": (200, 200, 200)},
    "groups.my_groups": {"GET": (SIGN_IN, 200, 200)},
    # Creating and editing groups is the project manager's; an empty form is bad input.
    "groups.create": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "groups.edit": {"args": _private, "GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "groups.show": {"args": _private, "GET": (404, 404, 200)},
    # Without `confirmed` the project manager gets the confirmation step (200).
    "groups.next_phase": {"args": _private, "POST": (SIGN_IN, 404, 200)},
    "groups.manage": {"args": _private, "GET": (SIGN_IN, 404, 200)},
    # The admin's empty form is bad input: 400 with the form's messages.
    "groups.add_member": {"args": _private, "POST": (SIGN_IN, 404, 400)},
    "groups.change_role": {
        "args": lambda w: _private(w, membership_id=w["private_membership"].id),
        "POST": (SIGN_IN, 404, 400),
    },
    # An empty form clears the term.
    "groups.set_term": {
        "args": lambda w: _private(w, membership_id=w["private_membership"].id),
        "POST": (SIGN_IN, 404, 302),
    },
    "groups.end_membership": {
        "args": lambda w: _private(w, membership_id=w["private_membership"].id),
        "POST": (SIGN_IN, 404, 302),
    },
    "groups.documents": {"args": _private, "GET": (404, 404, 200)},
    "groups.upload_document": {"args": _private, "POST": (SIGN_IN, 404, 400)},
    "groups.delete_document": {
        "args": lambda w: _private(w, document_id=w["private_document"].id),
        "POST": (SIGN_IN, 404, 302),
    },
    "groups.download_document": {
        "args": lambda w: _private(w, document_id=w["private_document"].id),
        "GET": (404, 404, 200),
    },
}


def populate(world: dict) -> None:
    from app.groups import services
    from app.groups.models import Role
    from tests.factories import make_group, make_membership

    # Files of this table's documents go to a throwaway folder, not the instance folder.
    current_app.config.setdefault(
        "GROUP_DOCUMENTS_DIR", tempfile.mkdtemp(prefix="netwerkbrug-groups-")
    )
    group = make_group(slug="kerngroep-test", is_public=False)
    world["private_group"] = group
    world["private_membership"] = make_membership(group, world["other"], role=Role.member)
    world["private_document"] = services.store_document(
        world["admin"],
        group,
        title="Verslag",
        language="nl",
        filename="verslag.pdf",
        stream=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
    )

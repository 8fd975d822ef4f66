"""Plain builders for test data: sensible defaults, every field overridable."""

import itertools

from app.auth.models import Gender, User
from app.extensions import db

_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = "correct-horse-battery",
    is_admin: bool = False,
    is_active: bool = True,
    locale: str = "en",
    gender: Gender = Gender.not_stated,
    function: str = "",
) -> User:
    n = next(_counter)
    user = User(
        email=(email or f"person{n}@example.org").lower(),
        name=name or f"Person {n}",
        is_admin=is_admin,
        is_active=is_active,
        locale=locale,
        gender=gender,
        function=function,
    )
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_policy_field(slug: str | None = None, **names: str):
    from app.partners.models import PolicyField

    n = next(_counter)
    slug = slug or f"field-{n}"
    field = PolicyField(
        slug=slug,
        name_nl=names.get("name_nl", f"Veld {slug}"),
        name_de=names.get("name_de", f"Feld {slug}"),
        name_en=names.get("name_en", f"Field {slug}"),
        position=n,
    )
    db.session.add(field)
    db.session.flush()
    return field


def make_organisation(
    *,
    name: str | None = None,
    country=None,
    kind=None,
    city: str = "Enschede",
    policy_fields=(),
    is_active: bool = True,
    **values,
):
    from app.partners.models import Country, Organisation, OrganisationKind

    n = next(_counter)
    organisation = Organisation(
        name=name or f"Organisation {n}",
        country=country or Country.NL,
        kind=kind or OrganisationKind.municipality,
        city=city,
        is_active=is_active,
        **values,
    )
    organisation.policy_fields = list(policy_fields)
    db.session.add(organisation)
    db.session.flush()
    return organisation

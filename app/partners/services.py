"""The partner directory's rules: who edits which organisation, the policy-field list,
who belongs to an organisation, the directory search and the counterparts across the border.

Services take the actor, change state and flush; the calling view commits once."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.audit import record_audit
from ..core.errors import DomainError
from ..core.page_cache import per_change
from ..extensions import db
from .models import (
    Country,
    Organisation,
    OrganisationKind,
    PolicyField,
    fold,
    organisation_policy_fields,
)

ORGANISATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "country",
    "city",
    "address",
    "website",
    "email",
    "phone",
    "description_nl",
    "description_de",
    "description_en",
)
POLICY_FIELD_NAMES = ("name_nl", "name_de", "name_en")
MAX_SEARCH_LENGTH = 100
MAX_SEARCH_WORDS = 8


class NotAllowedToEdit(DomainError):
    status_code = 403
    message = _l("You may not edit this organisation.")


class OrganisationNameTaken(DomainError):
    message = _l("There is already an organisation with this name.")


class PolicyFieldNameTaken(DomainError):
    message = _l("There is already a policy field with this name.")


class PolicyFieldInUse(DomainError):
    message = _l("This policy field is still assigned to organisations. Remove it from them first.")


# --- editing -------------------------------------------------------------------------------


def _require_editor(actor: User, organisation: Organisation) -> None:
    if not organisation.can_be_edited_by(actor):
        raise NotAllowedToEdit()


def _require_admin(actor: User) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise DomainError(_l("Only the project manager may do this."))


def _check_unique_name(name: str, organisation_id: int | None = None) -> None:
    stmt = sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == name.lower())
    if organisation_id is not None:
        stmt = stmt.where(Organisation.id != organisation_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise OrganisationNameTaken()


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key in ORGANISATION_FIELDS:
        if key in values:
            value = values[key]
            cleaned[key] = value.strip() if isinstance(value, str) else value
    return cleaned


def _changes(obj, values: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            changed[key] = getattr(value, "value", value)
    return changed


def create_organisation(
    actor: User,
    *,
    policy_fields: Iterable[PolicyField] = (),
    is_active: bool = True,
    **values: Any,
) -> Organisation:
    """Only the project manager adds organisations; names are unique (ignoring case)."""
    _require_admin(actor)
    values = _clean(values)
    _check_unique_name(values["name"])
    organisation = Organisation(is_active=is_active, **values)
    organisation.policy_fields = list(policy_fields)
    db.session.add(organisation)
    db.session.flush()
    record_audit(actor, "organisation.created", organisation, name=organisation.name)
    return organisation


def update_organisation(
    actor: User,
    organisation: Organisation,
    *,
    policy_fields: Iterable[PolicyField] | None = None,
    is_active: bool | None = None,
    **values: Any,
) -> dict[str, Any]:
    """The project manager or an editor of this organisation changes its profile; only the
    project manager (de)activates it. Returns what changed (also written to the audit log)."""
    _require_editor(actor, organisation)
    values = _clean(values)
    if "name" in values:
        _check_unique_name(values["name"], organisation.id)
    changed = _changes(organisation, values)
    for key, value in values.items():
        setattr(organisation, key, value)
    if policy_fields is not None:
        new = sorted(f.slug for f in policy_fields)
        old = sorted(f.slug for f in organisation.policy_fields)
        if new != old:
            changed["policy_fields"] = ", ".join(new)
            organisation.policy_fields = list(policy_fields)
    if is_active is not None and is_active != organisation.is_active:
        _require_admin(actor)
        organisation.is_active = is_active
        changed["is_active"] = is_active
    if changed:
        db.session.flush()
        record_audit(actor, "organisation.updated", organisation, **changed)
    return changed


def assign_person(
    actor: User,
    person: User,
    organisation: Organisation | None,
    *,
    function: str | None = None,
    is_leader: bool = False,
    is_editor: bool = False,
) -> None:
    """The project manager says which organisation a person works for and whether they
    lead it or edit its profile; without an organisation they can be neither."""
    _require_admin(actor)
    if organisation is None:
        is_leader = is_editor = False
    values = {
        "organisation_id": organisation.id if organisation else None,
        "is_organisation_leader": is_leader,
        "is_organisation_editor": is_editor,
    }
    if function is not None:
        values["function"] = function.strip()
    changed = _changes(person, values)
    for key, value in values.items():
        setattr(person, key, value)
    if changed:
        db.session.flush()
        record_audit(actor, "user.organisation_changed", person, **changed)


# --- policy fields -------------------------------------------------------------------------


def slug_for(name: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in fold(name)).split()
    return "-".join(words)[:60] or "field"


def _check_unique_policy_field(names: dict[str, str], field_id: int | None = None) -> None:
    for key, name in names.items():
        column = getattr(PolicyField, key)
        stmt = sa.select(PolicyField.id).where(sa.func.lower(column) == name.lower())
        if field_id is not None:
            stmt = stmt.where(PolicyField.id != field_id)
        if name and db.session.scalar(stmt.limit(1)) is not None:
            raise PolicyFieldNameTaken()


def create_policy_field(actor: User, **names: str) -> PolicyField:
    """The project manager adds a policy field; its slug (used in shared directory links)
    comes from the English, else the Dutch name and never changes afterwards."""
    _require_admin(actor)
    names = {key: (names.get(key) or "").strip() for key in POLICY_FIELD_NAMES}
    _check_unique_policy_field(names)
    base = slug_for(names["name_en"] or names["name_nl"] or names["name_de"])
    slug, n = base, 1
    while db.session.scalar(sa.select(PolicyField.id).where(PolicyField.slug == slug)):
        n += 1
        slug = f"{base[:55]}-{n}"
    position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(PolicyField.position), 0)))
    field = PolicyField(slug=slug, position=position + 1, **names)
    db.session.add(field)
    db.session.flush()
    record_audit(actor, "policy_field.created", field, **names)
    return field


def update_policy_field(actor: User, field: PolicyField, **names: str) -> dict[str, Any]:
    _require_admin(actor)
    names = {key: (names.get(key) or "").strip() for key in POLICY_FIELD_NAMES if key in names}
    _check_unique_policy_field(names, field.id)
    changed = _changes(field, names)
    for key, value in names.items():
        setattr(field, key, value)
    if changed:
        db.session.flush()
        record_audit(actor, "policy_field.updated", field, **changed)
    return changed


def delete_policy_field(actor: User, field: PolicyField) -> None:
    """A policy field is removed only when no organisation works in it any more, so nobody
    loses information by accident."""
    _require_admin(actor)
    in_use = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(organisation_policy_fields)
        .where(organisation_policy_fields.c.policy_field_id == field.id)
    )
    if in_use:
        raise PolicyFieldInUse()
    record_audit(actor, "policy_field.deleted", field, slug=field.slug, name=field.name_en)
    db.session.delete(field)
    db.session.flush()


# --- the directory -------------------------------------------------------------------------

SORTS = {
    "name": (sa.func.lower(Organisation.name), Organisation.id),
    "city": (sa.func.lower(Organisation.city), sa.func.lower(Organisation.name), Organisation.id),
    "country": (Organisation.country, sa.func.lower(Organisation.name), Organisation.id),
}


@dataclass(frozen=True)
class DirectoryFilter:
    query: str = ""
    country: Country | None = None
    kind: OrganisationKind | None = None
    policy_field: PolicyField | None = None
    city: str = ""
    sort: str = "name"
    include_inactive: bool = False

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or self.country or self.kind or self.policy_field or self.city)

    @property
    def count_key(self) -> str:
        """Everything the number of matches depends on (not the order)."""
        field_id = self.policy_field.id if self.policy_field else None
        return repr(
            (self.query, self.country, self.kind, field_id, self.city, self.include_inactive)
        )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(query: str) -> list[str]:
    """The words of a search, folded like Organisation.search_text; every word must match."""
    return fold(query[:MAX_SEARCH_LENGTH]).split()[:MAX_SEARCH_WORDS]


def directory_statement(criteria: DirectoryFilter) -> sa.Select:
    """The organisations matching a directory search, sorted; filters combine with AND."""
    stmt = sa.select(Organisation)
    if not criteria.include_inactive:
        stmt = stmt.where(Organisation.is_active.is_(True))
    for term in search_terms(criteria.query):
        stmt = stmt.where(Organisation.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if criteria.country is not None:
        stmt = stmt.where(Organisation.country == criteria.country)
    if criteria.kind is not None:
        stmt = stmt.where(Organisation.kind == criteria.kind)
    if criteria.city:
        stmt = stmt.where(Organisation.city == criteria.city)
    if criteria.policy_field is not None:
        stmt = stmt.where(
            Organisation.id.in_(
                sa.select(organisation_policy_fields.c.organisation_id).where(
                    organisation_policy_fields.c.policy_field_id == criteria.policy_field.id
                )
            )
        )
    return stmt.order_by(*SORTS.get(criteria.sort, SORTS["name"])).options(
        selectinload(Organisation.policy_fields)
    )


def all_policy_fields() -> list[PolicyField]:
    return list(
        db.session.scalars(sa.select(PolicyField).order_by(PolicyField.position, PolicyField.id))
    )


def cities_by_country(include_inactive: bool = False) -> dict[Country, list[str]]:
    stmt = sa.select(Organisation.country, Organisation.city).where(Organisation.city != "")
    if not include_inactive:
        stmt = stmt.where(Organisation.is_active.is_(True))
    stmt = stmt.distinct().order_by(Organisation.country, Organisation.city)
    cities: dict[Country, list[str]] = {country: [] for country in Country}
    for country, city in db.session.execute(stmt):
        cities[country].append(city)
    return cities


def city_choices(include_inactive: bool = False) -> list[str]:
    """Every city of the directory, sorted as people read them; computed once per change
    of the database, not per request."""

    def compute() -> list[str]:
        cities = cities_by_country(include_inactive=include_inactive)
        return sorted({c for cs in cities.values() for c in cs}, key=fold)

    return per_change(f"partners:cities:{include_inactive}", compute)


# --- contacts and counterparts ------------------------------------------------------------


def contacts_of(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active people of these organisations, leaders first, in one query."""
    ids = list(organisation_ids)
    contacts: dict[int, list[User]] = {i: [] for i in ids}
    if not ids:
        return contacts
    people = db.session.scalars(
        sa.select(User)
        .where(User.organisation_id.in_(ids), User.is_active.is_(True))
        .order_by(User.is_organisation_leader.desc(), sa.func.lower(User.name), User.id)
    )
    for person in people:
        contacts[person.organisation_id].append(person)
    return contacts


def counterparts_of(organisation: Organisation, limit: int = 10) -> list[tuple[Organisation, int]]:
    """Active organisations in the other country that share policy fields with this one,
    most shared fields first, then by name."""
    mine = sa.select(organisation_policy_fields.c.policy_field_id).where(
        organisation_policy_fields.c.organisation_id == organisation.id
    )
    overlap = sa.func.count(organisation_policy_fields.c.policy_field_id).label("overlap")
    ranked = (
        sa.select(Organisation.id, overlap)
        .join(
            organisation_policy_fields,
            organisation_policy_fields.c.organisation_id == Organisation.id,
        )
        .where(
            Organisation.country == organisation.other_country,
            Organisation.is_active.is_(True),
            organisation_policy_fields.c.policy_field_id.in_(mine),
        )
        .group_by(Organisation.id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Organisation, ranked.c.overlap)
        .join(ranked, ranked.c.id == Organisation.id)
        .order_by(ranked.c.overlap.desc(), sa.func.lower(Organisation.name), Organisation.id)
        .limit(limit)
        .options(selectinload(Organisation.policy_fields))
    ).all()
    return [(row[0], row[1]) for row in rows]


def counterpart_statement(
    policy_field: PolicyField, across_from: Country, city: str = ""
) -> sa.Select:
    """Active organisations across the border from `across_from` that work in the policy
    field, optionally in one city."""
    other = Country.DE if across_from == Country.NL else Country.NL
    stmt = sa.select(Organisation).where(
        Organisation.is_active.is_(True),
        Organisation.country == other,
        Organisation.id.in_(
            sa.select(organisation_policy_fields.c.organisation_id).where(
                organisation_policy_fields.c.policy_field_id == policy_field.id
            )
        ),
    )
    if city:
        stmt = stmt.where(Organisation.city == city)
    return stmt.order_by(
        sa.func.lower(Organisation.city), sa.func.lower(Organisation.name)
    ).options(selectinload(Organisation.policy_fields))

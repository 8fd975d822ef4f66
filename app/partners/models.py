import enum
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..core.i18n_fields import Localised, localised
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User


class Country(enum.Enum):
    NL = "NL"
    DE = "DE"

    @property
    def title(self) -> str:
        return str(COUNTRY_TITLES[self])


COUNTRY_TITLES = {Country.NL: _l("Netherlands"), Country.DE: _l("Germany")}


class OrganisationKind(enum.Enum):
    municipality = "municipality"
    province_state = "province_state"
    district_government = "district_government"
    welfare = "welfare"
    housing = "housing"
    education = "education"
    university = "university"
    church = "church"
    police = "police"
    migrant_organisation = "migrant_organisation"
    employment = "employment"
    health = "health"
    culture_sport = "culture_sport"
    other = "other"

    @property
    def title(self) -> str:
        return str(KIND_TITLES[self])


KIND_TITLES = {
    OrganisationKind.municipality: _l("Municipality"),
    OrganisationKind.province_state: _l("Province / state"),
    OrganisationKind.district_government: _l("District government"),
    OrganisationKind.welfare: _l("Welfare organisation"),
    OrganisationKind.housing: _l("Housing corporation"),
    OrganisationKind.education: _l("Education / ROC"),
    OrganisationKind.university: _l("University"),
    OrganisationKind.church: _l("Church"),
    OrganisationKind.police: _l("Police"),
    OrganisationKind.migrant_organisation: _l("Migrant organisation"),
    OrganisationKind.employment: _l("Employment"),
    OrganisationKind.health: _l("Health"),
    OrganisationKind.culture_sport: _l("Culture & sport"),
    OrganisationKind.other: _l("Other"),
}


# Letters that Unicode decomposition leaves alone but people type without the accent.
_FOLD = str.maketrans(
    {"ß": "ss", "ẞ": "ss", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d"}
)
# German spelling without umlauts: "Muenster" must find Münster as well as "Munster".
_UMLAUT_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def fold(text: str) -> str:
    """Lower case without diacritics: `Münster` → `munster`, `Große` → `grosse`."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)


def search_key(*parts: str) -> str:
    """What the directory search looks in: each part folded, plus the umlaut spelling
    (`muenster`) where it differs, so every way of typing the name finds it."""
    words = []
    for part in parts:
        if not part:
            continue
        words.append(fold(part))
        spelled = fold(part.lower().translate(_UMLAUT_SPELLING))
        if spelled != words[-1]:
            words.append(spelled)
    return " | ".join(words)


organisation_policy_fields = sa.Table(
    "organisation_policy_fields",
    db.metadata,
    sa.Column(
        "organisation_id",
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "policy_field_id",
        sa.ForeignKey("policy_fields.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class PolicyField(db.Model):
    """A policy field (beleidsveld, Politikfeld) that organisations work in; the project
    manager keeps the list, with a name in each language."""

    __tablename__ = "policy_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_nl: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    name_de: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    organisations: Mapped[list["Organisation"]] = relationship(
        secondary=organisation_policy_fields, back_populates="policy_fields"
    )

    def __repr__(self) -> str:
        return f"<PolicyField {self.slug}>"

    @property
    def name(self) -> Localised:
        return localised(self, "name")


class Organisation(db.Model):
    """A partner organisation of the network, on either side of the border."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    kind: Mapped[OrganisationKind] = mapped_column(
        sa.Enum(OrganisationKind, native_enum=False, length=30)
    )
    country: Mapped[Country] = mapped_column(sa.Enum(Country, native_enum=False, length=2))
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), index=True)
    # Folded name, short name, city and descriptions (see search_key); kept up to date on
    # every insert and update, so the search ignores case and accents on every database.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    people: Mapped[list["User"]] = relationship(back_populates="organisation")
    policy_fields: Mapped[list[PolicyField]] = relationship(
        secondary=organisation_policy_fields,
        back_populates="organisations",
        order_by=(PolicyField.position, PolicyField.id),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"

    @property
    def description(self) -> Localised:
        return localised(self, "description")

    @property
    def other_country(self) -> Country:
        return Country.DE if self.country == Country.NL else Country.NL

    def refresh_search_text(self) -> None:
        self.search_text = search_key(
            self.name,
            self.short_name,
            self.city,
            self.description_nl,
            self.description_de,
            self.description_en,
        )

    def can_be_edited_by(self, user) -> bool:
        """The project manager edits every organisation; a person marked as editor of
        their own organisation edits that one."""
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return bool(
            user.is_admin or (user.is_organisation_editor and user.organisation_id == self.id)
        )


# The directory's first page in its default order and its city choices come from these
# indexes instead of sorting every organisation on each request: the project manager sees
# every organisation, everyone else the active ones. (SQLite cannot reflect an index on
# lower(name): a later migration that rebuilds this table in batch mode on SQLite must
# create the two *_sort_name indexes again.)
sa.Index("ix_organisations_sort_name", sa.func.lower(Organisation.name), Organisation.id)
sa.Index(
    "ix_organisations_active_sort_name",
    Organisation.is_active,
    sa.func.lower(Organisation.name),
    Organisation.id,
)
sa.Index("ix_organisations_country_city", Organisation.country, Organisation.city)
sa.Index(
    "ix_organisations_active_country_city",
    Organisation.is_active,
    Organisation.country,
    Organisation.city,
)


@sa.event.listens_for(Organisation, "before_insert")
@sa.event.listens_for(Organisation, "before_update")
def _keep_search_text(_mapper, _connection, organisation: Organisation) -> None:
    organisation.refresh_search_text()

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Organisation(db.Model):
    """A partner organisation of the network. The partner-directory issue adds policy
    fields, descriptions and contacts."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    kind: Mapped[OrganisationKind] = mapped_column(
        sa.Enum(OrganisationKind, native_enum=False, length=30)
    )
    country: Mapped[Country] = mapped_column(sa.Enum(Country, native_enum=False, length=2))
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")

    people: Mapped[list["User"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"

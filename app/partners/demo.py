"""Demo organisations: the real partners of the seeds' projects on both sides of the border."""

import sqlalchemy as sa

from ..extensions import db
from .models import Country, Organisation, OrganisationKind

K = OrganisationKind
ORGANISATIONS = [
    (
        "Stadt Münster",
        "Münster",
        K.municipality,
        Country.DE,
        "Münster",
        "https://www.stadt-muenster.de",
    ),
    (
        "Gemeente Enschede",
        "Enschede",
        K.municipality,
        Country.NL,
        "Enschede",
        "https://www.enschede.nl",
    ),
    ("Gemeente Almelo", "Almelo", K.municipality, Country.NL, "Almelo", "https://www.almelo.nl"),
    ("ROC van Twente", "ROC", K.education, Country.NL, "Hengelo", "https://www.rocvantwente.nl"),
    ("EUREGIO", "EUREGIO", K.other, Country.DE, "Gronau", "https://www.euregio.eu"),
    (
        "Provincie Overijssel",
        "Overijssel",
        K.province_state,
        Country.NL,
        "Zwolle",
        "https://www.overijssel.nl",
    ),
    (
        "Land Nordrhein-Westfalen",
        "NRW",
        K.province_state,
        Country.DE,
        "Düsseldorf",
        "https://www.land.nrw",
    ),
    (
        "Bezirksregierung Münster",
        "BR Münster",
        K.district_government,
        Country.DE,
        "Münster",
        "https://www.bezreg-muenster.de",
    ),
    (
        "Universität Münster",
        "WWU",
        K.university,
        Country.DE,
        "Münster",
        "https://www.uni-muenster.de",
    ),
    ("Universiteit Twente", "UT", K.university, Country.NL, "Enschede", "https://www.utwente.nl"),
    (
        "Ausländerbeirat der Stadt Münster",
        "Ausländerbeirat",
        K.migrant_organisation,
        Country.DE,
        "Münster",
        "",
    ),
    (
        "Landsmannschaft der Deutschen aus Russland, Ortsgruppe Münster",
        "LmDR",
        K.migrant_organisation,
        Country.DE,
        "Münster",
        "",
    ),
    (
        "Caritasverband für die Stadt Münster",
        "Caritas",
        K.welfare,
        Country.DE,
        "Münster",
        "https://www.caritas-ms.de",
    ),
    (
        "Diakonie Münster",
        "Diakonie",
        K.welfare,
        Country.DE,
        "Münster",
        "https://www.diakonie-muenster.de",
    ),
    (
        "Wohn + Stadtbau Münster",
        "Wohn+Stadtbau",
        K.housing,
        Country.DE,
        "Münster",
        "https://www.wohnundstadtbau.de",
    ),
    ("Domijn", "Domijn", K.housing, Country.NL, "Enschede", "https://www.domijn.nl"),
    ("Polizeipräsidium Münster", "Polizei Münster", K.police, Country.DE, "Münster", ""),
    ("Politie Oost-Nederland", "Politie", K.police, Country.NL, "Enschede", ""),
]


def seed_organisations() -> int:
    """Adds the organisations that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(Organisation.name)))
    added = 0
    for name, short, kind, country, city, website in ORGANISATIONS:
        if name not in existing:
            db.session.add(
                Organisation(
                    name=name,
                    short_name=short,
                    kind=kind,
                    country=country,
                    city=city,
                    website=website,
                )
            )
            added += 1
    db.session.flush()
    return added

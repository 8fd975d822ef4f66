"""Demo data from the seeds' projects: real organisations and groups, fictional people.
Idempotent: running it again changes nothing that is already there."""

import sqlalchemy as sa

from ..auth.models import Gender, User, normalise_email
from ..extensions import db
from ..groups.models import GroupKind, WorkingGroup
from ..partners.models import Country, Organisation, OrganisationKind

DEMO_PASSWORD = "netwerkbrug-demo"  # noqa: S105 (documented demo login, demo data only)

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

GROUPS = [
    (
        "xenia-wohnen",
        GroupKind.xenia,
        "Xenia — Wonen voor nieuwkomers",
        "Xenia — Wohnen für Zuwanderer",
        "Xenia — Housing for newcomers",
        "Thematische werkgroep van 36 instellingshoofden over huisvesting van nieuwkomers in niet-gesegregeerde wijken.",
        "Thematische Arbeitsgruppe von 36 Einrichtungsleitungen zur Unterbringung von Zuwanderern in nicht segregierten Quartieren.",
        "Thematic working group of 36 heads of institutions on housing newcomers in non-segregated neighbourhoods.",
    ),
    (
        "kerngroep",
        GroupKind.core,
        "Kerngroep",
        "Kerngruppe",
        "Core group",
        "Stuurt, begeleidt en documenteert het proces.",
        "Steuert, begleitet und dokumentiert den Prozess.",
        "Steers, accompanies and documents the process.",
    ),
    (
        "bruggroep",
        GroupKind.bridge,
        "Bruggroep",
        "Brückengruppe",
        "Bridge group",
        "Thematische deskundigen die de kerngroep aanvullen.",
        "Thematische Fachleute, die die Kerngruppe ergänzen.",
        "Thematic experts complementing the core group.",
    ),
    (
        "regiegroep",
        GroupKind.steering,
        "Regiegroep",
        "Lenkungsgruppe",
        "Steering group",
        "Provincie, land, Bezirksregierung, beide steden en vertegenwoordigers van migranten.",
        "Provinz, Land, Bezirksregierung, beide Städte und Vertretungen der Zugewanderten.",
        "Province, state, district government, both cities and migrant representatives.",
    ),
]

PEOPLE = [
    (
        "projectleider@example.org",
        "Anke Brinkhuis",
        "Projectleider Netwerkbrug",
        "nl",
        Gender.female,
        True,
    ),
    (
        "moderator@example.org",
        "Dr. Jürgen Oßenbrügge",
        "Externer Moderator",
        "de",
        Gender.male,
        False,
    ),
    ("lid@example.org", "Fatma Yıldız", "Leiterin Wohnungsvermittlung", "de", Gender.female, False),
]


def seed_demo() -> dict[str, int]:
    """Creates what is missing and returns how many rows of each kind were added."""
    added = {"organisations": 0, "groups": 0, "users": 0}
    existing_orgs = set(db.session.scalars(sa.select(Organisation.name)))
    for name, short, kind, country, city, website in ORGANISATIONS:
        if name not in existing_orgs:
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
            added["organisations"] += 1
    existing_groups = set(db.session.scalars(sa.select(WorkingGroup.slug)))
    for slug, kind, nl, de, en, dnl, dde, den in GROUPS:
        if slug not in existing_groups:
            db.session.add(
                WorkingGroup(
                    slug=slug,
                    kind=kind,
                    name_nl=nl,
                    name_de=de,
                    name_en=en,
                    description_nl=dnl,
                    description_de=dde,
                    description_en=den,
                )
            )
            added["groups"] += 1
    for email, name, function, locale, gender, is_admin in PEOPLE:
        if (
            db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email)))
            is None
        ):
            user = User(
                email=email,
                name=name,
                function=function,
                locale=locale,
                gender=gender,
                is_admin=is_admin,
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            added["users"] += 1
    db.session.flush()
    return added

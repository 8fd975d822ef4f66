"""Demo groups: the four groups of the seeds' process."""

import sqlalchemy as sa

from ..extensions import db
from .models import GroupKind, WorkingGroup

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


def seed_groups() -> int:
    """Adds the groups that are missing; returns how many were added."""
    existing = set(db.session.scalars(sa.select(WorkingGroup.slug)))
    added = 0
    for slug, kind, nl, de, en, dnl, dde, den in GROUPS:
        if slug not in existing:
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
            added += 1
    db.session.flush()
    return added

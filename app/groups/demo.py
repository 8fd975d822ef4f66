"""Demo groups: the four groups of the seeds' process, with fictional people from the
partner organisations. Idempotent: what exists is left alone."""

from datetime import date

import sqlalchemy as sa

from ..auth.models import Gender, User, normalise_email
from ..extensions import db
from ..partners.models import Organisation
from .models import GroupKind, GroupPhase, Membership, Phase, Role, WorkingGroup

MODERATOR = "moderator@example.org"
MEMBER = "lid@example.org"
PROJECT_MANAGER = "projectleider@example.org"

GROUPS = [
    {
        "slug": "xenia-wohnen",
        "kind": GroupKind.xenia,
        "name": (
            "Xenia — Wonen voor nieuwkomers",
            "Xenia — Wohnen für Zuwanderer",
            "Xenia — Housing for newcomers",
        ),
        "description": (
            "Thematische werkgroep van 36 instellingshoofden over huisvesting van nieuwkomers in niet-gesegregeerde wijken. Komt vijf tot zeven keer per jaar bijeen onder leiding van een externe gespreksleider.",
            "Thematische Arbeitsgruppe von 36 Einrichtungsleitungen zur Unterbringung von Zuwanderern in nicht segregierten Quartieren. Tagt fünf- bis siebenmal im Jahr mit externer Moderation.",
            "Thematic working group of 36 heads of institutions on housing newcomers in non-segregated neighbourhoods. Meets five to seven times a year with an external moderator.",
        ),
        "theme": ("Huisvesting voor nieuwkomers", "Wohnen für Zuwanderer", "Housing for newcomers"),
        "cities": "Münster",
        "is_public": True,
        "is_leadership_required": True,
        "created_on": date(2026, 3, 12),
        "phases": [
            (
                Phase.information_input,
                date(2026, 3, 12),
                "Oprichtingsvergadering; drie invalshoeken: woningmarkt, wijk en nabuurschap, de situatie van de nieuwkomers.",
            ),
            (
                Phase.mediation,
                date(2026, 9, 17),
                "Na een uitvoerige informatie- en inbrengfase begint de bemiddeling; consensus verwacht in het voorjaar.",
            ),
        ],
    },
    {
        "slug": "kerngroep",
        "kind": GroupKind.core,
        "name": ("Kerngroep", "Kerngruppe", "Core group"),
        "description": (
            "Stuurt, begeleidt en documenteert het proces.",
            "Steuert, begleitet und dokumentiert den Prozess.",
            "Steers, accompanies and documents the process.",
        ),
        "theme": ("Procesbegeleiding", "Prozessbegleitung", "Process support"),
        "cities": "Münster, Almelo",
        "is_public": True,
        "is_leadership_required": False,
        "created_on": date(2026, 1, 20),
        "phases": [(Phase.information_input, date(2026, 1, 20), "")],
    },
    {
        "slug": "bruggroep",
        "kind": GroupKind.bridge,
        "name": ("Bruggroep", "Brückengruppe", "Bridge group"),
        "description": (
            "Thematische deskundigen die de kerngroep aanvullen.",
            "Thematische Fachleute, die die Kerngruppe ergänzen.",
            "Thematic experts complementing the core group.",
        ),
        "theme": (
            "Onderwijs, taal en wonen",
            "Bildung, Sprache und Wohnen",
            "Education, language and housing",
        ),
        "cities": "Münster, Almelo, Enschede",
        "is_public": True,
        "is_leadership_required": False,
        "created_on": date(2026, 2, 5),
        "phases": [(Phase.information_input, date(2026, 2, 5), "")],
    },
    {
        "slug": "regiegroep",
        "kind": GroupKind.steering,
        "name": ("Regiegroep", "Lenkungsgruppe", "Steering group"),
        "description": (
            "Provincie, land, Bezirksregierung, beide steden en vertegenwoordigers van migranten.",
            "Provinz, Land, Bezirksregierung, beide Städte und Vertretungen der Zugewanderten.",
            "Province, state, district government, both cities and migrant representatives.",
        ),
        "theme": ("Sturing van het project", "Steuerung des Projekts", "Steering the project"),
        "cities": "Münster, Almelo",
        "is_public": True,
        "is_leadership_required": True,
        "created_on": date(2026, 1, 14),
        "phases": [(Phase.information_input, date(2026, 1, 14), "")],
    },
]

# Fictional people: e-mail, name, function, locale, gender, organisation, is leader.
PEOPLE = [
    (
        "h.kortmann@example.org",
        "Heike Kortmann",
        "Leiterin des Sozialamts",
        "de",
        Gender.female,
        "Stadt Münster",
        True,
    ),
    (
        "m.terhorst@example.org",
        "Martin Terhorst",
        "Geschäftsführer",
        "de",
        Gender.male,
        "Wohn + Stadtbau Münster",
        True,
    ),
    (
        "r.albers@example.org",
        "Pfarrer Rainer Albers",
        "Direktor",
        "de",
        Gender.male,
        "Diakonie Münster",
        True,
    ),
    (
        "s.wiechers@example.org",
        "Sabine Wiechers",
        "Vorständin",
        "de",
        Gender.female,
        "Caritasverband für die Stadt Münster",
        True,
    ),
    (
        "a.petrov@example.org",
        "Alexander Petrow",
        "Vorsitzender",
        "de",
        Gender.male,
        "Landsmannschaft der Deutschen aus Russland, Ortsgruppe Münster",
        True,
    ),
    (
        "n.demir@example.org",
        "Nesrin Demir",
        "Vorsitzende",
        "de",
        Gender.female,
        "Ausländerbeirat der Stadt Münster",
        True,
    ),
    (
        "t.hollmann@example.org",
        "Thomas Hollmann",
        "Polizeipräsident",
        "de",
        Gender.male,
        "Polizeipräsidium Münster",
        True,
    ),
    (
        "k.brandt@example.org",
        "Dr. Katrin Brandt",
        "Wissenschaftliche Begleitung, Institut für Geographie",
        "de",
        Gender.female,
        "Universität Münster",
        False,
    ),
    (
        "j.schulte@example.org",
        "Jochen Schulte",
        "Projektleiter Zuwanderung",
        "de",
        Gender.male,
        "Stadt Münster",
        False,
    ),
    (
        "w.meinders@example.org",
        "Wim Meinders",
        "Beleidsmedewerker integratie",
        "nl",
        Gender.male,
        "Gemeente Almelo",
        False,
    ),
    (
        "e.kamphuis@example.org",
        "Esther Kamphuis",
        "Wethouder integratie",
        "nl",
        Gender.female,
        "Gemeente Almelo",
        True,
    ),
    (
        "g.nijhuis@example.org",
        "Gerrit Nijhuis",
        "Directeur Educatie",
        "nl",
        Gender.male,
        "ROC van Twente",
        True,
    ),
    (
        "l.bosman@example.org",
        "Lotte Bosman",
        "Docent NT2",
        "nl",
        Gender.female,
        "ROC van Twente",
        False,
    ),
    (
        "p.vandijk@example.org",
        "Peter van Dijk",
        "Gedeputeerde",
        "nl",
        Gender.male,
        "Provincie Overijssel",
        True,
    ),
    (
        "u.lindner@example.org",
        "Ulrike Lindner",
        "Referatsleiterin Integration",
        "de",
        Gender.female,
        "Land Nordrhein-Westfalen",
        True,
    ),
    (
        "f.grote@example.org",
        "Friedrich Grote",
        "Regierungsvizepräsident",
        "de",
        Gender.male,
        "Bezirksregierung Münster",
        True,
    ),
    (
        "i.haverkamp@example.org",
        "Ingrid Haverkamp",
        "Bestuurder",
        "nl",
        Gender.female,
        "Domijn",
        True,
    ),
    (
        "d.oosterveld@example.org",
        "Dr. Daan Oosterveld",
        "Onderzoeker integratie",
        "nl",
        Gender.male,
        "Universiteit Twente",
        False,
    ),
    (
        "b.kemper@example.org",
        "Bernd Kemper",
        "Leitender Polizeidirektor a. D.",
        "de",
        Gender.male,
        "Polizeipräsidium Münster",
        False,
    ),
    (
        "c.wessels@example.org",
        "Carla Wessels",
        "Programmamanager",
        "de",
        Gender.female,
        "EUREGIO",
        False,
    ),
]

# Group slug -> (e-mail, role, is_voting or None for the role's default, represents organisation).
MEMBERS = {
    "xenia-wohnen": [
        ("h.kortmann@example.org", Role.chair, None, True),
        ("m.terhorst@example.org", Role.deputy_chair, None, True),
        (MODERATOR, Role.moderator, False, False),
        ("j.schulte@example.org", Role.secretary, False, False),
        (MEMBER, Role.member, True, True),
        ("r.albers@example.org", Role.member, None, True),
        ("s.wiechers@example.org", Role.member, None, True),
        ("a.petrov@example.org", Role.member, None, True),
        ("n.demir@example.org", Role.member, None, True),
        ("t.hollmann@example.org", Role.member, None, True),
        ("k.brandt@example.org", Role.observer, False, False),
        ("w.meinders@example.org", Role.observer, False, False),
    ],
    "kerngroep": [
        (PROJECT_MANAGER, Role.chair, None, False),
        ("j.schulte@example.org", Role.member, None, True),
        ("w.meinders@example.org", Role.member, None, True),
        ("k.brandt@example.org", Role.member, None, True),
        ("d.oosterveld@example.org", Role.member, None, True),
        ("c.wessels@example.org", Role.secretary, None, True),
    ],
    "bruggroep": [
        ("j.schulte@example.org", Role.chair, None, True),
        ("l.bosman@example.org", Role.member, None, True),
        ("i.haverkamp@example.org", Role.member, None, True),
        ("d.oosterveld@example.org", Role.member, None, True),
        ("k.brandt@example.org", Role.member, None, True),
    ],
    "regiegroep": [
        ("h.kortmann@example.org", Role.chair, None, True),
        ("g.nijhuis@example.org", Role.deputy_chair, None, True),
        ("p.vandijk@example.org", Role.member, None, True),
        ("u.lindner@example.org", Role.member, None, True),
        ("f.grote@example.org", Role.member, None, True),
        ("e.kamphuis@example.org", Role.member, None, True),
        ("n.demir@example.org", Role.member, None, True),
        ("c.wessels@example.org", Role.observer, False, False),
        (PROJECT_MANAGER, Role.secretary, False, False),
    ],
}


# Former members, so the group page shows its history: slug -> (e-mail, role, joined, left).
FORMER = {
    "xenia-wohnen": [
        ("b.kemper@example.org", Role.member, date(2026, 3, 12), date(2026, 6, 30)),
    ],
}


def _seed_people(organisations: dict[str, Organisation]) -> None:
    """Members without a login (no password): they appear in the groups, nothing more."""
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, name, function, locale, gender, organisation, is_leader in PEOPLE:
        if normalise_email(email) in existing:
            continue
        org = organisations.get(organisation)
        db.session.add(
            User(
                email=normalise_email(email),
                name=name,
                function=function,
                locale=locale,
                gender=gender,
                organisation_id=org.id if org else None,
                is_organisation_leader=is_leader and org is not None,
            )
        )
    db.session.flush()


def _seed_demo_member(organisations: dict[str, Organisation]) -> None:
    """The demo member represents Wohn + Stadtbau in Xenia, which only heads may do; if no
    organisation was given to her elsewhere, she heads its housing placement."""
    member = db.session.scalar(sa.select(User).where(User.email == MEMBER))
    housing = organisations.get("Wohn + Stadtbau Münster")
    if member is not None and member.organisation_id is None and housing is not None:
        member.organisation_id = housing.id
        member.is_organisation_leader = True


def seed_groups() -> int:
    """Adds the groups that are missing, with their phases and members; returns how many
    groups were added."""
    organisations = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    _seed_people(organisations)
    _seed_demo_member(organisations)
    db.session.flush()
    people = {u.email: u for u in db.session.scalars(sa.select(User))}
    existing = set(db.session.scalars(sa.select(WorkingGroup.slug)))
    added = 0
    for spec in GROUPS:
        if spec["slug"] in existing:
            continue
        phases = spec["phases"]
        group = WorkingGroup(
            slug=spec["slug"],
            kind=spec["kind"],
            name_nl=spec["name"][0],
            name_de=spec["name"][1],
            name_en=spec["name"][2],
            description_nl=spec["description"][0],
            description_de=spec["description"][1],
            description_en=spec["description"][2],
            theme_nl=spec["theme"][0],
            theme_de=spec["theme"][1],
            theme_en=spec["theme"][2],
            cities=spec["cities"],
            is_public=spec["is_public"],
            is_leadership_required=spec["is_leadership_required"],
            created_on=spec["created_on"],
            phase=phases[-1][0],
        )
        db.session.add(group)
        for phase, started_on, note in phases:
            db.session.add(GroupPhase(group=group, phase=phase, started_on=started_on, note=note))
        for email, role, is_voting, represents in MEMBERS[spec["slug"]]:
            person = people.get(email)
            if person is None:
                continue
            db.session.add(
                Membership(
                    group=group,
                    user=person,
                    organisation=person.organisation if represents else None,
                    role=role,
                    is_voting=role.votes_by_default if is_voting is None else is_voting,
                    joined_on=spec["created_on"],
                )
            )
        for email, role, joined_on, left_on in FORMER.get(spec["slug"], []):
            person = people.get(email)
            if person is not None:
                db.session.add(
                    Membership(
                        group=group,
                        user=person,
                        organisation=person.organisation,
                        role=role,
                        is_voting=role.votes_by_default,
                        joined_on=joined_on,
                        left_on=left_on,
                    )
                )
        added += 1
    db.session.flush()
    return added

"""Demo work visits from the seeds: Almelo's newcomer-intake staff visit Münster's
integration pilots (open), Münster's education staff visit ROC van Twente (full, with a
waiting list), and a completed visit to Enschede with learning and transfer points.
Idempotent: a visit whose Dutch title exists is left alone."""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..core.database import utcnow
from ..extensions import db
from ..partners.models import Organisation, PolicyField
from .models import (
    LOCAL_ZONE,
    PointKind,
    Registration,
    RegistrationStatus,
    Visit,
    VisitDay,
    VisitPoint,
)

# (host, nl, de, en, days from today, number of days, capacity, fields, languages, city, place,
#  contact, programme per day, description nl/de/en)
VISITS = [
    (
        "Stadt Münster",
        "Werkbezoek integratiepilots Münster",
        "Arbeitsbesuch Integrationspiloten Münster",
        "Work visit: Münster's integration pilots",
        45,
        2,
        12,
        ("intake-newcomers", "participation"),
        "de,nl",
        "Münster",
        "Stadthaus 1, Klemensstraße 10",
        ("Dr. Sabine Kötter", "s.koetter@example.org"),
        (
            "09:30 Empfang im Stadthaus\n\n10:00 Die Integrationspiloten stellen sich vor\n\n"
            "13:00 Besuch einer Erstaufnahme-Einrichtung",
            "09:00 Hospitation in der Migrationsberatung\n\n12:00 Auswertung und Transferpunkte",
        ),
        (
            "Medewerkers inburgering van de gemeente Almelo lopen twee dagen mee met de "
            "integratiepilots van Münster.",
            "Mitarbeitende der Integration aus Almelo begleiten zwei Tage lang die "
            "Integrationspiloten der Stadt Münster.",
            "Almelo's civic-integration staff spend two days with Münster's integration pilots.",
        ),
    ),
    (
        "ROC van Twente",
        "Werkbezoek ROC van Twente: taal en beroep",
        "Arbeitsbesuch ROC van Twente: Sprache und Beruf",
        "Work visit ROC van Twente: language and vocation",
        30,
        1,
        3,
        ("language-education", "work-economy"),
        "nl,de",
        "Hengelo",
        "Gieterij 200",
        ("Jan Wessels", "j.wessels@example.org"),
        ("09:30 Ontvangst\n\n10:00 Lessen Nederlands als tweede taal\n\n14:00 Duale trajecten",),
        (
            "Onderwijsmedewerkers uit Münster bekijken hoe het ROC taalonderwijs en "
            "beroepsopleiding combineert.",
            "Bildungsfachleute aus Münster sehen, wie das ROC Sprachunterricht und "
            "Berufsausbildung verbindet.",
            "Education staff from Münster see how the ROC combines language and vocational training.",
        ),
    ),
    (
        "Gemeente Enschede",
        "Werkbezoek wijkgericht werken Enschede",
        "Arbeitsbesuch Quartiersarbeit Enschede",
        "Work visit: neighbourhood work in Enschede",
        -60,
        1,
        10,
        ("social-cohesion", "housing"),
        "nl,de",
        "Enschede",
        "Stadhuis, Langestraat 24",
        ("Marieke ter Horst", "m.terhorst@example.org"),
        ("10:00 Wijkwandeling Velve-Lindenhof\n\n13:00 Gesprek met wijkcoaches",),
        (
            "Hoe wijkcoaches in Enschede nieuwkomers en buurtbewoners met elkaar verbinden.",
            "Wie Quartierscoaches in Enschede Neuzugewanderte und Nachbarschaft verbinden.",
            "How neighbourhood coaches in Enschede connect newcomers and residents.",
        ),
    ),
]

FULL_VISIT_PEOPLE = [
    ("Katharina Berger", "k.berger@example.org", "Stadt Münster", RegistrationStatus.confirmed),
    ("Thomas Lindner", "t.lindner@example.org", "Stadt Münster", RegistrationStatus.confirmed),
    ("Fatma Yıldız", "lid@example.org", "Stadt Münster", RegistrationStatus.confirmed),
    ("Ingrid Schäfer", "i.schaefer@example.org", "Stadt Münster", RegistrationStatus.waitlisted),
    ("Murat Demir", "m.demir@example.org", "Caritasverband", RegistrationStatus.waitlisted),
]

POINTS = [
    (
        PointKind.learning,
        "Wijkcoaches zijn bekende gezichten: bewoners stappen eerder op hen af dan op een loket.",
    ),
    (
        PointKind.transfer,
        "Quartierscoaches auch in Münster-Kinderhaus erproben; anders als in Enschede über "
        "die Wohlfahrtsverbände anstellen, weil die Stadt keine eigenen Quartiersteams hat.",
    ),
]


def _deadline(starts_on) -> datetime:
    day = starts_on - timedelta(days=7)
    return datetime.combine(day, time(12), LOCAL_ZONE).astimezone(UTC)


def _visit(row, organisations, fields, creator) -> Visit:
    host, nl, de, en, offset, days, capacity, slugs, languages, city, place, contact, *rest = row
    programmes, (desc_nl, desc_de, desc_en) = rest
    starts_on = (utcnow().astimezone(LOCAL_ZONE) + timedelta(days=offset)).date()
    visit = Visit(
        organisation=organisations[host],
        title_nl=nl,
        title_de=de,
        title_en=en,
        description_nl=desc_nl,
        description_de=desc_de,
        description_en=desc_en,
        place=place,
        city=city,
        languages=languages,
        capacity=capacity,
        registration_deadline=_deadline(starts_on),
        contact_name=contact[0],
        contact_email=contact[1],
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        created_by=creator,
    )
    visit.policy_fields = [fields[slug] for slug in slugs if slug in fields]
    visit.days = [
        VisitDay(day=starts_on + timedelta(days=n), starts=time(9), ends=time(16), programme=text)
        for n, text in enumerate(programmes)
    ]
    return visit


def seed_visits() -> int:
    """The three demo visits, with registrations and points; returns how many were added."""
    existing = set(db.session.scalars(sa.select(Visit.title_nl)))
    organisations = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    fields = {f.slug: f for f in db.session.scalars(sa.select(PolicyField))}
    creator = db.session.scalar(sa.select(User).where(User.email == "projectleider@example.org"))
    added = 0
    for row in VISITS:
        if row[1] in existing or row[0] not in organisations:
            continue
        visit = _visit(row, organisations, fields, creator)
        db.session.add(visit)
        db.session.flush()
        if visit.capacity == 3:
            _register_full_list(visit, organisations)
        if row[4] < 0:
            _complete(visit, creator)
        added += 1
    db.session.flush()
    return added


def _register_full_list(visit: Visit, organisations: dict[str, Organisation]) -> None:
    for n, (name, email, organisation, status) in enumerate(FULL_VISIT_PEOPLE):
        at = utcnow() - timedelta(days=10 - n)
        db.session.add(
            Registration(
                visit_id=visit.id,
                name=name,
                email=email,
                organisation=organisations.get(organisation),
                organisation_name="" if organisation in organisations else organisation,
                function="Bildungsberatung",
                locale="de",
                status=status,
                registered_at=at,
                confirmed_at=at if status == RegistrationStatus.confirmed else None,
            )
        )
        db.session.flush()  # one by one: the id order is the arrival order


def _complete(visit: Visit, author: User | None) -> None:
    db.session.add(
        Registration(
            visit_id=visit.id,
            name="Fatma Yıldız",
            email="lid@example.org",
            organisation_name="Stadt Münster",
            function="Leiterin Wohnungsvermittlung",
            locale="de",
            status=RegistrationStatus.confirmed,
            confirmed_at=utcnow() - timedelta(days=90),
            registered_at=utcnow() - timedelta(days=90),
        )
    )
    for kind, text in POINTS:
        db.session.add(VisitPoint(visit_id=visit.id, kind=kind, text=text, author=author))

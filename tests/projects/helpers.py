"""A project with a known second quarter of 2025 (see test_reports.py for the numbers)."""

from datetime import UTC, date, datetime

from app.auth.models import Gender
from app.consensus.models import Outcome
from app.extensions import db
from app.groups.models import GroupKind, GroupPhase, Phase
from app.meetings.models import Attendance, MeetingKind, MeetingStatus
from app.partners.models import Country
from app.projects.models import PartnerRole, Project, ProjectPartner
from app.visits.models import PointKind, Registration, RegistrationStatus, VisitPoint
from tests.factories import (
    make_group,
    make_meeting,
    make_organisation,
    make_proposal,
    make_user,
    make_visit,
)
from tests.reports.helpers import attend, closed_round, decide

ACKNOWLEDGEMENT_NL = (
    "Het project wordt in het kader van het INTERREG IV A-programma Deutschland-Nederland "
    "met middelen van het EFRO financieel ondersteund."
)
ACKNOWLEDGEMENT_DE = (
    "Das Projekt wird im Rahmen des INTERREG IV A-Programms Deutschland-Nederland mit Mitteln "
    "des EFRE gefördert."
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_project(*, slug: str = "integratievisie", groups=(), partners=(), **fields) -> Project:
    project = Project(
        slug=slug,
        title_nl=fields.pop("title_nl", "Integratievisie"),
        title_de=fields.pop("title_de", "Integrationsvision"),
        programme=fields.pop("programme", "INTERREG IV A Deutschland-Nederland"),
        acknowledgement_nl=fields.pop("acknowledgement_nl", ACKNOWLEDGEMENT_NL),
        acknowledgement_de=fields.pop("acknowledgement_de", ACKNOWLEDGEMENT_DE),
        starts_on=fields.pop("starts_on", date(2025, 1, 1)),
        ends_on=fields.pop("ends_on", date(2026, 12, 31)),
        **fields,
    )
    project.groups = list(groups)
    project.partners = [
        ProjectPartner(organisation=organisation, role=role) for organisation, role in partners
    ]
    db.session.add(project)
    db.session.flush()
    return project


def people(n: int, organisation, gender: Gender, prefix: str):
    result = []
    for i in range(n):
        person = make_user(name=f"{prefix} {i}", gender=gender)
        person.organisation = organisation
        result.append(person)
    return result


def build_quarter() -> dict:
    """2025 Q2 of the project: 4 Dutch and 11 German participants and one without a
    country; 6 women, 6 men and 4 who did not state a gender - from a meeting, a work visit
    and a public meeting, each person counted once. Activity of another group, of another
    quarter or cancelled does not belong to it."""
    nl = make_organisation(name="Gemeente Almelo", country=Country.NL, city="Almelo")
    de = make_organisation(name="Stadt Münster", country=Country.DE, city="Münster")
    xenia = make_group(slug="xenia", name_nl="Xenia Almelo", name_en="Xenia Almelo")
    steering = make_group(
        slug="regiegroep", kind=GroupKind.steering, name_nl="Regiegroep", name_en="Steering group"
    )
    elsewhere = make_group(slug="elders", name_nl="Andere groep", name_en="Other group")
    project = make_project(
        groups=[xenia, steering],
        partners=[(de, PartnerRole.lead_partner), (nl, PartnerRole.partner)],
        co_financiers="Provincie Overijssel\nLand Nordrhein-Westfalen",
    )

    nl_people = people(2, nl, Gender.female, "Vrouw") + people(2, nl, Gender.male, "Man")
    de_women = people(3, de, Gender.female, "Frau")
    de_people = de_women + people(3, de, Gender.male, "Mann")
    session = make_meeting(
        xenia,
        start=at(2025, 4, 10, 8),
        kind=MeetingKind.working_session,
        city="Almelo",
        country="NL",
    )
    attend(session, nl_people + de_people)
    attend(session, people(1, de, Gender.diverse, "Abwesend"), Attendance.absent)
    make_meeting(
        xenia, start=at(2025, 5, 20, 7), kind=MeetingKind.coaching_day, city="Münster", country="DE"
    )

    visit = make_visit(de, starts_on=date(2025, 5, 12), capacity=10)
    for n in range(3):
        db.session.add(
            Registration(
                visit=visit,
                name=f"Gast {n}",
                email=f"gast{n}@stadt-muenster.de",
                organisation=de,
                status=RegistrationStatus.confirmed,
            )
        )
    # The same person as at the meeting: counted once.
    db.session.add(
        Registration(
            visit=visit,
            name=de_women[0].name,
            email=de_women[0].email,
            status=RegistrationStatus.confirmed,
        )
    )
    db.session.add(
        Registration(
            visit=visit,
            name="Wachtende",
            email="wacht@example.org",
            status=RegistrationStatus.waitlisted,
        )
    )
    db.session.add_all(
        [
            VisitPoint(visit=visit, kind=PointKind.learning, text="Wijkteams werken samen."),
            VisitPoint(visit=visit, kind=PointKind.transfer, text="Een loket voor nieuwkomers."),
        ]
    )

    conference = make_meeting(
        start=at(2025, 6, 5, 8),
        kind=MeetingKind.binational_conference,
        city="Münster",
        country="DE",
    )
    woman, man = people(1, de, Gender.female, "Gästin")[0], people(1, de, Gender.male, "Gast")[0]
    for name, email, organisation in [
        (woman.name, woman.email, None),
        (man.name, man.email, None),
        ("Zonder land", "zonder@example.org", None),
    ]:
        db.session.add(
            Registration(
                meeting_id=conference.id,
                name=name,
                email=email,
                organisation=organisation,
                status=RegistrationStatus.confirmed,
            )
        )

    # Not the project's quarter: another group, another quarter, a cancelled meeting.
    other = make_meeting(elsewhere, start=at(2025, 4, 20, 8), kind=MeetingKind.study_day)
    attend(other, people(2, nl, Gender.female, "Elders"))
    later = make_meeting(xenia, start=at(2025, 7, 2, 8), kind=MeetingKind.working_session)
    attend(later, people(1, nl, Gender.male, "Later"))
    make_meeting(
        xenia,
        start=at(2025, 5, 2, 8),
        kind=MeetingKind.kick_off,
        status=MeetingStatus.cancelled,
    )

    proposal = make_proposal(xenia, title="Eén loket voor nieuwkomers")
    first = closed_round(proposal, 1, at(2025, 4, 15, 12))
    first.opened_at = at(2025, 4, 1, 12)
    second = closed_round(proposal, 2, at(2025, 6, 1, 12), Outcome.consensus)
    second.opened_at = at(2025, 5, 1, 12)
    decide(proposal, at(2025, 6, 1, 12))
    foreign = closed_round(make_proposal(elsewhere, title="Elders"), 1, at(2025, 5, 1, 12))
    foreign.opened_at = at(2025, 4, 2, 12)
    db.session.add(GroupPhase(group=xenia, phase=Phase.mediation, started_on=date(2025, 5, 2)))
    db.session.commit()
    return {
        "project": project,
        "xenia": xenia,
        "steering": steering,
        "nl": nl,
        "de": de,
        "visit": visit,
    }

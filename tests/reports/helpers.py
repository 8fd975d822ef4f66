"""A known world for the indicator tests, and a reader for the tables on the page."""

from datetime import UTC, datetime
from html.parser import HTMLParser

from app.auth.models import Gender
from app.consensus.models import Outcome, Proposal, ProposalStatus, Round, Visibility
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.meetings.models import Attendance, Invitation, MeetingKind, MeetingStatus
from app.newsletter.models import Delivery, DeliveryStatus, EditionStatus
from app.partners.models import Country
from tests.factories import (
    make_edition,
    make_group,
    make_meeting,
    make_organisation,
    make_proposal,
    make_subscriber,
    make_user,
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def attend(meeting, people, attendance=Attendance.present):
    for person in people:
        db.session.add(Invitation(meeting=meeting, user=person, attendance=attendance))
    db.session.flush()


def closed_round(proposal, number, closed_at, outcome=Outcome.objections):
    round_ = Round(
        proposal=proposal,
        version=proposal.versions[-1],
        number=number,
        visibility=Visibility.named,
        eligible_count=5,
        quorum=3,
        opened_at=closed_at,
        closes_at=closed_at,
        closed_at=closed_at,
        outcome=outcome,
        tally={"agree": 4, "object": 1} if outcome is Outcome.objections else {"agree": 5},
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def decide(proposal: Proposal, when: datetime) -> None:
    proposal.status = ProposalStatus.decided
    proposal.decided_at = when
    db.session.flush()


def build_world() -> dict:
    """2025 in figures (see test_indicators.py for what each number must be)."""
    nl = make_organisation(name="Gemeente Enschede", country=Country.NL)
    de = make_organisation(name="Stadt Münster", country=Country.DE, city="Münster")
    women = [make_user(name=f"Vrouw {n}", gender=Gender.female) for n in range(6)]
    for person in women:
        person.organisation = nl
    men = [make_user(name=f"Mann {n}", gender=Gender.male) for n in range(2)]
    for person in men:
        person.organisation = de
    unstated = make_user(name="Zonder Opgave")
    absent = make_user(name="Afwezig", gender=Gender.diverse)
    absent.organisation = de

    binational = make_meeting(
        start=at(2025, 3, 1, 9), country="NL", city="Enschede", kind=MeetingKind.working_session
    )
    attend(binational, women + men)
    coaching_de = make_meeting(
        start=at(2025, 4, 1, 9), country="DE", city="Münster", kind=MeetingKind.coaching_day
    )
    coaching_nl = make_meeting(
        start=at(2025, 5, 1, 9), country="NL", city="Enschede", kind=MeetingKind.coaching_day
    )
    attend(coaching_nl, [unstated])
    attend(coaching_nl, [absent], Attendance.absent)
    make_meeting(
        start=at(2025, 6, 1, 9),
        country="NL",
        kind=MeetingKind.kick_off,
        status=MeetingStatus.cancelled,
    )
    # 00:30 on 1 January in Berlin: the first hour of 2025 and the first of 2026.
    new_year = make_meeting(
        start=at(2024, 12, 31, 23, 30), country="DE", kind=MeetingKind.steering_meeting
    )
    attend(new_year, men)
    make_meeting(start=at(2025, 12, 31, 23, 30), country="NL", kind=MeetingKind.study_day)

    xenia = make_group(slug="xenia", name_nl="Xenia Enschede", name_en="Xenia Enschede")
    bridge = make_group(slug="bridge", name_nl="Brug", name_en="Bridge")
    decided = make_proposal(xenia, title="Spreiding nieuwkomers")
    closed_round(decided, 1, at(2025, 2, 1, 12))
    closed_round(decided, 2, at(2025, 3, 1, 12), Outcome.consensus)
    decide(decided, at(2025, 3, 1, 12))
    earlier = make_proposal(bridge)
    closed_round(earlier, 1, at(2024, 11, 1, 12))

    confirmed_2025 = at(2025, 1, 10)
    for address, language in [
        ("a@gemeente.nl", "nl"),
        ("b@gemeente.nl", "nl"),
        ("c@stadt.de", "de"),
        ("d@example.org", "en"),
        (men[0].email, "de"),
    ]:
        make_subscriber(email=address, language=language).consent_at = confirmed_2025
    make_subscriber(email="late@gemeente.nl").consent_at = at(2026, 1, 2)
    from app.newsletter.models import SubscriberStatus

    make_subscriber(email="gone@gemeente.nl", status=SubscriberStatus.unsubscribed)

    edition = make_edition(quarter="2025 Q2", status=EditionStatus.sent, queued_at=at(2025, 6, 1))
    readers = make_subscriber(email="r1@x.nl"), make_subscriber(email="r2@x.nl")
    readers += (make_subscriber(email="r3@x.nl"),)
    for reader, status in zip(
        readers, (OutboxStatus.sent, OutboxStatus.sent, OutboxStatus.failed), strict=True
    ):
        reader.consent_at = at(2026, 2, 1)
        message = OutboxMessage(recipient=reader.email, raw=b"x", status=status)
        db.session.add(
            Delivery(
                edition=edition,
                subscriber=reader,
                status=DeliveryStatus.queued,
                outbox_message=message,
            )
        )
    make_edition(quarter="2024 Q4", status=EditionStatus.sent, queued_at=at(2024, 12, 1))
    add_visits(de)
    db.session.commit()
    return {"coaching_de": coaching_de, "women": women, "men": men}


class TableReader(HTMLParser):
    """The cells of the <table id=...> on a page, row by row (header row first)."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_table(html: str, key: str) -> list[list[str]]:
    reader = TableReader(f"table-{key}")
    reader.feed(html)
    return reader.rows


def add_visits(host) -> None:
    """2025: one visit with two confirmed, one waitlisted and one cancelled registration,
    two learning points and a transfer point; a cancelled visit and one in 2026 do not count."""
    from datetime import date

    from app.visits.models import (
        PointKind,
        Registration,
        RegistrationStatus,
        VisitPoint,
        VisitStatus,
    )
    from tests.factories import make_visit

    visit = make_visit(host, starts_on=date(2025, 5, 10), capacity=2)
    cancelled = make_visit(host, starts_on=date(2025, 6, 10), status=VisitStatus.cancelled)
    later = make_visit(host, starts_on=date(2026, 1, 10))
    for n, (target, status) in enumerate(
        [
            (visit, RegistrationStatus.confirmed),
            (visit, RegistrationStatus.confirmed),
            (visit, RegistrationStatus.waitlisted),
            (visit, RegistrationStatus.cancelled),
            (cancelled, RegistrationStatus.confirmed),
            (later, RegistrationStatus.confirmed),
        ]
    ):
        db.session.add(
            Registration(
                visit=target, name=f"Gast {n}", email=f"gast{n}@example.org", status=status
            )
        )
    for target, kind in [
        (visit, PointKind.learning),
        (visit, PointKind.learning),
        (visit, PointKind.transfer),
        (later, PointKind.learning),
    ]:
        db.session.add(VisitPoint(visit=target, kind=kind, text="Buurtteams werken samen."))
    db.session.flush()

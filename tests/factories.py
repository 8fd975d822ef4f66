"""Plain builders for test data: sensible defaults, every field overridable."""

import itertools

from app.auth.models import Gender, User
from app.extensions import db

_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = "correct-horse-battery",
    is_admin: bool = False,
    is_active: bool = True,
    locale: str = "en",
    gender: Gender = Gender.not_stated,
    function: str = "",
) -> User:
    n = next(_counter)
    user = User(
        email=(email or f"person{n}@example.org").lower(),
        name=name or f"Person {n}",
        is_admin=is_admin,
        is_active=is_active,
        locale=locale,
        gender=gender,
        function=function,
    )
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_policy_field(slug: str | None = None, **names: str):
    from app.partners.models import PolicyField

    n = next(_counter)
    slug = slug or f"field-{n}"
    field = PolicyField(
        slug=slug,
        name_nl=names.get("name_nl", f"Veld {slug}"),
        name_de=names.get("name_de", f"Feld {slug}"),
        name_en=names.get("name_en", f"Field {slug}"),
        position=n,
    )
    db.session.add(field)
    db.session.flush()
    return field


def make_organisation(
    *,
    name: str | None = None,
    country=None,
    kind=None,
    city: str = "Enschede",
    policy_fields=(),
    is_active: bool = True,
    **values,
):
    from app.partners.models import Country, Organisation, OrganisationKind

    n = next(_counter)
    organisation = Organisation(
        name=name or f"Organisation {n}",
        country=country or Country.NL,
        kind=kind or OrganisationKind.municipality,
        city=city,
        is_active=is_active,
        **values,
    )
    organisation.policy_fields = list(policy_fields)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_group(
    *,
    slug: str | None = None,
    kind=None,
    name_nl: str | None = None,
    is_public: bool = True,
    is_leadership_required: bool = False,
    phase=None,
    **fields,
):
    """A working group (app.groups); every column can be overridden."""
    from app.groups.models import GroupKind, Phase, WorkingGroup

    n = next(_counter)
    group = WorkingGroup(
        slug=slug or f"group-{n}",
        kind=kind or GroupKind.xenia,
        name_nl=name_nl or f"Werkgroep {n}",
        name_en=fields.pop("name_en", f"Working group {n}"),
        is_public=is_public,
        is_leadership_required=is_leadership_required,
        phase=phase or Phase.information_input,
        **fields,
    )
    db.session.add(group)
    db.session.flush()
    return group


def make_membership(
    group,
    user: User | None = None,
    *,
    role=None,
    organisation=None,
    is_voting: bool | None = None,
    joined_on=None,
    left_on=None,
):
    """A membership written directly, without the rules of app.groups.services."""
    from datetime import date

    from app.groups.models import Membership, Role

    role = role or Role.member
    membership = Membership(
        group=group,
        user=user or make_user(),
        organisation=organisation,
        role=role,
        is_voting=role.votes_by_default if is_voting is None else is_voting,
        joined_on=joined_on or date(2026, 1, 1),
        left_on=left_on,
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def make_subscriber(
    *,
    email: str | None = None,
    name: str | None = None,
    language: str = "nl",
    status=None,
    organisation: str = "",
):
    """A newsletter subscriber, confirmed unless `status` says otherwise."""
    from app.core.database import utcnow
    from app.newsletter.models import ConsentSource, Subscriber, SubscriberStatus

    n = next(_counter)
    status = status or SubscriberStatus.confirmed
    subscriber = Subscriber(
        email=(email or f"reader{n}@example.org").lower(),
        name=name if name is not None else f"Reader {n}",
        organisation=organisation,
        language=language,
        status=status,
        consent_source=ConsentSource.admin,
        consent_basis="test data",
        consent_at=utcnow() if status is SubscriberStatus.confirmed else None,
    )
    db.session.add(subscriber)
    db.session.flush()
    return subscriber


def make_edition(*, quarter: str | None = None, languages=("nl", "de", "en"), **fields):
    """A draft edition written in `languages` (title and Markdown body each)."""
    from app.newsletter.models import Edition

    n = next(_counter)
    texts = {
        "nl": ("Nieuws uit Enschede", "Het **Xenia**-overleg kwam bijeen in Enschede."),
        "de": ("Neues aus Münster", "Die **Xenia**-Gruppe tagte in Münster."),
        "en": ("News from the border", "The **Xenia** group met in Enschede."),
    }
    values = {}
    for lang in languages:
        values[f"title_{lang}"], values[f"body_{lang}"] = texts[lang]
    values.update(fields)
    edition = Edition(quarter=quarter or f"{2000 + n % 99:04d} Q{n % 4 + 1}", **values)
    db.session.add(edition)
    db.session.flush()
    return edition


def make_proposal(group, author=None, *, title: str | None = None, versions: int = 1):
    """A consensus proposal (app.consensus) with `versions` numbered versions."""
    from app.consensus.models import Proposal, ProposalVersion

    n = next(_counter)
    proposal = Proposal(group=group, title=title or f"Voorstel {n}", created_by=author)
    db.session.add(proposal)
    for number in range(1, versions + 1):
        db.session.add(
            ProposalVersion(
                proposal=proposal,
                number=number,
                text_nl=f"Nieuwkomers wonen verspreid over de stad (versie {number}).",
                text_de=f"Zuwanderer wohnen über die Stadt verteilt (Fassung {number}).",
                change_note="" if number == 1 else f"Herzien na ronde {number - 1}.",
                author=author,
            )
        )
    db.session.flush()
    db.session.refresh(proposal)
    return proposal


def make_round(proposal, moderator, *, closes_in_days: int = 7, now=None, **settings):
    """An open round on the proposal's current version, opened through the service."""
    from datetime import timedelta

    from app.consensus import services
    from app.core.database import utcnow

    now = now or utcnow()
    return services.open_round(
        moderator, proposal, closes_at=now + timedelta(days=closes_in_days), now=now, **settings
    )


def make_meeting(
    group=None,
    *,
    organiser=None,
    start=None,
    hours: float = 2,
    kind=None,
    title_en: str | None = None,
    invitees=(),
    **fields,
):
    """A planned meeting written directly (no mails); `start` is an aware datetime."""
    from datetime import UTC, datetime, timedelta

    from app.meetings.models import Invitation, Meeting, MeetingKind

    n = next(_counter)
    start = start or datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
    meeting = Meeting(
        group=group,
        organiser=organiser,
        kind=kind or MeetingKind.working_session,
        title_nl=fields.pop("title_nl", f"Bijeenkomst {n}"),
        title_en=title_en or f"Meeting {n}",
        start_at=start,
        end_at=start + timedelta(hours=hours),
        **fields,
    )
    db.session.add(meeting)
    for person in invitees:
        db.session.add(Invitation(meeting=meeting, user=person))
    db.session.flush()
    return meeting


def make_visit(
    organisation=None,
    *,
    capacity: int = 5,
    starts_on=None,
    days: int = 1,
    deadline=None,
    policy_fields=(),
    **fields,
):
    """An open work visit written directly (no mails): `days` days from `starts_on`
    (default 3 June 2030), 09:00–16:00, registration until the day before."""
    from datetime import UTC, date, datetime, time, timedelta

    from app.visits.models import Visit, VisitDay

    n = next(_counter)
    starts_on = starts_on or date(2030, 6, 3)
    visit = Visit(
        organisation=organisation or make_organisation(),
        title_nl=fields.pop("title_nl", f"Werkbezoek {n}"),
        title_de=fields.pop("title_de", f"Arbeitsbesuch {n}"),
        title_en=fields.pop("title_en", f"Work visit {n}"),
        capacity=capacity,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        registration_deadline=deadline
        or datetime.combine(starts_on - timedelta(days=1), time(12), UTC),
        city=fields.pop("city", "Münster"),
        contact_name=fields.pop("contact_name", "Hanna Host"),
        contact_email=fields.pop("contact_email", "host@example.org"),
        languages=fields.pop("languages", "nl,de"),
        **fields,
    )
    visit.policy_fields = list(policy_fields)
    visit.days = [
        VisitDay(day=starts_on + timedelta(days=i), starts=time(9), ends=time(16), programme="")
        for i in range(days)
    ]
    db.session.add(visit)
    db.session.flush()
    return visit

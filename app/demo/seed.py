"""Demo data from the seeds' projects: real organisations and groups, fictional people.
Idempotent: running it again changes nothing that is already there. Each domain seeds its
own part (`<domain>/demo.py`); the order matters, as later parts refer to earlier ones."""

import sqlalchemy as sa

from ..auth.models import Gender, User, normalise_email
from ..consensus.demo import seed_consensus
from ..extensions import db
from ..groups.demo import seed_groups
from ..meetings.demo import seed_meetings
from ..newsletter.demo import seed_newsletter
from ..partners.demo import seed_organisations
from ..projects.demo import seed_projects
from ..visits.demo import seed_visits

DEMO_PASSWORD = "netwerkbrug-demo"  # noqa: S105 (documented demo login, demo data only)

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


def seed_people() -> int:
    """The three demo logins of DESIGN.md; returns how many were added."""
    added = 0
    for email, name, function, locale, gender, is_admin in PEOPLE:
        exists = db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email)))
        if exists is None:
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
            added += 1
    db.session.flush()
    return added


def seed_demo() -> dict[str, int]:
    """Creates what is missing and returns how many rows of each kind were added."""
    added = {
        "organisations": seed_organisations(),
        "users": seed_people(),
        "groups": seed_groups(),
        "meetings": seed_meetings(),
        "proposals": seed_consensus(),
        "visits": seed_visits(),
    }
    added.update(seed_newsletter())
    added["projects"] = seed_projects()
    return added

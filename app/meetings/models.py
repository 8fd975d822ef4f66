"""Meetings of the project: when and where, who is invited and what they answered, the
agenda, attendance, minutes and action items; and the personal calendar-feed token."""

import enum
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..core.i18n_fields import Localised, localised
from ..extensions import db
from ..groups.models.documents import StoredDocument

if TYPE_CHECKING:
    from ..auth.models import User
    from ..consensus.models import Proposal
    from ..groups.models import WorkingGroup

LOCAL_ZONE = ZoneInfo("Europe/Berlin")
# The project plans four cross-border coaching days in every participating city.
COACHING_DAYS_PER_CITY = 4


class MeetingKind(enum.Enum):
    kick_off = "kick_off"
    coaching_day = "coaching_day"
    working_session = "working_session"
    steering_meeting = "steering_meeting"
    binational_conference = "binational_conference"
    study_day = "study_day"

    @property
    def title(self) -> str:
        return str(MEETING_KIND_TITLES[self])


MEETING_KIND_TITLES = {
    MeetingKind.kick_off: _l("Kick-off meeting"),
    MeetingKind.coaching_day: _l("Coaching day"),
    MeetingKind.working_session: _l("Working session"),
    MeetingKind.steering_meeting: _l("Steering group meeting"),
    MeetingKind.binational_conference: _l("Binational conference"),
    MeetingKind.study_day: _l("Study day"),
}


class MeetingStatus(enum.Enum):
    planned = "planned"
    cancelled = "cancelled"

    @property
    def title(self) -> str:
        return str(MEETING_STATUS_TITLES[self])


MEETING_STATUS_TITLES = {
    MeetingStatus.planned: _l("Planned"),
    MeetingStatus.cancelled: _l("Cancelled"),
}


class Response(enum.Enum):
    """An invitee's answer, named as iCalendar's PARTSTAT."""

    needs_action = "needs_action"
    accepted = "accepted"
    tentative = "tentative"
    declined = "declined"

    @property
    def title(self) -> str:
        return str(RESPONSE_TITLES[self])

    @property
    def partstat(self) -> str:
        return self.name.upper().replace("_", "-")


RESPONSE_TITLES = {
    Response.needs_action: _l("No answer yet"),
    Response.accepted: _l("Accepted"),
    Response.tentative: _l("Tentative"),
    Response.declined: _l("Declined"),
}
ANSWERS = (Response.accepted, Response.tentative, Response.declined)


class Attendance(enum.Enum):
    present = "present"
    excused = "excused"
    absent = "absent"

    @property
    def title(self) -> str:
        return str(ATTENDANCE_TITLES[self])


ATTENDANCE_TITLES = {
    Attendance.present: _l("Present"),
    Attendance.excused: _l("Excused"),
    Attendance.absent: _l("Absent"),
}


class MinutesStatus(enum.Enum):
    """Minutes are drafted, circulated to the group for comments, then approved."""

    draft = "draft"
    circulated = "circulated"
    approved = "approved"

    @property
    def title(self) -> str:
        return str(MINUTES_STATUS_TITLES[self])


MINUTES_STATUS_TITLES = {
    MinutesStatus.draft: _l("Draft"),
    MinutesStatus.circulated: _l("Circulated for comments"),
    MinutesStatus.approved: _l("Approved"),
}


def new_uid() -> str:
    return f"{uuid.uuid4()}@netwerkbrug"


class Meeting(db.Model):
    """A meeting of a group or of the whole project (group_id is None). Times are stored
    in UTC and shown in Europe/Berlin local time. `uid` and `sequence` are what calendar
    programs use to recognise updates of the same event."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True, default=new_uid)
    kind: Mapped[MeetingKind] = mapped_column(sa.Enum(MeetingKind, native_enum=False, length=24))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    title_nl: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    status: Mapped[MeetingStatus] = mapped_column(
        sa.Enum(MeetingStatus, native_enum=False, length=12),
        default=MeetingStatus.planned,
        server_default=MeetingStatus.planned.name,
    )
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    organiser_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    minutes: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    minutes_status: Mapped[MinutesStatus] = mapped_column(
        sa.Enum(MinutesStatus, native_enum=False, length=12),
        default=MinutesStatus.draft,
        server_default=MinutesStatus.draft.name,
    )
    minutes_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped["WorkingGroup | None"] = relationship()
    organiser: Mapped["User | None"] = relationship(foreign_keys=[organiser_id])
    minutes_approved_by: Mapped["User | None"] = relationship(foreign_keys=[minutes_approved_by_id])
    invitations: Mapped[list["Invitation"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Invitation.id"
    )
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position, AgendaItem.id",
    )
    action_items: Mapped[list["ActionItem"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ActionItem.id"
    )
    documents: Mapped[list["MeetingDocument"]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingDocument.uploaded_at.desc(), MeetingDocument.id.desc()",
    )

    __table_args__ = (sa.CheckConstraint("end_at > start_at", name="ends_after_start"),)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind.name} {self.start_at:%Y-%m-%d}>"

    @property
    def title(self) -> Localised:
        return localised(self, "title")

    @property
    def description(self) -> Localised:
        return localised(self, "description")

    def title_in(self, lang: str) -> str:
        return localised(self, "title", lang).text

    def description_in(self, lang: str) -> str:
        return localised(self, "description", lang).text

    @property
    def start_local(self) -> datetime:
        return self.start_at.astimezone(LOCAL_ZONE)

    @property
    def end_local(self) -> datetime:
        return self.end_at.astimezone(LOCAL_ZONE)

    @property
    def duration(self) -> timedelta:
        return self.end_at - self.start_at

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.cancelled

    @property
    def is_past(self) -> bool:
        return self.end_at <= utcnow()

    @property
    def place(self) -> str:
        return ", ".join(part for part in (self.venue, self.address, self.city) if part)

    def can_manage(self, user) -> bool:
        """The project manager, the organiser and the managers of the meeting's group (its
        chair or moderator) plan, change and cancel it."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin or (self.organiser_id is not None and self.organiser_id == user.id):
            return True
        return self.group is not None and self.group.can_manage(user)

    def invitation_of(self, user) -> "Invitation | None":
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return db.session.scalar(
            sa.select(Invitation).where(
                Invitation.meeting_id == self.id, Invitation.user_id == user.id
            )
        )

    def is_visible_to(self, user) -> bool:
        """Signed-in people see project-wide meetings and those of groups they can see;
        invitees always see their meeting."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin or self.group is None or self.group.is_visible_to(user):
            return True
        return self.invitation_of(user) is not None


class Invitation(db.Model):
    """A person invited to a meeting, their answer and (afterwards) their attendance."""

    __tablename__ = "meeting_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    response: Mapped[Response] = mapped_column(
        sa.Enum(Response, native_enum=False, length=12),
        default=Response.needs_action,
        server_default=Response.needs_action.name,
    )
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[Attendance | None] = mapped_column(
        sa.Enum(Attendance, native_enum=False, length=10)
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    user: Mapped["User"] = relationship()

    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<Invitation {self.meeting_id}:{self.user_id} {self.response.name}>"

    @property
    def has_answered(self) -> bool:
        return self.response != Response.needs_action


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    presenter: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    duration_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    proposal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="SET NULL"), index=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    proposal: Mapped["Proposal | None"] = relationship()

    def __repr__(self) -> str:
        return f"<AgendaItem {self.meeting_id}#{self.position} {self.title!r}>"


class ActionItem(db.Model):
    """Something agreed in the minutes: who does it, by when; listed on the group page
    until it is done."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    owner: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<ActionItem {self.meeting_id} {self.text[:20]!r}>"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class MeetingDocument(StoredDocument, db.Model):
    """A file of a meeting (slides, an attendance list), kept like a group's documents: under
    a random name in the documents folder, handed out only by the download view."""

    __tablename__ = "meeting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="documents")

    def can_delete(self, user) -> bool:
        """Whoever added it, the moderator of the meeting's group and the project manager."""
        from ..groups.models.documents import is_uploader_or_admin

        group = self.meeting.group
        return is_uploader_or_admin(self, user) or (
            group is not None and group.is_moderated_by(user)
        )

    def __repr__(self) -> str:
        return f"<MeetingDocument {self.id} {self.filename}>"


class CalendarFeed(db.Model):
    """A person's secret calendar-feed token: calendar programs cannot sign in, so the URL
    carries it. Regenerating replaces the token and the old URL stops working."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.user_id}>"

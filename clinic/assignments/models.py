from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.couples.models import Couple, Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.models import CustomHandout


class Assignment(db.Model):
    """One library item given to a couple, for both partners or one of them."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("item_kind IN ('handout', 'custom_handout', 'exercise')", name="item_kind"),
        CheckConstraint(
            "(item_kind IN ('handout', 'exercise') AND item_slug IS NOT NULL) OR "
            "(item_kind = 'custom_handout' AND custom_handout_id IS NOT NULL)",
            name="item_present",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(20))
    # A handout's or an exercise's slug (content files); own handouts use the id below.
    item_slug: Mapped[str | None] = mapped_column(String(100))
    custom_handout_id: Mapped[int | None] = mapped_column(ForeignKey("custom_handouts.id"))
    # None: both partners.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    due_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Homework given in a session note (assigned from the note itself).
    session_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_notes.id", ondelete="SET NULL"), index=True
    )
    # A measure given again on a schedule: None (once), "weekly" or "before_session".
    repeat: Mapped[str | None] = mapped_column(String(20))
    # When the due-date reminder went out, so `send-reminders` never sends it twice.
    reminder_sent_at: Mapped[datetime | None]
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    couple: Mapped[Couple] = relationship()
    partner: Mapped[Partner | None] = relationship()
    custom_handout: Mapped[CustomHandout | None] = relationship()
    progress: Mapped[list["AssignmentProgress"]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    def is_for(self, partner: Partner) -> bool:
        return self.partner_id is None or self.partner_id == partner.id

    def progress_of(self, partner: Partner) -> "AssignmentProgress | None":
        return next((p for p in self.progress if p.partner_id == partner.id), None)


class AssignmentProgress(db.Model):
    """What one partner has done with an assignment: opened it, read it."""

    __tablename__ = "assignment_progress"
    __table_args__ = (
        UniqueConstraint(
            "assignment_id", "partner_id", name="uq_assignment_progress_assignment_id_partner_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship(back_populates="progress")

    @property
    def status(self) -> str:
        if self.read_at:
            return "read"
        if self.opened_at:
            return "opened"
        return "not opened"


class Response(db.Model):
    """One partner's answers to one exercise assignment.

    A draft is saved as the partner types; ``lock_version`` rises with every save so a
    save from a stale tab is refused instead of overwriting. Submitting freezes it; an
    amendment is a new row with the next ``version_no`` and the old one kept.
    """

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint(
            "assignment_id",
            "partner_id",
            "version_no",
            name="uq_responses_assignment_id_partner_id_version_no",
        ),
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        CheckConstraint("visibility IN ('private', 'shared')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    version_no: Mapped[int] = mapped_column(default=1)
    # Repeated measures: each new administration is a new response (amendments keep it).
    administration: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    scores: Mapped[dict | None] = mapped_column(JSON)
    definition_version: Mapped[int] = mapped_column(default=1)
    lock_version: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    therapist_comment: Mapped[str] = mapped_column(Text, default="")
    commented_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship()
    partner: Mapped[Partner] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status == "submitted"

    @property
    def is_shared(self) -> bool:
        return self.visibility == "shared"

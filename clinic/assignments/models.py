from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.couples.models import Couple, Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.models import CustomHandout


class Assignment(db.Model):
    """One library item given to a couple, for both partners or one of them."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("item_kind IN ('handout', 'custom_handout')", name="item_kind"),
        CheckConstraint(
            "(item_kind = 'handout' AND handout_slug IS NOT NULL) OR "
            "(item_kind = 'custom_handout' AND custom_handout_id IS NOT NULL)",
            name="item_present",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(20))
    handout_slug: Mapped[str | None] = mapped_column(String(100))
    custom_handout_id: Mapped[int | None] = mapped_column(ForeignKey("custom_handouts.id"))
    # None: both partners.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    due_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
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

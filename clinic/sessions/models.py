from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.accounts.models import User
from clinic.couples.models import Couple
from clinic.db import utcnow
from clinic.extensions import db


class SessionNote(db.Model):
    """The note of one session. A draft is saved as the therapist types; finalising signs
    it (who, when) and freezes it: later changes are addenda, never edits in place.

    ``talked_about``, ``noticed`` and ``practise`` are client-facing; ``clinician_notes``
    never reaches a client (privacy rule 4).
    """

    __tablename__ = "session_notes"
    __table_args__ = (CheckConstraint("status IN ('draft', 'final')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=50)
    # Partner ids who attended.
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    # Layer keys (clinic.library.content.LAYERS) worked on.
    layers: Mapped[list] = mapped_column(JSON, default=list)
    talked_about: Mapped[str] = mapped_column(Text, default="")
    noticed: Mapped[str] = mapped_column(Text, default="")
    practise: Mapped[str] = mapped_column(Text, default="")
    clinician_notes: Mapped[str] = mapped_column(Text, default="")
    next_appointment_at: Mapped[datetime | None]
    template: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    lock_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the client-facing summary was made available in the partners' portal.
    released_at: Mapped[datetime | None]

    couple: Mapped[Couple] = relationship()
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    addenda: Mapped[list["SessionAddendum"]] = relationship(
        back_populates="note", order_by="SessionAddendum.created_at, SessionAddendum.id"
    )

    @property
    def is_final(self) -> bool:
        return self.status == "final"


class SessionAddendum(db.Model):
    """A later addition to a finalised note, kept in order. Client-facing unless marked
    clinician-only."""

    __tablename__ = "session_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("session_notes.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    is_clinician_only: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[SessionNote] = relationship(back_populates="addenda")
    author: Mapped[User] = relationship()

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.accounts.models import User
from clinic.db import utcnow
from clinic.extensions import db

COUPLE_STATUSES = ("active", "paused", "closed")


class Couple(db.Model):
    """A case: one or two partners, owned by one therapist."""

    __tablename__ = "couples"
    __table_args__ = (CheckConstraint("status IN ('active', 'paused', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    therapist: Mapped[User] = relationship()
    partners: Mapped[list["Partner"]] = relationship(
        back_populates="couple", order_by="Partner.position", cascade="all, delete-orphan"
    )


class Partner(db.Model):
    """A client person in a couple. ``user`` is set once they accept their invitation."""

    __tablename__ = "partners"
    __table_args__ = (
        UniqueConstraint("couple_id", "email", name="uq_partners_couple_id_email"),
        UniqueConstraint("couple_id", "position", name="uq_partners_couple_id_position"),
        CheckConstraint("position IN (1, 2)", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(120))
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    couple: Mapped[Couple] = relationship(back_populates="partners")
    user: Mapped[User | None] = relationship()
    invitations: Mapped[list["Invitation"]] = relationship(
        back_populates="partner", order_by="Invitation.created_at.desc()"
    )

    @property
    def has_joined(self) -> bool:
        return self.user_id is not None


class Invitation(db.Model):
    """A single-use link that lets a partner create their sign-in."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship(back_populates="invitations")

    def state(self, now: datetime) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"

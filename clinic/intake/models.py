from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.couples.models import Partner
from clinic.db import utcnow
from clinic.extensions import db


class ConsentSignature(db.Model):
    """A partner's typed-name signature of the practice's consent texts, with the exact
    version and words they signed."""

    __tablename__ = "consent_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    typed_name: Mapped[str] = mapped_column(String(120))
    consent_version: Mapped[int]
    text_signed: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()


class RiskFlag(db.Model):
    """An answer that needs the therapist's attention (e.g. PHQ-9 item 9 above 0, a
    positive safety screen). Clinician-only; open until the therapist records a review."""

    __tablename__ = "risk_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")

    partner: Mapped[Partner] = relationship()


class HoldReview(db.Model):
    """The therapist's recorded review that lifts a 'review before conflict work' hold."""

    __tablename__ = "hold_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

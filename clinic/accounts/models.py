from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import utcnow
from clinic.extensions import db

ROLES = ("admin", "therapist", "client")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'therapist', 'client')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so the unique index compares case-insensitively on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    login_sessions: Mapped[list["LoginSession"]] = relationship(back_populates="user")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_therapist(self) -> bool:
        return self.role == "therapist"

    @property
    def is_client(self) -> bool:
        return self.role == "client"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One sign-in. The browser holds a random token; we keep only its hash.

    Ending the row ends that browser's session, so sign-out elsewhere, a password change
    or deactivation takes effect on the next request.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(back_populates="login_sessions")


class PasswordToken(db.Model):
    """A single-use link to set a password: a reset, or the first set-up of a staff account."""

    __tablename__ = "password_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('reset', 'setup')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PracticeSettings(db.Model):
    """The single row of practice branding printed on pages and PDFs."""

    __tablename__ = "practice_settings"
    __table_args__ = (CheckConstraint("page_size IN ('A4', 'Letter')", name="page_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="Our practice")
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    accent_color: Mapped[str] = mapped_column(String(7), default="#2f6f73")
    page_size: Mapped[str] = mapped_column(String(10), default="A4")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_mime: Mapped[str | None] = mapped_column(String(20))
    # The informed-consent text and the couples "information sharing" policy partners sign;
    # the version rises whenever either changes, so a signature names what was signed.
    consent_text: Mapped[str] = mapped_column(Text, default="")
    sharing_policy_text: Mapped[str] = mapped_column(Text, default="")
    consent_version: Mapped[int] = mapped_column(default=1)
    # Bumped on every change, so cached PDFs that carry the branding can be told apart.
    branding_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

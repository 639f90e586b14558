"""Every model in one import, so Alembic and the mappers see them all."""

from clinic.accounts.models import LoginSession, PasswordToken, PracticeSettings, User
from clinic.audit.models import AuditEvent
from clinic.couples.models import Couple, Invitation, Partner

__all__ = [
    "AuditEvent",
    "Couple",
    "Invitation",
    "LoginSession",
    "Partner",
    "PasswordToken",
    "PracticeSettings",
    "User",
]

"""Every model in one import, so Alembic and the mappers see them all."""

from clinic.accounts.models import LoginSession, PasswordToken, PracticeSettings, User
from clinic.assignments.models import Assignment, AssignmentProgress, Response
from clinic.audit.models import AuditEvent
from clinic.couples.models import Couple, Invitation, Partner
from clinic.library.models import CustomHandout
from clinic.sessions.models import SessionAddendum, SessionNote

__all__ = [
    "Assignment",
    "AssignmentProgress",
    "CustomHandout",
    "AuditEvent",
    "Couple",
    "Invitation",
    "LoginSession",
    "Partner",
    "PasswordToken",
    "PracticeSettings",
    "Response",
    "SessionAddendum",
    "SessionNote",
    "User",
]

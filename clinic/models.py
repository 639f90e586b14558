"""Every model in one import, so Alembic and the mappers see them all."""

from clinic.accounts.models import LoginSession, PasswordToken, PracticeSettings, User
from clinic.assignments.models import Assignment, AssignmentProgress, Response
from clinic.audit.models import AuditEvent
from clinic.couples.models import Couple, Invitation, Partner
from clinic.intake.models import ConsentSignature, HoldReview, RiskFlag
from clinic.library.models import CustomHandout
from clinic.sessions.models import SessionAddendum, SessionNote

__all__ = [
    "Assignment",
    "AssignmentProgress",
    "ConsentSignature",
    "CustomHandout",
    "HoldReview",
    "AuditEvent",
    "Couple",
    "Invitation",
    "LoginSession",
    "Partner",
    "PasswordToken",
    "PracticeSettings",
    "Response",
    "RiskFlag",
    "SessionAddendum",
    "SessionNote",
    "User",
]

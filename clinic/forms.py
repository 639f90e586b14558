"""Field helpers shared by every feature's forms."""

from wtforms import ValidationError
from wtforms.validators import Email

from clinic.security import password_problem


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class EmailAddress(Email):
    """An e-mail address, checked for syntax only (no DNS look-up)."""

    def __init__(self):
        super().__init__(message="Enter an e-mail address like name@example.com.",
                         check_deliverability=False)


class AcceptablePassword:
    """New passwords: long enough and not a common one."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form, field):
        email = form[self.email_field].data if self.email_field else ""
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise ValidationError(problem)

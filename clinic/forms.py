"""Field helpers shared by every feature's forms."""

from wtforms import ValidationError
from wtforms.validators import Email

from clinic.security import password_problem


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class EmailAddress(Email):
    """An e-mail address, checked for syntax only (no DNS look-up)."""

    def __init__(self):
        super().__init__(
            message="Enter an e-mail address like name@example.com.", check_deliverability=False
        )


class AcceptablePassword:
    """New passwords: long enough, not a common one, not the account's e-mail address
    (the view sets ``form.account_email`` when it knows the account)."""

    def __call__(self, form, field):
        email = getattr(form, "account_email", "") or ""
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    ValidationError,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from clinic.couples.models import COUPLE_STATUSES
from clinic.forms import AcceptablePassword, EmailAddress, strip_filter


def name_field(label, required):
    first = InputRequired() if required else Optional()
    return StringField(label, validators=[first, Length(max=120)], filters=[strip_filter])


def email_field(label, required):
    first = InputRequired() if required else Optional()
    return EmailField(
        label, validators=[first, EmailAddress(), Length(max=254)], filters=[strip_filter]
    )


class CoupleForm(FlaskForm):
    label = StringField(
        "Case label",
        validators=[InputRequired(), Length(max=120)],
        filters=[strip_filter],
        description='How the case appears on your dashboard, for example "Sam & Alex".',
    )
    partner1_name = name_field("Name", required=True)
    partner1_pronouns = StringField(
        "Pronouns (optional)", validators=[Length(max=40)], filters=[strip_filter]
    )
    partner1_email = email_field("E-mail", required=True)
    partner2_name = name_field("Name", required=False)
    partner2_pronouns = StringField(
        "Pronouns (optional)", validators=[Length(max=40)], filters=[strip_filter]
    )
    partner2_email = email_field("E-mail", required=False)
    send_invitations = BooleanField("E-mail each partner an invitation now", default=True)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        name2, email2 = self.partner2_name.data, self.partner2_email.data
        if (name2 or email2 or self.partner2_pronouns.data) and not (name2 and email2):
            target = self.partner2_email if name2 else self.partner2_name
            target.errors.append(
                "To add a second partner, give both a name and an e-mail address; "
                "leave all their fields empty for an individual client."
            )
            ok = False
        email1 = (self.partner1_email.data or "").lower()
        if email2 and email1 and email2.lower() == email1:
            self.partner2_email.errors.append(
                "Each partner signs in with their own e-mail address, so the two must differ."
            )
            ok = False
        return ok

    def partners(self) -> list[dict]:
        result = [
            {
                "display_name": self.partner1_name.data,
                "pronouns": self.partner1_pronouns.data,
                "email": self.partner1_email.data,
            }
        ]
        if self.partner2_name.data:
            result.append(
                {
                    "display_name": self.partner2_name.data,
                    "pronouns": self.partner2_pronouns.data,
                    "email": self.partner2_email.data,
                }
            )
        return result

    def fill_from(self, couple) -> None:
        self.label.data = couple.label
        for partner in couple.partners:
            prefix = f"partner{partner.position}_"
            self[prefix + "name"].data = partner.display_name
            self[prefix + "pronouns"].data = partner.pronouns
            self[prefix + "email"].data = partner.email


class StatusForm(FlaskForm):
    status = HiddenField(validators=[InputRequired(), AnyOf(COUPLE_STATUSES)])


class ActionForm(FlaskForm):
    """A button that posts: CSRF protection and nothing else."""


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        validators=[InputRequired(), AcceptablePassword()],
        description="At least 10 characters. A few words you will remember work well.",
    )
    confirm = PasswordField("The same password again", validators=[InputRequired()])

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError("The two passwords differ.")


class LinkAccountForm(FlaskForm):
    password = PasswordField("Your current password", validators=[InputRequired()])


class CoupleSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Search by label", validators=[Optional(), Length(max=120)], filters=[strip_filter]
    )
    status = StringField("Status", validators=[Optional(), AnyOf(("", *COUPLE_STATUSES))])

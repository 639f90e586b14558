from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp

from clinic.forms import AcceptablePassword, EmailAddress, strip_filter


class SignInForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[InputRequired(), Length(max=254)], filters=[strip_filter]
    )
    password = PasswordField("Password", validators=[InputRequired(), Length(max=256)])


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[InputRequired(), AcceptablePassword()],
        description="At least 10 characters. A few words you will remember work well.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired()])


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "E-mail",
        validators=[InputRequired(), EmailAddress(), Length(max=254)],
        filters=[strip_filter],
    )


class TherapistForm(FlaskForm):
    display_name = StringField(
        "Name", validators=[InputRequired(), Length(max=120)], filters=[strip_filter]
    )
    email = EmailField(
        "E-mail",
        validators=[InputRequired(), EmailAddress(), Length(max=254)],
        filters=[strip_filter],
    )


class PracticeSettingsForm(FlaskForm):
    name = StringField(
        "Practice name", validators=[InputRequired(), Length(max=120)], filters=[strip_filter]
    )
    address = TextAreaField(
        "Address", validators=[Optional(), Length(max=500)], filters=[strip_filter]
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=40)], filters=[strip_filter])
    accent_color = StringField(
        "Accent colour",
        validators=[
            InputRequired(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message="Use a colour like #2f6f73."),
        ],
        filters=[strip_filter],
        description="A hex colour such as #2f6f73, used for headings on pages and PDFs.",
    )
    page_size = SelectField(
        "Paper size for PDFs",
        choices=[SelectChoice("A4", "A4"), SelectChoice("Letter", "US Letter")],
    )
    logo = FileField("Logo", description="PNG or JPEG, at most 1 MB.")
    consent_text = TextAreaField(
        "Informed-consent text",
        validators=[Optional(), Length(max=20_000)],
        description="Partners sign this during intake. Changing it asks everyone to sign again.",
    )
    sharing_policy_text = TextAreaField(
        "Information-sharing policy",
        validators=[Optional(), Length(max=20_000)],
        description="How things one partner tells you alone are handled.",
    )
    remove_logo = BooleanField("Remove the current logo")

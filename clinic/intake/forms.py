from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from clinic.forms import strip_filter


class ConsentForm(FlaskForm):
    agree = BooleanField(
        "I have read both texts and agree to them",
        validators=[InputRequired(message="Tick the box to agree.")],
    )
    typed_name = StringField(
        "Type your full name to sign",
        validators=[InputRequired(), Length(max=120)],
        filters=[strip_filter],
    )


class ReviewForm(FlaskForm):
    note = TextAreaField(
        "What you reviewed and decided",
        validators=[InputRequired(message="Write a short note of your review."), Length(max=4000)],
        filters=[strip_filter],
    )

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from clinic.forms import strip_filter
from clinic.library.content import LAYERS

MAX_OWN_HANDOUT_CHARS = 40_000


class LibraryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=100)], filters=[strip_filter])
    layer = StringField("Layer", validators=[Optional(), AnyOf(("", *LAYERS))])
    tag = StringField("Tag", validators=[Optional(), Length(max=40)], filters=[strip_filter])


class CustomHandoutForm(FlaskForm):
    title = StringField(
        "Title", validators=[InputRequired(), Length(max=120)], filters=[strip_filter]
    )
    summary = StringField(
        "One-line summary (optional)",
        validators=[Optional(), Length(max=400)],
        filters=[strip_filter],
    )
    layer = SelectField(
        "Layer",
        choices=[SelectChoice(key, name) for key, name in LAYERS.items()],
        default="foundations",
    )
    body = TextAreaField(
        "Text",
        validators=[
            InputRequired(),
            Length(
                max=MAX_OWN_HANDOUT_CHARS,
                message=f"This handout is too long: at most {MAX_OWN_HANDOUT_CHARS:,} characters.",
            ),
        ],
        description="Markdown: # for headings, - for lists, | for tables. HTML is shown as text.",
    )

    def data_for_model(self) -> dict:
        return {
            "title": self.title.data,
            "summary": self.summary.data or "",
            "layer": self.layer.data,
            "body": self.body.data,
        }

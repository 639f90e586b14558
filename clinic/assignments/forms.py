from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.forms import strip_filter


class AssignForm(FlaskForm):
    items = SelectMultipleField(
        "Handouts and exercises",
        validators=[InputRequired(message="Choose at least one handout or exercise.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    recipient = RadioField("For", validators=[InputRequired()], default="both")
    due_on = DateField("Due date (optional)", validators=[Optional()])
    repeat = RadioField(
        "How often (questionnaires)",
        choices=[
            SelectChoice("", "Once"),
            SelectChoice("weekly", "Every week"),
            SelectChoice("before_session", "Before each session"),
        ],
        default="",
        validators=[Optional()],
        description="Each time becomes a new response; progress shows them over time.",
    )
    note = TextAreaField(
        "Note to the couple (optional)",
        validators=[Optional(), Length(max=2000)],
        filters=[strip_filter],
        description="Shown with the handout in their portal.",
    )

    def __init__(self, couple, handout_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items.choices = handout_choices
        self.recipient.choices = [("both", "Both partners")] if len(couple.partners) > 1 else []
        self.recipient.choices += [(str(p.id), f"Only {p.display_name}") for p in couple.partners]
        if len(couple.partners) == 1:
            self.recipient.default = str(couple.partners[0].id)
            if not self.recipient.data or self.recipient.data == "both":
                self.recipient.data = str(couple.partners[0].id)

    def validate_due_on(self, field):
        if field.data and field.data < date.today():
            raise ValidationError("The due date is in the past.")


class CommentForm(FlaskForm):
    comment = TextAreaField(
        "Your comment for this partner",
        validators=[Optional(), Length(max=4000)],
        filters=[strip_filter],
        description="The partner sees it with their answers. Leave empty to remove it.",
    )

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.forms import strip_filter
from clinic.library.content import LAYERS
from clinic.sessions.templates_data import SESSION_TEMPLATES

LONG = 20_000


def checkboxes(label, **kwargs):
    return SelectMultipleField(
        label, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), **kwargs
    )


class NewNoteForm(FlaskForm):
    session_date = DateField("Date of the session", validators=[InputRequired()])
    session_time = TimeField("Time", validators=[InputRequired()])
    template = SelectField(
        "Start from",
        choices=[SelectChoice("", "An empty note")]
        + [SelectChoice(key, t["label"]) for key, t in SESSION_TEMPLATES.items()],
        validators=[Optional()],
    )

    def session_at(self) -> datetime:
        return datetime.combine(self.session_date.data, self.session_time.data)


class SessionNoteForm(FlaskForm):
    session_date = DateField("Date of the session", validators=[InputRequired()])
    session_time = TimeField("Time", validators=[InputRequired()])
    duration_minutes = IntegerField(
        "Length in minutes", default=50, validators=[InputRequired(), NumberRange(5, 600)]
    )
    attendees = checkboxes("Who attended", validators=[InputRequired(message="Tick who attended.")])
    layers = checkboxes(
        "Layers worked on",
        validators=[Optional()],
        choices=[SelectChoice(k, v) for k, v in LAYERS.items()],
    )
    talked_about = TextAreaField(
        "What we talked about (the couple sees this)", validators=[Optional(), Length(max=LONG)]
    )
    noticed = TextAreaField(
        "What we noticed (the couple sees this)", validators=[Optional(), Length(max=LONG)]
    )
    practise = TextAreaField(
        "What to practise (the couple sees this)", validators=[Optional(), Length(max=LONG)]
    )
    clinician_notes = TextAreaField(
        "Clinician notes (never shown to the couple)",
        validators=[Optional(), Length(max=LONG)],
        description="Stay in the clinic: not in the portal, the client summary or any export.",
    )
    next_date = DateField("Next appointment (optional)", validators=[Optional()])
    next_time = TimeField("Time of the next appointment", validators=[Optional()])

    def __init__(self, couple, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attendees.choices = [SelectChoice(str(p.id), p.display_name) for p in couple.partners]

    def validate_next_time(self, field):
        if field.data and not self.next_date.data:
            raise ValidationError("Give the date of the next appointment too.")

    def fill_from(self, note) -> None:
        self.session_date.data = note.session_at.date()
        self.session_time.data = note.session_at.time()
        self.duration_minutes.data = note.duration_minutes
        self.attendees.data = [str(i) for i in note.attendees]
        self.layers.data = list(note.layers)
        for name in ("talked_about", "noticed", "practise", "clinician_notes"):
            self[name].data = getattr(note, name)
        if note.next_appointment_at:
            self.next_date.data = note.next_appointment_at.date()
            self.next_time.data = note.next_appointment_at.time()

    def note_data(self, lenient: bool = False) -> dict:
        """The fields as note values. ``lenient`` (drafts): keep what parses, skip the rest."""
        data = {}
        if self.session_date.data and self.session_time.data:
            data["session_at"] = datetime.combine(self.session_date.data, self.session_time.data)
        if self.duration_minutes.data and 5 <= self.duration_minutes.data <= 600:
            data["duration_minutes"] = self.duration_minutes.data
        valid_ids = {c.value for c in self.attendees.choices}
        data["attendees"] = [int(v) for v in (self.attendees.data or []) if v in valid_ids]
        data["layers"] = [v for v in (self.layers.data or []) if v in LAYERS]
        for name in ("talked_about", "noticed", "practise", "clinician_notes"):
            data[name] = self[name].data or ""
        if self.next_date.data:
            time = self.next_time.data or datetime.min.time()
            data["next_appointment_at"] = datetime.combine(self.next_date.data, time)
        elif not lenient or not (self.next_date.raw_data or [""])[0]:
            data["next_appointment_at"] = None
        return data


class AddendumForm(FlaskForm):
    text = TextAreaField(
        "Addendum", validators=[InputRequired(), Length(max=LONG)], filters=[strip_filter]
    )
    clinician_only = BooleanField("Clinician only (not in the couple's summary)", default=True)

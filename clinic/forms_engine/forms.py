"""Definition -> WTForms form, and answers <-> form data.

One form class per definition and section set, built in Python (never in templates).
Drafts keep whatever was typed, valid or not; only submitting validates the whole form.
"""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.forms_engine.definitions import Definition, Item

MISSING = "Please answer this question."
ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th"]


def first_validator(item: Item):
    return InputRequired(message=MISSING) if item.required else Optional()


class RepeatingList(FieldList):
    """Rows of short text; empty rows are dropped, required means at least min_rows."""

    def __init__(self, item: Item, **kwargs):
        self.item = item
        super().__init__(
            StringField("Entry", validators=[Optional(), Length(max=item.max_length)]),
            label=item.prompt,
            description=item.help,
            min_entries=max(item.min_rows, 1),
            max_entries=item.max_rows,
            validators=[self.check_rows],
            **kwargs,
        )

    def check_rows(self, form, field):
        filled = [v for v in self.data if (v or "").strip()]
        needed = max(self.item.min_rows, 1) if self.item.required else 0
        if len(filled) < needed:
            raise ValidationError(
                "Please write at least one entry."
                if needed == 1
                else f"Please write at least {needed} entries."
            )


class Ranking(FieldList):
    """Put the options in order: one select per place, each option used once."""

    def __init__(self, item: Item, **kwargs):
        self.item = item
        choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(o.value, o.label) for o in item.options
        ]
        super().__init__(
            SelectField("Place", choices=choices, validators=[Optional()]),
            label=item.prompt,
            description=item.help,
            min_entries=len(item.options),
            max_entries=len(item.options),
            validators=[self.check_order],
            **kwargs,
        )

    def check_order(self, form, field):
        chosen = [v for v in self.data if v]
        if not chosen and not self.item.required:
            return
        if len(chosen) != len(self.item.options):
            raise ValidationError("Please give every place an answer.")
        if len(set(chosen)) != len(chosen):
            raise ValidationError("Each answer can be used once only.")


def build_field(item: Item):
    kwargs = {"label": item.prompt, "description": item.help}
    first = first_validator(item)
    if item.type == "short_text":
        return StringField(validators=[first, Length(max=item.max_length)], **kwargs)
    if item.type == "long_text":
        return TextAreaField(validators=[first, Length(max=item.max_length)], **kwargs)
    if item.type in ("single_choice", "forced_choice"):
        choices = [SelectChoice(o.value, o.label) for o in item.options]
        return RadioField(choices=choices, validators=[first], **kwargs)
    if item.type == "multiple_choice":
        choices = [SelectChoice(o.value, o.label) for o in item.options]
        validators = (
            [InputRequired(message="Please choose at least one.")]
            if item.required
            else [Optional()]
        )
        return SelectMultipleField(
            choices=choices,
            validators=validators,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            **kwargs,
        )
    if item.type == "likert":
        scale = item.scale
        choices = [SelectChoice(str(p), scale.anchors.get(p, str(p))) for p in scale.points]
        return RadioField(choices=choices, validators=[first], **kwargs)
    if item.type == "date":
        return DateField(validators=[first], **kwargs)
    if item.type == "repeating_list":
        return RepeatingList(item)
    if item.type == "ranking":
        return Ranking(item)
    raise ValueError(item.type)


def form_class(definition: Definition, section_ids: list[str] | None = None):
    """A FlaskForm class with one field per item of the chosen sections (all by default)."""
    attrs = {}
    for section in definition.sections:
        if section_ids is None or section.id in section_ids:
            for item in section.items:
                attrs[item.id] = build_field(item)
    return type(f"Form_{definition.slug.replace('-', '_')}", (FlaskForm,), attrs)


def form_data(definition: Definition, answers: dict) -> dict:
    """Stored answers as the ``data`` mapping a form is filled from."""
    data = {}
    for item in definition.items:
        if item.id not in answers:
            continue
        value = answers[item.id]
        if item.type == "date":
            try:
                value = date.fromisoformat(value)
            except (TypeError, ValueError):
                continue
        elif item.type == "likert":
            value = str(value)
        elif item.type == "ranking":
            value = list(value) + [""] * (len(item.options) - len(value))
        data[item.id] = value
    return data


def answers_from_form(definition: Definition, form, previous: dict) -> dict:
    """What the partner typed in this form's fields, merged over ``previous``.

    Lenient on purpose: a draft keeps every word, even an answer that would not
    validate yet (a date typed half-way is kept as typed).
    """
    answers = dict(previous)
    for item in definition.items:
        if item.id not in form._fields:
            continue
        field = form[item.id]
        value = extract(item, field)
        if value in (None, "", [], ()):
            answers.pop(item.id, None)
        else:
            answers[item.id] = value
    return answers


def extract(item: Item, field):
    if item.type in ("repeating_list",):
        return [v for v in (e.data or "" for e in field.entries) if v.strip()][: item.max_rows]
    if item.type == "ranking":
        values = [e.data or "" for e in field.entries]
        return values if any(values) else None
    if item.type == "date":
        raw = (field.raw_data or [""])[0] if field.raw_data else ""
        return raw.strip() or None
    if item.type == "likert":
        try:
            return int(field.data)
        except (TypeError, ValueError):
            return None
    if item.type == "multiple_choice":
        valid = {o.value for o in item.options}
        return [v for v in (field.data or []) if v in valid]
    if item.type in ("single_choice", "forced_choice"):
        return field.data if field.data in {o.value for o in item.options} else None
    return field.data or ""


def missing_required(definition: Definition, answers: dict) -> list[str]:
    return [i.id for i in definition.items if i.required and i.id not in answers]


def section_of(definition: Definition, item_id: str) -> int:
    for index, section in enumerate(definition.sections):
        if any(i.id == item_id for i in section.items):
            return index
    return 0


def display_value(item: Item, value) -> str | list[str]:
    """An answer as words for review pages and PDFs."""
    if value is None:
        return ""
    if item.type in ("single_choice", "forced_choice"):
        return item.label_of(value)
    if item.type == "multiple_choice":
        return [item.label_of(v) for v in value]
    if item.type == "ranking":
        return [f"{ORDINALS[i]}: {item.label_of(v)}" for i, v in enumerate(value) if v]
    if item.type == "likert":
        return (
            f"{value} – {item.scale.anchors[value]}"
            if item.scale and value in item.scale.anchors
            else str(value)
        )
    if item.type == "repeating_list":
        return list(value)
    return str(value)


def answers_to_formdata(definition: Definition, answers: dict, section_ids=None):
    """Stored answers as posted form data, so submitting validates exactly what a posted
    form would be validated against."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    for section in definition.sections:
        if section_ids is not None and section.id not in section_ids:
            continue
        for item in section.items:
            value = answers.get(item.id)
            if value is None:
                continue
            if item.type in ("repeating_list", "ranking"):
                for index, entry in enumerate(value):
                    data.add(f"{item.id}-{index}", str(entry))
            elif item.type == "multiple_choice":
                for entry in value:
                    data.add(item.id, str(entry))
            else:
                data.add(item.id, str(value))
    return data


def validation_errors(definition: Definition, answers: dict) -> dict[str, list[str]]:
    """Every item's problems with the stored answers, by item id (empty when valid)."""
    form = form_class(definition)(
        formdata=answers_to_formdata(definition, answers), meta={"csrf": False}
    )
    form.validate()
    errors = {}
    for item in definition.items:
        field_errors = form[item.id].errors
        if isinstance(field_errors, dict):  # FieldList: per-entry errors
            field_errors = [e for sub in field_errors.values() for e in sub]
        flat = []
        for error in field_errors:
            flat.extend(error if isinstance(error, list) else [error])
        if flat:
            errors[item.id] = flat
    return errors

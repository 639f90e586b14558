"""Exercise PDFs: blank and fillable worksheets for every exercise in the library, and a
completed response with its answers and results, whatever the answers contain."""

import logging
import re
import types
from datetime import date

import pytest

from clinic.forms_engine.definitions import Definition, Item, Option, Scale, Section
from clinic.forms_engine.results import result_view
from clinic.forms_engine.scorers import LANGUAGE_NAMES, SCORERS
from clinic.library.services import current_library
from clinic.reports.exercises import (
    MAX_LIST_ROWS,
    exercise_filename,
    response_pdf,
    worksheet_pdf,
)
from clinic.reports.render import STATIC_ORIGIN, render_pdf
from tests.reports.conftest import flat, page_texts, read_pdf

TICK_BOX = "\u2610"
LOVE_LANGUAGES = "love-language-discovery"
RADIO_FLAG = 1 << 15
TEXT_TYPES = ("short_text", "long_text", "date")
HOSTILE_MARKUP = "{{7*7}}<b>x</b>"
HOSTILE_IMAGE = "<img src=file:///etc/passwd>"


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def squash(text: str) -> str:
    """Text without any whitespace: a line may wrap after a hyphen ("eye-| rolling")."""
    return re.sub(r"\s+", "", flat(text))


def definitions() -> list[Definition]:
    found = list(current_library().exercises.values())
    assert found, "the library has no exercises"
    return found


def acro_fields(pdf: bytes) -> dict[str, list[dict]]:
    """Form fields by kind: text, radio groups (with their buttons) and checkboxes."""
    reader = read_pdf(pdf)
    form = reader.trailer["/Root"].get("/AcroForm")
    found: dict[str, list[dict]] = {"text": [], "radio": [], "checkbox": []}
    if form is None:
        return found
    seen = set()
    for reference in form.get_object()["/Fields"]:
        field = reference.get_object()
        if "/Parent" in field or id(field) in seen:
            continue  # a radio button: counted with its group
        seen.add(id(field))
        entry = {"name": str(field.get("/T")), "kids": len(field.get("/Kids", []))}
        if field.get("/FT") == "/Tx":
            found["text"].append(entry)
        elif field.get("/FT") == "/Btn" and int(field.get("/Ff", 0)) & RADIO_FLAG:
            found["radio"].append(entry)
        elif field.get("/FT") == "/Btn":
            found["checkbox"].append(entry)
    return found


def love_language_answers(definition: Definition) -> dict:
    """Thirty choices that make quality time the clear favourite, then a prediction."""
    answers = {}
    for item in definition.items:
        if item.type == "forced_choice":
            values = [o.value for o in item.options]
            answers[item.id] = "time" if "time" in values else values[0]
    answers["predict_partner"] = ["touch", "time", "words", "gifts", "service"]
    return answers


def hostile_definition() -> Definition:
    """Every item type, with Markdown in the intros that tries raw HTML."""
    agree = Scale(0, 4, {0: "Never", 4: "Always"})
    two = (Option("a", "First choice"), Option("b", "Second choice"))
    items = (
        Item("short", "short_text", "A short question?"),
        Item("long", "long_text", "A long question?", max_length=20_000),
        Item("single", "single_choice", "Pick one?", options=two),
        Item("multi", "multiple_choice", "Pick any?", options=two),
        Item("scale", "likert", "How often?", scale=agree),
        Item("pair", "forced_choice", "Which one?", options=two),
        Item("rows", "repeating_list", "List them?", max_rows=3),
        Item("when", "date", "When was it?"),
        Item("order", "ranking", "Put them in order?", options=two),
    )
    return Definition(
        kind="exercise",
        slug="hostile-exercise",
        title="Hostile exercise",
        summary="Every kind of question.",
        layer="love-maps",
        version=1,
        intro=f"Intro with {HOSTILE_IMAGE} and <script>document.write('RAN')</script>.",
        sections=(Section("all", "All the questions", "Section <b>intro</b>.", items),),
    )


# --- Blank worksheets ---------------------------------------------------------------------


def test_every_exercise_prints_as_a_blank_worksheet_with_every_prompt(app, practice):
    for definition in definitions():
        pdf = worksheet_pdf(definition, practice)
        text = all_text(pdf)
        assert flat(definition.title) in text, definition.slug
        assert practice["name"] in text
        assert "Page 1 of" in text
        squashed = squash(text)
        for item in definition.items:
            assert squash(item.prompt) in squashed, (definition.slug, item.id)
            for option in item.options:
                assert squash(option.label) in squashed, (definition.slug, item.id, option.value)


def test_a_blank_worksheet_has_no_form_fields(app, practice):
    for definition in definitions():
        pdf = worksheet_pdf(definition, practice)
        assert read_pdf(pdf).get_fields() is None, definition.slug
        assert b"/AcroForm" not in pdf


def test_love_language_worksheet_has_a_tick_box_for_each_of_the_60_options(app, practice):
    definition = current_library().exercise(LOVE_LANGUAGES)
    text = all_text(worksheet_pdf(definition, practice))
    pairs = [item for item in definition.items if item.type == "forced_choice"]
    assert len(pairs) == 30
    assert text.count(TICK_BOX) == 60
    squashed = squash(text)
    for item in pairs:
        for option in item.options:
            assert TICK_BOX + squash(option.label) in squashed, option.label


def test_worksheet_prints_likert_anchors_list_rows_and_ranking_places(app, practice):
    text = all_text(worksheet_pdf(hostile_definition(), practice))
    assert "Never" in text and "Always" in text
    # One box per Likert point, one per choice option (single, multiple, pair).
    assert text.count(TICK_BOX) == 5 + 2 + 2 + 2
    assert "1st" in text and "2nd" in text
    assert "day / month / year" in text


def test_a_repeating_list_prints_at_most_eight_rows(app, practice):
    item = Item("many", "repeating_list", "Name them all?", max_rows=20)
    definition = Definition(
        kind="exercise",
        slug="rows",
        title="Rows",
        summary="Rows.",
        layer="trust",
        version=1,
        sections=(Section("s", "Section", "", (item,)),),
    )
    fields = acro_fields(worksheet_pdf(definition, practice, fillable=True))
    rows = [f for f in fields["text"] if f["name"].startswith("many_")]
    assert len(rows) == MAX_LIST_ROWS


def test_prepared_for_prints_as_text(app, practice):
    definition = current_library().exercise(LOVE_LANGUAGES)
    text = all_text(worksheet_pdf(definition, practice, prepared_for="<b>Sam</b> & Alex"))
    assert "Prepared for <b>Sam</b> & Alex" in text


# --- Fillable worksheets ------------------------------------------------------------------


def test_every_fillable_worksheet_has_one_field_per_answer(app, practice):
    for definition in definitions():
        pdf = worksheet_pdf(definition, practice, fillable=True)
        fields = acro_fields(pdf)
        assert read_pdf(pdf).get_fields(), definition.slug
        items = definition.items
        text_fields = 2 + sum(  # the name and date at the top
            1
            if i.type in TEXT_TYPES
            else min(i.max_rows, MAX_LIST_ROWS)
            if i.type == "repeating_list"
            else len(i.options)
            if i.type == "ranking"
            else 0
            for i in items
        )
        radio_items = [i for i in items if i.type in ("single_choice", "forced_choice", "likert")]
        checkboxes = sum(len(i.options) for i in items if i.type == "multiple_choice")
        assert len(fields["text"]) == text_fields, definition.slug
        assert len(fields["checkbox"]) == checkboxes, definition.slug
        groups = {f["name"]: f["kids"] for f in fields["radio"]}
        assert groups == {
            i.id: len(i.scale.points) if i.type == "likert" else len(i.options) for i in radio_items
        }, definition.slug


def test_love_language_fillable_worksheet_has_30_radio_pairs(app, practice):
    definition = current_library().exercise(LOVE_LANGUAGES)
    pdf = worksheet_pdf(definition, practice, fillable=True)
    fields = acro_fields(pdf)
    assert len(fields["radio"]) == 30
    assert all(f["kids"] == 2 for f in fields["radio"])
    names = {f["name"] for f in fields["text"]}
    assert {"name", "date", "predict_partner_1", "predict_partner_5"} <= names
    # A form to fill in, not to send anywhere or run anything.
    assert b"/SubmitForm" not in pdf and b"/JavaScript" not in pdf


def test_fillable_worksheet_still_prints_every_prompt(app, practice):
    definition = current_library().exercise("house-checkup")
    text = all_text(worksheet_pdf(definition, practice, fillable=True))
    assert TICK_BOX not in text
    for item in definition.items:
        assert squash(item.prompt) in squash(text), item.id


def test_render_pdf_makes_form_fields_only_when_asked(app, practice):
    template = app.jinja_env.from_string(
        '<input type="text" name="one"><input type="checkbox" name="two">'
    )
    assert read_pdf(render_pdf(template, {}, practice=practice)).get_fields() is None
    fields = read_pdf(render_pdf(template, {}, practice=practice, pdf_forms=True)).get_fields()
    assert set(fields) == {"one", "two"}


# --- Completed responses ------------------------------------------------------------------


def test_love_language_response_prints_answers_results_and_comment(app, practice):
    definition = current_library().exercise(LOVE_LANGUAGES)
    answers = love_language_answers(definition)
    scores = SCORERS["love_languages"](definition, answers)
    result = result_view(definition, types.SimpleNamespace(scores=scores), "Sam")
    pdf = response_pdf(
        definition,
        practice,
        answers,
        result,
        "Sam",
        date(2026, 11, 22),
        comment="Lovely work.\nLet us talk about it on Tuesday.",
    )
    text = all_text(pdf)
    assert flat(definition.title) in text
    assert "Answers from Sam, submitted 22 November 2026" in text
    for item in definition.items:
        if item.type == "forced_choice":
            assert squash(item.label_of(answers[item.id])) in squash(text), item.id
    assert f"1st: {flat(definition.item('predict_partner').label_of('touch'))}" in text
    primary = LANGUAGE_NAMES[scores["primary"]]
    assert primary == "Quality time"
    assert f"Most important: {primary}" in text
    assert "Ideas for a partner" in text
    # The chart is drawn, not printed as markup: its words show, its tags do not.
    assert "Times chosen" in text
    for name in LANGUAGE_NAMES.values():
        assert name in text
    assert "<svg" not in text and "&lt;" not in text
    assert "Lovely work. Let us talk about it on Tuesday." in text
    assert flat(definition.notice) in text


def test_house_response_prints_the_layers_table(app, practice):
    definition = current_library().exercise("house-checkup")
    answers = {item.id: 3 for item in definition.items if item.type == "likert"}
    scores = SCORERS["house_checkup"](definition, answers)
    result = result_view(definition, types.SimpleNamespace(scores=scores), "Alex")
    text = all_text(response_pdf(definition, practice, answers, result, "Alex", None))
    assert "Part of the house" in text
    for label, score in result["layers"]:
        assert f"{label} {score}" in text
    assert "3 – Agree" in text


def test_sum_result_prints_total_and_band(app, practice):
    definition = hostile_definition()
    result = {"kind": "sum", "total": 12, "max": 27, "band": "Moderate"}
    text = all_text(response_pdf(definition, practice, {}, result, "Sam", None))
    assert "Total: 12 of 27 · Moderate" in text


def test_unanswered_questions_say_so_and_no_results_block_without_a_result(app, practice):
    definition = hostile_definition()
    text = all_text(response_pdf(definition, practice, {"short": "Only this"}, None, "Sam", None))
    assert "Only this" in text
    assert text.count("Not answered") == len(definition.items) - 1
    assert "Results" not in text and "Comment from your therapist" not in text


def test_hostile_answers_print_literally_and_nothing_is_fetched(app, practice, fetched, caplog):
    caplog.set_level(logging.DEBUG)
    definition = hostile_definition()
    long_words = " ".join(f"w{n:04d}" for n in range(1000))[:5000]
    assert len(long_words) == 5000
    answers = {
        "short": HOSTILE_MARKUP,
        "long": long_words,
        "single": HOSTILE_IMAGE,  # not an option: printed as given
        "multi": ["a", HOSTILE_MARKUP],
        "scale": 4,
        "pair": "b",
        "rows": [HOSTILE_IMAGE, "<a href='file:///etc/passwd'>link</a>"],
        "when": "2026-11-22",
        "order": ["b", "a"],
    }
    pdf = response_pdf(
        definition,
        practice,
        answers,
        None,
        "<i>Sam</i>",
        date(2026, 11, 22),
        comment=f"Comment {HOSTILE_MARKUP}",
    )
    text = all_text(pdf)
    assert text.count(HOSTILE_MARKUP) == 3
    assert text.count(HOSTILE_IMAGE) == 2
    assert "<a href='file:///etc/passwd'>link</a>" in text
    assert "Answers from <i>Sam</i>" in text
    assert "4 – Always" in text and "Second choice" in text and "1st: Second choice" in text
    for word in long_words.split():
        assert word in text
    assert all(len(page.images) == 0 for page in read_pdf(pdf).pages)
    assert b"root:x:0:0" not in pdf
    assert fetched and all(url.startswith(STATIC_ORIGIN) for url in fetched)
    assert not [r for r in caplog.records if "PDF resource refused" in r.getMessage()]


def test_worksheet_intro_markdown_is_escaped_and_nothing_is_fetched(app, practice, fetched):
    pdf = worksheet_pdf(hostile_definition(), practice, fillable=True)
    text = all_text(pdf)
    assert HOSTILE_IMAGE in text
    assert "<script>document.write('RAN')</script>" in text
    assert "Section <b>intro</b>." in text
    assert all(len(page.images) == 0 for page in read_pdf(pdf).pages)
    assert all(url.startswith(STATIC_ORIGIN) for url in fetched)


def test_a_chart_that_is_not_markup_prints_as_text(app, practice):
    result = {
        "kind": "love_languages",
        "chart": "<svg><text>drawn</text></svg>",
        "primary": "Quality time",
        "secondary": None,
        "ties": False,
        "suggestions": [],
    }
    text = all_text(response_pdf(hostile_definition(), practice, {}, result, "Sam", None))
    assert "<svg><text>drawn</text></svg>" in text


# --- File names ---------------------------------------------------------------------------


def test_file_names_are_neutral(app):
    for definition in definitions():
        names = {
            exercise_filename(definition, "worksheet"),
            exercise_filename(definition, "fillable"),
            exercise_filename(definition, "answers"),
        }
        assert names == {"worksheet.pdf", "worksheet-fillable.pdf", "answers.pdf"}
        for name in names:
            assert definition.slug not in name
            assert not any(word in name for word in definition.slug.split("-") if len(word) > 4)


def test_an_unknown_file_kind_is_refused(app):
    definition = hostile_definition()
    with pytest.raises(ValueError):
        exercise_filename(definition, "scores")

"""Exercise PDFs: a blank worksheet (to print, or to fill in on screen) and a completed
response with its answers, results and the therapist's comment.

The templates get plain values only (clinic/reports/render.py). Everything a client typed
reaches them as text and is escaped by Jinja; the only values marked safe are Markdown
rendered by ``clinic.library.content.render_markdown`` (from the definition files, raw HTML
escaped) and the result chart, which ``clinic.forms_engine.charts`` draws with every text
escaped.

Who may be handed which PDF is the caller's decision: a confidential definition (safety
screening) and its answers are for the therapist only (privacy rule 3).
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from markupsafe import Markup

from clinic.forms_engine.definitions import Definition, Item
from clinic.forms_engine.forms import ORDINALS, display_value
from clinic.library.content import render_markdown
from clinic.reports.handouts import long_date, personal_line
from clinic.reports.render import render_pdf

# Write-in lines on paper; a repeating list prints at most this many rows.
SHORT_TEXT_LINES = 1
LONG_TEXT_LINES = 6
MAX_LIST_ROWS = 8
# Neutral file names (privacy rule 7): no exercise or measure name, no answer.
FILENAMES = {
    "worksheet": "worksheet.pdf",
    "fillable": "worksheet-fillable.pdf",
    "answers": "answers.pdf",
}
_KIND_ALIASES = {
    "blank": "worksheet",
    "worksheet-fillable": "fillable",
    "response": "answers",
}
CHOICE_TYPES = ("single_choice", "multiple_choice", "forced_choice")
# How a date is written where the practice prints on Letter paper, and elsewhere.
DATE_HINTS = {"A4": "day / month / year", "Letter": "month / day / year"}
LEAD_HINTS = {
    "single_choice": "Tick one in each row.",
    "forced_choice": "Tick one in each row.",
    "multiple_choice": "Tick all that apply in each row.",
}
# Choice options this short print side by side; longer ones one per line.
INLINE_OPTION_CHARS = 28


def worksheet_pdf(
    definition: Definition,
    practice: Mapping[str, Any],
    fillable: bool = False,
    prepared_for: str | None = None,
) -> bytes:
    """The exercise as a blank worksheet: write-in lines and tick boxes to fill in on paper,
    or, with ``fillable=True``, PDF form fields to fill in on screen.

    It carries the definition's words only, never an answer. ``prepared_for`` (e.g. the
    couple's label) adds a personal line, printed as text.
    """
    context = {
        **_heading(definition),
        "fillable": bool(fillable),
        "intro_html": _markdown(definition.intro),
        "personal_line": personal_line((prepared_for or "").strip() or None, None),
        "sections": worksheet_sections(definition),
        "date_hint": DATE_HINTS.get(practice.get("page_size"), DATE_HINTS["A4"]),
    }
    kind = "fillable" if fillable else "worksheet"
    return render_pdf(
        "pdf/exercise_blank.html",
        context,
        practice=practice,
        ref=f"exercise-{kind}:{definition.slug}",
        pdf_forms=bool(fillable),
    )


def response_pdf(
    definition: Definition,
    practice: Mapping[str, Any],
    answers: Mapping[str, Any],
    result: Mapping[str, Any] | None,
    person: str,
    submitted_on: date | None,
    comment: str = "",
) -> bytes:
    """One partner's completed response: every question with its answer, the results
    (``result`` from ``clinic.forms_engine.results.result_view``) when given, and the
    therapist's comment for this partner if there is one.
    """
    context = {
        **_heading(definition),
        "person": str(person or "").strip(),
        "submitted_on": long_date(submitted_on) if submitted_on else None,
        "sections": answer_sections(definition, answers if isinstance(answers, Mapping) else {}),
        "result": result_values(result),
        "comment": str(comment or "").strip(),
    }
    return render_pdf(
        "pdf/exercise_response.html",
        context,
        practice=practice,
        ref=f"exercise-answers:{definition.slug}",
    )


def exercise_filename(definition: Definition, kind: str) -> str:
    """A neutral file name for an exercise PDF: ``kind`` is "worksheet", "fillable" or
    "answers". The definition is deliberately not part of the name (privacy rule 7)."""
    kind = _KIND_ALIASES.get(kind, kind)
    if kind not in FILENAMES:
        raise ValueError(f"unknown exercise PDF kind: {kind!r}")
    return FILENAMES[kind]


# --- Worksheet values ---------------------------------------------------------------------


def _heading(definition: Definition) -> dict[str, Any]:
    return {
        "title": definition.title,
        "layer_name": definition.layer_name,
        "summary": definition.summary,
        "notice": definition.notice,
    }


def _markdown(text: str) -> Markup | str:
    # render_markdown escapes raw HTML and drops unsafe links: the one text marked safe.
    return render_markdown(text) if text and text.strip() else ""


def worksheet_sections(definition: Definition) -> list[dict[str, Any]]:
    """Sections as plain values: blocks of items, numbered through the whole worksheet.

    A block is ``{"kind": "item", "item": ...}``, ``{"kind": "likert", "points": [...],
    "rows": [...]}`` for consecutive Likert items on one scale (printed as one table), or
    ``{"kind": "lead", "prompt": ...}`` before a run of items asking the same question,
    which then print without repeating it.
    """
    number = 0
    sections = []
    for section in definition.sections:
        blocks: list[dict[str, Any]] = []
        items = list(section.items)
        index = 0
        while index < len(items):
            item = items[index]
            if item.type == "likert":
                run = _run(
                    items, index, lambda a, b: a.type == b.type == "likert" and a.scale == b.scale
                )
                rows = []
                for row_item in run:
                    number += 1
                    rows.append(worksheet_item(row_item, number))
                blocks.append({"kind": "likert", "points": _points(item), "rows": rows})
            else:
                run = _run(items, index, lambda a, b: a.type == b.type and a.prompt == b.prompt)
                shared = len(run) > 1
                if shared:
                    blocks.append(
                        {
                            "kind": "lead",
                            "prompt": item.prompt,
                            "help": item.help,
                            "hint": LEAD_HINTS.get(item.type, ""),
                        }
                    )
                for run_item in run:
                    number += 1
                    values = worksheet_item(run_item, number)
                    values["show_prompt"] = not shared
                    blocks.append({"kind": "item", "item": values})
            index += len(run)
        sections.append(
            {
                "title": section.title,
                "intro_html": _markdown(section.intro),
                "blocks": blocks,
            }
        )
    return sections


def _run(items: list[Item], start: int, same) -> list[Item]:
    run = [items[start]]
    for item in items[start + 1 :]:
        if not same(run[0], item):
            break
        run.append(item)
    return run


def _points(item: Item) -> list[dict[str, Any]]:
    scale = item.scale
    return [{"value": p, "label": scale.anchors.get(p, "")} for p in scale.points]


def worksheet_item(item: Item, number: int) -> dict[str, Any]:
    """One question as plain values for the worksheet templates."""
    values: dict[str, Any] = {
        "id": item.id,
        "number": number,
        "type": item.type,
        "prompt": item.prompt,
        "help": item.help,
        "required": item.required,
        "show_prompt": True,
        "max_length": item.max_length,
        "hint": _hint(item),
    }
    if item.type in CHOICE_TYPES:
        values["options"] = [
            {"value": o.value, "label": o.label, "field": f"{item.id}_{i}"}
            for i, o in enumerate(item.options, start=1)
        ]
        values["inline"] = item.type != "forced_choice" and all(
            len(o.label) <= INLINE_OPTION_CHARS for o in item.options
        )
    elif item.type == "ranking":
        values["options"] = [{"value": o.value, "label": o.label} for o in item.options]
        values["places"] = [
            {
                "label": ORDINALS[i] if i < len(ORDINALS) else f"{i + 1}th",
                "field": f"{item.id}_{i + 1}",
            }
            for i in range(len(item.options))
        ]
    elif item.type == "likert":
        values["points"] = _points(item)
    elif item.type == "repeating_list":
        values["rows"] = [
            {"number": i, "field": f"{item.id}_{i}"}
            for i in range(1, min(item.max_rows, MAX_LIST_ROWS) + 1)
        ]
    elif item.type in ("short_text", "long_text"):
        values["lines"] = LONG_TEXT_LINES if item.type == "long_text" else SHORT_TEXT_LINES
    return values


def _hint(item: Item) -> str:
    if item.type in ("single_choice", "forced_choice"):
        return "Tick one."
    if item.type == "multiple_choice":
        return "Tick all that apply."
    if item.type == "ranking":
        return "Write one answer on each line, most important first."
    if item.type == "repeating_list":
        return "One on each line."
    return ""


# --- Response values ----------------------------------------------------------------------


def answer_sections(definition: Definition, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every question of the definition with its answer in words (text or a list)."""
    number = 0
    sections = []
    for section in definition.sections:
        rows = []
        items = list(section.items)
        index = 0
        while index < len(items):
            # A run of items asking the same question prints it once, as on the worksheet.
            run = _run(items, index, lambda a, b: a.type == b.type and a.prompt == b.prompt)
            shared = len(run) > 1
            for position, item in enumerate(run):
                number += 1
                shown = shown_answer(item, answers.get(item.id))
                rows.append(
                    {
                        "number": number,
                        "lead": item.prompt if shared and position == 0 else None,
                        "prompt": item.prompt,
                        "show_prompt": not shared,
                        "type": item.type,
                        "text": shown if isinstance(shown, str) else "",
                        "list": shown if isinstance(shown, list) else [],
                        "answered": bool(shown),
                    }
                )
            index += len(run)
        sections.append({"title": section.title, "answers": rows})
    return sections


def shown_answer(item: Item, value: Any) -> str | list[str]:
    """``display_value`` as plain text; an answer of an unexpected shape prints as typed
    rather than breaking the PDF."""
    if value is None or value == "" or value == []:
        return ""
    try:
        shown = display_value(item, value)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        shown = value
    if isinstance(shown, list | tuple):
        return [str(v) for v in shown if v is not None and str(v).strip()]
    return str(shown)


def result_values(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The parts of a ``result_view`` the PDF prints, as plain values.

    The chart is kept only as the Markup the chart module drew; anything else in its
    place would be escaped and printed as text.
    """
    if not result:
        return None
    kind = result.get("kind")
    chart = result.get("chart")
    values: dict[str, Any] = {
        "kind": kind,
        "chart": chart if isinstance(chart, Markup) else (str(chart) if chart else ""),
    }
    if kind == "love_languages":
        values.update(
            primary=_text(result.get("primary")),
            secondary=_text(result.get("secondary")),
            ties=bool(result.get("ties")),
            suggestions=[str(s) for s in result.get("suggestions") or []],
        )
    elif kind == "house":
        values.update(
            layers=[
                {"label": str(label), "score": score} for label, score in result.get("layers") or []
            ],
            weakest=[
                {"label": str(w.get("label", "")), "score": w.get("score")}
                for w in result.get("weakest") or []
            ],
        )
    elif kind == "sum":
        values.update(
            total=result.get("total"), max=result.get("max"), band=_text(result.get("band"))
        )
    else:
        return None
    return values


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

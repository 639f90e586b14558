"""Session summary PDFs: the client-facing summary of a session, and the clinician copy.

The views build the context from a session note as plain values (never ORM objects) and
write the audit event for a clinician copy (privacy rule 5); this module only prints it::

    {
      "title": "Session summary",
      "session": {"date": "22 November 2026", "time": "14:00", "duration_minutes": 50,
                  "attendees": ["Sam", "Alex"]},              # first names only
      "layers": ["Manage conflict", "Turn towards instead of away"],   # worked on
      "talked_about": "Markdown", "noticed": "Markdown", "practise": "Markdown",  # may be ""
      "homework": [{"title": "...", "due": "29 November 2026" | None, "for": "Both" | "Sam",
                    "where": "In your portal, under 'Assigned to you'"}],
      "shared_results": [{"title": "...", "chart": Markup | None, "lines": ["...", ...]}],
      "next_appointment": "29 November 2026 at 14:00" | None,
      "finalised": {"by": "Dr. Robin Hale", "at": "22 November 2026 15:10"} | None,
      "addenda": [{"at": "...", "by": "...", "text": "Markdown"}],   # client-facing
      # Clinician-only: printed in the clinician copy, never passed on for a client.
      "clinician_notes": "Markdown",
      "clinician_addenda": [{"at": "...", "by": "...", "text": "Markdown"}],
      "scores": [{"person": "Sam", "title": "House check-up", "chart": Markup | None,
                  "lines": ["Trust: 63", ...], "band": "..." | None}],
      "flags": [{"person": "Sam", "text": "..."}],
    }

``addenda`` are addenda written for the couple and print in both versions;
``clinician_addenda`` print in the clinician copy only. Dates and times arrive already
written out, so the PDF prints them as given. Missing keys print as nothing.

Privacy (rules 3, 4 and 7): for the client version the context is rebuilt from a whitelist
of client keys, item by item, so a clinician-only value never reaches the template, even
when the caller left one in. Markdown goes through ``clinic.library.content.
render_markdown`` (raw HTML escaped, unsafe links dropped); every other text is escaped by
Jinja; a chart is kept as drawn only when it is the ``Markup`` that
``clinic.forms_engine.charts`` returns, and printed as text otherwise.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from clinic.library.content import Handout, render_markdown
from clinic.reports.handouts import handout_values
from clinic.reports.render import render_pdf

TEMPLATE = "pdf/session_summary.html"
DEFAULT_TITLE = "Session summary"
CLIENT_KEYS = (
    "title",
    "session",
    "layers",
    "talked_about",
    "noticed",
    "practise",
    "homework",
    "shared_results",
    "next_appointment",
    "finalised",
    "addenda",
)
CLINICIAN_KEYS = ("clinician_notes", "clinician_addenda", "scores", "flags")
# Neutral file names (privacy rule 7): no name, no date, no diagnosis.
FILENAMES = {False: "session-summary.pdf", True: "session-summary-clinician.pdf"}


def session_summary_pdf(
    context: Mapping[str, Any],
    practice: Mapping[str, Any],
    *,
    clinician: bool,
    handouts: Sequence[Handout] = (),
) -> bytes:
    """The session summary as a PDF: the client version, or with ``clinician=True`` the
    clinician copy (confidential notes, each partner's scores, open flags, clinician
    addenda, and a "Confidential: clinician copy" mark on every page).

    With ``clinician=False`` the clinician-only keys of ``context`` are ignored, even when
    present. ``handouts`` are listed at the end of the summary and follow it in the same
    PDF, each from a new page. Raises ``PdfTooLarge`` for a summary too large to print.
    """
    clinician = bool(clinician)
    values = summary_values(context, clinician=clinician)
    values["handouts"] = [handout_values(h) for h in handouts]
    return render_pdf(
        TEMPLATE,
        values,
        practice=practice,
        ref="session-summary:" + ("clinician" if clinician else "client"),
    )


def summary_filename(clinician: bool) -> str:
    """``session-summary.pdf`` or ``session-summary-clinician.pdf``: nothing about the
    couple or the session in the name."""
    return FILENAMES[bool(clinician)]


def summary_values(context: Mapping[str, Any], *, clinician: bool) -> dict[str, Any]:
    """The template's values, rebuilt key by key from ``context``.

    The client version gets the client keys only (``CLIENT_KEYS``); the clinician copy
    gets those and ``CLINICIAN_KEYS`` besides. Nothing else in ``context`` is passed on.
    """
    context = context if isinstance(context, Mapping) else {}
    session = _mapping(context.get("session"))
    finalised = _mapping(context.get("finalised"))
    values: dict[str, Any] = {
        "title": _text(context.get("title")) or DEFAULT_TITLE,
        "clinician": bool(clinician),
        "session": {
            "date": _text(session.get("date")),
            "time": _text(session.get("time")),
            "duration": _duration(session.get("duration_minutes")),
            "attendees": _names(_texts(session.get("attendees"))),
        },
        "layers": _texts(context.get("layers")),
        "talked_about_html": _markdown(context.get("talked_about")),
        "noticed_html": _markdown(context.get("noticed")),
        "practise_html": _markdown(context.get("practise")),
        "homework": [
            {
                "title": _text(item.get("title")),
                "due": _text(item.get("due")),
                "for": _text(item.get("for")),
                "where": _text(item.get("where")),
            }
            for item in _mappings(context.get("homework"))
        ],
        "shared_results": [
            {
                "title": _text(item.get("title")),
                "chart": _chart(item.get("chart")),
                "lines": _texts(item.get("lines")),
            }
            for item in _mappings(context.get("shared_results"))
        ],
        "next_appointment": _text(context.get("next_appointment")),
        "finalised": (
            {"by": _text(finalised.get("by")), "at": _text(finalised.get("at"))}
            if finalised
            else None
        ),
        "addenda": _addenda(context.get("addenda")),
    }
    if clinician:
        values.update(
            clinician_notes_html=_markdown(context.get("clinician_notes")),
            clinician_addenda=_addenda(context.get("clinician_addenda")),
            scores=[
                {
                    "person": _text(item.get("person")),
                    "title": _text(item.get("title")),
                    "chart": _chart(item.get("chart")),
                    "lines": _texts(item.get("lines")),
                    "band": _text(item.get("band")),
                }
                for item in _mappings(context.get("scores"))
            ],
            flags=[
                {"person": _text(item.get("person")), "text": _text(item.get("text"))}
                for item in _mappings(context.get("flags"))
            ],
        )
    return values


# --- Plain values -------------------------------------------------------------------------


def _text(value: Any) -> str:
    # str() of Markup is a plain str, so Jinja escapes a title or a line given as Markup.
    return "" if value is None else str(value).strip()


def _texts(values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        return []
    return [text for text in (_text(v) for v in values) if text]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mappings(values: Any) -> list[Mapping[str, Any]]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        return []
    return [v for v in values if isinstance(v, Mapping)]


def _markdown(text: Any) -> Markup | str:
    # render_markdown escapes raw HTML and drops unsafe links: the one text marked safe.
    text = _text(text)
    return render_markdown(text) if text else ""


def _chart(chart: Any) -> Markup | str:
    """The chart as drawn when it is the chart module's Markup; anything else is text."""
    if isinstance(chart, Markup):
        return chart
    return _text(chart)


def _addenda(values: Any) -> list[dict[str, Any]]:
    return [
        {"at": _text(a.get("at")), "by": _text(a.get("by")), "html": _markdown(a.get("text"))}
        for a in _mappings(values)
    ]


def _names(names: list[str]) -> str:
    """'Sam', 'Sam and Alex', 'Sam, Alex and Jo'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _duration(minutes: Any) -> str:
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
        return ""
    minutes = round(minutes)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"

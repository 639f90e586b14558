"""Session summary PDFs: the client version prints what the couple may read and nothing
more, whatever the context holds; the clinician copy adds its confidential parts and says
so on every page; anything typed prints literally and nothing is fetched."""

import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from clinic.forms_engine.charts import house_profile_svg, love_language_chart
from clinic.reports import sessions
from clinic.reports.render import STATIC_ORIGIN
from clinic.reports.sessions import (
    CLIENT_KEYS,
    CLINICIAN_KEYS,
    session_summary_pdf,
    summary_filename,
    summary_values,
)
from tests.reports.conftest import PRACTICE_NAME, flat, page_texts, read_pdf

CONFIDENTIAL = "Confidential: clinician copy"
HOSTILE_MARKUP = "{{7*7}}<b>x</b>"
HOSTILE_IMAGE = "<img src=file:///etc/passwd>"
SAM_LL = {"words": 9, "time": 8, "gifts": 2, "service": 5, "touch": 6}
ALEX_LL = {"words": 4, "time": 10, "gifts": 3, "service": 9, "touch": 4}
SAM_HOUSE = {
    "love-maps": 70,
    "fondness-admiration": 64,
    "turn-towards": 52,
    "positive-perspective": 58,
    "manage-conflict": 35,
    "life-dreams": 61,
    "shared-meaning": 66,
    "trust": 63,
    "commitment": 80,
}
ALEX_HOUSE = {**SAM_HOUSE, "manage-conflict": 29, "life-dreams": None, "commitment": 77}


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def squash(text: str) -> str:
    """Text without any whitespace: a long line may wrap anywhere."""
    return re.sub(r"\s+", "", flat(text))


def typical_context() -> dict:
    """A typical finalised session: two partners, two charts, three pieces of homework."""
    return {
        "title": "Session summary",
        "session": {
            "date": "22 November 2026",
            "time": "14:00",
            "duration_minutes": 50,
            "attendees": ["Sam", "Alex"],
        },
        "layers": ["Manage conflict", "Turn towards instead of away"],
        "talked_about": (
            "We talked about the argument over the holiday plans and how it **started**.\n\n"
            "- Harsh start-ups on busy evenings\n- Feeling unheard when plans change"
        ),
        "noticed": "Things went better when you took a **twenty-minute break** and came back.",
        "practise": (
            "1. Use a gentle start-up: *I feel... about... I need...*\n"
            "2. Notice one bid each evening and turn towards it."
        ),
        "homework": [
            {
                "title": "The four horsemen and their antidotes",
                "due": "29 November 2026",
                "for": "Both",
                "where": "In your portal, under 'Assigned to you'",
            },
            {
                "title": "Bids for connection diary",
                "due": "1 December 2026",
                "for": "Sam",
                "where": "In your portal, under 'Assigned to you'",
            },
            {
                "title": "Love-language discovery",
                "due": None,
                "for": "Alex",
                "where": "Printed worksheet from the session",
            },
        ],
        "shared_results": [
            {
                "title": "Love-language discovery",
                "chart": love_language_chart([("Sam", SAM_LL), ("Alex", ALEX_LL)]),
                "lines": ["Sam: most important Words of affirmation, then Quality time"],
            },
            {
                "title": "Relationship house check-up",
                "chart": house_profile_svg([("Sam", SAM_HOUSE), ("Alex", ALEX_HOUSE)]),
                "lines": ["Alex: a place to start is Manage conflict (29)"],
            },
        ],
        "next_appointment": "29 November 2026 at 14:00",
        "finalised": {"by": "Dr. Robin Hale", "at": "22 November 2026 15:10"},
        "addenda": [
            {"at": "23 November 2026 09:12", "by": "Dr. Robin Hale", "text": "Break: **20** min."}
        ],
        "clinician_notes": "Pursue-withdraw cycle; Alex flooded at minute thirty.",
        "clinician_addenda": [
            {"at": "23 November 2026 09:15", "by": "Dr. Robin Hale", "text": "Phoned Alex."}
        ],
        "scores": [
            {
                "person": "Sam",
                "title": "Relationship satisfaction",
                "chart": None,
                "lines": ["Total: 13 of 21"],
                "band": "Below the cut-off",
            },
            {
                "person": "Alex",
                "title": "Relationship satisfaction",
                "chart": None,
                "lines": ["Total: 15 of 21"],
                "band": None,
            },
        ],
        "flags": [{"person": "Alex", "text": "Follow up the low mood item at next contact."}],
    }


CLIENT_SECTIONS = (
    "Session summary",
    "22 November 2026, 14:00 (50 minutes)",
    "With Sam and Alex",
    "What we worked on",
    "Manage conflict",
    "Turn towards instead of away",
    "What we talked about",
    "how it started.",
    "Harsh start-ups on busy evenings",
    "What we noticed",
    "Things to practise",
    "Use a gentle start-up: I feel... about... I need...",
    "Homework",
    "The four horsemen and their antidotes Both 29 November 2026",
    "Bids for connection diary Sam 1 December 2026",
    "No due date",
    "Where to find it",
    "In your portal, under",
    "Results you chose to share",
    "Next appointment",
    "29 November 2026 at 14:00",
    "Added after the session",
    "Finalised by Dr. Robin Hale on 22 November 2026 15:10.",
)
CLINICIAN_SECTIONS = (
    "Clinician notes (confidential)",
    "Pursue-withdraw cycle; Alex flooded at minute thirty.",
    "Scores",
    "Sam · Relationship satisfaction",
    "Band: Below the cut-off",
    "Total: 13 of 21",
    "Alex · Relationship satisfaction",
    "Total: 15 of 21",
    "Open flags",
    "Alex: Follow up the low mood item at next contact.",
    "Clinician addenda",
    "Phoned Alex.",
)


# --- The client version -------------------------------------------------------------------


def test_client_summary_prints_every_section(app, practice):
    text = all_text(session_summary_pdf(typical_context(), practice, clinician=False))
    for expected in CLIENT_SECTIONS:
        assert flat(expected) in text, expected


def test_every_client_page_has_the_practice_header_and_page_x_of_y(app, practice):
    texts = page_texts(session_summary_pdf(typical_context(), practice, clinician=False))
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert PRACTICE_NAME in text
        assert "12 Harbour Street, Leith · 0131 555 0100" in text
        assert f"Page {number} of {len(texts)}" in text


def test_a_shared_love_language_chart_renders_with_its_labels(app, practice):
    context = typical_context()
    context["shared_results"] = context["shared_results"][:1]
    text = all_text(session_summary_pdf(context, practice, clinician=False))
    for label in ("Words of affirmation", "Quality time", "Acts of service", "Times chosen"):
        assert label in text
    assert "Sam" in text and "Alex" in text


def test_client_version_has_no_clinician_part(app, practice):
    text = all_text(session_summary_pdf(typical_context(), practice, clinician=False))
    for private in (*CLINICIAN_SECTIONS, CONFIDENTIAL, "For the clinician only"):
        assert flat(private) not in text, private


def test_client_template_never_receives_clinician_keys(app, practice, monkeypatch):
    received = {}

    def capture(template, context, **kwargs):
        received.update(context)
        return b"%PDF-"

    monkeypatch.setattr(sessions, "render_pdf", capture)
    session_summary_pdf(typical_context(), practice, clinician=False)
    assert not received["clinician"]
    for key in (*CLINICIAN_KEYS, "clinician_notes_html"):
        assert key not in received
    assert "Pursue-withdraw" not in repr(received)
    assert "Relationship satisfaction" not in repr(received)


def test_unknown_keys_are_not_passed_on_at_any_depth(app):
    context = typical_context()
    context["diagnosis"] = "SECRET-TOP"
    context["session"]["notes"] = "SECRET-SESSION"
    context["homework"][0]["private_note"] = "SECRET-HOMEWORK"
    context["shared_results"][0]["raw_answers"] = "SECRET-RESULT"
    for clinician in (False, True):
        values = summary_values(context, clinician=clinician)
        assert "SECRET-" not in repr(values)
    # Markdown keys arrive rendered, as *_html; no clinician key, however named.
    client = {key.removesuffix("_html") for key in summary_values(context, clinician=False)}
    assert client == {*CLIENT_KEYS, "clinician"}


def test_an_empty_context_prints_a_draft_summary(app, practice):
    text = all_text(session_summary_pdf({}, practice, clinician=False))
    assert "Session summary" in text
    assert "Not booked yet" in text
    assert "Draft: this summary has not been finalised yet." in text
    assert "Homework" not in text and "What we worked on" not in text


# --- The clinician copy -------------------------------------------------------------------


def test_clinician_copy_prints_everything_and_its_confidential_parts(app, practice):
    text = all_text(session_summary_pdf(typical_context(), practice, clinician=True))
    for expected in (*CLIENT_SECTIONS, *CLINICIAN_SECTIONS):
        assert flat(expected) in text, expected


def test_clinician_copy_is_marked_confidential_on_every_page(app, practice, library):
    handouts = library.ordered()[:2]
    pdf = session_summary_pdf(typical_context(), practice, clinician=True, handouts=handouts)
    texts = page_texts(pdf)
    assert len(texts) >= 4
    for number, text in enumerate(texts, start=1):
        # Once in the header, once in the footer of every page, handouts included.
        assert text.count(CONFIDENTIAL) >= 2, number
        assert PRACTICE_NAME in text
        assert f"Page {number} of {len(texts)}" in text


def test_a_score_chart_prints_in_the_clinician_copy(app, practice):
    context = typical_context()
    context["scores"][0]["chart"] = house_profile_svg([("Sam", SAM_HOUSE)])
    text = all_text(session_summary_pdf(context, practice, clinician=True))
    assert "63 of 100" in text and "Create shared meaning" in text


# --- Privacy, whatever the context holds --------------------------------------------------

marker_numbers = st.lists(st.integers(0, 16**10 - 1), min_size=40, max_size=40, unique=True)
plain_words = st.text(alphabet="abcdefghij klmnop.,", max_size=30)


@st.composite
def contexts_with_markers(draw):
    """A context whose every clinician-only string is a unique PRIVMARK token."""
    numbers = iter(draw(marker_numbers))

    def marker() -> str:
        return f"PRIVMARK{next(numbers):010X}"

    markers: list[str] = []

    def private() -> str:
        markers.append(marker())
        return markers[-1]

    def entries(make, most):
        return [make() for _ in range(draw(st.integers(0, most)))]

    context = {
        "title": draw(plain_words),
        "session": {
            "date": draw(plain_words),
            "attendees": draw(st.lists(plain_words, max_size=2)),
        },
        "layers": draw(st.lists(plain_words, max_size=3)),
        "talked_about": draw(plain_words),
        "noticed": draw(plain_words),
        "practise": draw(plain_words),
        "homework": [{"title": draw(plain_words), "due": None, "for": "Both", "where": "Portal"}],
        "shared_results": [{"title": draw(plain_words), "chart": None, "lines": ["a line"]}],
        "next_appointment": draw(st.one_of(st.none(), plain_words)),
        "addenda": [{"at": "today", "by": "Robin", "text": draw(plain_words)}],
        "clinician_notes": private() + "\n\nMore: " + private(),
        "clinician_addenda": entries(
            lambda: {"at": private(), "by": private(), "text": private()}, 2
        ),
        "flags": entries(lambda: {"person": private(), "text": private()}, 2),
    }
    scores = []
    for _ in range(draw(st.integers(1, 2))):
        person = private()
        chart = love_language_chart([(person, SAM_LL)]) if draw(st.booleans()) else None
        scores.append(
            {
                "person": person,
                "title": private(),
                "chart": chart,
                "lines": [private() for _ in range(draw(st.integers(1, 3)))],
                "band": private() if draw(st.booleans()) else None,
            }
        )
    context["scores"] = scores
    return context, markers


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=contexts_with_markers())
def test_no_clinician_only_string_reaches_the_client_pdf(app, practice, drawn):
    context, markers = drawn
    assert markers
    client = session_summary_pdf(context, practice, clinician=False)
    client_text = squash(all_text(client))
    assert "PRIVMARK" not in client_text
    assert b"PRIVMARK" not in client
    # The same check finds every marker in the clinician copy, so it could fail.
    clinician_text = squash(all_text(session_summary_pdf(context, practice, clinician=True)))
    for marker in markers:
        assert marker in clinician_text, marker


# --- Hostile values -----------------------------------------------------------------------


def hostile_context(port: int) -> dict:
    local = f"http://127.0.0.1:{port}"
    context = typical_context()
    context.update(
        title=f"Summary {HOSTILE_MARKUP}",
        layers=[HOSTILE_IMAGE],
        talked_about=f"Talked {HOSTILE_MARKUP}",
        noticed=f"Noticed {HOSTILE_IMAGE} and ![pic]({local}/md.png)",
        practise="Practise [a link](file:///etc/passwd) <script>document.write('RAN')</script>",
        next_appointment=HOSTILE_IMAGE,
        clinician_notes=f"Notes {HOSTILE_MARKUP}",
    )
    context["session"]["attendees"] = [Markup("<i>Sam</i>"), HOSTILE_MARKUP]
    context["homework"][0].update(title=HOSTILE_MARKUP, where=HOSTILE_IMAGE)
    context["shared_results"] = [
        {
            "title": HOSTILE_IMAGE,
            # Not Markup from the chart module: printed as text, never drawn.
            "chart": f"<svg><image href='{local}/chart.png'/><text>drawn</text></svg>",
            "lines": [HOSTILE_MARKUP],
        },
        {
            "title": "Drawn",
            "chart": love_language_chart([(HOSTILE_MARKUP, SAM_LL)]),
            "lines": [],
        },
    ]
    context["flags"] = [{"person": HOSTILE_IMAGE, "text": HOSTILE_MARKUP}]
    return context


@pytest.mark.parametrize("clinician", [False, True])
def test_hostile_values_print_literally_and_nothing_is_fetched(
    app, practice, listener, fetched, caplog, clinician
):
    caplog.set_level(logging.DEBUG)
    local = f"http://127.0.0.1:{listener.port}"
    pdf = session_summary_pdf(hostile_context(listener.port), practice, clinician=clinician)
    text = all_text(pdf)
    assert f"Summary {HOSTILE_MARKUP}" in text
    assert f"Talked {HOSTILE_MARKUP}" in text
    assert f"Noticed {HOSTILE_IMAGE}" in text
    assert "Practise [a link](file:///etc/passwd) <script>document.write('RAN')</script>" in text
    assert f"With <i>Sam</i> and {HOSTILE_MARKUP}" in text
    chart = hostile_context(listener.port)["shared_results"][0]["chart"]
    assert squash(chart) in squash(text)
    assert text.count(HOSTILE_MARKUP) >= 5
    assert text.count(HOSTILE_IMAGE) >= 4
    assert (f"Notes {HOSTILE_MARKUP}" in text) is clinician
    assert all(len(page.images) == 0 for page in read_pdf(pdf).pages)
    assert b"root:x:0:0" not in pdf
    assert listener.connections() == 0
    # The Markdown image was asked for and refused; nothing else left the static files.
    outside = [url for url in fetched if not url.startswith(STATIC_ORIGIN)]
    assert outside == [f"{local}/md.png"]
    assert any("PDF resource refused" in r.getMessage() for r in caplog.records)


def test_a_chart_that_is_not_markup_prints_as_text(app, practice):
    context = typical_context()
    context["shared_results"] = [
        {"title": "Chart", "chart": "<svg><text>drawn</text></svg>", "lines": []}
    ]
    text = all_text(session_summary_pdf(context, practice, clinician=False))
    assert "<svg><text>drawn</text></svg>" in text


# --- Handouts attached --------------------------------------------------------------------


def test_handouts_follow_the_summary_each_from_a_new_page(app, practice, library):
    first, second = library.ordered()[:2]
    alone = page_texts(session_summary_pdf(typical_context(), practice, clinician=False))
    pdf = session_summary_pdf(
        typical_context(), practice, clinician=False, handouts=[first, second]
    )
    texts = page_texts(pdf)
    assert len(texts) > len(alone)
    assert "Session summary" in texts[0] and "What we worked on" in texts[0]
    listed = next(i for i, t in enumerate(texts) if "Handout packet attached" in t)
    # The summary, with the list at its end, comes first; then each handout on new pages.
    assert "Finalised by" in " ".join(texts[: listed + 1])
    starts = [next(i for i, t in enumerate(texts) if flat(h.summary) in t) for h in (first, second)]
    assert listed < starts[0] < starts[1]
    assert flat(first.title) in texts[starts[0]] and flat(second.title) in texts[starts[1]]
    packet = texts[listed].split("Handout packet attached")[1]
    assert flat(first.title) in packet and f"page {starts[0] + 1}" in packet
    assert flat(second.title) in packet and f"page {starts[1] + 1}" in packet
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
    assert CONFIDENTIAL not in " ".join(texts)


# --- Size and file names ------------------------------------------------------------------


@pytest.mark.parametrize("clinician", [False, True])
def test_a_typical_session_prints_on_two_or_three_pages_with_two_charts(app, practice, clinician):
    texts = page_texts(session_summary_pdf(typical_context(), practice, clinician=clinician))
    assert 2 <= len(texts) <= 3
    text = " ".join(texts)
    assert text.count("Times chosen") == 1  # the love-language chart
    assert text.count("Create shared meaning") == 2  # the house, once for each partner
    assert "66 of 100" in text and "Not answered" in text


def test_file_names_are_neutral(app):
    assert summary_filename(False) == "session-summary.pdf"
    assert summary_filename(True) == "session-summary-clinician.pdf"

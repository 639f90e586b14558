"""How long a session summary PDF takes beside a plain page of the same length.

Run: .venv/bin/python benchmarks/bench_summary.py [--runs N]
Renders a typical client summary (two partners; a love-language chart and a relationship
house, both drawn as SVG) and plain paragraphs filling the same number of pages, both
through the same render_pdf, in one run. No database.
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from clinic import create_app  # noqa: E402
from clinic.forms_engine.charts import house_profile_svg, love_language_chart  # noqa: E402
from clinic.reports.render import practice_context, render_pdf  # noqa: E402
from clinic.reports.sessions import session_summary_pdf  # noqa: E402

PARAGRAPH = (
    "We talked about what happens on busy evenings, when one of you reaches out and the "
    "other is tired. Small moments of turning towards each other add up over a week, and "
    "a gentle start-up makes the harder conversations easier to finish well."
)
PLAIN_PAGE = """{% extends "pdf/base.html" %}
{% block content %}<h1>{{ title }}</h1>
{% for _ in range(paragraphs) %}<p>{{ text }}</p>
{% endfor %}{% endblock %}"""
HOUSE = {
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


def typical_summary() -> dict:
    """A typical client summary: two partners, two shared charts, three pieces of homework."""
    sam = {"words": 9, "time": 8, "gifts": 2, "service": 5, "touch": 6}
    alex = {"words": 4, "time": 10, "gifts": 3, "service": 9, "touch": 4}
    homework = {"due": "29 November 2026", "where": "In your portal, under 'Assigned to you'"}
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
            "- Harsh start-ups on busy evenings\n- Feeling unheard when plans change\n"
            "- What a repair attempt looks like for each of you"
        ),
        "noticed": (
            "Things went better when you took a **twenty-minute break** and came back. "
            "Bids for connection in the evening are often small, and easy to miss."
        ),
        "practise": (
            "1. Use a gentle start-up: *I feel... about... I need...*\n"
            "2. Notice one bid each evening and turn towards it.\n"
            "3. When flooded, say so and take a break; agree when you will come back."
        ),
        "homework": [
            {"title": "The four horsemen and their antidotes", "for": "Both", **homework},
            {"title": "Bids for connection diary", "for": "Sam", **homework},
            {"title": "Love-language discovery", "for": "Alex", **homework, "due": None},
        ],
        "shared_results": [
            {
                "title": "Love-language discovery",
                "chart": love_language_chart([("Sam", sam), ("Alex", alex)]),
                "lines": [
                    "Sam: most important Words of affirmation, then Quality time",
                    "Alex: most important Quality time, then Acts of service",
                ],
            },
            {
                "title": "Relationship house check-up",
                "chart": house_profile_svg(
                    [("Sam", HOUSE), ("Alex", {**HOUSE, "manage-conflict": 29, "trust": 58})]
                ),
                "lines": ["Both: a place to start is Manage conflict"],
            },
        ],
        "next_appointment": "29 November 2026 at 14:00",
        "finalised": {"by": "Dr. Robin Hale", "at": "22 November 2026 15:10"},
        "addenda": [],
    }


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def paragraphs_for(pages: int, render_plain) -> int:
    """A paragraph count that fills ``pages`` pages, its last page about half full."""

    def first_reaching(target: int) -> int:
        low, high = 1, 400
        while low < high:
            middle = (low + high) // 2
            if page_count(render_plain(middle)) >= target:
                high = middle
            else:
                low = middle + 1
        return low

    return (first_reaching(pages) + first_reaching(pages + 1) - 1) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="renders per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "ENV": "testing",
                "TESTING": True,
                "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "OUTBOX_DIR": str(Path(scratch) / "outbox"),
                "PDF_CACHE_DIR": str(Path(scratch) / "pdf-cache"),
            }
        )
        context = typical_summary()
        with app.app_context():
            practice = practice_context(None)
            plain = app.jinja_env.from_string(PLAIN_PAGE)

            def render_summary() -> bytes:
                return session_summary_pdf(context, practice, clinician=False)

            def render_plain(paragraphs: int) -> bytes:
                values = {"title": "Session summary", "paragraphs": paragraphs, "text": PARAGRAPH}
                return render_pdf(plain, values, practice=practice, ref="bench:plain")

            pages = page_count(render_summary())  # also warms imports and fonts
            paragraphs = paragraphs_for(pages, render_plain)
            plain_pages = page_count(render_plain(paragraphs))

            summary_ms = median_ms(render_summary, args.runs)
            plain_ms = median_ms(lambda: render_plain(paragraphs), args.runs)

    rows = [
        ("client session summary (2 SVG charts)", pages, summary_ms),
        (f"plain paragraphs, same length ({paragraphs} paragraphs)", plain_pages, plain_ms),
    ]
    print("| measurement | pages | median ms | runs |")
    print("| --- | ---: | ---: | ---: |")
    for label, page_total, value in rows:
        print(f"| {label} | {page_total} | {value:.2f} | {args.runs} |")
    print(f"\nsummary / plain: {summary_ms / plain_ms:.2f}x")


if __name__ == "__main__":
    main()

"""Handout PDFs: one handout, or several as a packet with a cover and contents."""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from markupsafe import Markup

from clinic.library.content import SLUG, Handout, plain_text
from clinic.reports.render import render_pdf

PACKET_TITLE = "Handouts"
# The body repeats the title as its first heading; the PDF prints the title above it.
_LEADING_H1 = re.compile(r"\A\s*<h1>.*?</h1>\s*", re.DOTALL)


def handout_pdf(
    handouts: Sequence[Handout],
    practice: Mapping[str, Any],
    prepared_for: str | None = None,
    prepared_on: date | None = None,
) -> bytes:
    """One handout, or a packet of several (cover, contents, each from a new page).

    ``prepared_for`` (e.g. "Sam & Alex") adds a personal line, printed as text;
    ``prepared_on`` defaults to today when one is needed.
    Raises ``PdfTooLarge`` for a handout too large to print.
    """
    if not handouts:
        raise ValueError("no handouts to print")
    prepared_for = (prepared_for or "").strip() or None
    if len(handouts) == 1:
        handout = handouts[0]
        return render_pdf(
            "pdf/handout.html",
            {
                "title": handout.title,
                "handout": handout_values(handout),
                "personal_line": personal_line(prepared_for, prepared_on),
            },
            practice=practice,
            ref=f"handout:{handout.slug}",
        )
    return render_pdf(
        "pdf/packet.html",
        {
            "title": PACKET_TITLE,
            "handouts": [handout_values(h) for h in handouts],
            "prepared_for": prepared_for,
            "prepared_on": long_date(prepared_on or date.today()),
        },
        practice=practice,
        ref="handout-packet:" + ",".join(h.slug for h in handouts)[:60],
    )


def handout_values(handout: Handout) -> dict[str, Any]:
    """A handout as plain values for the PDF templates."""
    return {
        "slug": handout.slug,
        "title": handout.title,
        "summary": handout.summary,
        "layer_name": handout.layer_name,
        # Made by markdown-it with raw HTML escaped and unsafe links dropped
        # (clinic.library.content.render_markdown): the one value marked safe.
        "html": Markup(_LEADING_H1.sub("", handout.html, count=1)),  # noqa: S704
        # References may use Markdown emphasis; print their words, not the asterisks.
        "further_reading": [plain_text(r) or r for r in handout.further_reading],
    }


def personal_line(prepared_for: str | None, prepared_on: date | None) -> str | None:
    """'Prepared for Sam & Alex, 22 November 2026', as text for the template to escape."""
    if prepared_for:
        return f"Prepared for {prepared_for}, {long_date(prepared_on or date.today())}"
    if prepared_on:
        return f"Prepared on {long_date(prepared_on)}"
    return None


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def handout_filename(handouts: Sequence[Handout]) -> str:
    """A neutral file name: the handout's slug, never a client's name."""
    if len(handouts) == 1 and SLUG.match(handouts[0].slug):
        return f"handout-{handouts[0].slug}.pdf"
    return "handouts-packet.pdf" if len(handouts) > 1 else "handout.pdf"

import re
from datetime import date

import pytest

from clinic.accounts.models import PracticeSettings
from clinic.library.content import Handout, render_markdown
from clinic.reports.handouts import handout_filename, handout_pdf
from clinic.reports.render import practice_context
from tests.reports.conftest import PRACTICE_NAME, flat, page_texts, read_pdf, tiny_png

A4 = (595.28, 841.89)
LETTER = (612, 792)


def long_sentences(handout: Handout) -> list[str]:
    lines = [flat(line) for line in handout.text.splitlines()]
    return [line for line in lines if len(line) > 80]


def make_handout(slug="test-handout", title="A test handout", body="Some words.", version=1):
    return Handout(
        slug=slug,
        title=title,
        summary="A short summary of the test handout.",
        layer="foundations",
        tags=("test",),
        reading_minutes=1,
        version=version,
        further_reading=("A *book* about tests.",),
        body=body,
        html=render_markdown(body),
        text=body,
    )


def test_handout_pdf_has_title_summary_body_and_further_reading(app, library, practice):
    handout = library.get("four-horsemen-and-antidotes")
    texts = page_texts(handout_pdf([handout], practice))
    everything = " ".join(texts)
    assert flat(handout.title) in texts[0]
    assert flat(handout.summary) in everything
    sentences = long_sentences(handout)
    assert sentences
    for sentence in (sentences[0], sentences[-1]):
        assert sentence in everything
    assert "Further reading" in everything
    # Emphasis in a reference prints as words, not asterisks.
    assert "Why Marriages Succeed or Fail" in everything
    assert "*Why" not in everything
    assert 1 <= len(texts) <= 6


def test_handout_pdf_prints_the_title_once_not_again_from_the_body(app, practice):
    handout = make_handout(body="# A test handout\n\nThe body begins here.")
    text = " ".join(page_texts(handout_pdf([handout], practice)))
    body = text.split(PRACTICE_NAME)[0]
    assert body.count("A test handout") == 1


def test_every_page_has_the_practice_header_and_a_page_x_of_y_footer(app, library, practice):
    handout = max(library.handouts.values(), key=lambda h: len(h.text))
    texts = page_texts(handout_pdf([handout], practice))
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert PRACTICE_NAME in text
        assert "12 Harbour Street, Leith · 0131 555 0100" in text
        assert f"Page {number} of {len(texts)}" in text
        assert flat(handout.title) in text


def test_table_rows_print_with_the_header_repeated_on_each_page(app, practice):
    rows = "\n".join(f"| Row {n} | Cell text for row {n} |" for n in range(1, 121))
    body = "| Habit | What it sounds like |\n|---|---|\n" + rows
    texts = page_texts(handout_pdf([make_handout(body=body)], practice))
    table_pages = [t for t in texts if "Row " in t]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Habit What it sounds like" in text
    everything = " ".join(texts)
    for n in (1, 60, 120):
        assert f"Row {n} Cell text for row {n} " in everything + " "


@pytest.mark.parametrize(("page_size", "expected"), [("A4", A4), ("Letter", LETTER)])
def test_page_size_follows_the_practice_setting(app, practice, page_size, expected):
    practice["page_size"] = page_size
    reader = read_pdf(handout_pdf([make_handout()], practice))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(expected[0], abs=0.5)
        assert height == pytest.approx(expected[1], abs=0.5)


def test_personal_line_is_printed_as_text(app, practice):
    handout = make_handout()
    pdf = handout_pdf([handout], practice, "{{7*7}}<b>x", date(2026, 11, 22))
    text = page_texts(pdf)[0]
    assert "Prepared for {{7*7}}<b>x, 22 November 2026" in text
    assert "49" not in text


def test_personal_line_names_the_couple_and_the_date(app, practice):
    pdf = handout_pdf([make_handout()], practice, "Sam & Alex", date(2026, 11, 22))
    assert "Prepared for Sam & Alex, 22 November 2026" in page_texts(pdf)[0]


def test_packet_has_a_cover_contents_and_each_handout_from_a_new_page(app, library, practice):
    handouts = library.ordered()[:3]
    texts = page_texts(handout_pdf(handouts, practice, "Sam & Alex", date(2026, 11, 22)))
    cover = texts[0]
    assert cover.startswith(PRACTICE_NAME + " Handouts")
    assert "Prepared for Sam & Alex" in cover
    assert "22 November 2026" in cover
    assert "Contents" in cover
    assert f"Handouts Page 1 of {len(texts)}" in cover
    starts = []
    for handout in handouts:
        match = re.search(re.escape(flat(handout.title)) + r" (\d+)", cover)
        assert match, handout.title
        page = int(match.group(1))
        starts.append(page)
        # The contents' page number is where the handout begins: on a page of its own.
        first = texts[page - 1]
        assert first.startswith(f"{handout.layer_name.upper()} {flat(handout.title)}")
        assert f"{flat(handout.title)} Page {page} of {len(texts)}" in first
    assert starts == sorted(starts) and starts[0] == 2
    for number, text in enumerate(texts, start=1):
        assert PRACTICE_NAME in text
        assert f"Page {number} of {len(texts)}" in text


def test_packet_without_a_name_prints_the_date_only(app, practice):
    pdf = handout_pdf(
        [make_handout("one", "First"), make_handout("two", "Second")],
        practice,
        prepared_on=date(2026, 3, 5),
    )
    cover = page_texts(pdf)[0]
    assert "Prepared for" not in cover
    assert "5 March 2026" in cover


def test_practice_logo_is_drawn_on_every_page(app, practice):
    settings = PracticeSettings(
        name="Logo Practice", logo=tiny_png(), logo_mime="image/png", branding_version=3
    )
    reader = read_pdf(handout_pdf([make_handout()], practice_context(settings)))
    for page in reader.pages:
        assert "Logo Practice" in page.extract_text()
        assert len(page.images) == 1


def test_handout_pdf_needs_a_handout(app, practice):
    with pytest.raises(ValueError):
        handout_pdf([], practice)


def test_file_names_are_neutral(library):
    handouts = library.ordered()
    assert handout_filename(handouts[:1]) == f"handout-{handouts[0].slug}.pdf"
    assert handout_filename(handouts[:3]) == "handouts-packet.pdf"
    assert handout_filename([make_handout(slug="Sam & Alex")]) == "handout.pdf"

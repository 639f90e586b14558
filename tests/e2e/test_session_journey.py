"""A session note from the first keystroke to the couple's portal, in a real browser.

The therapist (desktop) starts a note from the "Conflict session" template, writes it
(the draft autosaves and survives a reload), gives a handout as homework from the note,
finalises and signs it, releases the summary and downloads the client and clinician
PDFs: the clinician notes are only in the clinician's. Sam (phone) finds the summary in
the portal, downloads it (no clinician notes in it) and sees the homework. No page logs
an error or a CSP violation, and no response fails.
"""

import io
import re

from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import settle, sign_in
from tests.factories import CoupleFactory, UserFactory, joined_partner

TALKED = "We walked through the Sunday dinner argument about the brother-in-law, step by step."
NOTICED = "Both of you softened once Alex named the worry about money underneath it."
PRACTISE = "Try one gentle start-up before Thursday and tell each other how it landed."
MARKER = "CLINICIAN-ONLY-7Q"
CLINICIAN = f"{MARKER} Alex mentioned sleeping badly; ask about it privately next time."
HOMEWORK = "Four conflict habits and their antidotes"


def squeezed(text: str) -> str:
    """``text`` without any whitespace, so that line breaks in a PDF don't matter."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:200]
    reader = PdfReader(io.BytesIO(data))
    return squeezed(" ".join(page.extract_text() or "" for page in reader.pages))


def download_pdf(page: Page, link: Locator, filename: str) -> bytes:
    """Fetch the PDF behind ``link`` with the page's own cookies: it is sent inline, so a
    click opens chromium's viewer rather than a download."""
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200, f"{response.status} for {href}"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{filename}"'
    assert response.headers["cache-control"] == "no-store"
    return response.body()


def autosave_holding(text: str):
    """Matches the autosave response to a request that carried ``text``."""

    def matches(response) -> bool:
        body = response.request.post_data or ""
        return response.url.endswith("/autosave") and text in body

    return matches


def test_session_note_journey(app, pages, shot):
    therapist_user = UserFactory(
        role="therapist", email="rivera@example.org", display_name="Dr Rivera"
    )
    couple = CoupleFactory(therapist=therapist_user, label="Sam & Alex")
    joined_partner(couple, 1, display_name="Sam", email="sam@example.org")
    joined_partner(couple, 2, display_name="Alex", email="alex@example.org")
    settle()

    # --- The therapist starts a note from a template (desktop). ------------------------
    therapist = pages.new("therapist", "desktop")
    sign_in(therapist, "rivera@example.org")
    therapist.get_by_role("link", name="Sam & Alex").click()
    expect(therapist.get_by_role("heading", name="Sam & Alex", level=1)).to_be_visible()
    expect(therapist.locator("main")).to_contain_text("No session notes yet.")
    therapist.get_by_role("link", name="New session note").click()
    expect(therapist.get_by_role("heading", name="New session note")).to_be_visible()
    therapist.get_by_label("Start from").select_option(label="Conflict session")
    shot(therapist, "therapist-new-note")
    therapist.get_by_role("button", name="Start the note").click()

    # The edit page, filled from the template.
    therapist.wait_for_url("**/edit")
    expect(therapist.get_by_role("heading", name="Session note", level=1)).to_contain_text("Draft")
    talked = therapist.get_by_label("What we talked about")
    noticed = therapist.get_by_label("What we noticed")
    practise = therapist.get_by_label("What to practise")
    clinician = therapist.get_by_label("Clinician notes")
    expect(talked).to_have_value(
        "- A recent disagreement, step by step\n- Gentle start-up and repair"
    )
    expect(therapist.get_by_label("Manage conflict", exact=True)).to_be_checked()
    shot(therapist, "therapist-note-from-template")

    # Writing it: one autosave, a few seconds after the typing stops, carries it all.
    with therapist.expect_response(autosave_holding(MARKER), timeout=15_000) as autosave:
        talked.fill(TALKED)
        noticed.fill(NOTICED)
        practise.fill(PRACTISE)
        clinician.fill(CLINICIAN)
    assert autosave.value.ok
    status = therapist.locator(".save-status")
    expect(status).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d \(UTC\)\.$"))
    shot(therapist, "therapist-draft-saved", at=status)

    # The draft is on the server.
    therapist.reload()
    expect(talked).to_have_value(TALKED)
    expect(noticed).to_have_value(NOTICED)
    expect(practise).to_have_value(PRACTISE)
    expect(clinician).to_have_value(CLINICIAN)
    expect(status).to_contain_text("Draft saved at")

    # Who attended: both.
    attended = therapist.get_by_role("group", name="Who attended")
    for name in ("Sam", "Alex"):
        attended.get_by_label(name, exact=True).check()
        expect(attended.get_by_label(name, exact=True)).to_be_checked()
    shot(therapist, "therapist-after-reload", at=attended)

    # Homework from the note, while it is still a draft.
    therapist.get_by_role("link", name="View the note and give homework").click()
    expect(therapist.locator("main")).to_contain_text(TALKED)
    expect(therapist.locator("section.clinician-only")).to_contain_text(MARKER)
    give = therapist.locator("details").filter(has_text="Give homework from the library")
    give.locator("summary").click()
    give.get_by_label(HOMEWORK, exact=True).check()
    expect(give.get_by_label("Both partners")).to_be_checked()
    shot(therapist, "therapist-gives-homework", at=give)
    give.get_by_role("button", name="Give as homework").click()

    # Back on the draft, which lists it; then finalise and sign.
    therapist.wait_for_url("**/edit")
    expect(therapist.locator(".flash")).to_contain_text("1 item(s) given as homework.")
    given = therapist.locator("section.panel").filter(
        has=therapist.get_by_role("heading", name="Homework given in this session")
    )
    expect(given).to_contain_text(f"{HOMEWORK} · for both")
    expect(talked).to_have_value(TALKED)
    shot(therapist, "therapist-homework-given", at=given)
    therapist.get_by_role("button", name="Finalise and sign").click()

    expect(therapist.locator(".flash")).to_contain_text("The note is finalised and signed.")
    meta = therapist.locator("p.meta").first
    expect(meta).to_contain_text("attended: Sam, Alex")
    expect(meta).to_contain_text("finalised by Dr Rivera")
    expect(therapist.get_by_role("link", name="Edit the draft")).to_have_count(0)
    shot(therapist, "therapist-finalised")

    therapist.get_by_role("button", name="Release the summary to the couple's portal").click()
    expect(therapist.locator(".flash")).to_contain_text(
        "The summary is now in the couple's portal."
    )
    expect(meta).to_contain_text("summary released to the portal")
    expect(
        therapist.get_by_role("button", name="Release the summary to the couple's portal")
    ).to_have_count(0)
    shot(therapist, "therapist-released")

    # The two PDFs: the clinician notes are only in the clinician's.
    client_pdf = pdf_text(
        download_pdf(
            therapist,
            therapist.get_by_role("link", name="Client summary (PDF)"),
            "session-summary.pdf",
        )
    )
    for text in (TALKED, NOTICED, PRACTISE, HOMEWORK, "Sam", "Alex"):
        assert squeezed(text) in client_pdf, f"{text!r} missing from the client summary"
    assert MARKER not in client_pdf
    assert squeezed("Alex mentioned sleeping badly") not in client_pdf
    clinician_pdf = pdf_text(
        download_pdf(
            therapist,
            therapist.get_by_role("link", name="Clinician summary (PDF)"),
            "session-summary-clinician.pdf",
        )
    )
    assert MARKER in clinician_pdf
    assert squeezed(CLINICIAN) in clinician_pdf
    assert squeezed(TALKED) in clinician_pdf

    # --- Sam, on a phone, finds the summary and the homework. ---------------------------
    sam = pages.new("Sam", "phone")
    sign_in(sam, "sam@example.org")
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    summaries = sam.locator("section.panel").filter(
        has=sam.get_by_role("heading", name="Session summaries")
    )
    expect(summaries.get_by_role("link")).to_have_count(1)
    link = summaries.get_by_role("link")
    expect(link).to_contain_text("Summary of the session on")
    shot(sam, "sam-portal", at=summaries)
    sam_pdf = pdf_text(download_pdf(sam, link, "session-summary.pdf"))
    for text in (TALKED, NOTICED, PRACTISE, HOMEWORK):
        assert squeezed(text) in sam_pdf, f"{text!r} missing from Sam's summary"
    assert MARKER not in sam_pdf
    assert squeezed("Alex mentioned sleeping badly") not in sam_pdf

    assigned = sam.locator("section.panel").filter(
        has=sam.get_by_role("heading", name="Assigned to you")
    )
    expect(assigned.get_by_role("link", name=HOMEWORK)).to_be_visible()
    expect(assigned).to_contain_text("New")
    shot(sam, "sam-homework", at=assigned)
    assigned.get_by_role("link", name=HOMEWORK).tap()
    expect(sam.get_by_role("heading", name=HOMEWORK, level=1)).to_be_visible()
    shot(sam, "sam-reads-homework")

    assert pages.problems == []

"""The whole journey in one test, in a real browser: desktop for the admin and the
therapist, phone-sized for the partners.

The admin creates a therapist; the therapist sets a password from the e-mailed link and
creates a couple (a first try with a mistake shows an error tied to its field) with an
invitation to each partner, and assigns homework to both. Sam accepts the invitation and
completes and shares the homework with the keyboard only, every element reached showing
its focus; Alex does the same by touch (a first try at the password shows an error tied to
its field). The therapist reviews both answers side by side, writes a session note,
finalises it, releases the summary and downloads it; Sam downloads it too. Each step
writes a screenshot to test-artifacts/screenshots/test_whole_journey/, and every page
passes axe-core and the Nu HTML checker (see conftest.py).
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_focus_visible, focused, settle, sign_in, tab_to
from tests.e2e.test_foundation_journey import message_to
from tests.e2e.test_session_journey import download_pdf, pdf_text, squeezed
from tests.factories import UserFactory

THERAPIST_PASSWORD = "lantern harbour quietly 47"
SAM_PASSWORD = "orchard kettle morning 19"
ALEX_PASSWORD = "velvet compass river 83"
HOMEWORK = "Trust reflection"
SECOND_PARTNER_ERROR = "To add a second partner, give both a name and an e-mail address"

SAM_SHOWED_UP = "Alex drove across town at midnight when my car broke down in the rain."
SAM_WOULD_HELP = "Tell me when plans change, even small ones."
SAM_PROMISE = "I will text if I am running late."
ALEX_SHOWED_UP = "Sam sat with me all evening after the bad news about my job."
ALEX_WOULD_HELP = "Ask me how my day went before we talk about chores."
ALEX_PROMISE = "I will put my phone away at dinner."

TALKED = "We looked at the midnight breakdown as a moment of turning towards each other."
NOTICED = "Both of you named small, steady promises as what builds trust."
PRACTISE = "Keep one small promise each day and say out loud when you have kept it."


def assert_error_tied_to_field(page: Page, field_id: str, message: str) -> None:
    """The field is marked invalid and its description names the error, which says
    ``message``: a screen reader reads the error with the field."""
    control = page.locator(f"#{field_id}")
    expect(control).to_have_attribute("aria-invalid", "true")
    described_by = (control.get_attribute("aria-describedby") or "").split()
    errors = [page.locator(f"#{ref}") for ref in described_by if ref.endswith("-error")]
    assert errors, f"#{field_id} is not described by an error: {described_by}"
    expect(errors[0]).to_contain_text(message)
    expect(errors[0]).to_be_visible()


def press(page: Page, selector: str, key: str = "Enter", max_presses: int = 80) -> None:
    """Tab to ``selector`` (every stop showing its focus), then press ``key``."""
    tab_to(page, selector, max_presses=max_presses)
    page.keyboard.press(key)


def tab_and_type(page: Page, selector: str, text: str, max_presses: int = 80) -> None:
    tab_to(page, selector, max_presses=max_presses)
    page.keyboard.type(text)


def choose_by_keyboard(page: Page, name: str, index: int) -> None:
    """Tab into a radio group (it enters on the first option), then arrows to ``index``."""
    element = tab_to(page, f"input[name={name}]")
    assert element["id"] == f"{name}-0", element
    page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    element = assert_focus_visible(page)
    assert element["id"] == f"{name}-{index}", element
    expect(page.locator(f"#{name}-{index}")).to_be_checked()


def test_whole_journey(app, pages, shot, outbox_dir):
    UserFactory(role="admin", email="admin@example.org", display_name="Practice Admin")
    settle()

    # --- The admin creates a therapist (desktop). --------------------------------------
    admin = pages.new("admin", "desktop")
    sign_in(admin, "admin@example.org")
    expect(admin.get_by_role("heading", name="Therapists", exact=True)).to_be_visible()
    admin.get_by_label("Name").fill("Dr Robin Rivera")
    admin.get_by_label("E-mail").fill("robin@example.org")
    shot(admin, "admin-creates-therapist")
    admin.get_by_role("button", name="Create account").click()
    expect(admin.locator(".flash")).to_contain_text("We e-mailed robin@example.org")
    shot(admin, "admin-therapist-created")

    # --- The therapist sets a password, signs in and creates the couple (desktop). ------
    therapist = pages.new("therapist", "desktop")
    therapist.goto(message_to(outbox_dir, "robin@example.org", "/password/reset/"))
    therapist.get_by_label("New password", exact=True).fill(THERAPIST_PASSWORD)
    therapist.get_by_label("New password again").fill(THERAPIST_PASSWORD)
    shot(therapist, "therapist-sets-password")
    therapist.get_by_role("button", name="Save password").click()
    expect(therapist.locator(".flash")).to_contain_text("Your password is set")
    sign_in(therapist, "robin@example.org", THERAPIST_PASSWORD)
    expect(therapist.get_by_role("heading", name="Your couples")).to_be_visible()
    shot(therapist, "therapist-dashboard")

    therapist.get_by_role("link", name="New couple").click()
    therapist.locator("#label").fill("Sam & Alex")
    therapist.locator("#partner1_name").fill("Sam")
    therapist.locator("#partner1_email").fill("sam@example.org")
    therapist.locator("#partner2_name").fill("Alex")  # the e-mail forgotten at first
    therapist.get_by_role("button", name="Create couple").click()
    expect(therapist.get_by_role("alert")).to_contain_text("Please check the highlighted fields")
    assert_error_tied_to_field(therapist, "partner2_email", SECOND_PARTNER_ERROR)
    expect(therapist.locator("#partner2_name")).not_to_have_attribute("aria-invalid", "true")
    shot(therapist, "therapist-couple-form-error", at=therapist.locator("#partner2_email"))
    therapist.locator("#partner2_email").fill("alex@example.org")
    therapist.get_by_role("button", name="Create couple").click()
    expect(therapist.locator(".flash")).to_contain_text("2 invitation(s) sent")
    shot(therapist, "therapist-couple-created")

    # Homework for both partners.
    therapist.get_by_role("link", name="Assign", exact=True).click()
    therapist.get_by_label(HOMEWORK, exact=True).check()
    expect(therapist.get_by_label("Both partners")).to_be_checked()
    shot(therapist, "therapist-assigns-homework")
    therapist.get_by_role("button", name="Assign", exact=True).click()
    expect(therapist.locator(".flash")).to_contain_text("1 item(s) assigned.")
    row = therapist.get_by_role("row").filter(has_text=HOMEWORK)
    expect(row).to_contain_text("Sam: not started")
    expect(row).to_contain_text("Alex: not started")
    shot(therapist, "therapist-homework-assigned")

    # --- Sam, on a phone, with the keyboard only. ---------------------------------------
    sam = pages.new("Sam", "phone")
    sam.goto(message_to(outbox_dir, "sam@example.org", "/invitations/"))
    expect(sam.get_by_role("heading", name="Welcome, Sam")).to_be_visible()
    tab_and_type(sam, "#password", SAM_PASSWORD)
    tab_and_type(sam, "#confirm", SAM_PASSWORD, max_presses=1)
    shot(sam, "sam-accepts-invitation")
    sam.keyboard.press("Enter")
    expect(sam).to_have_url(re.compile(r"/portal$"))
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    tab_to(sam, "a[href*='/portal/assignments/']")
    assert focused(sam)["text"] == HOMEWORK
    shot(sam, "sam-portal")
    sam.keyboard.press("Enter")
    expect(sam.get_by_role("heading", name=HOMEWORK, level=1)).to_be_visible()

    # Page 1: three agreement scales.
    for name, index in (("rely", 4), ("open_up", 3), ("reliable_me", 4)):
        choose_by_keyboard(sam, name, index)
    shot(sam, "sam-homework-page-1", at=sam.locator("#reliable_me"))
    press(sam, "button[value=next]", max_presses=5)
    expect(sam.get_by_role("heading", name="Moments that matter", level=2)).to_be_visible()

    # Page 2: a text, two ticks, and an optional text left empty.
    tab_and_type(sam, "#showed_up", SAM_SHOWED_UP)
    tab_to(sam, "#builds_trust-0", max_presses=1)
    sam.keyboard.press("Space")
    tab_to(sam, "#builds_trust-2", max_presses=2)
    sam.keyboard.press("Space")
    expect(sam.locator("#builds_trust-0")).to_be_checked()
    expect(sam.locator("#builds_trust-2")).to_be_checked()
    shot(sam, "sam-homework-page-2", at=sam.locator("#builds_trust"))
    press(sam, "button[value=next]", max_presses=10)
    expect(sam.get_by_role("heading", name="Building trust", level=2)).to_be_visible()

    # Page 3: a text and a promise; then submit.
    tab_and_type(sam, "#would_help", SAM_WOULD_HELP)
    tab_and_type(sam, "#my_promises-0", SAM_PROMISE, max_presses=5)
    shot(sam, "sam-homework-page-3", at=sam.locator("#my_promises"))
    press(sam, "button[value=submit]", max_presses=10)
    expect(sam.locator(".flash")).to_contain_text("Submitted. Thank you.")
    expect(sam.locator("main")).to_contain_text(SAM_PROMISE)
    shot(sam, "sam-homework-submitted")

    # Sharing with Alex, by keyboard.
    tab_to(sam, "form[action$='/share'] button")
    assert focused(sam)["text"] == "Share with Alex"
    sam.keyboard.press("Enter")
    expect(sam.locator(".flash")).to_contain_text("Your partner can now see these answers.")
    shot(sam, "sam-shared")

    # --- Alex, on a phone, by touch. -----------------------------------------------------
    alex = pages.new("Alex", "phone")
    alex.goto(message_to(outbox_dir, "alex@example.org", "/invitations/"))
    expect(alex.get_by_role("heading", name="Welcome, Alex")).to_be_visible()
    alex.get_by_label("Choose a password").fill(ALEX_PASSWORD)
    alex.get_by_label("The same password again").fill(ALEX_PASSWORD + " typo")
    alex.get_by_role("button", name="Continue").tap()
    assert_error_tied_to_field(alex, "confirm", "The two passwords differ.")
    shot(alex, "alex-invitation-error")
    alex.get_by_label("Choose a password").fill(ALEX_PASSWORD)
    alex.get_by_label("The same password again").fill(ALEX_PASSWORD)
    alex.get_by_role("button", name="Continue").tap()
    expect(alex.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    shot(alex, "alex-portal")

    alex.get_by_role("link", name=HOMEWORK).tap()
    for name, index in (("rely", 3), ("open_up", 2), ("reliable_me", 4)):
        alex.locator(f"#{name}-{index}").tap()
    shot(alex, "alex-homework-page-1")
    alex.get_by_role("button", name="Next page").tap()
    alex.get_by_label("Think of a recent time").fill(ALEX_SHOWED_UP)
    alex.locator("#builds_trust-1").tap()
    shot(alex, "alex-homework-page-2")
    alex.get_by_role("button", name="Next page").tap()
    alex.get_by_label("What is one thing your partner could do").fill(ALEX_WOULD_HELP)
    alex.locator("#my_promises-0").fill(ALEX_PROMISE)
    shot(alex, "alex-homework-page-3")
    alex.get_by_role("button", name="Submit").tap()
    expect(alex.locator(".flash")).to_contain_text("Submitted. Thank you.")
    alex.get_by_role("button", name="Share with Sam").tap()
    expect(alex.locator(".flash")).to_contain_text("Your partner can now see these answers.")
    expect(alex.get_by_role("heading", name="Sam's answers (shared with you)")).to_be_visible()
    expect(alex.locator("main")).to_contain_text(SAM_SHOWED_UP)
    shot(alex, "alex-sees-sam")

    # --- The therapist reviews both, side by side (desktop). ---------------------------
    therapist.reload()
    expect(row).to_contain_text("Sam: submitted")
    expect(row).to_contain_text("Alex: submitted")
    row.get_by_role("link", name=HOMEWORK).click()
    expect(therapist.get_by_role("heading", name=HOMEWORK, level=1)).to_be_visible()
    main = therapist.locator("main")
    for text in (SAM_SHOWED_UP, SAM_PROMISE, ALEX_SHOWED_UP, ALEX_PROMISE):
        expect(main).to_contain_text(text)
    shot(therapist, "therapist-reviews-both")

    # A session note, finalised, its summary released and downloaded.
    therapist.get_by_role("link", name="Sam & Alex").first.click()
    therapist.get_by_role("link", name="New session note").click()
    expect(therapist.get_by_role("heading", name="New session note")).to_be_visible()
    shot(therapist, "therapist-new-note")
    therapist.get_by_role("button", name="Start the note").click()
    therapist.wait_for_url("**/edit")
    attended = therapist.get_by_role("group", name="Who attended")
    for name in ("Sam", "Alex"):
        attended.get_by_label(name, exact=True).check()
    therapist.get_by_label("What we talked about").fill(TALKED)
    therapist.get_by_label("What we noticed").fill(NOTICED)
    therapist.get_by_label("What to practise").fill(PRACTISE)
    shot(therapist, "therapist-writes-note")
    therapist.get_by_role("button", name="Finalise and sign").click()
    expect(therapist.locator(".flash")).to_contain_text("The note is finalised and signed.")
    shot(therapist, "therapist-note-finalised")
    therapist.get_by_role("button", name="Release the summary to the couple's portal").click()
    expect(therapist.locator(".flash")).to_contain_text(
        "The summary is now in the couple's portal."
    )
    shot(therapist, "therapist-summary-released")
    summary = pdf_text(
        download_pdf(
            therapist,
            therapist.get_by_role("link", name="Client summary (PDF)"),
            "session-summary.pdf",
        )
    )
    for text in (TALKED, NOTICED, PRACTISE, "Sam", "Alex"):
        assert squeezed(text) in summary, f"{text!r} missing from the therapist's summary"

    # --- Sam downloads the summary from the portal (phone, keyboard). -----------------
    sam.goto("/portal")
    summaries = sam.locator("section.panel").filter(
        has=sam.get_by_role("heading", name="Session summaries")
    )
    link = summaries.get_by_role("link")
    expect(link).to_have_count(1)
    tab_to(sam, "section.panel a[href*='/portal/sessions/']")
    shot(sam, "sam-finds-summary", at=summaries)
    sam_summary = pdf_text(download_pdf(sam, link, "session-summary.pdf"))
    for text in (TALKED, NOTICED, PRACTISE):
        assert squeezed(text) in sam_summary, f"{text!r} missing from Sam's summary"

    assert pages.problems == []

"""The intake packet from sending to the report, in a real browser.

The therapist (desktop) sends the intake packet. Sam (phone) signs the consent, completes
the intake questionnaire page by page, the PHQ-9 (item 9 above 0) and the safety screen
(no concerns). The therapist then sees Sam's signature, the item-9 flag and the hold on
conflict work (Alex has not answered the safety screen). Alex (phone) sees only Alex's
own packet, and never Sam's answers or flags; Sam's items are a 404 for Alex. The
therapist downloads the intake report PDF. The phone pages never scroll sideways and a
radio reached by Tab shows its focus. No page logs an error or a CSP violation, and no
response fails except the 404 asked for on purpose.
"""

import io
import re

import yaml
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from clinic import PROJECT_ROOT
from tests.e2e.conftest import assert_focus_visible, settle, sign_in, tab_to
from tests.factories import CoupleFactory, UserFactory, joined_partner

EXERCISES = PROJECT_ROOT / "handouts" / "exercises"
INTAKE, PHQ9, SAFETY = "Getting started", "Patient Health Questionnaire (PHQ-9)", "Safety check"
PACKET_TITLES = [
    INTAKE,
    PHQ9,
    "Generalized Anxiety Disorder scale (GAD-7)",
    "WHO-5 Well-Being Index",
    "Couples Satisfaction Index (CSI-16)",
    SAFETY,
]
SIGNED_AS = "Sam Morgan"
MARKER = "SAM-PRIVATE-8Q"  # in Sam's answers only: Alex must never see it
FLAG = "Item 9 answered above 0: review with the client"
Q9 = "Thoughts that you would be better off dead or of hurting yourself in some way"

# Sam's intake answers by item id: text for text items, option labels for choices.
SAM_INTAKE = {
    "preferred_name": "Sam",
    "pronouns": "she/her",
    "phone": "+44 7700 900123",
    "leave_message": "Yes",
    "emergency_name": "Jo Morgan, my sister",
    "emergency_phone": "+44 7700 900456",
    "together_for": "Nine years, married for six",
    "living_together": "Yes",
    "children": "Yes, together",
    "children_details": "Maya is 5 and lives with both of us.",
    "separations": "Yes, once",
    "what_brings": f"We keep having the same argument about money and time ({MARKER}).",
    "hope_to_change": "That we can disagree without it turning into a week of silence.",
    "better": "Talking over dinner again, and sorting small things out on the day.",
    "previous_therapy": "Yes, on my own",
    "stressors": ["Work or study", "Money", "Children or parenting"],
    "anything_else": "Evenings after 7pm are best for sessions.",
}
# Every PHQ-9 item by its answer; item 9 above 0.
SAM_PHQ9 = {
    "q1": "Several days",
    "q2": "Several days",
    "q3": "More than half the days",
    "q4": "Several days",
    "q5": "Not at all",
    "q6": "Not at all",
    "q7": "Not at all",
    "q8": "Not at all",
    "q9": "Several days",
}
SAM_SAFETY = {
    "afraid": "No",
    "threatened": "No",
    "hurt": "No",
    "controlled": "No",
    "pressured": "No",
    "safe_to_talk": "Yes",
}


def sections(slug: str) -> list[dict]:
    definition = yaml.safe_load((EXERCISES / f"{slug}.yaml").read_text(encoding="utf-8"))
    return definition["sections"]


def squeezed(text: str) -> str:
    """``text`` without any whitespace, so that line breaks in a PDF don't matter."""
    return "".join(text.split())


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:200]
    reader = PdfReader(io.BytesIO(data))
    return squeezed(" ".join(page.extract_text() or "" for page in reader.pages))


def assert_no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth, location.pathname]"
    )
    assert widths[0] <= widths[1], f"{widths[2]} scrolls sideways: {widths[0]} > {widths[1]}"


def choose(question: Locator, label: str) -> None:
    option = question.get_by_label(label, exact=True)
    option.check()
    expect(option).to_be_checked()


def fill_item(page: Page, item: dict, answer) -> None:
    """Answer one item the way a person would, by its visible prompt and option labels."""
    kind, prompt = item["type"], item["prompt"]
    if kind in ("short_text", "long_text"):
        page.get_by_label(prompt).fill(answer)
    elif kind == "date":
        page.get_by_label(prompt).fill(answer)  # ISO yyyy-mm-dd into <input type=date>
        expect(page.get_by_label(prompt)).to_have_value(answer)
    elif kind in ("single_choice", "likert", "forced_choice"):
        choose(page.get_by_role("group", name=prompt), answer)
    elif kind == "multiple_choice":
        for label in answer:
            choose(page.get_by_role("group", name=prompt), label)
    elif kind == "repeating_list":
        rows = page.get_by_role("group", name=prompt).get_by_role("textbox")
        for index, text in enumerate(answer):
            if index >= rows.count():
                page.get_by_role("group", name=prompt).get_by_role(
                    "button", name="Add a row"
                ).click()
            rows.nth(index).fill(text)
    else:
        raise AssertionError(f"no way to fill a {kind} item ({item['id']})")


def made_up_answer(item: dict):
    """An answer for a required item the journey has no chosen answer for."""
    kind = item["type"]
    if kind in ("short_text", "long_text"):
        return f"An answer to {item['id']}"
    if kind == "date":
        return "2024-03-15"
    if kind in ("single_choice", "forced_choice", "multiple_choice"):
        first = item["options"][0]["label"]
        return [first] if kind == "multiple_choice" else first
    if kind == "repeating_list":
        return [f"{item['id']} entry {n}" for n in range(1, item.get("min_rows", 1) + 1)]
    raise AssertionError(f"no made-up answer for a {kind} item ({item['id']})")


def complete_exercise(page: Page, shot, slug: str, answers: dict, name: str) -> None:
    """Every page of the exercise: each required item answered (from ``answers`` or made
    up), optional ones only where ``answers`` has them; Next page, then Submit."""
    pages = sections(slug)
    for number, section in enumerate(pages):
        expect(page.get_by_role("heading", name=section["title"], level=2)).to_be_visible()
        if len(pages) > 1:
            expect(page.locator(".progress")).to_have_text(f"Page {number + 1} of {len(pages)}")
        assert_no_sideways_scroll(page)
        for item in section["items"]:
            required = item.get("required", True)
            if item["id"] in answers:
                fill_item(page, item, answers[item["id"]])
            elif required:
                fill_item(page, item, made_up_answer(item))
        assert_no_sideways_scroll(page)
        last = number == len(pages) - 1
        button = page.get_by_role("button", name="Submit" if last else "Next page")
        shot(page, f"{name}-page-{number + 1}", at=button)
        button.tap()
    expect(page.locator(".flash")).to_contain_text("Submitted. Thank you.")
    assert_no_sideways_scroll(page)


def open_item(page: Page, title: str) -> None:
    page.get_by_role("link", name="Back to my portal").tap()
    page.get_by_role("link", name=title, exact=True).tap()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def assignment_id(url: str) -> int:
    match = re.search(r"/portal/assignments/(\d+)/", url)
    assert match, url
    return int(match.group(1))


def test_intake_packet_journey(app, pages, shot):
    therapist_user = UserFactory(
        role="therapist", email="rivera@example.org", display_name="Dr Rivera"
    )
    couple = CoupleFactory(therapist=therapist_user, label="Sam & Alex")
    joined_partner(couple, 1, display_name="Sam", email="sam@example.org")
    joined_partner(couple, 2, display_name="Alex", email="alex@example.org")
    settle()

    # --- The therapist sends the intake packet (desktop). ------------------------------
    therapist = pages.new("therapist", "desktop")
    sign_in(therapist, "rivera@example.org")
    therapist.get_by_role("link", name="Sam & Alex").click()
    expect(therapist.get_by_role("heading", name="Sam & Alex", level=1)).to_be_visible()
    intake_panel = therapist.locator("section.panel").filter(
        has=therapist.get_by_role("heading", name="Intake", exact=True)
    )
    expect(intake_panel).to_contain_text("Sam: consent not signed yet")
    shot(therapist, "therapist-couple")
    therapist.get_by_role("button", name="Send the intake packet").click()
    expect(therapist.locator(".flash")).to_contain_text(
        "The intake packet is in each partner's portal, with the consent to sign."
    )
    for title in PACKET_TITLES:
        row = therapist.get_by_role("row").filter(has_text=title)
        expect(row).to_have_count(2)  # one for each partner, on their own
    # Nobody has answered the safety screen yet: conflict work waits for a review.
    hold = therapist.locator(".hold")
    expect(hold).to_contain_text("Sam has not answered the safety screen")
    expect(hold).to_contain_text("Alex has not answered the safety screen")
    shot(therapist, "therapist-packet-sent")

    # --- Sam, on a phone, signs the consent. --------------------------------------------
    sam = pages.new("Sam", "phone")
    sign_in(sam, "sam@example.org")
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    notice = sam.get_by_role("status").filter(has_text="Before you start")
    expect(notice).to_contain_text("please read and sign the consent to counselling")
    assigned = sam.locator("ul.assignment-list > li")
    expect(assigned).to_have_count(len(PACKET_TITLES))
    for title in PACKET_TITLES:
        expect(sam.get_by_role("link", name=title, exact=True)).to_be_visible()
    assert_no_sideways_scroll(sam)
    shot(sam, "sam-portal-consent-notice")

    notice.get_by_role("link", name="read and sign the consent to counselling").tap()
    expect(sam.get_by_role("heading", name="Consent to counselling", level=1)).to_be_visible()
    expect(sam.get_by_role("heading", name="Informed consent")).to_be_visible()
    assert_no_sideways_scroll(sam)
    shot(sam, "sam-consent")
    agree = sam.get_by_label("I have read both texts and agree to them")
    agree.check()
    expect(agree).to_be_checked()
    sam.get_by_label("Type your full name to sign").fill(SIGNED_AS)
    sign = sam.get_by_role("button", name="Sign", exact=True)
    shot(sam, "sam-consent-filled", at=sign)
    sign.tap()
    expect(sam.locator(".flash")).to_contain_text("Thank you: your consent is signed.")
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    expect(sam.locator(".notice")).to_have_count(0)
    shot(sam, "sam-consent-signed")

    # --- Sam completes the intake questionnaire, page by page. --------------------------
    sam.get_by_role("link", name=INTAKE, exact=True).tap()
    expect(sam.get_by_role("heading", name=INTAKE, level=1)).to_be_visible()
    complete_exercise(sam, shot, "intake-questionnaire", SAM_INTAKE, "sam-intake")
    sam_ids = {assignment_id(sam.url)}
    expect(sam.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(sam.locator("main")).to_contain_text(MARKER)
    expect(sam.locator("main")).to_contain_text("Jo Morgan, my sister")
    shot(sam, "sam-intake-submitted")

    # --- The PHQ-9, with item 9 above 0; a radio reached by Tab shows its focus. ---------
    open_item(sam, PHQ9)
    assert_no_sideways_scroll(sam)
    element = tab_to(sam, "input[name=q1]")
    assert element["type"] == "radio"
    sam.keyboard.press("Space")
    expect(sam.locator("#q1-0")).to_be_checked()
    assert_focus_visible(sam)
    shot(sam, "sam-phq9-radio-focus", at=sam.locator("#q1"))
    complete_exercise(sam, shot, "phq-9", SAM_PHQ9, "sam-phq9")
    sam_ids.add(assignment_id(sam.url))
    expect(sam.locator("section.results")).to_contain_text("Total: 6 of 27")
    expect(sam.locator("section.results")).to_contain_text("Mild range (5-9)")
    shot(sam, "sam-phq9-result")

    # --- The safety screen: all "No", and safe to talk. ---------------------------------
    open_item(sam, SAFETY)
    expect(sam.locator("main")).to_contain_text("Only your therapist sees these answers.")
    complete_exercise(sam, shot, "safety-screen", SAM_SAFETY, "sam-safety")
    sam_safety_id = assignment_id(sam.url)
    sam_ids.add(sam_safety_id)
    # A confidential screen shows its author no score or band, and cannot be shared.
    expect(sam.get_by_role("heading", name="Your answers")).to_be_visible()
    expect(sam.locator("section.results")).to_have_count(0)
    expect(sam.locator("main")).not_to_contain_text("No concerns reported")
    expect(sam.get_by_role("button", name="Share with Alex")).to_have_count(0)
    shot(sam, "sam-safety-result")

    sam.get_by_role("link", name="Back to my portal").tap()
    for title in (INTAKE, PHQ9, SAFETY):
        item = assigned.filter(has=sam.get_by_role("link", name=title, exact=True))
        expect(item.locator(".status-text")).to_have_text("Done")
    for link in assigned.get_by_role("link").all():
        sam_ids.add(assignment_id(link.get_attribute("href") + "/"))
    shot(sam, "sam-portal-done")

    # --- The therapist sees the consent, the flag and the hold. -------------------------
    therapist.reload()
    expect(intake_panel).to_contain_text(f"Sam: consent signed as “{SIGNED_AS}” on")
    expect(intake_panel).to_contain_text("Alex: consent not signed yet")
    attention = therapist.locator("section.attention")
    flags = attention.locator(".flag")
    expect(flags).to_have_count(1)  # the safety screen raised none
    expect(flags).to_contain_text(f"Sam: {FLAG}")
    expect(attention.locator(".hold")).to_have_text(
        re.compile(r"Review before conflict work:\s+Alex has not answered the safety screen\.")
    )
    expect(attention.locator(".hold")).not_to_contain_text("Sam")
    phq9_rows = therapist.get_by_role("row").filter(has_text=PHQ9)
    expect(phq9_rows.filter(has_text="Sam: submitted")).to_have_count(1)
    shot(therapist, "therapist-flag-and-hold", at=attention)

    # --- Alex, on a phone, sees only Alex's own packet. ---------------------------------
    alex = pages.new("Alex", "phone")
    sign_in(alex, "alex@example.org")
    expect(alex.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    expect(alex.get_by_role("status").filter(has_text="Before you start")).to_be_visible()
    alex_items = alex.locator("ul.assignment-list > li")
    expect(alex_items).to_have_count(len(PACKET_TITLES))
    expect(alex_items.locator(".status-text")).to_have_text(["Not started"] * len(PACKET_TITLES))
    alex_ids = {assignment_id(a.get_attribute("href") + "/") for a in alex_items.locator("a").all()}
    assert len(alex_ids) == len(PACKET_TITLES)
    assert not alex_ids & sam_ids, "Alex's portal links to Sam's items"
    main = alex.locator("main")
    for private in (MARKER, SIGNED_AS, "Jo Morgan", FLAG, "Item 9", "No concerns reported"):
        expect(main).not_to_contain_text(private)
    assert_no_sideways_scroll(alex)
    shot(alex, "alex-portal")

    alex.get_by_role("link", name=SAFETY, exact=True).tap()
    expect(alex.get_by_role("heading", name=SAFETY, level=1)).to_be_visible()
    assert assignment_id(alex.url) not in sam_ids
    expect(alex.locator("form.exercise-form input[type=radio]:checked")).to_have_count(0)
    expect(alex.get_by_role("button", name="Submit")).to_be_visible()
    for private in (MARKER, "Sam", FLAG, "No concerns reported"):
        expect(main).not_to_contain_text(private)
    assert_no_sideways_scroll(alex)
    shot(alex, "alex-own-safety-screen")

    # Sam's safety screen is not Alex's to open: a 404 asked for on purpose.
    before = len(pages.problems)
    forbidden = f"/portal/assignments/{sam_safety_id}/result"
    response = alex.goto(forbidden)
    assert response is not None and response.status == 404
    expect(alex.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(main).not_to_contain_text("No concerns reported")
    shot(alex, "alex-sam-item-not-found")
    deliberate = pages.problems[before:]
    assert deliberate, "the deliberate 404 was not seen"
    assert all(forbidden in p for p in deliberate), deliberate
    del pages.problems[before:]

    # --- The therapist downloads the intake report. -------------------------------------
    link = therapist.get_by_role("link", name="Intake report (PDF)")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href
    report = therapist.request.get(href)
    assert report.status == 200, f"{report.status} for {href}"
    assert report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.body())
    for expected_text in ("Intake report", Q9, FLAG, SIGNED_AS.split()[0], MARKER):
        assert squeezed(expected_text) in text, f"{expected_text!r} missing from the report"
    shot(therapist, "therapist-report-downloaded", at=link)

    assert pages.problems == []

"""The love-language discovery exercise from assignment to review, in a real browser.

The therapist assigns it on a desktop; partner A completes it on a phone with the keyboard
only (drafts saved as they go survive a reload); partner B completes it on a phone with
touches and clicks; both share; the therapist reviews both side by side and comments; A
sees the comment. No page logs an error or a CSP violation.
"""

import yaml
from playwright.sync_api import Page, expect

from clinic import PROJECT_ROOT
from tests.e2e.conftest import assert_focus_visible, focused, settle, sign_in, tab_to
from tests.factories import CoupleFactory, UserFactory, joined_partner

EXERCISE = PROJECT_ROOT / "handouts" / "exercises" / "love-language-discovery.yaml"
TITLE = "Love language discovery"
SAVED_FIRST = 15

# What each partner values most, in order; each answers every pair accordingly.
SAM_PREFERS = ["words", "time", "touch", "service", "gifts"]
ALEX_PREFERS = ["touch", "service", "time", "words", "gifts"]
# Each partner's guess of the other's order (the optional second page), and the letter
# that picks each language in a closed <select> by typing (type-ahead).
SAM_GUESSES = ["touch", "service", "time", "words", "gifts"]
ALEX_GUESSES = ["words", "touch", "time", "service", "gifts"]
TYPE_AHEAD = {"words": "W", "time": "Q", "gifts": "R", "service": "A", "touch": "P"}


def pairs():
    """[(item id, [option values])] of the forced-choice pairs, in page order."""
    definition = yaml.safe_load(EXERCISE.read_text(encoding="utf-8"))
    items = definition["sections"][0]["items"]
    return [(item["id"], [o["value"] for o in item["options"]]) for item in items]


def choice(options, prefers) -> int:
    """Index of the option this partner prefers."""
    return min(range(len(options)), key=lambda i: prefers.index(options[i]))


def checked_index(page: Page, item_id: str):
    return page.evaluate(
        """name => {
          const radios = [...document.querySelectorAll(`input[name="${name}"]`)];
          const index = radios.findIndex(r => r.checked);
          return index < 0 ? null : index;
        }""",
        item_id,
    )


def autosave_holding(item_id: str):
    """Matches the autosave response to a request that carried ``item_id``'s answer."""

    def matches(response) -> bool:
        body = response.request.post_data or ""
        return response.url.endswith("/autosave") and f'name="{item_id}"' in body

    return matches


def answer_by_keyboard(page: Page, item_id: str, index: int, first: bool) -> None:
    """Tab into the pair's radio group, then Space (first option) or an arrow (second)."""
    element = tab_to(page, f"input[name={item_id}]", max_presses=80 if first else 1)
    assert element["id"] == f"{item_id}-0", f"Tab entered {item_id} at {element}"
    page.keyboard.press("Space" if index == 0 else "ArrowDown")
    element = assert_focus_visible(page)
    assert element["id"] == f"{item_id}-{index}"
    assert checked_index(page, item_id) == index


def test_love_language_discovery_journey(app, pages, shot):
    therapist_user = UserFactory(
        role="therapist", email="rivera@example.org", display_name="Dr Rivera"
    )
    couple = CoupleFactory(therapist=therapist_user, label="Sam & Alex")
    joined_partner(couple, 1, display_name="Sam", email="sam@example.org")
    joined_partner(couple, 2, display_name="Alex", email="alex@example.org")
    settle()
    all_pairs = pairs()
    assert len(all_pairs) == 30

    # --- The therapist assigns the exercise to both partners (desktop). ----------------
    therapist = pages.new("therapist", "desktop")
    sign_in(therapist, "rivera@example.org")
    therapist.get_by_role("link", name="Sam & Alex").click()
    therapist.get_by_role("link", name="Assign", exact=True).click()
    therapist.get_by_label(TITLE, exact=True).check()
    expect(therapist.get_by_label("Both partners")).to_be_checked()
    shot(therapist, "therapist-assigns")
    therapist.get_by_role("button", name="Assign", exact=True).click()
    expect(therapist.locator(".flash")).to_contain_text("1 item(s) assigned.")
    row = therapist.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Sam: not started")
    expect(row).to_contain_text("Alex: not started")
    shot(therapist, "assigned")

    # --- Partner A (Sam) on a phone, keyboard only. -------------------------------------
    sam = pages.new("Sam", "phone")
    sign_in(sam, "sam@example.org", keyboard=True)
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()
    tab_to(sam, "a[href*='/portal/assignments/']")
    assert focused(sam)["text"] == TITLE
    shot(sam, "sam-portal")
    sam.keyboard.press("Enter")
    expect(sam.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(sam.locator(".save-status")).to_have_text("")
    shot(sam, "sam-exercise-opened", at=sam.locator("h1"))

    sam_choices = {item_id: choice(options, SAM_PREFERS) for item_id, options in all_pairs}
    first, rest = all_pairs[:SAVED_FIRST], all_pairs[SAVED_FIRST:]
    last_saved = first[-1][0]
    with sam.expect_response(autosave_holding(last_saved)) as autosave:
        for number, (item_id, _options) in enumerate(first):
            answer_by_keyboard(sam, item_id, sam_choices[item_id], first=number == 0)
    assert autosave.value.ok
    expect(sam.locator(".save-status")).to_contain_text("Draft saved at")
    shot(sam, "sam-draft-saved", at=sam.locator(".save-status"))

    # The draft is on the server: a reload shows the same fifteen answers.
    sam.reload()
    expect(sam.locator(".save-status")).to_contain_text("Draft saved at")
    for item_id, _options in first:
        expect(sam.locator(f"#{item_id}-{sam_choices[item_id]}")).to_be_checked()
    for item_id, _options in rest:
        assert checked_index(sam, item_id) is None
    shot(sam, "sam-after-reload", at=sam.locator(f"#{rest[0][0]}"))

    for number, (item_id, _options) in enumerate(rest):
        answer_by_keyboard(sam, item_id, sam_choices[item_id], first=number == 0)
    tab_to(sam, "button[value=next]", max_presses=5)
    sam.keyboard.press("Enter")
    expect(sam.get_by_role("heading", name="Predict your partner")).to_be_visible()

    # The optional ranking: one <select> per place, chosen by typing a letter.
    for place, language in enumerate(SAM_GUESSES):
        tab_to(sam, f"select[name=predict_partner-{place}]", max_presses=80 if place == 0 else 1)
        sam.keyboard.type(TYPE_AHEAD[language])
        expect(sam.locator(f"select[name=predict_partner-{place}]")).to_have_value(language)
    shot(sam, "sam-prediction")
    tab_to(sam, "button[value=submit]", max_presses=5)
    sam.keyboard.press("Enter")

    # Results: the primary language and the chart.
    expect(sam.locator(".flash")).to_contain_text("Submitted. Thank you.")
    results = sam.locator("section.results")
    expect(results).to_contain_text("Most important: Words of affirmation")
    expect(results.locator(".chart svg")).to_have_count(1)
    shot(sam, "sam-results", at=results)

    # Sharing with the partner, by keyboard.
    tab_to(sam, "form[action$='/share'] button")
    assert focused(sam)["text"] == "Share with Alex"
    sam.keyboard.press("Enter")
    expect(sam.locator(".flash")).to_contain_text("Your partner can now see these answers.")
    expect(sam.get_by_role("button", name="Stop sharing with my partner")).to_be_visible()
    shot(sam, "sam-shared", at=sam.locator(".flash"))

    # --- Partner B (Alex) on a phone, touch and clicks. ---------------------------------
    alex = pages.new("Alex", "phone")
    sign_in(alex, "alex@example.org")
    alex.get_by_role("link", name=TITLE).tap()
    expect(alex.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    for item_id, options in all_pairs:
        alex.locator(f"#{item_id}-{choice(options, ALEX_PREFERS)}").tap()
    shot(alex, "alex-answers", at=alex.locator(".save-status"))
    alex.get_by_role("button", name="Next page").tap()
    expect(alex.get_by_role("heading", name="Predict your partner")).to_be_visible()
    for place, language in enumerate(ALEX_GUESSES):
        alex.locator(f"select[name=predict_partner-{place}]").select_option(language)
    alex.get_by_role("button", name="Submit").tap()
    expect(alex.locator(".flash")).to_contain_text("Submitted. Thank you.")
    expect(alex.locator("section.results")).to_contain_text("Most important: Physical touch")
    expect(alex.locator("section.results .chart svg")).to_have_count(1)
    alex.get_by_role("button", name="Share with Sam").tap()
    expect(alex.locator(".flash")).to_contain_text("Your partner can now see these answers.")

    # Alex sees what Sam shared, and the two of them together.
    expect(alex.get_by_role("heading", name="Sam's answers (shared with you)")).to_be_visible()
    expect(alex.locator("main")).to_contain_text("My partner tells me what they admire about me.")
    together = alex.locator("section.panel").filter(
        has=alex.get_by_role("heading", name="The two of you")
    )
    expect(together.locator(".chart svg")).to_have_count(1)
    shot(alex, "alex-sees-sam", at=together)

    # --- The therapist reviews both side by side and comments (desktop). ----------------
    therapist.reload()
    expect(row).to_contain_text("Sam: submitted")
    expect(row).to_contain_text("Alex: submitted")
    row.get_by_role("link", name=TITLE).click()
    expect(therapist.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    statuses = therapist.locator(".status-list")
    expect(statuses).to_contain_text("Sam: submitted")
    expect(statuses).to_contain_text("Alex: submitted")
    expect(statuses).to_contain_text("shared with partner")
    side = therapist.locator(".side-by-side > div")
    expect(side).to_have_count(2)
    expect(side.nth(0).get_by_role("heading", level=3)).to_have_text("Sam")
    expect(side.nth(1).get_by_role("heading", level=3)).to_have_text("Alex")
    expect(side.nth(0)).to_contain_text("Most important: Words of affirmation")
    expect(side.nth(1)).to_contain_text("Most important: Physical touch")
    for index in range(2):
        expect(side.nth(index).locator(".chart svg")).to_have_count(1)
    expect(therapist.get_by_role("heading", name="Both together")).to_be_visible()
    expect(therapist.locator("section.panel > .chart svg")).to_have_count(1)
    header = therapist.locator("table.compare").first.locator("thead")
    expect(header).to_contain_text("Sam")
    expect(header).to_contain_text("Alex")
    expect(therapist.locator("table.compare tr.differs").first).to_be_visible()
    expect(therapist.locator("main")).to_contain_text(
        "Sam guessed Alex's top language would be Physical touch; it was Physical touch"
    )
    shot(therapist, "therapist-review")

    comment = "Lovely to see how much kind words matter to you. Let's talk about it on Tuesday."
    therapist.get_by_label("Comment for Sam").fill(comment)
    therapist.get_by_role("button", name="Save comment for Sam").click()
    expect(therapist.locator(".flash")).to_contain_text("Comment saved.")
    expect(therapist.get_by_label("Comment for Sam")).to_have_value(comment)
    shot(therapist, "therapist-commented")

    # --- Sam sees the comment. ----------------------------------------------------------
    sam.reload()
    note = sam.get_by_role("complementary", name="Comment from your therapist")
    expect(note).to_contain_text(comment)
    expect(sam.get_by_role("heading", name="Alex's answers (shared with you)")).to_be_visible()
    shot(sam, "sam-sees-comment", at=note)

    assert pages.problems == []

"""A button pressed while an autosave is on its way must not look like a stale tab.

The autosave reaches the server (which takes the next lock version) but its reply is held
back by the browser test; the partner presses "Save draft" meanwhile. The page must wait
for the reply, then send the button's form with the new lock version: the draft is saved,
and nobody is told the answers were "changed in another window".
"""

from playwright.sync_api import Route, expect

from clinic.assignments.models import Response
from clinic.assignments.services import assign_items
from clinic.extensions import db
from tests.e2e.conftest import settle, sign_in
from tests.factories import CoupleFactory, UserFactory, joined_partner


class HeldReplies:
    """Lets each autosave reach the server, then keeps its reply until ``release()``."""

    def __init__(self):
        self.held = []

    def __call__(self, route: Route) -> None:
        self.held.append((route, route.fetch()))

    def release(self) -> None:
        for route, reply in self.held:
            route.fulfill(response=reply)
        self.held = []


def test_save_pressed_during_an_autosave_waits_for_it(app, pages):
    therapist = UserFactory(role="therapist")
    couple = CoupleFactory(therapist=therapist, label="Sam & Alex")
    sam = joined_partner(couple, 1, display_name="Sam", email="sam@example.org")
    (assignment,) = assign_items(
        couple, [("exercise", "trust-reflection")], sam, None, "", therapist
    )
    db.session.commit()
    assignment_id, partner_id = assignment.id, sam.id
    settle()

    page = pages.new("Sam", "phone")
    sign_in(page, "sam@example.org")
    page.goto(f"/portal/assignments/{assignment_id}/exercise")
    held = HeldReplies()
    page.route("**/autosave", held)

    page.locator("#rely-3").check()
    # The autosave request has reached the server once the page says "Saving…" and the
    # held list has the reply; the reply has not reached the page.
    expect(page.locator(".save-status")).to_have_text("Saving…")
    for _ in range(50):
        if held.held:
            break
        page.wait_for_timeout(100)
    assert len(held.held) == 1, "the autosave never reached the server"

    # Another answer, then the button, while the reply is still on its way.
    page.locator("#open_up-4").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".save-status")).to_have_text("Saving…")
    held.release()

    expect(page.locator(".flash")).to_contain_text("Draft saved at")
    expect(page.locator("main")).not_to_contain_text("another window")
    expect(page.locator("#rely-3")).to_be_checked()
    expect(page.locator("#open_up-4")).to_be_checked()
    assert not held.held, "a second autosave went out after the button's save"

    draft = db.session.scalars(
        db.select(Response).filter_by(assignment_id=assignment_id, partner_id=partner_id)
    ).one()
    assert draft.answers["rely"] == 3
    assert draft.answers["open_up"] == 4
    assert draft.lock_version == 2  # the autosave, then the button's save
    settle()  # hold no transaction while the page checks replay pages at teardown
    assert pages.problems == []

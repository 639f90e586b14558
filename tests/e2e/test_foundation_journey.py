"""From an empty practice to two partners in their portals, in a real browser.

The admin creates a therapist; the therapist sets a password through the e-mailed link,
signs in and creates a couple with invitations; each partner accepts their invitation on
a phone and lands on their own portal.
"""

import re

from playwright.sync_api import expect

from tests.conftest import link_in, read_outbox
from tests.e2e.conftest import settle, sign_in
from tests.factories import UserFactory

THERAPIST_PASSWORD = "lantern harbour quietly 47"
CLIENT_PASSWORDS = {
    "sam@example.org": "orchard kettle morning 19",
    "alex@example.org": "velvet compass river 83",
}


def message_to(outbox_dir, address, prefix):
    """The link in the newest message to ``address``."""
    messages = [m for m in read_outbox(outbox_dir) if m["To"] == address]
    assert messages, f"no message to {address}"
    return link_in(messages[-1], prefix)


def test_admin_to_therapist_to_couple_in_their_portals(app, pages, shot, outbox_dir):
    UserFactory(role="admin", email="admin@example.org", display_name="Practice Admin")
    settle()

    # The admin creates a therapist account.
    admin = pages.new("admin", "desktop")
    sign_in(admin, "admin@example.org")
    expect(admin.get_by_role("heading", name="Therapists", exact=True)).to_be_visible()
    shot(admin, "admin-therapists")
    admin.get_by_label("Name").fill("Dr Robin Rivera")
    admin.get_by_label("E-mail").fill("robin@example.org")
    admin.get_by_role("button", name="Create account").click()
    expect(admin.locator(".flash")).to_contain_text("We e-mailed robin@example.org")
    expect(admin.get_by_role("cell", name="Dr Robin Rivera")).to_be_visible()
    shot(admin, "therapist-created")

    # The therapist follows the e-mailed link, sets a password and signs in.
    setup_link = message_to(outbox_dir, "robin@example.org", "/password/reset/")
    therapist = pages.new("therapist", "desktop")
    therapist.goto(setup_link)
    expect(therapist.get_by_role("heading", name="Set your password")).to_be_visible()
    therapist.get_by_label("New password", exact=True).fill(THERAPIST_PASSWORD)
    therapist.get_by_label("New password again").fill(THERAPIST_PASSWORD)
    shot(therapist, "set-password")
    therapist.get_by_role("button", name="Save password").click()
    expect(therapist.locator(".flash")).to_contain_text("Your password is set")
    sign_in(therapist, "robin@example.org", THERAPIST_PASSWORD)
    expect(therapist.get_by_role("heading", name="Your couples")).to_be_visible()
    shot(therapist, "dashboard")

    # The therapist creates a couple and invites both partners.
    therapist.get_by_role("link", name="New couple").click()
    therapist.locator("#label").fill("Sam & Alex")
    therapist.locator("#partner1_name").fill("Sam")
    therapist.locator("#partner1_email").fill("sam@example.org")
    therapist.locator("#partner2_name").fill("Alex")
    therapist.locator("#partner2_pronouns").fill("they/them")
    therapist.locator("#partner2_email").fill("alex@example.org")
    expect(therapist.get_by_label("E-mail each partner an invitation now")).to_be_checked()
    shot(therapist, "new-couple")
    therapist.get_by_role("button", name="Create couple").click()
    expect(therapist.locator(".flash")).to_contain_text("2 invitation(s) sent")
    invitations = therapist.locator(".invitation-state")
    expect(invitations).to_contain_text(["Invitation sent", "Invitation sent"])
    shot(therapist, "couple-created")

    # Each partner accepts on their phone and lands in their own portal.
    phones = {}
    for name, address in (("Sam", "sam@example.org"), ("Alex", "alex@example.org")):
        link = message_to(outbox_dir, address, "/invitations/")
        phone = phones[name] = pages.new(name, "phone")
        phone.goto(link)
        expect(phone.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
        expect(phone.locator("main")).to_contain_text(address)
        phone.get_by_label("Choose a password").fill(CLIENT_PASSWORDS[address])
        phone.get_by_label("The same password again").fill(CLIENT_PASSWORDS[address])
        shot(phone, f"{name}-accepts-invitation")
        phone.get_by_role("button", name="Continue").click()
        expect(phone).to_have_url(re.compile(r"/portal$"))
        expect(phone.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()
        expect(phone.locator(".flash")).to_contain_text("Welcome. Your account is ready.")
        expect(phone.locator(".empty")).to_contain_text("Nothing assigned yet")
        shot(phone, f"{name}-portal")

    # The therapist sees that both have joined.
    therapist.reload()
    expect(invitations).to_have_text(["Has joined the portal.", "Has joined the portal."])
    shot(therapist, "both-joined")

    # A partner can sign out and back in with the password they chose.
    sam = phones["Sam"]
    sam.get_by_role("button", name="Sign out").click()
    expect(sam.locator(".flash")).to_contain_text("You have signed out.")
    sign_in(sam, "sam@example.org", CLIENT_PASSWORDS["sam@example.org"])
    expect(sam.get_by_role("heading", name="Hello, Sam")).to_be_visible()

    assert pages.problems == []

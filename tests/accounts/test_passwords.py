"""Passwords: changing one, the password policy, and reset links sent by e-mail."""

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from clinic.accounts.models import User
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from tests.conftest import copy_session_cookie, is_signed_in, link_in
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a brand new passphrase"
START = "2030-01-01 09:00:00"
# Words that would tell a reader of the inbox what the account is for.
CLINICAL_WORDS = [
    "couple",
    "therap",
    "counsel",
    "clinic",
    "session",
    "relationship",
    "partner",
    "diagnos",
    "depress",
    "anxiety",
    "violence",
    "abuse",
    "safety",
    "questionnaire",
    "homework",
    "handout",
    "intimacy",
    "love",
]


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def signs_in(new_client, login, user, password):
    return login(new_client(), user, password).status_code == 303


def error_for(page: str, field_id: str) -> str | None:
    """The error text shown for a field, once the input names it in aria-describedby."""
    tag = re.search(rf"<(?:input|select|textarea)[^>]*\bid=\"{field_id}\"[^>]*>", page)
    assert tag, f"no input {field_id}"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    if not described or f"{field_id}-error" not in described.group(1).split():
        return None
    error = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert error, f"aria-describedby names {field_id}-error, but there is no such element"
    return error.group(1).strip()


def events(action):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


# Changing a password


def test_change_password_page_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account/password"


def test_change_password_redirects_to_the_role_home(client, world, login):
    login(client, world.therapist)
    response = change_password(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/couples"


def test_changed_password_signs_in(client, new_client, world, login):
    login(client, world.therapist)
    change_password(client)
    assert signs_in(new_client, login, world.therapist, NEW_PASSWORD)


def test_old_password_fails_after_a_change(client, new_client, world, login):
    login(client, world.therapist)
    change_password(client)
    assert not signs_in(new_client, login, world.therapist, PASSWORD)


def test_password_change_writes_an_audit_event(client, world, login):
    login(client, world.therapist)
    change_password(client)
    [event] = events("password_changed")
    assert event.actor_id == world.therapist.id


def test_wrong_current_password_is_refused_on_its_field(client, world, login):
    login(client, world.therapist)
    response = change_password(client, current="not my password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_for(page, "current_password") == "That is not your current password."


def test_wrong_current_password_changes_nothing(client, new_client, world, login):
    login(client, world.therapist)
    before = db.session.get(User, world.therapist.id).password_hash
    change_password(client, current="not my password")
    db.session.expire_all()
    assert db.session.get(User, world.therapist.id).password_hash == before
    assert signs_in(new_client, login, world.therapist, PASSWORD)
    assert not signs_in(new_client, login, world.therapist, NEW_PASSWORD)
    assert events("password_changed") == []


@pytest.mark.parametrize("short", ["", "short", "nine char"])
def test_new_password_shorter_than_10_characters_is_refused(client, world, login, short):
    login(client, world.therapist)
    response = change_password(client, new=short)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_for(page, "password") in ("This field is required.", "Use at least 10 characters.")


def test_new_password_of_exactly_10_characters_is_accepted(client, world, login):
    login(client, world.therapist)
    assert change_password(client, new="tenletters").status_code == 303


@pytest.mark.parametrize("common", ["password123", "qwertyuiop", "1234567890", "Password123"])
def test_common_new_password_is_refused(client, new_client, world, login, common):
    login(client, world.therapist)
    response = change_password(client, new=common)
    assert response.status_code == 200
    assert "too common" in error_for(response.get_data(as_text=True), "password")
    assert not signs_in(new_client, login, world.therapist, common)


def test_mismatched_confirmation_is_refused_on_its_field(client, new_client, world, login):
    login(client, world.therapist)
    response = change_password(client, confirm="a different passphrase")
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), "confirm") == "The two passwords differ."
    assert signs_in(new_client, login, world.therapist, PASSWORD)


@pytest.mark.parametrize("field_id", ["current_password", "password", "confirm"])
def test_missing_field_error_is_linked_to_its_input(client, world, login, field_id):
    login(client, world.therapist)
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    data[field_id] = ""
    response = client.post("/account/password", data=data)
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), field_id) == "This field is required."


def test_refused_form_marks_only_the_wrong_field_invalid(client, world, login):
    login(client, world.therapist)
    page = change_password(client, confirm="a different passphrase").get_data(as_text=True)
    assert error_for(page, "current_password") is None
    assert error_for(page, "password") is None
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="confirm"', page)


def test_password_hint_is_linked_to_its_input(client, world, login):
    login(client, world.therapist)
    page = client.get("/account/password").get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-describedby="password-hint"[^>]*id="password"', page)
    assert 'id="password-hint">At least 10 characters.' in page


def test_refused_form_does_not_echo_any_password(client, world, login):
    login(client, world.therapist)
    page = change_password(client, new="password123").get_data(as_text=True)
    assert PASSWORD not in page
    assert "password123" not in page


# Password reset by e-mail


def request_reset(client, email):
    return client.post("/password/reset", data={"email": email})


def reset_link(client, outbox, email):
    request_reset(client, email)
    return link_in(outbox()[-1], "/password/reset/")


def set_password(client, link, password=NEW_PASSWORD):
    return client.post(link, data={"password": password, "confirm": password})


def test_reset_request_redirects_the_same_for_known_and_unknown_addresses(client, world):
    known = request_reset(client, world.therapist.email)
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/sign-in"


def test_reset_request_shows_the_same_page_for_known_and_unknown_addresses(client, world):
    known = request_reset(client, world.therapist.email)
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    unknown = request_reset(client, "nobody@example.org")
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "If an account uses that address, we have sent it a link" in known_page
    assert known_page == unknown_page


def test_reset_request_sends_a_message_only_for_a_known_address(client, world, outbox):
    request_reset(client, "nobody@example.org")
    assert outbox() == []
    request_reset(client, "  Owner@Example.org ")
    [message] = outbox()
    assert message["To"] == "owner@example.org"


def test_reset_request_sends_nothing_for_a_deactivated_account(client, world, outbox):
    UserFactory(email="gone@example.org", is_active=False)
    request_reset(client, "gone@example.org")
    assert outbox() == []


def test_reset_message_is_neutral(client, world, outbox):
    request_reset(client, world.partner_a.email)
    [message] = outbox()
    text = (message["Subject"] + "\n" + message.get_content()).lower()
    text = re.sub(r"https?://\S+", "LINK", text)  # the host name is the practice's choice
    for name in ["sam", "alex"]:
        assert not re.search(rf"\b{name}\b", text), name
    for word in CLINICAL_WORDS:
        assert not re.search(rf"\b{word}", text), word


def test_reset_message_link_opens_the_new_password_form(client, world, outbox):
    link = reset_link(client, outbox, world.therapist.email)
    response = client.get(link)
    assert response.status_code == 200
    assert b"Choose a new password" in response.data


def test_reset_link_sets_the_new_password(client, new_client, world, login, outbox):
    link = reset_link(client, outbox, world.therapist.email)
    response = set_password(client, link)
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert signs_in(new_client, login, world.therapist, NEW_PASSWORD)


def test_old_password_fails_after_a_reset(client, new_client, world, login, outbox):
    set_password(client, reset_link(client, outbox, world.therapist.email))
    assert not signs_in(new_client, login, world.therapist, PASSWORD)


def test_reset_ends_the_users_other_sessions(client, new_client, world, login, outbox):
    laptop = new_client()
    login(laptop, world.therapist)
    set_password(client, reset_link(client, outbox, world.therapist.email))
    assert not is_signed_in(laptop)


def test_reset_ends_a_copied_session_cookie(client, new_client, world, login, outbox):
    laptop, thief = new_client(), new_client()
    login(laptop, world.therapist)
    copy_session_cookie(laptop, thief)
    set_password(client, reset_link(client, outbox, world.therapist.email))
    assert not is_signed_in(thief)


def test_reset_link_works_only_once(client, world, outbox):
    link = reset_link(client, outbox, world.therapist.email)
    set_password(client, link)
    second = set_password(client, link, "yet another passphrase")
    assert second.status_code == 404
    assert b"This link cannot be used" in second.data


def test_used_reset_link_does_not_change_the_password_again(
    client, new_client, world, login, outbox
):
    link = reset_link(client, outbox, world.therapist.email)
    set_password(client, link)
    set_password(client, link, "yet another passphrase")
    assert signs_in(new_client, login, world.therapist, NEW_PASSWORD)


def test_refused_new_password_keeps_the_reset_link_usable(client, world, outbox):
    link = reset_link(client, outbox, world.therapist.email)
    refused = set_password(client, link, "password123")
    assert refused.status_code == 200
    assert "too common" in error_for(refused.get_data(as_text=True), "password")
    assert set_password(client, link).status_code == 303


def test_reset_link_still_works_after_59_minutes(client, world, outbox):
    with freeze_time(START) as frozen:
        link = reset_link(client, outbox, world.therapist.email)
        frozen.tick(timedelta(minutes=59))
        response = set_password(client, link)
    assert response.status_code == 303


def test_reset_link_expires_after_one_hour(client, world, outbox):
    with freeze_time(START) as frozen:
        link = reset_link(client, outbox, world.therapist.email)
        frozen.tick(timedelta(hours=1, seconds=1))
        response = client.get(link)
    assert response.status_code == 404
    assert b"This link cannot be used" in response.data


def test_expired_reset_link_does_not_change_the_password(client, new_client, world, login, outbox):
    with freeze_time(START) as frozen:
        link = reset_link(client, outbox, world.therapist.email)
        frozen.tick(timedelta(hours=2))
        set_password(client, link)
        old_works = signs_in(new_client, login, world.therapist, PASSWORD)
    assert old_works


def test_newer_reset_link_invalidates_the_older(client, world, outbox):
    older = reset_link(client, outbox, world.therapist.email)
    newer = reset_link(client, outbox, world.therapist.email)
    assert older != newer
    assert set_password(client, older).status_code == 404
    assert set_password(client, newer).status_code == 303


def test_reset_link_of_a_deactivated_account_does_not_work(client, world, outbox):
    link = reset_link(client, outbox, world.therapist.email)
    db.session.get(User, world.therapist.id).is_active = False
    db.session.commit()
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("token", ["made-up-token", "x" * 500])
def test_unknown_reset_token_answers_404(client, world, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert b"ask for a new link" in response.data


def test_reset_request_with_an_invalid_address_shows_a_field_error(client, world, outbox):
    response = request_reset(client, "not an address")
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), "email") == (
        "Enter an e-mail address like name@example.com."
    )
    assert outbox() == []


def test_reset_message_is_sent_by_the_configured_sender(app, client, world, outbox):
    request_reset(client, world.therapist.email)
    [message] = outbox()
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message["Subject"] == "Choose a new password"


def test_password_equal_to_the_email_address_is_refused(client, app, login):
    user = UserFactory(role="therapist", email="longaddress@example.org")
    login(client, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "LongAddress@example.org",
            "confirm": "LongAddress@example.org",
        },
    )
    assert response.status_code == 200
    assert b"must not be your e-mail address" in response.data

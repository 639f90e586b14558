"""Sign-in: e-mail and password, no account enumeration, safe redirects, audit, rate limit."""

import logging
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from clinic.accounts.models import LoginSession, User
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.security import hash_token
from tests.conftest import copy_session_cookie, is_signed_in
from tests.factories import PASSWORD, UserFactory

WRONG_PASSWORD = "not the right password"


def events(action):
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars()
    )


def sign_in_to(client, email, password=PASSWORD, next_url=None):
    url = "/sign-in" + ("?" + urlencode({"next": next_url}) if next_url is not None else "")
    return client.post(url, data={"email": email, "password": password})


def user_of(world, who):
    return world.partner_a.user if who == "client" else getattr(world, who)


@pytest.mark.parametrize(
    ("who", "home"),
    [("admin", "/admin/therapists"), ("therapist", "/couples"), ("client", "/portal")],
)
def test_sign_in_redirects_to_the_home_of_the_role(client, world, who, home):
    response = sign_in_to(client, user_of(world, who).email)
    assert response.status_code == 303
    assert response.headers["Location"] == home


@pytest.mark.parametrize("who", ["admin", "therapist", "client"])
def test_signed_in_user_can_open_their_home_page(client, world, who):
    home = sign_in_to(client, user_of(world, who).email).headers["Location"]
    assert client.get(home).status_code == 200


def test_sign_in_email_is_case_insensitive_and_ignores_surrounding_spaces(client, world):
    response = sign_in_to(client, "  OWNER@Example.ORG  ")
    assert response.status_code == 303
    assert is_signed_in(client)


def test_wrong_password_shows_the_failure_message_and_does_not_sign_in(client, world):
    response = sign_in_to(client, world.therapist.email, WRONG_PASSWORD)
    assert response.status_code == 200
    assert b"That e-mail and password do not match an active account." in response.data
    assert not is_signed_in(client)


def test_password_is_case_sensitive(client, world):
    response = sign_in_to(client, world.therapist.email, PASSWORD.upper())
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_failure_page_is_identical_for_unknown_email_wrong_password_and_deactivated_account(
    client, world
):
    UserFactory(email="gone@example.org", is_active=False)
    attempts = [
        ("nobody@example.org", PASSWORD),
        (world.therapist.email, WRONG_PASSWORD),
        ("gone@example.org", PASSWORD),
    ]
    pages = []
    for email, password in attempts:
        response = sign_in_to(client, email, password)
        assert response.status_code == 200
        # The typed address is echoed back into its field; everything else must match.
        pages.append(response.get_data(as_text=True).replace(email, "EMAIL"))
    assert pages[0] == pages[1] == pages[2]


def test_deactivated_account_cannot_sign_in_with_the_right_password(client, world):
    UserFactory(email="gone@example.org", is_active=False)
    response = sign_in_to(client, "gone@example.org")
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_account_without_a_password_cannot_sign_in(client, world):
    UserFactory(email="new@example.org", password_hash=None)
    response = sign_in_to(client, "new@example.org", "")
    assert response.status_code == 200
    response = sign_in_to(client, "new@example.org", "anything at all")
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_sign_in_writes_a_sign_in_event_for_the_user(client, world):
    sign_in_to(client, world.therapist.email)
    [event] = events("sign_in")
    assert event.actor_id == world.therapist.id
    assert (event.target_type, event.target_id) == ("user", world.therapist.id)


def test_sign_in_records_the_time_of_last_sign_in(client, world):
    with freeze_time("2030-03-04 09:15:00"):
        sign_in_to(client, world.therapist.email)
    db.session.refresh(world.therapist)
    assert world.therapist.last_sign_in_at.isoformat() == "2030-03-04T09:15:00"


def test_failed_sign_in_for_an_existing_account_records_its_id(client, world):
    sign_in_to(client, world.therapist.email, WRONG_PASSWORD)
    [event] = events("sign_in_failed")
    assert event.actor_id == world.therapist.id
    assert events("sign_in") == []


def test_failed_sign_in_for_an_unknown_email_records_no_actor(client, world):
    sign_in_to(client, "nobody@example.org", WRONG_PASSWORD)
    [event] = events("sign_in_failed")
    assert event.actor_id is None


def test_failed_sign_in_never_stores_or_logs_the_typed_text(client, world, caplog):
    typed_email, typed_password = "Typed.Person@example.org", "my secret guess 42"
    with caplog.at_level(logging.DEBUG):
        sign_in_to(client, typed_email, typed_password)
        sign_in_to(client, world.therapist.email, typed_password)
    rows = db.session.execute(select(AuditEvent)).scalars().all()
    stored = " ".join(
        str(getattr(row, column.key)) for row in rows for column in AuditEvent.__table__.columns
    )
    for text in (typed_email, typed_email.lower(), typed_password, world.therapist.email):
        assert text not in stored
        assert text not in caplog.text


def test_signed_in_user_opening_sign_in_goes_to_their_home(client, world):
    sign_in_to(client, world.therapist.email)
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/couples"


def test_start_page_sends_anonymous_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_page_behind_sign_in_sends_visitor_to_sign_in_with_next(client, world):
    response = client.get("/couples")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/couples"


# ?next=


@pytest.mark.parametrize("next_url", ["/couples", "/account/password", "/couples?q=Sam&page=1"])
def test_next_path_on_this_site_is_followed(client, world, next_url):
    response = sign_in_to(client, world.admin.email, next_url=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/couples",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
        "",
    ],
)
def test_next_pointing_anywhere_else_goes_to_the_role_home(client, world, next_url):
    response = sign_in_to(client, world.therapist.email, next_url=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/couples"


def test_next_is_kept_through_the_sign_in_page_round_trip(client, world):
    to_sign_in = client.get("/account/password").headers["Location"]
    response = client.post(to_sign_in, data={"email": world.therapist.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


# Cookies at sign-in


def test_sign_in_sets_no_remember_me_cookie(client, world):
    response = sign_in_to(client, world.therapist.email)
    names = [header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")]
    assert names == ["clinic_session"]
    assert client.get_cookie("remember_token", domain="clinic.test") is None


def test_session_cookie_ends_with_the_browser(client, world):
    response = sign_in_to(client, world.therapist.email)
    [cookie] = response.headers.getlist("Set-Cookie")
    assert not re.search(r"(?i);\s*(expires|max-age)=", cookie)


def test_session_cookie_value_changes_at_sign_in(client, world):
    with client.session_transaction() as session:
        session["planted"] = "before sign-in"
    before = client.get_cookie("clinic_session", domain="clinic.test").value
    sign_in_to(client, world.therapist.email)
    after = client.get_cookie("clinic_session", domain="clinic.test").value
    assert after != before


def test_session_cookie_from_before_sign_in_does_not_become_signed_in(client, new_client, world):
    with client.session_transaction() as session:
        session["planted"] = "before sign-in"
    planted = new_client()
    copy_session_cookie(client, planted)
    sign_in_to(client, world.therapist.email)
    assert is_signed_in(client)
    assert not is_signed_in(planted)


def test_planted_session_id_is_replaced_at_sign_in(client, world):
    with client.session_transaction() as session:
        session["sid"] = "attacker-chosen-session-id"
    sign_in_to(client, world.therapist.email)
    with client.session_transaction() as session:
        assert session["sid"] != "attacker-chosen-session-id"
        sid = session["sid"]
    [row] = db.session.execute(select(LoginSession)).scalars().all()
    assert row.token_hash == hash_token(sid)
    assert row.token_hash != hash_token("attacker-chosen-session-id")


def test_session_cookie_holds_no_password_or_hash(client, world):
    sign_in_to(client, world.therapist.email)
    with client.session_transaction() as session:
        values = " ".join(str(value) for value in session.values())
    user = db.session.get(User, world.therapist.id)
    assert PASSWORD not in values
    assert user.password_hash not in values


# Rate limit (the real limiter, memory storage, reset after each test by the app fixture)


def wrong_attempts(client, email, count):
    return [sign_in_to(client, email, WRONG_PASSWORD).status_code for _ in range(count)]


def test_five_wrong_passwords_within_a_minute_are_each_answered_normally(client, world):
    with freeze_time("2030-01-01 09:00:00"):
        assert wrong_attempts(client, world.therapist.email, 5) == [200] * 5


def test_sixth_wrong_password_within_a_minute_answers_429(client, world):
    with freeze_time("2030-01-01 09:00:00") as frozen:
        wrong_attempts(client, world.therapist.email, 5)
        frozen.tick(timedelta(seconds=50))
        response = sign_in_to(client, world.therapist.email, WRONG_PASSWORD)
    assert response.status_code == 429


def test_rate_limited_sign_in_shows_a_clear_page(client, world):
    with freeze_time("2030-01-01 09:00:00"):
        wrong_attempts(client, world.therapist.email, 5)
        response = sign_in_to(client, world.therapist.email, WRONG_PASSWORD)
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page
    assert "Please wait a minute and try again." in page


def test_rate_limit_counts_the_account_whatever_the_case_of_the_email(client, world):
    with freeze_time("2030-01-01 09:00:00"):
        for email in ["owner@example.org", "OWNER@example.org", " Owner@Example.org "]:
            sign_in_to(client, email, WRONG_PASSWORD)
        for email in ["owner@EXAMPLE.org", "oWnEr@example.org"]:
            sign_in_to(client, email, WRONG_PASSWORD)
        response = sign_in_to(client, "owner@example.org", WRONG_PASSWORD)
    assert response.status_code == 429


def test_right_password_is_refused_during_the_back_off(client, world):
    with freeze_time("2030-01-01 09:00:00"):
        wrong_attempts(client, world.therapist.email, 5)
        response = sign_in_to(client, world.therapist.email)
        signed_in = is_signed_in(client)
    assert response.status_code == 429
    assert not signed_in


def test_right_password_works_after_the_back_off(client, world):
    with freeze_time("2030-01-01 09:00:00") as frozen:
        wrong_attempts(client, world.therapist.email, 6)
        frozen.tick(timedelta(seconds=61))
        response = sign_in_to(client, world.therapist.email)
        signed_in = is_signed_in(client)
    assert response.status_code == 303
    assert signed_in


def test_correct_sign_ins_do_not_count_toward_the_limit(client, new_client, world):
    with freeze_time("2030-01-01 09:00:00"):
        for _ in range(6):
            assert sign_in_to(new_client(), world.therapist.email).status_code == 303
        statuses = wrong_attempts(client, world.therapist.email, 5)
    assert statuses == [200] * 5


def test_wrong_passwords_for_one_account_do_not_block_another(client, world):
    with freeze_time("2030-01-01 09:00:00"):
        wrong_attempts(client, world.therapist.email, 6)
        response = sign_in_to(client, world.other_therapist.email)
    assert response.status_code == 303


def test_many_accounts_tried_from_one_address_are_limited(make_app, world):
    """Each guess names another account; the per-address limit (50 a minute by default,
    lowered here to keep the test quick) still stops them."""
    client = make_app(SIGN_IN_ADDRESS_LIMIT="3 per minute").test_client()
    with freeze_time("2030-01-01 09:00:00"):
        statuses = [
            sign_in_to(client, f"guess{n}@example.org", WRONG_PASSWORD).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 200, 429]


def test_address_limit_is_50_sign_in_failures_a_minute_by_default(app):
    assert app.config["SIGN_IN_ADDRESS_LIMIT"] == "50 per minute"

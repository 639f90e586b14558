"""Sessions: sign-out, sessions ended by a password change, idle and absolute timeouts."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from clinic.accounts.models import LoginSession
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from tests.conftest import copy_session_cookie, is_signed_in
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"
START = "2030-01-01 09:00:00"


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "confirm": new},
    )


def login_sessions(user):
    return list(
        db.session.execute(
            select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
        ).scalars()
    )


# Sign-out


def test_sign_out_redirects_to_sign_in(client, world, login):
    login(client, world.therapist)
    response = client.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"


def test_sign_out_says_so(client, world, login):
    login(client, world.therapist)
    response = client.post("/sign-out", follow_redirects=True)
    assert b"You have signed out." in response.data


def test_sign_out_signs_the_browser_out(client, world, login):
    login(client, world.therapist)
    client.post("/sign-out")
    assert not is_signed_in(client)


def test_sign_out_ends_the_session_for_a_copy_of_the_old_cookie(client, new_client, world, login):
    login(client, world.therapist)
    copy = new_client()
    copy_session_cookie(client, copy)
    assert is_signed_in(copy)
    client.post("/sign-out")
    assert not is_signed_in(copy)


def test_sign_out_ends_the_login_session_row(client, world, login):
    login(client, world.therapist)
    client.post("/sign-out")
    [row] = login_sessions(world.therapist)
    assert row.ended_at is not None


def test_sign_out_writes_a_sign_out_event(client, world, login):
    login(client, world.therapist)
    client.post("/sign-out")
    [event] = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "sign_out"))
        .scalars()
        .all()
    )
    assert event.actor_id == world.therapist.id


def test_sign_out_in_one_browser_keeps_another_browser_signed_in(client, new_client, world, login):
    laptop, phone = client, new_client()
    login(laptop, world.therapist)
    login(phone, world.therapist)
    laptop.post("/sign-out")
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)


def test_sign_out_without_a_session_just_goes_to_sign_in(client, world):
    response = client.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert db.session.execute(select(AuditEvent)).scalars().all() == []


def test_sign_out_by_get_is_not_allowed(client, world, login):
    login(client, world.therapist)
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert is_signed_in(client)


def test_signing_in_again_after_sign_out_works(client, world, login):
    login(client, world.therapist)
    client.post("/sign-out")
    assert login(client, world.therapist).status_code == 303
    assert is_signed_in(client)


# A password change ends the user's other sessions


def test_password_change_ends_every_other_session_of_the_user(client, new_client, world, login):
    phone, tablet = new_client(), new_client()
    for browser in (client, phone, tablet):
        login(browser, world.therapist)
    assert change_password(client).status_code == 303
    assert not is_signed_in(phone)
    assert not is_signed_in(tablet)


def test_password_change_keeps_the_current_session(client, new_client, world, login):
    login(new_client(), world.therapist)
    login(client, world.therapist)
    change_password(client)
    assert is_signed_in(client)


def test_password_change_leaves_other_users_signed_in(client, new_client, world, login):
    colleague = new_client()
    login(colleague, world.other_therapist)
    login(client, world.therapist)
    change_password(client)
    assert is_signed_in(colleague)


def test_refused_password_change_ends_no_session(client, new_client, world, login):
    phone = new_client()
    login(phone, world.therapist)
    login(client, world.therapist)
    assert change_password(client, current="not my password").status_code == 200
    assert is_signed_in(phone)


# Idle timeout: 30 minutes for staff, 60 for clients


def sign_in_at_start(client, login, user, frozen):
    frozen.move_to(START)
    assert login(client, user).status_code == 303


def test_therapist_request_at_29_minutes_is_still_signed_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=29))
        response = client.get("/couples")
    assert response.status_code == 200


def test_therapist_request_at_29_minutes_keeps_the_session_alive(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=29))
        client.get("/couples")
        frozen.tick(timedelta(minutes=29))
        response = client.get("/couples")
    assert response.status_code == 200


def test_therapist_idle_for_31_minutes_is_sent_to_sign_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=31))
        response = client.get("/couples")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/couples"


def test_therapist_idle_for_31_minutes_stays_signed_out_afterwards(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=31))
        client.get("/couples")
        frozen.tick(timedelta(minutes=1))
        signed_in = is_signed_in(client)
    assert not signed_in


def test_idle_timeout_ends_the_login_session_row(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=31))
        client.get("/couples")
    [row] = login_sessions(world.therapist)
    assert row.ended_at is not None


def test_idle_timeout_tells_the_user_why_they_must_sign_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        frozen.tick(timedelta(minutes=31))
        response = client.get("/couples", follow_redirects=True)
    assert b"Your session ended after a period without activity." in response.data


def test_admin_idle_for_31_minutes_is_sent_to_sign_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.admin, frozen)
        frozen.tick(timedelta(minutes=31))
        response = client.get("/admin/therapists")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_client_request_at_59_minutes_is_still_signed_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.partner_a.user, frozen)
        frozen.tick(timedelta(minutes=59))
        response = client.get("/portal")
    assert response.status_code == 200


def test_client_idle_for_61_minutes_is_sent_to_sign_in(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.partner_a.user, frozen)
        frozen.tick(timedelta(minutes=61))
        response = client.get("/portal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/portal"


def test_idle_timeout_of_one_browser_does_not_end_another(client, new_client, world, login):
    phone = new_client()
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        login(phone, world.therapist)
        for _ in range(3):
            frozen.tick(timedelta(minutes=20))
            assert phone.get("/couples").status_code == 200
        laptop_in, phone_in = is_signed_in(client), is_signed_in(phone)
    assert (laptop_in, phone_in) == (False, True)


# Absolute timeout: 12 hours whatever the activity


def test_session_with_activity_every_20_minutes_lasts_12_hours(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        statuses = []
        for _ in range(12 * 3):
            frozen.tick(timedelta(minutes=20))
            statuses.append(client.get("/couples").status_code)
    assert statuses == [200] * 36


def test_session_ends_after_12_hours_even_with_activity_every_20_minutes(client, world, login):
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, world.therapist, frozen)
        for _ in range(12 * 3):
            frozen.tick(timedelta(minutes=20))
            client.get("/couples")
        frozen.tick(timedelta(minutes=20))
        response = client.get("/couples")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/couples"


@pytest.mark.parametrize("who", ["therapist", "client"])
def test_signing_in_again_after_a_timeout_works(client, world, login, who):
    user = world.partner_a.user if who == "client" else world.therapist
    with freeze_time(START) as frozen:
        sign_in_at_start(client, login, user, frozen)
        frozen.tick(timedelta(hours=2))
        assert not is_signed_in(client)
        assert login(client, user).status_code == 303
        signed_in = is_signed_in(client)
    assert signed_in

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from clinic.accounts.models import User
from clinic.audit.models import AuditEvent
from clinic.db import utcnow
from clinic.extensions import db
from tests.conftest import link_in
from tests.factories import CoupleFactory, PartnerFactory, UserFactory

NEW_PASSWORD = "a long new passphrase"


def invite(client, login, therapist, partner):
    login(client, therapist)
    response = client.post(f"/couples/{partner.couple_id}/partners/{partner.id}/invite")
    assert response.status_code == 303
    client.post("/sign-out")


def accept(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def pending_partner(therapist, email="new@example.org"):
    couple = CoupleFactory(therapist=therapist, label="Jo & Max")
    return PartnerFactory(couple=couple, position=1, display_name="Jo", email=email)


def test_accepting_an_invitation_creates_the_account_and_opens_the_portal(
    client, world, login, outbox
):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    assert client.get(path).status_code == 200
    response = accept(client, path)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portal")
    portal = client.get("/portal").get_data(as_text=True)
    assert "Hello, Jo" in portal
    assert "Nothing assigned yet" in portal
    db.session.expire_all()
    user = db.session.execute(select(User).where(User.email == "new@example.org")).scalar_one()
    assert user.role == "client"
    assert partner.user_id == user.id
    actions = (
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.couple_id == partner.couple_id)
        )
        .scalars()
        .all()
    )
    assert "invitation_sent" in actions and "invitation_accepted" in actions


def test_new_partner_signs_in_with_the_chosen_password(client, app, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    accept(client, link_in(outbox()[-1], "/invitations/"))
    browser = app.test_client()
    assert login(browser, "NEW@example.org", NEW_PASSWORD).status_code == 303
    assert browser.get("/portal").status_code == 200


def test_invitation_link_works_only_once(client, app, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    accept(client, path)
    second = app.test_client()
    assert second.get(path).status_code == 404
    response = accept(second, path, password="another long passphrase")
    assert response.status_code == 404
    assert b"used, has expired or was replaced" in response.data
    assert login(second, "new@example.org", "another long passphrase").status_code == 200


def test_invitation_expires_after_seven_days(client, world, login, outbox):
    partner = pending_partner(world.therapist)
    with freeze_time(utcnow()) as frozen:
        invite(client, login, world.therapist, partner)
        path = link_in(outbox()[-1], "/invitations/")
        frozen.tick(timedelta(days=6, hours=23))
        assert client.get(path).status_code == 200
        frozen.tick(timedelta(hours=2))
        assert client.get(path).status_code == 404
        assert accept(client, path).status_code == 404
    db.session.expire_all()
    assert partner.user_id is None


def test_resending_replaces_the_earlier_link(client, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    first = link_in(outbox()[-1], "/invitations/")
    invite(client, login, world.therapist, partner)
    second = link_in(outbox()[-1], "/invitations/")
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_revoked_invitation_cannot_be_used(client, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    login(client, world.therapist)
    client.post(f"/couples/{partner.couple_id}/partners/{partner.id}/revoke")
    client.post("/sign-out")
    assert client.get(path).status_code == 404


def test_weak_password_is_refused_and_link_stays_usable(client, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    response = accept(client, path, password="password123")
    assert response.status_code == 200
    assert b"too common" in response.data
    response = accept(client, path, password="short")
    assert b"at least 10 characters" in response.data
    response = accept(client, path, password=NEW_PASSWORD, confirm="something else entirely")
    assert b"The two passwords differ" in response.data
    db.session.expire_all()
    assert partner.user_id is None
    assert accept(client, path).status_code == 303


def test_invitation_email_is_neutral(client, world, login, outbox):
    partner = pending_partner(world.therapist)
    invite(client, login, world.therapist, partner)
    message = outbox()[-1]
    body = message.get_content().lower()
    assert message["To"] == "new@example.org"
    assert "jo & max" not in body  # the case label is the therapist's, not for e-mail
    for word in ("therapy", "couple", "counselling", "diagnos", "questionnaire"):
        assert word not in (message["Subject"].lower() + body)


def test_existing_client_links_the_new_case_with_their_password(client, app, world, login, outbox):
    # Sam already has an account from another case; a second case invites the same address.
    second_case = CoupleFactory(therapist=world.therapist, label="Sam (individual)")
    partner = PartnerFactory(
        couple=second_case, position=1, display_name="Sam", email=world.partner_a.email
    )
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    page = client.get(path).get_data(as_text=True)
    assert "already have an account" in page
    wrong = client.post(path, data={"password": "not my password at all"})
    assert b"not the password of your existing account" in wrong.data
    response = client.post(path, data={"password": "correct horse battery"})
    assert response.status_code == 303
    db.session.expire_all()
    assert partner.user_id == world.partner_a.user_id


def test_staff_email_cannot_be_taken_over_by_an_invitation(client, world, login, outbox):
    partner = pending_partner(world.therapist, email=world.other_therapist.email)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    response = client.post(path, data={"password": "correct horse battery"})
    assert response.status_code == 409
    db.session.expire_all()
    assert partner.user_id is None
    assert world.other_therapist.role == "therapist"


def test_unknown_invitation_token_is_not_found(client, world):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 404
    assert b"ask your therapist" in response.data.lower()


def test_joined_partner_is_not_invited_again(client, world, login, outbox):
    login(client, world.therapist)
    url = f"/couples/{world.couple.id}/partners/{world.partner_a.id}/invite"
    response = client.post(url, follow_redirects=True)
    assert b"has already joined" in response.data
    assert outbox() == []


def test_deactivated_client_cannot_accept_a_new_invitation(client, world, login, outbox):
    user = UserFactory(role="client", email="gone@example.org", is_active=False)
    partner = pending_partner(world.therapist, email=user.email)
    invite(client, login, world.therapist, partner)
    path = link_in(outbox()[-1], "/invitations/")
    response = client.post(path, data={"password": "correct horse battery"})
    assert response.status_code == 409

"""Practice admin: therapist accounts and practice branding."""

import io
import re
import struct
import zlib
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from clinic.accounts.models import PracticeSettings, User
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from tests.conftest import is_signed_in, link_in
from tests.factories import PASSWORD

START = "2030-01-01 09:00:00"
NEW_PASSWORD = "a brand new passphrase"


def png_bytes(width=2, height=2) -> bytes:
    """A real PNG: signature, IHDR, IDAT and IEND chunks with their CRCs."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x2f\x6f\x73" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A real baseline JPEG: one grey pixel, one quantisation and two Huffman tables."""

    def segment(marker, payload):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload

    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # a single code of length 1, for symbol 0
    return (
        b"\xff\xd8"
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, b"\x08" + struct.pack(">HH", 1, 1) + b"\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"  # DC difference 0, then end of block
        + b"\xff\xd9"
    )


def error_for(page: str, field_id: str) -> str | None:
    tag = re.search(rf"<(?:input|select|textarea)[^>]*\bid=\"{field_id}\"[^>]*>", page)
    assert tag, f"no input {field_id}"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    if not described or f"{field_id}-error" not in described.group(1).split():
        return None
    error = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert error, f"aria-describedby names {field_id}-error, but there is no such element"
    return error.group(1).strip()


def therapist_count():
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "therapist"))


def events(action):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


@pytest.fixture
def admin_client(client, world, login):
    login(client, world.admin)
    return client


# Who may open the admin pages


@pytest.mark.parametrize("path", ["/admin/therapists", "/admin/settings"])
@pytest.mark.parametrize("who", ["therapist", "client"])
def test_admin_pages_answer_404_to_other_roles(client, world, login, path, who):
    login(client, world.partner_a.user if who == "client" else world.therapist)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/admin/therapists", "/admin/settings"])
def test_admin_pages_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={path}"


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "setup-link"])
def test_therapist_cannot_use_admin_actions(client, world, login, action):
    login(client, world.therapist)
    response = client.post(f"/admin/therapists/{world.other_therapist.id}/{action}")
    assert response.status_code == 404
    assert db.session.get(User, world.other_therapist.id).is_active


def test_therapist_cannot_create_a_therapist(client, world, login, outbox):
    login(client, world.therapist)
    before = therapist_count()
    response = client.post(
        "/admin/therapists", data={"display_name": "Intruder", "email": "new@example.org"}
    )
    assert response.status_code == 404
    assert therapist_count() == before
    assert outbox() == []


def test_client_cannot_change_practice_settings(client, world, login):
    login(client, world.partner_a.user)
    response = client.post(
        "/admin/settings",
        data={"name": "Hijacked", "accent_color": "#000000", "page_size": "A4"},
    )
    assert response.status_code == 404
    assert db.session.get(PracticeSettings, 1) is None


# Therapist accounts


def create_therapist(client, name="Robin Vale", email="robin@example.org"):
    return client.post("/admin/therapists", data={"display_name": name, "email": email})


def test_admin_sees_the_therapist_list(admin_client, world):
    page = admin_client.get("/admin/therapists").get_data(as_text=True)
    assert world.therapist.email in page
    assert world.other_therapist.email in page


def test_creating_a_therapist_stores_the_account(admin_client):
    response = create_therapist(admin_client, email="  Robin@Example.ORG ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/therapists"
    user = db.session.execute(select(User).where(User.email == "robin@example.org")).scalar_one()
    assert (user.role, user.display_name, user.is_active) == ("therapist", "Robin Vale", True)
    assert user.password_hash is None


def test_creating_a_therapist_writes_an_audit_event(admin_client, world):
    create_therapist(admin_client)
    [event] = events("therapist_created")
    assert event.actor_id == world.admin.id


def test_creating_a_therapist_sends_a_setup_link(admin_client, outbox):
    create_therapist(admin_client)
    [message] = outbox()
    assert message["To"] == "robin@example.org"
    assert re.fullmatch(r"/password/reset/[\w-]{20,}", link_in(message, "/password/reset/"))


def test_setup_link_opens_the_set_password_form(admin_client, new_client, outbox):
    create_therapist(admin_client)
    response = new_client().get(link_in(outbox()[0], "/password/reset/"))
    assert response.status_code == 200
    assert b"Set your password" in response.data


def test_new_therapist_signs_in_after_setting_a_password(admin_client, new_client, login, outbox):
    create_therapist(admin_client)
    link = link_in(outbox()[0], "/password/reset/")
    browser = new_client()
    browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = login(browser, "robin@example.org", NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/couples"


def test_setup_link_is_still_valid_just_before_7_days(client, new_client, world, login, outbox):
    with freeze_time(START) as frozen:
        login(client, world.admin)
        create_therapist(client)
        frozen.tick(timedelta(days=7) - timedelta(minutes=1))
        response = new_client().get(link_in(outbox()[0], "/password/reset/"))
    assert response.status_code == 200


def test_setup_link_expires_after_7_days(client, new_client, world, login, outbox):
    with freeze_time(START) as frozen:
        login(client, world.admin)
        create_therapist(client)
        frozen.tick(timedelta(days=7, minutes=1))
        response = new_client().get(link_in(outbox()[0], "/password/reset/"))
    assert response.status_code == 404


def test_duplicate_email_in_another_case_is_refused_on_its_field(admin_client, world, outbox):
    before = therapist_count()
    response = create_therapist(admin_client, email="OWNER@Example.org")
    assert response.status_code == 200
    error = error_for(response.get_data(as_text=True), "email")
    assert error == "An account already uses this e-mail address."
    assert therapist_count() == before
    assert outbox() == []


def test_email_of_a_client_cannot_be_reused_for_a_therapist(admin_client, world):
    before = therapist_count()
    response = create_therapist(admin_client, email=world.partner_a.email)
    assert response.status_code == 200
    assert therapist_count() == before


@pytest.mark.parametrize(
    ("data", "field_id"),
    [
        ({"display_name": "", "email": "robin@example.org"}, "display_name"),
        ({"display_name": "Robin", "email": ""}, "email"),
        ({"display_name": "Robin", "email": "not an address"}, "email"),
        ({"display_name": "R" * 121, "email": "robin@example.org"}, "display_name"),
    ],
)
def test_invalid_therapist_form_is_refused_on_the_field(admin_client, outbox, data, field_id):
    before = therapist_count()
    response = admin_client.post("/admin/therapists", data=data)
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), field_id)
    assert therapist_count() == before
    assert outbox() == []


def test_setup_message_names_no_couple_or_clinical_content(admin_client, world, outbox):
    create_therapist(admin_client)
    body = outbox()[0].get_content()
    assert "Sam" not in body
    assert "Alex" not in body


def test_resending_a_setup_link_invalidates_the_first(admin_client, new_client, outbox):
    create_therapist(admin_client)
    user = db.session.execute(select(User).where(User.email == "robin@example.org")).scalar_one()
    admin_client.post(f"/admin/therapists/{user.id}/setup-link")
    first, second = (link_in(m, "/password/reset/") for m in outbox())
    browser = new_client()
    assert browser.get(first).status_code == 404
    assert browser.get(second).status_code == 200


# Deactivation and reactivation


def deactivate(admin_client, user):
    return admin_client.post(f"/admin/therapists/{user.id}/deactivate")


def test_deactivation_marks_the_therapist_inactive(admin_client, world):
    response = deactivate(admin_client, world.therapist)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/therapists"
    assert db.session.get(User, world.therapist.id).is_active is False


def test_deactivation_ends_every_session_of_the_therapist(admin_client, new_client, world, login):
    office, home = new_client(), new_client()
    login(office, world.therapist)
    login(home, world.therapist)
    deactivate(admin_client, world.therapist)
    assert not is_signed_in(office)
    assert not is_signed_in(home)


def test_deactivation_leaves_other_therapists_signed_in(admin_client, new_client, world, login):
    colleague = new_client()
    login(colleague, world.other_therapist)
    deactivate(admin_client, world.therapist)
    assert is_signed_in(colleague)


def test_deactivated_therapist_cannot_sign_in(admin_client, new_client, world, login):
    deactivate(admin_client, world.therapist)
    browser = new_client()
    assert login(browser, world.therapist).status_code == 200
    assert not is_signed_in(browser)


def test_reactivated_therapist_can_sign_in(admin_client, new_client, world, login):
    deactivate(admin_client, world.therapist)
    response = admin_client.post(f"/admin/therapists/{world.therapist.id}/reactivate")
    assert response.status_code == 303
    assert login(new_client(), world.therapist).status_code == 303


def test_reactivation_does_not_revive_the_ended_sessions(admin_client, new_client, world, login):
    office = new_client()
    login(office, world.therapist)
    deactivate(admin_client, world.therapist)
    admin_client.post(f"/admin/therapists/{world.therapist.id}/reactivate")
    assert not is_signed_in(office)


def test_deactivation_and_reactivation_write_audit_events(admin_client, world):
    deactivate(admin_client, world.therapist)
    admin_client.post(f"/admin/therapists/{world.therapist.id}/reactivate")
    assert [e.target_id for e in events("therapist_deactivated")] == [world.therapist.id]
    assert [e.target_id for e in events("therapist_reactivated")] == [world.therapist.id]


@pytest.mark.parametrize("who", ["admin", "client"])
def test_only_therapist_accounts_can_be_deactivated_here(admin_client, world, who):
    user = world.admin if who == "admin" else world.partner_a.user
    assert deactivate(admin_client, user).status_code == 404
    assert db.session.get(User, user.id).is_active


def test_deactivating_an_unknown_account_answers_404(admin_client, world):
    assert admin_client.post("/admin/therapists/999999/deactivate").status_code == 404


# Practice settings


SETTINGS = {
    "name": "Harbour Practice",
    "address": "1 Quay Street\nPort Town",
    "phone": "+44 20 7946 0000",
    "accent_color": "#aa3355",
    "page_size": "Letter",
}


def save_settings(admin_client, logo=None, **changes):
    data = {**SETTINGS, **changes}
    if logo is not None:
        content, filename = logo
        data["logo"] = (io.BytesIO(content), filename)
    return admin_client.post("/admin/settings", data=data, content_type="multipart/form-data")


def stored_settings():
    db.session.expire_all()
    return db.session.get(PracticeSettings, 1)


def test_settings_page_shows_the_defaults_before_any_save(admin_client):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'value="Our practice"' in page
    assert 'value="#2f6f73"' in page


def test_saving_settings_stores_every_field(admin_client):
    response = save_settings(admin_client)
    assert response.status_code == 303
    settings = stored_settings()
    assert {field: getattr(settings, field) for field in SETTINGS} == SETTINGS


def test_saved_practice_name_appears_on_pages(admin_client):
    save_settings(admin_client)
    assert "Harbour Practice" in admin_client.get("/admin/therapists").get_data(as_text=True)


def test_saving_settings_writes_an_audit_event(admin_client, world):
    save_settings(admin_client)
    [event] = events("practice_settings_changed")
    assert event.actor_id == world.admin.id


def test_branding_version_increases_on_every_save(admin_client):
    save_settings(admin_client)
    first = stored_settings().branding_version
    save_settings(admin_client, name="Harbour Practice Two")
    assert stored_settings().branding_version > first > 1


def test_png_logo_is_accepted_and_served(admin_client, client):
    logo = png_bytes()
    assert save_settings(admin_client, logo=(logo, "logo.png")).status_code == 303
    response = client.get("/practice/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == logo


def test_jpeg_logo_is_accepted_and_served(admin_client, client):
    logo = jpeg_bytes()
    assert save_settings(admin_client, logo=(logo, "logo.jpg")).status_code == 303
    response = client.get("/practice/logo")
    assert response.mimetype == "image/jpeg"
    assert response.data == logo


def test_logo_type_is_judged_by_content_not_by_name(admin_client, client):
    save_settings(admin_client, logo=(png_bytes(), "photo.jpg"))
    assert client.get("/practice/logo").mimetype == "image/png"


def test_logo_is_served_to_anonymous_visitors(admin_client, new_client):
    save_settings(admin_client, logo=(png_bytes(), "logo.png"))
    assert new_client().get("/practice/logo").status_code == 200


def test_logo_is_kept_when_settings_are_saved_without_a_new_one(admin_client):
    save_settings(admin_client, logo=(png_bytes(), "logo.png"))
    save_settings(admin_client, name="Renamed Practice")
    assert stored_settings().logo == png_bytes()


def test_remove_logo_removes_it(admin_client, client):
    save_settings(admin_client, logo=(png_bytes(), "logo.png"))
    save_settings(admin_client, remove_logo="y")
    assert client.get("/practice/logo").status_code == 404


def test_no_logo_answers_404(admin_client, client):
    assert client.get("/practice/logo").status_code == 404


def refused(response, field_id, expected):
    assert response.status_code == 200
    assert expected in (error_for(response.get_data(as_text=True), field_id) or "")


def test_text_file_named_logo_png_is_refused(admin_client):
    response = save_settings(admin_client, logo=(b"just some text\n" * 10, "logo.png"))
    refused(response, "logo", "The logo must be a PNG or JPEG image.")


def test_png_signature_without_an_image_header_is_refused(admin_client):
    response = save_settings(admin_client, logo=(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "logo.png"))
    refused(response, "logo", "PNG or JPEG")


def test_logo_over_1_mb_is_refused(admin_client):
    big = png_bytes() + b"\x00" * (1024 * 1024)
    response = save_settings(admin_client, logo=(big, "logo.png"))
    refused(response, "logo", "The logo must be at most 1 MB.")


def test_logo_of_exactly_1_mb_is_accepted(admin_client):
    logo = png_bytes()
    logo += b"\x00" * (1024 * 1024 - len(logo))
    assert save_settings(admin_client, logo=(logo, "logo.png")).status_code == 303


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", "aa3355", ""])
def test_invalid_accent_colour_is_refused(admin_client, colour):
    response = save_settings(admin_client, accent_color=colour)
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), "accent_color")


def test_unknown_page_size_is_refused(admin_client):
    response = save_settings(admin_client, page_size="A3")
    assert response.status_code == 200
    assert error_for(response.get_data(as_text=True), "page_size")


@pytest.mark.parametrize(
    "change",
    [
        {"accent_color": "not-a-colour"},
        {"logo": (b"plain text", "logo.png")},
        {"logo": (png_bytes() + b"\x00" * (1024 * 1024), "logo.png")},
    ],
    ids=["colour", "not-an-image", "too-large"],
)
def test_refused_settings_change_nothing(admin_client, change):
    save_settings(admin_client, logo=(png_bytes(), "logo.png"))
    before = stored_settings()
    snapshot = {c.key: getattr(before, c.key) for c in PracticeSettings.__table__.columns}
    response = save_settings(admin_client, name="Should Not Be Saved", **change)
    assert response.status_code == 200
    after = stored_settings()
    assert {c.key: getattr(after, c.key) for c in PracticeSettings.__table__.columns} == snapshot


def test_refused_settings_before_any_save_store_nothing(admin_client):
    save_settings(admin_client, accent_color="red")
    assert stored_settings() is None


def test_theme_css_carries_the_accent_colour(admin_client, new_client):
    save_settings(admin_client, accent_color="#AA3355")
    response = new_client().get("/practice/theme.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "--accent: #AA3355;" in response.get_data(as_text=True)


def test_theme_css_carries_the_default_colour_before_any_save(client):
    assert "--accent: #2f6f73;" in client.get("/practice/theme.css").get_data(as_text=True)


def test_pages_link_the_theme_with_the_branding_version(admin_client):
    save_settings(admin_client)
    version = stored_settings().branding_version
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert f"/practice/theme.css?v={version}" in page


def test_sign_in_still_works_after_admin_changes(admin_client, new_client, world, login):
    save_settings(admin_client, logo=(png_bytes(), "logo.png"))
    assert login(new_client(), world.therapist, PASSWORD).status_code == 303

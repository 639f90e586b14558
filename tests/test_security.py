"""Security headers, cookie flags, CSRF, safe redirects, and no 500 for a user's mistake."""

import re

import pytest
from sqlalchemy import func, select

from clinic.accounts.models import LoginSession, User
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.security import safe_next_url
from tests.conftest import is_signed_in
from tests.factories import PASSWORD

EXPIRED_FORM = b"This form expired"


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


# Headers on every response

PAGES = {
    "sign-in page": (None, "/sign-in", 200),
    "signed-in page": ("therapist", "/couples", 200),
    "admin page": ("admin", "/admin/therapists", 200),
    "client page": ("client", "/portal", 200),
    "not found": (None, "/no-such-page", 404),
    "not found, signed in": ("therapist", "/admin/settings", 404),
}


@pytest.fixture(params=list(PAGES), ids=list(PAGES))
def page(request, client, world, login):
    who, path, status = PAGES[request.param]
    if who is not None:
        login(client, world.partner_a.user if who == "client" else getattr(world, who))
    response = client.get(path)
    assert response.status_code == status
    return response


def test_script_src_allows_no_inline_script(page):
    script_src = csp_directives(page).get("script-src")
    assert script_src == ["'self'"]


def test_csp_forbids_framing(page):
    assert csp_directives(page)["frame-ancestors"] == ["'none'"]


def test_csp_default_src_is_self(page):
    assert csp_directives(page)["default-src"] == ["'self'"]


def test_no_unsafe_inline_or_eval_anywhere_in_the_policy(page):
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_content_type_is_not_sniffed(page):
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_no_referrer_is_sent(page):
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_pages_are_not_cached(page):
    assert page.headers["Cache-Control"] == "no-store"


def test_pages_carry_no_inline_script_or_style(page):
    html = page.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("path", ["/couples", "/admin/therapists", "/portal", "/account/password"])
def test_redirect_to_sign_in_carries_the_headers(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_sign_in_redirect_is_not_cached(client, world, login):
    response = login(client, world.therapist)
    assert response.headers["Cache-Control"] == "no-store"


def test_development_responses_send_no_hsts(make_app, world):
    app = make_app(ENV="development", SESSION_COOKIE_SECURE=None)
    assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers


def test_production_responses_send_hsts(make_app, world):
    app = make_app(ENV="production", SESSION_COOKIE_SECURE=None)
    response = app.test_client().get("/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# Cookie flags


def session_set_cookie(response) -> str:
    [header] = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("clinic_session=")
    ]
    return header


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


@pytest.fixture
def production_sign_in(make_app, world):
    app = make_app(ENV="production", SESSION_COOKIE_SECURE=None)
    client = app.test_client()
    response = client.post("/sign-in", data={"email": world.therapist.email, "password": PASSWORD})
    assert response.status_code == 303
    return session_set_cookie(response)


def test_production_session_cookie_is_secure(production_sign_in):
    assert "secure" in cookie_attributes(production_sign_in)


def test_production_session_cookie_is_http_only(production_sign_in):
    assert "httponly" in cookie_attributes(production_sign_in)


def test_production_session_cookie_is_same_site_lax(production_sign_in):
    assert re.search(r";\s*SameSite=Lax(;|$)", production_sign_in)


@pytest.mark.parametrize("env", ["testing", "development"])
def test_session_cookie_is_not_secure_outside_production(make_app, world, env):
    app = make_app(ENV=env, SESSION_COOKIE_SECURE=None)
    response = app.test_client().post(
        "/sign-in", data={"email": world.therapist.email, "password": PASSWORD}
    )
    attributes = cookie_attributes(session_set_cookie(response))
    assert "secure" not in attributes
    assert {"httponly", "samesite"} <= attributes


# CSRF


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def csrf_token(client, path):
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def csrf_sign_in(client, user):
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return response


def test_sign_in_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": world.therapist.email, "password": PASSWORD})
    assert response.status_code == 400
    assert EXPIRED_FORM in response.data


def test_sign_in_without_csrf_token_starts_no_session(csrf_app, world):
    client = csrf_app.test_client()
    client.post("/sign-in", data={"email": world.therapist.email, "password": PASSWORD})
    assert count(LoginSession) == 0
    assert count(AuditEvent) == 0
    assert not is_signed_in(client)


def test_sign_in_with_a_wrong_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": world.therapist.email, "password": PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert EXPIRED_FORM in response.data


def test_sign_in_with_the_token_from_the_form_works(csrf_app, world):
    client = csrf_app.test_client()
    response = csrf_sign_in(client, world.therapist)
    assert response.headers["Location"] == "/couples"
    assert is_signed_in(client)


def test_csrf_token_of_another_browser_is_refused(csrf_app, world):
    other = csrf_app.test_client()
    token = csrf_token(other, "/sign-in")
    client = csrf_app.test_client()
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": world.therapist.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 400


def test_sign_out_without_csrf_token_is_refused_and_keeps_the_session(csrf_app, world):
    client = csrf_app.test_client()
    csrf_sign_in(client, world.therapist)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert EXPIRED_FORM in response.data
    assert is_signed_in(client)


def test_sign_out_with_the_token_from_the_page_works(csrf_app, world):
    client = csrf_app.test_client()
    csrf_sign_in(client, world.therapist)
    token = csrf_token(client, "/couples")
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert not is_signed_in(client)


def test_creating_a_therapist_without_csrf_token_is_refused(csrf_app, world, outbox):
    client = csrf_app.test_client()
    csrf_sign_in(client, world.admin)
    before = count(User)
    response = client.post(
        "/admin/therapists", data={"display_name": "Robin", "email": "robin@example.org"}
    )
    assert response.status_code == 400
    assert EXPIRED_FORM in response.data
    assert count(User) == before
    assert outbox() == []


def test_creating_a_therapist_with_the_token_from_the_form_works(csrf_app, world, outbox):
    client = csrf_app.test_client()
    csrf_sign_in(client, world.admin)
    token = csrf_token(client, "/admin/therapists")
    response = client.post(
        "/admin/therapists",
        data={"display_name": "Robin", "email": "robin@example.org", "csrf_token": token},
    )
    assert response.status_code == 303
    assert count(User, User.email == "robin@example.org") == 1


def test_csrf_token_from_before_sign_in_no_longer_works_after_it(csrf_app, world):
    client = csrf_app.test_client()
    stale = csrf_token(client, "/sign-in")
    csrf_sign_in(client, world.admin)
    response = client.post(
        "/admin/therapists",
        data={"display_name": "Robin", "email": "robin@example.org", "csrf_token": stale},
    )
    assert response.status_code == 400


def test_expired_form_page_is_a_clear_page(csrf_app, world):
    response = csrf_app.test_client().post("/sign-in", data={})
    page = response.get_data(as_text=True)
    assert "<h1>This form expired</h1>" in page
    assert "reload the page and send it again" in page


# safe_next_url itself


@pytest.mark.parametrize("target", ["/couples", "/couples/3?tab=notes", "/a/b#c"])
def test_safe_next_url_keeps_paths_on_this_site(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "couples",
        "https://evil.example",
        "http://evil.example/couples",
        "//evil.example",
        "//evil.example/couples",
        "/\\evil.example",
        "\\/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\x00/evil.example",
    ],
)
def test_safe_next_url_refuses_everything_else(target):
    assert safe_next_url(target) is None


# No 500 for a user's mistake

LONG_EMAIL = "a" * 5000 + "@example.org"
NON_UTF8 = b"email=\xff\xfe\xfa%40example.org&password=\xc3\x28\xa0\xa1&display_name=\xff"


def test_very_long_email_at_sign_in_is_a_normal_failure(client, world):
    response = client.post("/sign-in", data={"email": LONG_EMAIL, "password": PASSWORD})
    assert response.status_code == 200


def test_very_long_password_at_sign_in_is_a_normal_failure(client, world):
    response = client.post(
        "/sign-in", data={"email": world.therapist.email, "password": "x" * 100_000}
    )
    assert response.status_code == 200
    assert not is_signed_in(client)


@pytest.mark.parametrize("path", ["/sign-in", "/password/reset", "/sign-in?next=/a%00b"])
def test_nul_character_in_a_field_is_refused_with_400(client, world, outbox, path):
    response = client.post(path, data={"email": "owner\x00@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert b"Something in that request was not right" in response.data
    assert outbox() == []
    assert not is_signed_in(client)


def test_nul_character_in_an_admin_form_stores_nothing(client, world, login):
    login(client, world.admin)
    before = count(User)
    response = client.post(
        "/admin/therapists", data={"display_name": "Ro\x00bin", "email": "robin@example.org"}
    )
    assert response.status_code == 400
    assert count(User) == before


def test_very_long_email_at_reset_is_refused_on_its_field(client, world, outbox):
    response = client.post("/password/reset", data={"email": LONG_EMAIL})
    assert response.status_code == 200
    assert outbox() == []


@pytest.mark.parametrize("path", ["/sign-in", "/password/reset"])
def test_missing_fields_are_refused_on_the_page(client, world, path):
    response = client.post(path, data={})
    assert response.status_code == 200
    assert b"This field is required." in response.data


@pytest.mark.parametrize("path", ["/account/password", "/admin/therapists", "/admin/settings"])
def test_missing_fields_on_signed_in_forms_are_refused_on_the_page(client, world, login, path):
    login(client, world.admin)
    response = client.post(path, data={})
    assert response.status_code == 200


def test_missing_fields_on_a_reset_link_are_refused_on_the_page(client, world, outbox):
    from tests.conftest import link_in

    client.post("/password/reset", data={"email": world.therapist.email})
    link = link_in(outbox()[0], "/password/reset/")
    response = client.post(link, data={})
    assert response.status_code == 200
    assert b"This field is required." in response.data


@pytest.mark.parametrize("path", ["/sign-in", "/password/reset"])
def test_non_utf8_body_is_not_a_server_error(client, world, path):
    response = client.post(path, data=NON_UTF8, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/admin/therapists", "/admin/settings", "/account/password"])
def test_non_utf8_body_on_signed_in_forms_is_not_a_server_error(client, world, login, path):
    login(client, world.admin)
    response = client.post(path, data=NON_UTF8, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


def test_non_utf8_query_string_is_not_a_server_error(client, world):
    response = client.post(
        "/sign-in?next=%ff%fe", data={"email": world.therapist.email, "password": PASSWORD}
    )
    assert response.status_code == 303


def test_json_object_of_strings_is_read_like_a_form(client, world):
    response = client.post("/sign-in", json={"email": world.therapist.email, "password": "x"})
    assert response.status_code == 200
    assert b"That e-mail and password do not match an active account." in response.data


@pytest.mark.parametrize(
    "body",
    ["[1, 2]", '"text"', "5", "null", '{"email": 5, "password": null}', '{"email": {"a": "b"}}'],
    ids=["list", "string", "number", "null", "numbers", "nested"],
)
def test_json_body_no_form_can_hold_is_refused_with_400(client, world, body):
    response = client.post("/sign-in", data=body, content_type="application/json")
    assert response.status_code == 400


def test_malformed_json_is_refused_with_400(client, world):
    response = client.post("/sign-in", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_oversized_body_answers_413_with_a_page(client, world):
    response = client.post(
        "/sign-in", data={"email": "a@example.org", "password": "x" * (5 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert b"Too large" in response.data


def test_repeated_fields_are_not_a_server_error(client, world):
    response = client.post(
        "/sign-in",
        data=f"email={world.therapist.email}&email=x@example.org&password=a&password=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


def test_unknown_method_on_a_page_is_not_a_server_error(client):
    assert client.put("/sign-in").status_code == 405
    assert client.delete("/account/password").status_code == 405


def test_non_numeric_therapist_id_answers_404(client, world, login):
    login(client, world.admin)
    assert client.post("/admin/therapists/abc/deactivate").status_code == 404


def test_id_beyond_any_database_range_is_refused_with_400(client, world, login):
    login(client, world.admin)
    response = client.post(f"/admin/therapists/{2**70}/deactivate")
    assert response.status_code == 400
    assert b"Something in that request was not right" in response.data


def test_request_after_a_refused_id_works(client, world, login):
    login(client, world.admin)
    client.post(f"/admin/therapists/{2**70}/deactivate")
    assert client.post(f"/admin/therapists/{world.therapist.id}/deactivate").status_code == 303

"""Explicit security checks not already made elsewhere (see the report of this suite for
where the others live: tests/test_security.py and tests/accounts/)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from freezegun import freeze_time

from clinic.accounts.models import User
from clinic.assignments.models import Assignment
from clinic.assignments.services import assign_items
from clinic.couples.services import create_invitation
from clinic.extensions import db
from tests.conftest import link_in
from tests.factories import PASSWORD, PartnerFactory
from tests.test_security import csrf_sign_in, csrf_token

PRIVATE = "no-store"


def assert_security_headers(response, kind):
    headers = response.headers
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), kind
    assert "script-src 'self'" in headers["Content-Security-Policy"], kind
    assert headers.get("X-Content-Type-Options") == "nosniff", kind
    assert headers.get("Referrer-Policy") == "no-referrer", kind
    assert headers.get("X-Frame-Options") == "DENY", kind


def test_every_kind_of_response_carries_the_security_headers(client, world, login):
    """Pages, redirects and 404s are checked in tests/test_security.py; here the other
    kinds: a PDF, JSON, a redirect after a post, 400, 405, 413, 429, static files and the
    practice's theme. Everything but public assets is also never cached."""
    login(client, world.therapist)
    couple = world.couple.id
    kinds = {
        "pdf": client.get("/library/house-trust/pdf"),
        "json": client.get(f"/couples/{couple}/partners/{world.partner_a.id}/fhir.json"),
        "redirect after a post": client.post(f"/couples/{couple}/status", data={"status": "x"}),
        "400": client.post(f"/couples/{couple}/status?x=%00"),
        "405": client.get(f"/couples/{couple}/status"),
        "413": client.post("/library/own/new", data={"body": "x" * (5 * 1024 * 1024)}),
        "static": client.get("/static/css/app.css"),
        "theme": client.get("/practice/theme.css"),
    }
    for _ in range(11):
        kinds["429"] = client.post("/password/reset", data={"email": "nobody@example.org"})
    expected = {"pdf": 200, "json": 200, "redirect after a post": 303, "static": 200}
    expected |= {"400": 400, "405": 405, "413": 413, "429": 429, "theme": 200}
    for kind, response in kinds.items():
        assert response.status_code == expected[kind], kind
        assert_security_headers(response, kind)
        if kind not in ("static", "theme"):
            assert response.headers["Cache-Control"] == PRIVATE, kind
    assert kinds["pdf"].mimetype == "application/pdf"


# CSRF on a clinical record (the admin and sign-in forms are in tests/test_security.py)


def test_removing_an_assignment_without_csrf_token_is_refused_and_keeps_it(make_app, world):
    (assignment,) = assign_items(
        world.couple, [("handout", "house-trust")], None, None, "", world.therapist
    )
    db.session.commit()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    csrf_sign_in(client, world.therapist)
    url = f"/couples/{world.couple.id}/assignments/{assignment.id}/remove"
    refused = client.post(url)
    assert refused.status_code == 400
    assert b"This form expired" in refused.data
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).removed_at is None
    token = csrf_token(client, f"/couples/{world.couple.id}")
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).removed_at is not None


# Rate limit on password reset requests (sign-in's limit is tested in tests/accounts)


def reset(client, email):
    return client.post("/password/reset", data={"email": email})


def test_eleventh_reset_request_within_an_hour_answers_429(client, world, outbox):
    with freeze_time("2030-01-01 09:00:00") as frozen:
        statuses = [reset(client, world.therapist.email).status_code for _ in range(10)]
        frozen.tick(timedelta(minutes=50))
        eleventh = reset(client, world.therapist.email)
    assert statuses == [303] * 10
    assert eleventh.status_code == 429
    assert b"Too many attempts" in eleventh.data
    assert len(outbox()) == 10


def test_reset_requests_work_again_after_an_hour(client, world, outbox):
    with freeze_time("2030-01-01 09:00:00") as frozen:
        for _ in range(11):
            reset(client, world.therapist.email)
        frozen.tick(timedelta(hours=1, seconds=1))
        later = reset(client, world.therapist.email)
    assert later.status_code == 303


def test_reset_rate_limit_answers_alike_for_known_and_unknown_addresses(client, new_client, world):
    with freeze_time("2030-01-01 09:00:00"):
        for n in range(10):
            reset(client, f"guess{n}@example.org")
        known = reset(new_client(), world.therapist.email)
        unknown = reset(new_client(), "no@example.org")
    assert known.status_code == unknown.status_code == 429
    assert known.data == unknown.data


# No account enumeration through links: every unusable link answers the same page


def reset_link(client, outbox, email):
    reset(client, email)
    return link_in(outbox()[-1], "/password/reset/")


def new_password(client, link):
    pw = "a brand new passphrase"
    return client.post(link, data={"password": pw, "confirm": pw})


def same_answers(responses: dict):
    statuses = {name: r.status_code for name, r in responses.items()}
    assert set(statuses.values()) == {404}, statuses
    bodies = {name: r.get_data(as_text=True) for name, r in responses.items()}
    first = next(iter(bodies.values()))
    for name, body in bodies.items():
        assert body == first, name


def test_unusable_reset_links_all_answer_the_same_page(client, new_client, world, outbox):
    """Invalid, expired, used, replaced by a newer link, or of a deactivated account."""
    with freeze_time("2030-01-01 09:00:00") as frozen:
        expired = reset_link(client, outbox, world.other_therapist.email)
        frozen.tick(timedelta(hours=2))
        used = reset_link(client, outbox, world.therapist.email)
        new_password(client, used)
        superseded = reset_link(client, outbox, world.admin.email)
        reset_link(client, outbox, world.admin.email)
        deactivated = reset_link(client, outbox, world.partner_a.email)
        db.session.get(User, world.partner_a.user.id).is_active = False
        db.session.commit()
        links = {
            "invalid": "/password/reset/made-up-token",
            "expired": expired,
            "used": used,
            "superseded": superseded,
            "deactivated": deactivated,
        }
        fresh = new_client()  # no messages left over from asking for the links
        same_answers({name: fresh.get(link) for name, link in links.items()})
        same_answers({name: new_password(fresh, link) for name, link in links.items()})


def invitation_link(world, email):
    partner = PartnerFactory(couple__therapist=world.therapist, email=email)
    token = create_invitation(partner, world.therapist)
    db.session.commit()
    return partner, f"/invitations/{token}"


def test_unusable_invitation_links_all_answer_the_same_page(client, new_client, world):
    with freeze_time("2030-01-01 09:00:00") as frozen:
        _p, expired = invitation_link(world, "expired@example.org")
        frozen.tick(timedelta(days=8))
        _p, used = invitation_link(world, "used@example.org")
        assert new_password(new_client(), used).status_code == 303
        revoked_partner, revoked = invitation_link(world, "revoked@example.org")
        create_invitation(revoked_partner, world.therapist)  # the new link replaces it
        db.session.commit()
        links = {
            "invalid": "/invitations/made-up-token",
            "expired": expired,
            "used": used,
            "revoked": revoked,
        }
        same_answers({name: client.get(link) for name, link in links.items()})
        same_answers({name: new_password(client, link) for name, link in links.items()})


# Open redirect through the real sign-in flow: the page is opened with ?next=..., the form
# posts back to the same address, and the answer must stay on this site.

HOSTILE_NEXT = [
    "https://evil.example",
    "https%3A%2F%2Fevil.example",
    "//evil.example",
    "%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "/%2F/evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "http:evil.example",
    "https:/evil.example",
    "/%09/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    "%20//evil.example",
    "/%E3%80%82/evil.example",
    "data:text/html,<script>alert(1)</script>",
]


def stays_on_this_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and not re.search(r"[\\\x00-\x1f\x7f]", location)
    )


def test_sign_in_with_a_hostile_next_stays_on_this_site(new_client, world):
    for raw_next in HOSTILE_NEXT:
        browser = new_client()
        url = f"/sign-in?next={raw_next}"
        page = browser.get(url)
        assert page.status_code == 200  # its form has no action: it posts back to this address
        response = browser.post(url, data={"email": world.therapist.email, "password": PASSWORD})
        assert response.status_code == 303, raw_next
        location = response.headers["Location"]
        assert stays_on_this_site(location), (raw_next, location)


def test_signed_in_visitor_is_not_sent_off_site_by_next(client, world, login):
    login(client, world.therapist)
    response = client.get("/sign-in?next=//evil.example")
    assert response.headers["Location"] == "/couples"

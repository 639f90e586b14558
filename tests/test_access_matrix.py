"""Every URL rule of the app x every kind of user, with the status each must get.

Adding a route without an entry here fails ``test_every_route_is_classified``.
Forbidden things answer 404 (privacy rule 1); anonymous users are sent to sign in.
"""

import pytest
from flask import url_for

from clinic.accounts.services import create_password_token
from clinic.assignments.services import assign_items
from clinic.couples.services import create_invitation
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.services import create_custom_handout
from tests.factories import PartnerFactory

ROLES = ("anonymous", "admin", "owner", "other_therapist", "partner_a", "partner_b", "other_client")

SIGN_IN = 302  # anonymous users are redirected to the sign-in page
ALL_OK = dict.fromkeys(ROLES, 200)


def only(allowed: dict, default=404, anonymous=SIGN_IN):
    statuses = dict.fromkeys(ROLES, default)
    statuses["anonymous"] = anonymous
    statuses.update(allowed)
    return statuses


THERAPISTS = {"owner": 200, "other_therapist": 200}
CLIENTS = {"partner_a": 200, "partner_b": 200, "other_client": 200}

# endpoint -> (method, url values key, expected status per role)
MATRIX = {
    "static": ("GET", "static", ALL_OK),
    "practice.logo": ("GET", None, ALL_OK),
    "practice.theme": ("GET", None, ALL_OK),
    "accounts.index": ("GET", None, dict.fromkeys(ROLES, 302)),
    "accounts.sign_in": ("GET", None, {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    "accounts.sign_out": ("POST", None, dict.fromkeys(ROLES, 303)),
    "accounts.change_password": ("GET", None, {**ALL_OK, "anonymous": SIGN_IN}),
    "accounts.request_reset": ("GET", None, ALL_OK),
    "accounts.reset_password": ("GET", "reset_token", ALL_OK),
    "admin.therapists": ("GET", None, only({"admin": 200})),
    "admin.deactivate_therapist": ("POST", "therapist", only({"admin": 303})),
    "admin.reactivate_therapist": ("POST", "therapist", only({"admin": 303})),
    "admin.resend_setup_link": ("POST", "therapist", only({"admin": 303})),
    "admin.practice_settings": ("GET", None, only({"admin": 200})),
    "couples.dashboard": ("GET", None, only(THERAPISTS)),
    "couples.new_couple": ("GET", None, only(THERAPISTS)),
    "couples.detail": ("GET", "couple", only({"owner": 200})),
    "couples.edit": ("GET", "couple", only({"owner": 200})),
    "couples.change_status": ("POST", "couple", only({"owner": 303})),
    "couples.audit_trail": ("GET", "couple", only({"owner": 200})),
    "couples.send_invitation": ("POST", "partner", only({"owner": 303})),
    "couples.revoke_invitation": ("POST", "partner", only({"owner": 303})),
    "couples.accept_invitation": ("GET", "invitation_token", ALL_OK),
    "portal.home": ("GET", None, only(CLIENTS)),
    "library.index": ("GET", None, only(THERAPISTS)),
    "library.preview": ("GET", "slug", only(THERAPISTS)),
    "library.exercise": ("GET", "exercise_slug", only(THERAPISTS)),
    "library.pdf": ("GET", "slug", only(THERAPISTS)),
    "library.new_own": ("GET", None, only(THERAPISTS)),
    "library.own": ("GET", "own_handout", only({"owner": 200})),
    "library.edit_own": ("GET", "own_handout", only({"owner": 200})),
    "library.own_pdf": ("GET", "own_handout", only({"owner": 200})),
    "assignments.assign": ("GET", "couple", only({"owner": 200})),
    "assignments.remove": ("POST", "assignment", only({"owner": 303})),
    "assignments.packet": ("GET", "couple", only({"owner": 200})),
    # The assignment is for partner A alone: partner B may not learn of it.
    "portal.read": ("GET", "assignment_for_a", only({"partner_a": 200})),
    "portal.mark_read": ("POST", "assignment_for_a", only({"partner_a": 303})),
    "portal.pdf": ("GET", "assignment_for_a", only({"partner_a": 200})),
    "assignments.review": ("GET", "exercise", only({"owner": 200})),
    "assignments.response_pdf": ("GET", "response", only({"owner": 200})),
    "library.worksheet": ("GET", "exercise_slug", only(THERAPISTS)),
    "sessions.new": ("GET", "couple", only({"owner": 200})),
    "sessions.edit": ("GET", "draft_note", only({"owner": 200})),
    "sessions.autosave": ("POST", "draft_note", only({"owner": 200})),
    "sessions.show": ("GET", "final_note", only({"owner": 200})),
    "sessions.addendum": ("POST", "final_note", only({"owner": 303})),
    "sessions.release": ("POST", "final_note", only({"owner": 303})),
    "sessions.homework": ("POST", "final_note", only({"owner": 303})),
    "sessions.summary_pdf": ("GET", "final_note", only({"owner": 200})),
    "sessions.clinician_pdf": ("GET", "final_note", only({"owner": 200})),
    "sessions.timeline": ("GET", "couple", only({"owner": 200})),
    "intake.send_packet": ("POST", "couple", only({"owner": 303})),
    "intake.review_flag": ("POST", "flag", only({"owner": 303})),
    "intake.review_hold": ("POST", "couple", only({"owner": 303})),
    "intake.consent": ("GET", None, only(CLIENTS)),
    "intake.report": ("GET", "couple", only({"owner": 200})),
    "intake.progress": ("GET", "couple", only({"owner": 200})),
    "intake.fhir_export": ("GET", "partner", only({"owner": 200})),
    # Released summary of Sam & Alex's session: both partners, nobody else.
    "portal.session_summary": ("GET", "released_note", only({"partner_a": 200, "partner_b": 200})),
    "assignments.comment": ("POST", "response", only({"owner": 303})),
    # A's exercise, submitted by A and private.
    "portal.exercise": ("GET", "exercise_for_a", only({"partner_a": 302})),
    "portal.save": ("POST", "exercise_for_a", only({"partner_a": 303})),
    "portal.autosave": ("POST", "exercise_for_a", only({"partner_a": 409})),
    "portal.result": ("GET", "exercise_for_a", only({"partner_a": 200})),
    "portal.share": ("POST", "exercise_for_a", only({"partner_a": 303})),
    "portal.amend": ("POST", "exercise_for_a", only({"partner_a": 303})),
    # Not a repeated measure: nothing to start again, for anyone.
    "portal.again": ("POST", "exercise_for_a", only({})),
}

# What a POST sends, so the owner's request is a valid one.
FORM_DATA = {
    "sessions.autosave": {"lock_version": "0", "talked_about": "x"},
    "sessions.addendum": {"text": "Later thought."},
    "intake.review_flag": {},
    "intake.review_hold": {"hold-note": "Reviewed in session."},
    "couples.change_status": {"status": "paused"},
    "portal.share": {"shared": "1"},
    "assignments.comment": {},
}

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX), (
        f"unclassified: {sorted(endpoints - set(MATRIX))}; stale: {sorted(set(MATRIX) - endpoints)}"
    )


def test_every_classified_method_is_the_route_method(app):
    for rule in app.url_map.iter_rules():
        method, _key, _statuses = MATRIX[rule.endpoint]
        assert method in rule.methods, rule.endpoint


def url_values(world, key):
    if key is None:
        return {}
    if key == "static":
        return {"filename": "css/app.css"}
    if key == "therapist":
        return {"user_id": world.other_therapist.id}
    if key == "couple":
        return {"couple_id": world.couple.id}
    if key == "partner":
        return {"couple_id": world.couple.id, "partner_id": world.partner_b.id}
    if key == "slug":
        return {"slug": "house-trust"}
    if key == "flag":
        return {"couple_id": world.couple.id, "flag_id": world.flag.id}
    if key == "draft_note":
        return {"couple_id": world.couple.id, "note_id": world.draft_note.id}
    if key == "final_note":
        return {"couple_id": world.couple.id, "note_id": world.final_note.id}
    if key == "released_note":
        return {"note_id": world.final_note.id}
    if key == "exercise_slug":
        return {"slug": "love-language-discovery"}
    if key == "own_handout":
        return {"handout_id": world.own_handout.id}
    if key == "assignment":
        return {"couple_id": world.couple.id, "assignment_id": world.assignment_for_a.id}
    if key == "exercise":
        return {"couple_id": world.couple.id, "assignment_id": world.exercise_for_a.id}
    if key == "exercise_for_a":
        return {"assignment_id": world.exercise_for_a.id}
    if key == "response":
        return {
            "couple_id": world.couple.id,
            "assignment_id": world.exercise_for_a.id,
            "response_id": world.response_of_a.id,
        }
    if key == "assignment_for_a":
        return {"assignment_id": world.assignment_for_a.id}
    if key == "reset_token":
        token = create_password_token(world.partner_a.user, "reset")
        db.session.commit()
        return {"token": token}
    if key == "invitation_token":
        invited = world.invited_partner
        token = create_invitation(invited, world.therapist)
        db.session.commit()
        return {"token": token}
    raise AssertionError(key)


@pytest.fixture
def matrix_world(world):
    from clinic.accounts.services import get_practice_settings

    settings = get_practice_settings()
    settings.logo, settings.logo_mime = PNG, "image/png"
    # A third case with a partner who has not joined yet, for invitation links.
    world.invited_partner = PartnerFactory(
        couple__therapist=world.therapist, email="invited@example.org"
    )
    world.own_handout = create_custom_handout(
        world.therapist, {"title": "Mine", "summary": "", "layer": "trust", "body": "Text."}
    )
    (world.assignment_for_a,) = assign_items(
        world.couple, [("handout", "house-trust")], world.partner_a, None, "", world.therapist
    )
    (world.exercise_for_a,) = assign_items(
        world.couple,
        [("exercise", "trust-reflection")],
        world.partner_a,
        None,
        "",
        world.therapist,
    )
    db.session.flush()
    world.response_of_a = submitted_response(world.exercise_for_a, world.partner_a)
    from clinic.sessions import services as notes

    world.draft_note = notes.start_note(world.couple, world.therapist, utcnow(), "first")
    world.final_note = notes.start_note(world.couple, world.therapist, utcnow(), "conflict")
    notes.finalise_note(world.final_note, world.therapist)
    notes.release_summary(world.final_note)
    from clinic.intake.models import RiskFlag

    world.flag = RiskFlag(
        couple_id=world.couple.id,
        partner_id=world.partner_a.id,
        response_id=world.response_of_a.id,
        label="Needs review",
    )
    db.session.add(world.flag)
    db.session.commit()
    return world


def submitted_response(assignment, partner):
    from clinic.assignments.responses import start_draft, submit_response
    from clinic.library.services import current_library

    definition = current_library().exercise(assignment.item_slug)
    response = start_draft(assignment, partner, definition)
    db.session.flush()
    return submit_response(response, {}, definition, response.lock_version)


def user_for(world, role):
    return {
        "anonymous": None,
        "admin": world.admin,
        "owner": world.therapist,
        "other_therapist": world.other_therapist,
        "partner_a": world.partner_a.user,
        "partner_b": world.partner_b.user,
        "other_client": world.other_client,
    }[role]


CASES = [(endpoint, role) for endpoint in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_route_answers_role_with_expected_status(app, client, matrix_world, login, endpoint, role):
    method, key, statuses = MATRIX[endpoint]
    user = user_for(matrix_world, role)
    if user is not None:
        assert login(client, user).status_code == 303
    url = url_for(endpoint, **url_values(matrix_world, key), _external=False)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=FORM_DATA.get(endpoint, {}))
    assert response.status_code == statuses[role], (endpoint, role, response.status_code)
    if response.status_code == 404:
        assert b"Page not found" in response.data

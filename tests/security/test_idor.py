"""IDOR: every URL that names a record, asked by every role with the ids of records that
are not theirs to see (another therapist's couple, removed or deleted records, ids that
never existed, and ids of two couples mixed in one URL). Only the matrix's own statuses are
ever allowed; anything else answers 404 (anonymous visitors are sent to sign in) and the
page never carries the other couple's words."""

import itertools

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import MARKER, NEVER_ID, row_counts
from tests.test_access_matrix import FORM_DATA, MATRIX, ROLES, url_values

SIGN_IN, NOT_FOUND = 302, 404
# Matrix url keys whose values name records by id (tokens and slugs are not ids).
ID_KEYS = {
    "therapist",
    "couple",
    "partner",
    "flag",
    "draft_note",
    "final_note",
    "released_note",
    "own_handout",
    "assignment",
    "exercise",
    "exercise_for_a",
    "response",
    "assignment_for_a",
}
ID_ENDPOINTS = sorted(e for e, (_m, key, _s) in MATRIX.items() if key in ID_KEYS)
# World B's own people: for B's records they are the owner and the partners.
B_INSIDERS = ("other_therapist", "other_client")
# Who in world B plays each matrix role, for the control that B's records are reachable.
MIRROR = {"owner": "other_therapist", "partner_a": "other_client"}


def refused(role: str) -> int:
    return SIGN_IN if role == "anonymous" else NOT_FOUND


def removed_values(a, gone, key) -> list[dict]:
    """URL values naming records of world A that the app removed or deleted."""
    couple = {"couple_id": a.couple.id}
    return {
        # Admin pages act on therapist accounts only: a client's or the admin's own id.
        "therapist": [{"user_id": a.partner_a.user.id}, {"user_id": a.admin.id}],
        "couple": [{"couple_id": gone.couple_id}],
        "partner": [couple | {"partner_id": gone.partner_id}],
        "flag": [couple | {"flag_id": gone.flag_id}],
        "draft_note": [],
        "final_note": [],
        "released_note": [
            {"note_id": gone.unreleased_note.id},
            {"note_id": a.draft_note.id},
        ],
        "own_handout": [{"handout_id": gone.handout_id}],
        "assignment": [couple | {"assignment_id": gone.handout.id}],
        "exercise": [couple | {"assignment_id": gone.exercise.id}],
        "exercise_for_a": [{"assignment_id": gone.exercise.id}],
        "response": [couple | {"assignment_id": gone.exercise.id, "response_id": gone.response.id}],
        "assignment_for_a": [{"assignment_id": gone.handout.id}],
    }[key]


def missing_values(a, key) -> list[dict]:
    """Each id of the URL in turn (then all of them) replaced by one that never existed."""
    own = url_values(a, key)
    variants = []
    for never in (0, NEVER_ID):
        variants += [own | {name: never} for name in own]
        if len(own) > 1:
            variants.append(dict.fromkeys(own, never))
    return variants


def mixed_values(a, b, key) -> list[dict]:
    """Some ids from couple A's records, the others from couple B's, in one URL."""
    ours, theirs = url_values(a, key), url_values(b, key)
    names = sorted(ours)
    variants = []
    for size in range(1, len(names)):
        for taken in itertools.combinations(names, size):
            variants.append({n: (theirs if n in taken else ours)[n] for n in names})
    return variants


def build_cases(a, b, gone):
    """(endpoint, variant, url values, roles that may be drawn, expected status by role)."""
    cases = []
    for endpoint in ID_ENDPOINTS:
        method, key, statuses = MATRIX[endpoint]
        everyone_refused = {role: refused(role) for role in ROLES}
        # A's own records: the matrix's statuses. Requests the matrix allows to change
        # something (POSTs) would change the shared world, and the matrix test runs them.
        own_roles = [r for r in ROLES if method == "GET" or statuses[r] in (SIGN_IN, NOT_FOUND)]
        cases.append((endpoint, "own", url_values(a, key), own_roles, statuses))
        if key != "therapist":
            outsiders = [r for r in ROLES if r not in B_INSIDERS]
            cases.append((endpoint, "other", url_values(b, key), outsiders, everyone_refused))
        for values in mixed_values(a, b, key):
            cases.append((endpoint, "mixed", values, list(ROLES), everyone_refused))
        for values in removed_values(a, gone, key):
            cases.append((endpoint, "removed", values, list(ROLES), everyone_refused))
        for values in missing_values(a, key):
            cases.append((endpoint, "missing", values, list(ROLES), everyone_refused))
    return cases


def ask(client, endpoint, values):
    method = MATRIX[endpoint][0]
    url = url_for(endpoint, **values, _external=False)
    if method == "GET":
        return client.get(url)
    return client.post(url, data=FORM_DATA.get(endpoint, {}))


def assert_nothing_of_couple_b(response, context):
    body = response.get_data()
    for leak in (MARKER.encode(), b"Kim &amp; Lee", b"Kim & Lee"):
        assert leak not in body, context


def test_every_id_route_has_removed_or_missing_variants(worlds):
    a, b, gone = worlds
    cases = build_cases(a, b, gone)
    for endpoint in ID_ENDPOINTS:
        variants = {variant for e, variant, *_ in cases if e == endpoint}
        assert {"own", "missing"} <= variants, endpoint
        assert variants & {"other", "removed"}, endpoint
    with_many_ids = [e for e in ID_ENDPOINTS if len(url_values(a, MATRIX[e][1])) > 1]
    assert with_many_ids
    assert all(e in {c[0] for c in cases if c[1] == "mixed"} for e in with_many_ids)


@pytest.fixture
def idor(worlds, role_clients):
    """The cases and one signed-in browser per role, built once for all examples."""
    a, b, gone = worlds
    return build_cases(a, b, gone), role_clients(a)


def check(response, case, role):
    endpoint, variant, values, _roles, expected = case
    context = (endpoint, variant, values, role, response.status_code)
    assert response.status_code == expected[role], context
    if response.status_code == NOT_FOUND:
        assert b"Page not found" in response.data, context
    assert_nothing_of_couple_b(response, context)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_role_asking_for_any_record_gets_only_what_the_matrix_allows(idor, data):
    cases, clients = idor
    case = data.draw(st.sampled_from(cases), label="case")
    role = data.draw(st.sampled_from(case[3]), label="role")
    check(ask(clients[role], case[0], case[2]), case, role)


def test_roles_allowed_on_their_own_records_get_404_for_everyone_elses(idor):
    """Every variant naming a record that is not theirs, asked by exactly the roles the
    matrix lets in on their own records (the ones a missing check would let through):
    404 every time, and not a row added or removed anywhere."""
    cases, clients = idor
    before = row_counts()
    for case in cases:
        endpoint, variant, _values, _roles, _expected = case
        if variant == "own":
            continue
        statuses = MATRIX[endpoint][2]
        for role in ROLES:
            if statuses[role] not in (SIGN_IN, NOT_FOUND) and role not in B_INSIDERS:
                check(ask(clients[role], endpoint, case[2]), case, role)
    assert row_counts() == before


GET_ENDPOINTS_OF_B = [
    e for e in ID_ENDPOINTS if MATRIX[e][0] == "GET" and MATRIX[e][1] != "therapist"
]


def test_couple_b_records_are_reachable_by_couple_b(worlds, app, login):
    """The control for the 404s above: B's owner and partner reach B's records with the
    statuses the matrix gives A's owner and partner, so those 404s are not broken URLs."""
    a, b, gone = worlds
    people = {"other_therapist": b.therapist, "other_client": b.partner_a.user}
    clients = {}
    for role, user in people.items():
        clients[role] = app.test_client()
        assert login(clients[role], user).status_code == 303
    for endpoint in GET_ENDPOINTS_OF_B:
        _method, key, statuses = MATRIX[endpoint]
        for a_role, b_role in MIRROR.items():
            response = ask(clients[b_role], endpoint, url_values(b, key))
            assert response.status_code == statuses[a_role], (endpoint, b_role)


# Routes answering GET and POST: the matrix checks one method; the other is refused alike.

BOTH_METHODS = {
    "accounts.change_password": {
        "current_password": "correct horse battery",
        "password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    },
    "accounts.sign_in": {"email": "owner@example.org", "password": "correct horse battery"},
    "admin.practice_settings": {"name": "Taken over", "accent_color": "#000000"},
    "admin.therapists": {"display_name": "Intruder", "email": "intruder@example.org"},
    "assignments.assign": {"items": ["h:house-trust"], "recipient": "both"},
    "couples.edit": {
        "label": "Taken over",
        "partner1_name": "Sam",
        "partner1_email": "sam@example.org",
    },
    "couples.new_couple": {
        "label": "Planted",
        "partner1_name": "P",
        "partner1_email": "planted@example.org",
    },
    "intake.consent": {"agree": "y", "typed_name": "Forged"},
    "library.edit_own": {"title": "Taken over", "layer": "trust", "body": "x"},
    "library.new_own": {"title": "Planted", "layer": "trust", "body": "x"},
    "sessions.edit": {"lock_version": "0", "talked_about": "Taken over"},
    "sessions.new": {"session_date": "2030-01-01", "session_time": "10:00"},
    "accounts.request_reset": {"email": "owner@example.org"},
    "accounts.reset_password": {"password": "a brand new passphrase"},
    "couples.accept_invitation": {"password": "a brand new passphrase"},
}


def test_every_get_and_post_route_has_post_data(app):
    both = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if {"GET", "POST"} <= rule.methods and MATRIX[rule.endpoint][0] == "GET"
    }
    assert both == set(BOTH_METHODS)


def test_post_to_a_get_route_is_refused_like_get_for_roles_without_access(worlds, role_clients):
    a, _b, _gone = worlds
    clients = role_clients(a)
    before = row_counts()
    failures = []
    for endpoint, data in BOTH_METHODS.items():
        _method, key, statuses = MATRIX[endpoint]
        url = url_for(endpoint, **url_values(a, key), _external=False)
        if key in ("reset_token", "invitation_token"):
            before = row_counts()  # url_values made a new token
        for role in ROLES:
            if statuses[role] not in (SIGN_IN, NOT_FOUND):
                continue
            response = clients[role].post(url, data=data)
            if response.status_code != statuses[role]:
                failures.append((endpoint, role, response.status_code))
            elif role == "anonymous":
                assert response.headers["Location"].startswith("/sign-in"), (endpoint, role)
    assert failures == []
    assert row_counts() == before

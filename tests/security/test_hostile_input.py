"""Hostile input to every form: very long text, control characters, HTML and template
syntax, wrong types, missing and repeated fields, awkward unicode. Never a 500; whatever is
stored is shown as text on every page that displays it (PDFs and the real browser are
tested elsewhere: tests/reports, tests/e2e)."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clinic.accounts.services import create_password_token
from clinic.assignments.models import Assignment, Response
from clinic.assignments.services import assign_items
from clinic.couples.services import create_invitation
from clinic.extensions import db, limiter
from clinic.library.models import CustomHandout
from clinic.sessions.models import SessionNote
from tests.conftest import SECRET
from tests.factories import PASSWORD, UserFactory

PAYLOADS = [
    "{{7*7}}<b>x",
    "{% raw %}{{ config }}{% endraw %}",
    "{{ config.SECRET_KEY }}",
    "{{ 'ssti' ~ 'eval' }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "<script>alert('xss')</script>",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "</textarea><script>alert(2)</script>",
    "[click](javascript:alert(1)) ![i](http://127.0.0.1:9/x)",
    "javascript:alert(1)",
    "\u202eevil\u202c \u200f\u05e9\u05dc\u05d5\u05dd",
    "\U0001f642\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468",
    "e\u0301\u0301\u0301 Z\u0335\u0321\u0322",
    "\x01\x02\x1b[31m\x7f\x0b\x0c",
    "\r\n\t \u2028\u2029",
    "' OR 1=1 --",
    "-1",
    "0",
    "99999999999999999999",
    "2030-02-31",
    "25:99",
    "1e309",
    "NaN",
    "",
    " ",
]
# What must never appear in a page: the payloads' markup and their evaluated forms.
FORBIDDEN = [
    "<script>alert",
    "<img src=x",
    "<svg/onload",
    "<iframe src=javascript",
    "<b>x",
    'href="javascript:',
    "sstieval",
    "looploop",
    SECRET,
]
LITERAL, ESCAPED = "{{7*7}}<b>x", "{{7*7}}&lt;b&gt;x"

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    TEXT,
    st.builds(lambda p, t: p + t, st.sampled_from(PAYLOADS), TEXT),
    st.builds(
        lambda p, n: "x" * n + p, st.sampled_from(PAYLOADS[:12]), st.sampled_from([3000, 100_000])
    ),
)
MISSING = object()


def value_for(valid):
    """A field's value: the valid one, something hostile, several hostile ones (a repeated
    field), or nothing at all."""
    options = [HOSTILE, st.just(MISSING), st.lists(HOSTILE, min_size=2, max_size=3)]
    if valid is not None:
        options.insert(0, st.just(valid))
    return st.one_of(options)


@dataclass
class Form:
    role: str  # who uses it; "anonymous" gets a fresh browser each time
    url: Any  # h -> the URL it posts to
    valid: dict  # h -> field values that make a valid post (None: no valid value)
    page: Any = None  # h -> the page holding the form
    shows: Any = field(default=lambda h: [])  # h -> [(role, url)] pages showing stored text
    text: tuple = ()  # free-text fields that are stored and shown


def couple_url(path=""):
    return lambda h: f"/couples/{h.couple.id}{path}"


def note_url(attr, path=""):
    return lambda h: f"/couples/{h.couple.id}/sessions/{getattr(h, attr).id}{path}"


def exercise_url(path):
    return lambda h: f"/portal/assignments/{h.draft_exercise.id}{path}"


def couple_pages(h):
    return [("owner", f"/couples/{h.couple.id}"), ("owner", "/couples")]


def latest(model, *where):
    return db.session.execute(select(model).where(*where).order_by(model.id.desc())).scalar()


def assigned_pages(h):
    """The couple page, the portal, and the newest assignment as partner A reads it."""
    pages = couple_pages(h) + [("partner_a", "/portal")]
    newest = latest(Assignment, Assignment.couple_id == h.couple.id)
    if newest is not None and newest.item_kind != "exercise":
        pages.append(("partner_a", f"/portal/assignments/{newest.id}"))
    return pages


def own_handout_pages(h):
    newest = latest(CustomHandout, CustomHandout.therapist_id == h.therapist.id)
    return [("owner", f"/library/own/{newest.id}"), ("owner", "/library")]


def couple_fields(h, label="Sam & Alex"):
    return {
        "label": label,
        "partner1_name": "Sam",
        "partner1_pronouns": "she/her",
        "partner1_email": "sam@example.org",
        "partner2_name": "Alex",
        "partner2_pronouns": "they/them",
        "partner2_email": "alex@example.org",
    }


def note_fields(h):
    return {
        "lock_version": str(db.session.get(SessionNote, h.draft_note.id).lock_version),
        "action": "save",
        "session_date": "2030-01-01",
        "session_time": "10:00",
        "duration_minutes": "50",
        "attendees": [str(h.partner_a.id)],
        "layers": ["trust"],
        "talked_about": "a",
        "noticed": "b",
        "practise": "c",
        "clinician_notes": "d",
        "next_date": "2030-01-08",
        "next_time": "10:00",
    }


def exercise_fields(h):
    response = latest(Response, Response.assignment_id == h.draft_exercise.id)
    return {
        "lock_version": str(response.lock_version if response else 0),
        "page": "1",
        "action": "save",
        "rely": "3",
        "builds_trust": ["honesty"],
        "showed_up": "a",
        "gets_in_way": "b",
        "would_help": "c",
        "my_promises-0": "d",
        "check_in": "2030-01-01",
    }


def exercise_pages(h):
    base = f"/portal/assignments/{h.draft_exercise.id}/exercise"
    return [("partner_a", f"{base}?page={n}") for n in range(3)]


ASSIGN_FIELDS = {"items": ["h:house-trust"], "recipient": "both", "due_on": "", "note": "n"}
NOTE_TEXT = ("talked_about", "noticed", "practise", "clinician_notes")
NEW_PASSWORD = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}

FORMS = {
    "accounts.sign_in": Form(
        "anonymous",
        lambda h: "/sign-in",
        lambda h: {"email": h.spare.email, "password": "not the password"},
        page=lambda h: "/sign-in",
        text=("email",),
    ),
    "accounts.sign_out": Form("spare", lambda h: "/sign-out", lambda h: {}),
    "accounts.change_password": Form(
        "changer",
        lambda h: "/account/password",
        lambda h: {"current_password": PASSWORD, **NEW_PASSWORD},
        page=lambda h: "/account/password",
    ),
    "accounts.request_reset": Form(
        "anonymous",
        lambda h: "/password/reset",
        lambda h: {"email": h.spare.email},
        page=lambda h: "/password/reset",
        text=("email",),
    ),
    "accounts.reset_password": Form(
        "anonymous",
        lambda h: f"/password/reset/{fresh_reset_token(h)}",
        lambda h: NEW_PASSWORD,
    ),
    "couples.accept_invitation": Form(
        "anonymous",
        lambda h: f"/invitations/{fresh_invitation(h)}",
        lambda h: NEW_PASSWORD,
    ),
    "admin.therapists": Form(
        "admin",
        lambda h: "/admin/therapists",
        lambda h: {"display_name": "Robin", "email": "robin@example.org"},
        page=lambda h: "/admin/therapists",
        shows=lambda h: [("admin", "/admin/therapists")],
        text=("display_name",),
    ),
    "admin.practice_settings": Form(
        "admin",
        lambda h: "/admin/settings",
        lambda h: {
            "name": "Practice",
            "address": "1 Road",
            "phone": "123",
            "accent_color": "#2f6f73",
            "page_size": "A4",
            "consent_text": "Consent.",
            "sharing_policy_text": "Policy.",
            "remove_logo": "",
        },
        page=lambda h: "/admin/settings",
        shows=lambda h: [
            ("admin", "/admin/settings"),
            ("partner_a", "/portal/consent"),
            ("owner", "/couples"),
        ],
        text=("name", "address", "phone", "consent_text", "sharing_policy_text"),
    ),
    "admin.deactivate_therapist": Form(
        "admin", lambda h: f"/admin/therapists/{h.target.id}/deactivate", lambda h: {}
    ),
    "admin.reactivate_therapist": Form(
        "admin", lambda h: f"/admin/therapists/{h.target.id}/reactivate", lambda h: {}
    ),
    "admin.resend_setup_link": Form(
        "admin", lambda h: f"/admin/therapists/{h.target.id}/setup-link", lambda h: {}
    ),
    "couples.new_couple": Form(
        "owner",
        lambda h: "/couples/new",
        lambda h: couple_fields(h, "New case") | {"partner1_email": "n1@example.org"},
        page=lambda h: "/couples/new",
        shows=lambda h: [("owner", "/couples")],
        text=("label", "partner1_name", "partner1_pronouns", "partner2_name", "partner2_pronouns"),
    ),
    "couples.edit": Form(
        "owner",
        couple_url("/edit"),
        couple_fields,
        page=couple_url("/edit"),
        shows=couple_pages,
        text=("label", "partner1_name", "partner1_pronouns", "partner2_name", "partner2_pronouns"),
    ),
    "couples.change_status": Form(
        "owner", couple_url("/status"), lambda h: {"status": "paused"}, shows=couple_pages
    ),
    "couples.send_invitation": Form(
        "owner",
        lambda h: f"/couples/{h.invited.couple_id}/partners/{h.invited.id}/invite",
        lambda h: {},
    ),
    "couples.revoke_invitation": Form(
        "owner",
        lambda h: f"/couples/{h.invited.couple_id}/partners/{h.invited.id}/revoke",
        lambda h: {},
    ),
    "assignments.assign": Form(
        "owner",
        couple_url("/assign"),
        lambda h: ASSIGN_FIELDS,
        page=couple_url("/assign"),
        shows=assigned_pages,
        text=("note",),
    ),
    "assignments.remove": Form(
        "owner", lambda h: f"/couples/{h.couple.id}/assignments/{h.doomed.id}/remove", lambda h: {}
    ),
    "assignments.comment": Form(
        "owner",
        lambda h: (
            f"/couples/{h.couple.id}/assignments/{h.exercise_for_a.id}"
            f"/responses/{h.response_of_a.id}/comment"
        ),
        lambda h: {f"r{h.response_of_a.id}-comment": "Well done."},
        page=lambda h: f"/couples/{h.couple.id}/assignments/{h.exercise_for_a.id}",
        shows=lambda h: [
            ("owner", f"/couples/{h.couple.id}/assignments/{h.exercise_for_a.id}"),
            ("partner_a", f"/portal/assignments/{h.exercise_for_a.id}/result"),
        ],
        text=("comment",),
    ),
    "intake.send_packet": Form("owner", couple_url("/intake"), lambda h: {}, shows=couple_pages),
    "intake.review_flag": Form(
        "owner",
        lambda h: f"/couples/{h.couple.id}/flags/{h.flag.id}/review",
        lambda h: {f"flag{h.flag.id}-note": "Seen."},
        shows=couple_pages,
        text=("note",),
    ),
    "intake.review_hold": Form(
        "owner", couple_url("/hold/review"), lambda h: {"hold-note": "Seen."}, shows=couple_pages
    ),
    "intake.consent": Form(
        "partner_a",
        lambda h: "/portal/consent",
        lambda h: {"agree": "y", "typed_name": "Sam"},
        page=lambda h: "/portal/consent",
        shows=lambda h: [("partner_a", "/portal/consent"), ("owner", f"/couples/{h.couple.id}")],
        text=("typed_name",),
    ),
    "library.new_own": Form(
        "owner",
        lambda h: "/library/own/new",
        lambda h: {"title": "Mine", "summary": "S", "layer": "trust", "body": "Text."},
        page=lambda h: "/library/own/new",
        shows=own_handout_pages,
        text=("title", "summary", "body"),
    ),
    "library.edit_own": Form(
        "owner",
        lambda h: f"/library/own/{h.own_handout.id}/edit",
        lambda h: {"title": "Mine", "summary": "S", "layer": "trust", "body": "Text."},
        page=lambda h: f"/library/own/{h.own_handout.id}/edit",
        shows=lambda h: [("owner", f"/library/own/{h.own_handout.id}"), ("owner", "/library")],
        text=("title", "summary", "body"),
    ),
    "portal.mark_read": Form(
        "partner_a", lambda h: f"/portal/assignments/{h.assignment_for_a.id}/read", lambda h: {}
    ),
    "portal.save": Form(
        "partner_a",
        exercise_url("/exercise"),
        exercise_fields,
        page=exercise_url("/exercise?page=1"),
        shows=exercise_pages,
        text=("showed_up", "gets_in_way", "would_help", "my_promises-0"),
    ),
    "portal.autosave": Form(
        "partner_a",
        exercise_url("/autosave"),
        exercise_fields,
        shows=exercise_pages,
        text=("showed_up", "gets_in_way", "would_help", "my_promises-0"),
    ),
    "portal.share": Form(
        "partner_a",
        lambda h: f"/portal/assignments/{h.exercise_for_a.id}/share",
        lambda h: {"shared": "1"},
    ),
    "portal.amend": Form(
        "partner_a", lambda h: f"/portal/assignments/{h.exercise_for_a.id}/amend", lambda h: {}
    ),
    "portal.again": Form(
        "partner_a", lambda h: f"/portal/assignments/{h.exercise_for_a.id}/again", lambda h: {}
    ),
    "sessions.new": Form(
        "owner",
        couple_url("/sessions/new"),
        lambda h: {"session_date": "2030-01-01", "session_time": "10:00", "template": "first"},
        page=couple_url("/sessions/new"),
    ),
    "sessions.edit": Form(
        "owner",
        note_url("draft_note", "/edit"),
        note_fields,
        page=note_url("draft_note", "/edit"),
        shows=lambda h: [("owner", note_url("draft_note", "/edit")(h))],
        text=NOTE_TEXT,
    ),
    "sessions.autosave": Form(
        "owner",
        note_url("draft_note", "/autosave"),
        note_fields,
        shows=lambda h: [("owner", note_url("draft_note", "/edit")(h))],
        text=NOTE_TEXT,
    ),
    "sessions.addendum": Form(
        "owner",
        note_url("final_note", "/addenda"),
        lambda h: {"text": "Later.", "clinician_only": ""},
        page=note_url("final_note"),
        shows=lambda h: [("owner", note_url("final_note")(h))],
        text=("text",),
    ),
    "sessions.release": Form("owner", note_url("final_note", "/release"), lambda h: {}),
    "sessions.homework": Form(
        "owner",
        note_url("final_note", "/homework"),
        lambda h: ASSIGN_FIELDS,
        page=note_url("final_note"),
        shows=assigned_pages,
        text=("note",),
    ),
}


def test_every_form_has_hostile_input_coverage(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting == set(FORMS), (
        f"forms without hostile-input coverage: {sorted(posting - set(FORMS))}; "
        f"stale: {sorted(set(FORMS) - posting)}"
    )


def fresh_reset_token(h):
    token = create_password_token(h.reset_user, "reset")
    db.session.commit()
    return token


def fresh_invitation(h):
    token = create_invitation(h.invited, h.therapist)
    db.session.commit()
    return token


@pytest.fixture
def hostile_world(app, matrix_world, role_clients, login):
    """The matrix world plus records each form can be posted to again and again: a draft
    exercise, a spare therapist for the admin buttons, accounts for the password forms."""
    h = matrix_world
    (h.draft_exercise,) = assign_items(
        h.couple, [("exercise", "trust-reflection")], h.partner_a, None, "", h.therapist
    )
    (h.doomed,) = assign_items(
        h.couple, [("handout", "emotional-safety")], None, None, "", h.therapist
    )
    h.invited = h.invited_partner
    db.session.commit()
    h.target = UserFactory(role="therapist", email="target@example.org")
    h.spare = UserFactory(role="therapist", email="spare@example.org")
    h.changer = UserFactory(role="therapist", email="changer@example.org")
    h.reset_user = UserFactory(role="therapist", email="reset@example.org")
    # Hostile sign-ins and resets would soon be rate limited; these tests are about input.
    app.config["SIGN_IN_LIMIT"] = app.config["SIGN_IN_ADDRESS_LIMIT"] = "100000 per minute"
    h.clients = role_clients(h)
    h.clients["changer"] = app.test_client()
    assert login(h.clients["changer"], h.changer).status_code == 303
    return h


def client_for(app, h, login, role):
    if role == "anonymous":
        limiter.reset()
        return app.test_client()
    if role == "spare":
        client = app.test_client()
        assert login(client, h.spare).status_code == 303
        return client
    return h.clients[role]


def encode(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not MISSING}


def assert_shown_as_text(response, context):
    html = response.get_data(as_text=True)
    for bad in FORBIDDEN:
        assert bad not in html, (context, bad)


def post_and_check(app, h, login, endpoint, data):
    form = FORMS[endpoint]
    client = client_for(app, h, login, form.role)
    response = client.post(form.url(h), data=encode(data))
    context = (endpoint, response.status_code)
    assert response.status_code < 500, context
    assert_shown_as_text(response, context)
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and location.startswith("/"):
        assert client.get(location).status_code < 500, context
        assert_shown_as_text(client.get(location), context)
    for role, url in form.shows(h):
        page = h.clients[role].get(url)
        assert page.status_code < 500, (context, url)
        assert_shown_as_text(page, (context, url))
    return response


SETTINGS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.nested_given,
    ],
)


AREAS = sorted({endpoint.partition(".")[0] for endpoint in FORMS})


@pytest.mark.parametrize("area", AREAS)
def test_hostile_posts_never_fail_and_show_as_text(app, hostile_world, login, area):
    """Each form of one part of the app in turn (one shared world per part keeps it quick)."""
    h = hostile_world
    for endpoint in sorted(e for e in FORMS if e.partition(".")[0] == area):
        form = FORMS[endpoint]
        if form.page is not None:
            client = client_for(app, h, login, form.role)
            assert client.get(form.page(h)).status_code == 200, endpoint

        run_hostile_posts(app, h, login, endpoint)


def run_hostile_posts(app, h, login, endpoint):
    form = FORMS[endpoint]

    @SETTINGS
    @given(data=st.data())
    def hostile_post(data):
        valid = form.valid(h)
        names = list(valid) + ["unexpected_field"]
        values = {name: data.draw(value_for(valid.get(name)), label=name) for name in names}
        post_and_check(app, h, login, endpoint, values)

    hostile_post()


TEXT_FIELDS = [(endpoint, name) for endpoint, form in FORMS.items() for name in form.text]


def field_name(h, endpoint, name):
    if endpoint == "assignments.comment":
        return f"r{h.response_of_a.id}-comment"
    if endpoint == "intake.review_flag":
        return f"flag{h.flag.id}-note"
    return name


# Stored, but shown on no page (only in the clinician's PDFs, tested in tests/reports).
NOT_ON_A_PAGE = {("intake.review_flag", "note")}


def test_template_syntax_and_markup_render_literally(app, hostile_world, login):
    """``{{7*7}}<b>x`` stored through each free-text field shows as ``{{7*7}}&lt;b&gt;x``."""
    h = hostile_world
    for endpoint, name in TEXT_FIELDS:
        form = FORMS[endpoint]
        data = dict(form.valid(h))
        data[field_name(h, endpoint, name)] = LITERAL
        if name in ("would_help", "my_promises-0"):
            data["page"] = "2"  # the exercise's last page holds these
        response = post_and_check(app, h, login, endpoint, data)
        pages = [response.get_data(as_text=True)]
        location = response.headers.get("Location", "")
        if location.startswith("/") and form.role in h.clients:
            pages.append(h.clients[form.role].get(location).get_data(as_text=True))
        pages += [h.clients[role].get(url).get_data(as_text=True) for role, url in form.shows(h)]
        for page in pages:
            assert LITERAL not in page, (endpoint, name)
            assert "49&lt;b&gt;x" not in page and "49<b>x" not in page, (endpoint, name)
        if (endpoint, name) not in NOT_ON_A_PAGE:
            assert any(ESCAPED in page for page in pages), (endpoint, name)

"""The hostile fetcher corpus in every PDF the app produces, through the real routes.

One world puts hostile text into every user-controlled text there is: practice branding,
the therapist's name, the couple's label, partners' names and pronouns, an own handout's
title, summary and body, assignment notes, exercise answers, therapist comments, session
note fields, addenda, a consent signature. Each text starts with its own tag followed by
``{{7*7}}<b>x``, then as much of the corpus as the field holds: ``file:///etc/passwd`` in
images, links, CSS ``url()`` and ``@import``, ``http://127.0.0.1:<listener>`` URLs, SVG with
``xlink:href``, ``<object>``, ``<iframe>``, ``<link rel=attachment>``. Markdown fields get the
same as Markdown images and links besides raw HTML.

Each PDF kind is fetched by the role allowed to, read back with pypdf: every tagged text the
PDF includes prints literally (never ``49``, never bold), nothing of ``/etc/passwd``, no file
embedded, no script or launch action, and the listener saw no connection. A completeness
check asks the app itself which endpoints answer ``application/pdf``.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import url_for

from clinic.accounts.services import get_practice_settings, update_practice_settings
from clinic.assignments.responses import (
    comment_on,
    save_draft,
    set_visibility,
    start_draft,
    submit_response,
)
from clinic.assignments.services import assign_items
from clinic.db import utcnow
from clinic.extensions import db
from clinic.intake.models import RiskFlag
from clinic.intake.services import send_intake_packet, sign_consent
from clinic.library.services import create_custom_handout, current_library
from clinic.sessions import services as notes
from tests.factories import CoupleFactory, UserFactory, joined_partner
from tests.reports.conftest import flat, read_pdf
from tests.reports.test_hostile import PASSWD_MARK, annotations, embedded_files
from tests.test_access_matrix import (  # noqa: F401  (matrix_world is a fixture)
    MATRIX,
    ROLES,
    matrix_world,
    url_values,
    user_for,
)

CORE = "{{7*7}}<b>x"

# How much each field holds (form limits and column sizes).
LIMITS = {
    "therapist_name": 120,
    "couple_label": 120,
    "name_a": 120,
    "name_b": 120,
    "pronouns_a": 40,
    "pronouns_b": 40,
    "practice_name": 120,
    "practice_address": 500,
    "practice_phone": 40,
    "own_title": 120,
    "own_summary": 400,
    "note": 2000,
    "comment_a": 4000,
    "comment_b": 4000,
    "typed_name_a": 120,
    "typed_name_b": 120,
}
# Fields holding Markdown (rendered with raw HTML escaped and unsafe links dropped).
MARKDOWN_FIELDS = (
    "consent_text",
    "sharing_text",
    "own_body",
    "talked_about",
    "noticed",
    "practise",
    "clinician_notes",
    "addendum_client",
    "addendum_clinician",
)
FIELDS = (*LIMITS, *MARKDOWN_FIELDS)
TAGS = {name: f"F{index:02d}" for index, name in enumerate(FIELDS)}


def html_vectors(port: int) -> list[str]:
    """Raw HTML that would fetch or embed something were it ever parsed, longest first."""
    local = f"http://127.0.0.1:{port}"
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>"
        f"<image xlink:href='file:///etc/passwd'/><image href='{local}/svg'/></svg>"
    )
    full = (
        f'</b> <img src="file:///etc/passwd"> <img src="{local}/img">'
        f" <a href='file:///etc/passwd'>f</a> <a rel=attachment href='file:///etc/hostname'>a</a>"
        " <link rel=attachment href=file:///etc/passwd>"
        f" <link rel=stylesheet href={local}/linked.css>"
        f"<style>@import url({local}/import.css); @import url('file:///etc/passwd');"
        " body { background: url(file:///etc/passwd) }</style>"
        f" {svg} <object data='file:///etc/passwd'></object>"
        f" <object data='{local}/object'></object>"
        f" <iframe src='{local}/frame'></iframe> <embed src='file:///etc/passwd'>"
    )
    medium = f"<img src={local}/m><link rel=attachment href=file:///etc/passwd>"
    short = "<img src=/etc/passwd>"
    return [full, medium, short]


def hostile_text(tag: str, limit: int, port: int) -> str:
    """``tag`` + ``{{7*7}}<b>x`` + the longest vector that fits in ``limit`` characters."""
    head = tag + CORE
    for vector in html_vectors(port):
        if len(head) + len(vector) <= limit:
            return head + vector
    return head


def hostile_markdown(tag: str, port: int) -> str:
    """Markdown with the corpus as Markdown images and links and as raw HTML; one tagged
    literal paragraph to find in the PDF."""
    local = f"http://127.0.0.1:{port}"
    svg_as_png = "PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnLz4="
    return "\n\n".join(
        [
            "# A heading",
            f"{tag}{CORE}</b> and plain words.",
            f"![pic]({local}/md-image) ![file](file:///etc/passwd) [click](javascript:alert(1))",
            f"[file link](file:///etc/passwd) [local]({local}/link)",
            f"![svg as png](data:image/png;base64,{svg_as_png})",
            html_vectors(port)[0],
            f"<style>@import url({local}/block.css);</style>",
        ]
    )


def hostile_texts(port: int) -> dict[str, str]:
    texts = {name: hostile_text(TAGS[name], limit, port) for name, limit in LIMITS.items()}
    texts.update({name: hostile_markdown(TAGS[name], port) for name in MARKDOWN_FIELDS})
    return texts


def hostile_answer(port: int):
    """Text answers: ``Q<n>`` (the item's place in the definition) + the corpus."""

    def answer(item, index: int) -> str:
        return hostile_text(f"Q{index:02d}", item.max_length, port)

    return answer


# --- The world ----------------------------------------------------------------------------


def answers_for(definition, answer) -> dict:
    """Valid answers to every item: ``answer(item, index)`` for text, the first option or
    point for choices."""
    answers = {}
    for index, item in enumerate(definition.items):
        if item.type in ("short_text", "long_text"):
            answers[item.id] = answer(item, index)
        elif item.type == "repeating_list":
            rows = max(item.min_rows, 2)
            answers[item.id] = [answer(item, index) + f" row {n}" for n in range(rows)][
                : item.max_rows
            ]
        elif item.type in ("single_choice", "forced_choice"):
            answers[item.id] = item.options[0].value
        elif item.type == "multiple_choice":
            answers[item.id] = [item.options[0].value]
        elif item.type == "likert":
            answers[item.id] = item.scale.min
        elif item.type == "ranking":
            answers[item.id] = [o.value for o in item.options]
        elif item.type == "date":
            answers[item.id] = (utcnow().date() + timedelta(days=7)).isoformat()
        else:
            raise AssertionError(item.type)
    return answers


def text_item_indexes(definition) -> list[int]:
    return [
        index
        for index, item in enumerate(definition.items)
        if item.type in ("short_text", "long_text", "repeating_list")
    ]


def submitted(assignment, partner, answers, shared=False):
    definition = current_library().exercise(assignment.item_slug)
    response = start_draft(assignment, partner, definition)
    db.session.flush()
    submit_response(response, answers, definition, response.lock_version)
    if shared:
        set_visibility(response, True, definition)
    return response


def build_world(texts: dict, answer) -> SimpleNamespace:
    """Everything that carries user text, filled from ``texts`` (a missing key leaves the
    field with plain words) and ``answer(item, index)`` for exercise text answers.

    Partner A and partner B both answer the trust reflection and the house check-up and
    share them; A submits the intake questions and PHQ-9, B keeps a draft of the intake
    questions; one own handout and one library handout go to both; a finalised, released
    session note (own handout as homework, both kinds of addendum) and a draft note."""

    def text(name: str) -> str:
        return texts.get(name, f"Plain {name.replace('_', ' ')}")

    library = current_library()
    admin = UserFactory(role="admin", email="admin@example.org", display_name="Admin")
    therapist = UserFactory(
        role="therapist", email="owner@example.org", display_name=text("therapist_name")
    )
    settings = get_practice_settings()
    update_practice_settings(
        settings,
        {
            "name": text("practice_name"),
            "address": text("practice_address"),
            "phone": text("practice_phone"),
            "accent_color": "#2f6f73",
            "page_size": "A4",
            "consent_text": text("consent_text"),
            "sharing_policy_text": text("sharing_text"),
        },
    )
    couple = CoupleFactory(therapist=therapist, label=text("couple_label"))
    partner_a = joined_partner(
        couple, 1, display_name=text("name_a"), pronouns=text("pronouns_a"), email="a@example.org"
    )
    partner_b = joined_partner(
        couple, 2, display_name=text("name_b"), pronouns=text("pronouns_b"), email="b@example.org"
    )
    own = create_custom_handout(
        therapist,
        {
            "title": text("own_title"),
            "summary": text("own_summary"),
            "layer": "trust",
            "body": text("own_body"),
        },
    )
    note = text("note")
    (own_assignment,) = assign_items(
        couple, [("custom_handout", str(own.id))], None, None, note, therapist
    )
    (library_assignment,) = assign_items(
        couple, [("handout", "house-trust")], None, None, note, therapist
    )
    (trust,) = assign_items(couple, [("exercise", "trust-reflection")], None, None, note, therapist)
    (house,) = assign_items(couple, [("exercise", "house-checkup")], None, None, note, therapist)
    intake = {(a.partner_id, a.item_slug): a for a in send_intake_packet(couple, therapist)}
    db.session.flush()

    trust_answers = answers_for(library.exercise("trust-reflection"), answer)
    house_answers = answers_for(library.exercise("house-checkup"), answer)
    response_a = submitted(trust, partner_a, trust_answers, shared=True)
    response_b = submitted(trust, partner_b, trust_answers, shared=True)
    comment_on(response_a, text("comment_a"))
    comment_on(response_b, text("comment_b"))
    submitted(house, partner_a, house_answers, shared=True)
    submitted(house, partner_b, house_answers, shared=True)
    intake_answers = answers_for(library.exercise("intake-questionnaire"), answer)
    submitted(intake[(partner_a.id, "intake-questionnaire")], partner_a, intake_answers)
    phq_a = submitted(
        intake[(partner_a.id, "phq-9")],
        partner_a,
        answers_for(library.exercise("phq-9"), answer),
    )
    draft_b = start_draft(
        intake[(partner_b.id, "intake-questionnaire")],
        partner_b,
        library.exercise("intake-questionnaire"),
    )
    db.session.flush()
    save_draft(draft_b, intake_answers, draft_b.lock_version)
    db.session.add(
        RiskFlag(
            couple_id=couple.id,
            partner_id=partner_a.id,
            response_id=phq_a.id,
            label="Needs review",
        )
    )
    for partner, key in ((partner_a, "typed_name_a"), (partner_b, "typed_name_b")):
        if key in texts:
            sign_consent(partner, settings, texts[key])

    fields = {name: text(name) for name in ("talked_about", "noticed", "practise")}
    fields["clinician_notes"] = text("clinician_notes")
    final = notes.start_note(couple, therapist, utcnow() - timedelta(days=1))
    notes.save_note(
        final, {**fields, "next_appointment_at": utcnow() + timedelta(days=7)}, final.lock_version
    )
    notes.finalise_note(final, therapist)
    notes.add_addendum(final, therapist, text("addendum_client"), clinician_only=False)
    notes.add_addendum(final, therapist, text("addendum_clinician"), clinician_only=True)
    notes.release_summary(final)
    own_assignment.session_note_id = final.id
    draft = notes.start_note(couple, therapist, utcnow())
    notes.save_note(draft, fields, draft.lock_version)
    db.session.commit()
    return SimpleNamespace(
        admin_email=admin.email,
        therapist_email=therapist.email,
        a_email=partner_a.email,
        b_email=partner_b.email,
        couple_id=couple.id,
        partner_a_id=partner_a.id,
        partner_b_id=partner_b.id,
        own_id=own.id,
        own_assignment_id=own_assignment.id,
        library_assignment_id=library_assignment.id,
        trust_id=trust.id,
        house_id=house.id,
        intake_a_id=intake[(partner_a.id, "intake-questionnaire")].id,
        intake_b_id=intake[(partner_b.id, "intake-questionnaire")].id,
        gad7_a_id=intake[(partner_a.id, "gad-7")].id,
        response_a_id=response_a.id,
        response_b_id=response_b.id,
        final_note_id=final.id,
        draft_note_id=draft.id,
    )


# --- PDF kinds ----------------------------------------------------------------------------

PRACTICE = ("practice_name", "practice_address", "practice_phone")
OWN = ("own_title", "own_summary", "own_body")
SUMMARY = (
    *PRACTICE,
    "talked_about",
    "noticed",
    "practise",
    "addendum_client",
    "therapist_name",
    "own_title",
)
TRUST = "trust-reflection"
INTAKE = "intake-questionnaire"


def kind(endpoint, role, values, fields, answers=None, query=None):
    return SimpleNamespace(
        endpoint=endpoint,
        role=role,
        values=values,
        fields=fields,
        answers=answers,
        query=query or {},
    )


# kind -> endpoint, who fetches it, url values from the world, which tagged fields and
# which definition's text answers it must print.
KINDS = {
    "handout": kind("library.pdf", "owner", lambda w: {"slug": "house-trust"}, PRACTICE),
    "own-handout": kind(
        "library.own_pdf", "owner", lambda w: {"handout_id": w.own_id}, (*PRACTICE, *OWN)
    ),
    "packet": kind(
        "assignments.packet",
        "owner",
        lambda w: {"couple_id": w.couple_id},
        (*PRACTICE, *OWN, "name_a", "name_b"),
    ),
    "portal-handout": kind(
        "portal.pdf",
        "partner_a",
        lambda w: {"assignment_id": w.own_assignment_id},
        (*PRACTICE, *OWN, "name_a"),
    ),
    "portal-fillable-worksheet": kind(
        "portal.pdf", "partner_a", lambda w: {"assignment_id": w.gad7_a_id}, (*PRACTICE, "name_a")
    ),
    "portal-answers": kind(
        "portal.pdf",
        "partner_a",
        lambda w: {"assignment_id": w.trust_id},
        (*PRACTICE, "name_a", "comment_a"),
        answers=TRUST,
    ),
    "response": kind(
        "assignments.response_pdf",
        "owner",
        lambda w: {
            "couple_id": w.couple_id,
            "assignment_id": w.trust_id,
            "response_id": w.response_b_id,
        },
        (*PRACTICE, "name_b", "comment_b"),
        answers=TRUST,
    ),
    "worksheet": kind("library.worksheet", "owner", lambda w: {"slug": TRUST}, PRACTICE),
    "fillable-worksheet": kind(
        "library.worksheet", "owner", lambda w: {"slug": TRUST}, PRACTICE, query={"fillable": "1"}
    ),
    "session-summary": kind(
        "sessions.summary_pdf",
        "owner",
        lambda w: {"couple_id": w.couple_id, "note_id": w.final_note_id},
        (*SUMMARY, "name_a", "name_b"),
    ),
    "session-summary-packet": kind(
        "sessions.summary_pdf",
        "owner",
        lambda w: {"couple_id": w.couple_id, "note_id": w.final_note_id},
        (*SUMMARY, *OWN, "name_a", "name_b"),
        query={"packet": "1"},
    ),
    "clinician-summary": kind(
        "sessions.clinician_pdf",
        "owner",
        lambda w: {"couple_id": w.couple_id, "note_id": w.final_note_id},
        (*SUMMARY, "clinician_notes", "addendum_clinician", "name_a", "name_b"),
    ),
    "portal-session-summary": kind(
        "portal.session_summary",
        "partner_b",
        lambda w: {"note_id": w.final_note_id},
        (*SUMMARY, *OWN, "name_a", "name_b"),
    ),
    "intake-report": kind(
        "intake.report",
        "owner",
        lambda w: {"couple_id": w.couple_id},
        (*PRACTICE, "couple_label", "name_a", "name_b"),
        answers=INTAKE,
    ),
}
EMAILS = {"owner": "therapist_email", "partner_a": "a_email", "partner_b": "b_email"}


def squash(text: str) -> str:
    """The text without whitespace: a long line may wrap anywhere."""
    return re.sub(r"\s+", "", flat(text))


@pytest.mark.parametrize("name", list(KINDS))
def test_pdf_prints_the_hostile_corpus_literally_and_fetches_nothing(
    app, client, login, pdf_cache_dir, listener, name
):
    pdf_kind = KINDS[name]
    world = build_world(hostile_texts(listener.port), hostile_answer(listener.port))
    assert login(client, getattr(world, EMAILS[pdf_kind.role])).status_code == 303
    url = url_for(pdf_kind.endpoint, **pdf_kind.values(world), **pdf_kind.query, _external=False)
    response = client.get(url)
    assert response.status_code == 200, (name, response.status_code)
    assert response.mimetype == "application/pdf"
    expected = [TAGS[field] + CORE for field in pdf_kind.fields]
    if pdf_kind.answers:
        definition = current_library().exercise(pdf_kind.answers)
        expected += [f"Q{index:02d}{CORE}" for index in text_item_indexes(definition)]
    assert_prints_literally_and_fetches_nothing(response.data, expected, listener)
    # Nothing more: a text this kind of PDF does not list (a clinician's notes in a client's
    # copy, the other partner's words) must not be in it at all.
    text = squash(" ".join(page.extract_text() for page in read_pdf(response.data).pages))
    leaked = [f for f in FIELDS if f not in pdf_kind.fields and squash(TAGS[f] + CORE) in text]
    assert not leaked, f"{name} prints texts it should not hold: {leaked}"


def assert_prints_literally_and_fetches_nothing(data: bytes, expected: list[str], listener):
    reader = read_pdf(data)
    text = squash(" ".join(page.extract_text() for page in reader.pages))
    missing = [literal for literal in expected if squash(literal) not in text]
    assert not missing, f"not printed literally: {missing}"
    assert "49<b>" not in text and "49x" not in text
    assert PASSWD_MARK not in text and PASSWD_MARK.encode() not in data
    assert all(len(page.images) == 0 for page in reader.pages)
    assert reader.attachments == {}
    assert embedded_files(reader) == []
    assert b"/EmbeddedFile" not in data
    assert all(a.get("/Subtype") != "/FileAttachment" for a in annotations(reader))
    targets = [str(a["/A"].get_object().get("/URI", "")) for a in annotations(reader) if "/A" in a]
    assert not [t for t in targets if t and not t.startswith(("http:", "https:", "mailto:"))]
    assert b"/JavaScript" not in data and b"/Launch" not in data
    assert listener.connections() == 0


@pytest.mark.parametrize("filter_", ["", "|safe"])
def test_the_checks_fail_for_a_text_printed_as_markup(app, practice, listener, filter_):
    # Proves the assertions above can fail: the same corpus, marked safe, is not literal.
    from clinic.reports.render import render_pdf

    texts = hostile_texts(listener.port)
    template = app.jinja_env.from_string("<p>{{ text" + filter_ + " }}</p>")
    data = render_pdf(template, {"text": texts["note"]}, practice=practice)
    expected = [TAGS["note"] + CORE]
    if not filter_:
        assert_prints_literally_and_fetches_nothing(data, expected, listener)
    else:
        with pytest.raises(AssertionError, match="not printed literally"):
            assert_prints_literally_and_fetches_nothing(data, expected, listener)


def pdf_endpoints_by_response(client, login, world) -> set[str]:
    """Every GET endpoint of the access matrix, asked by the first role that may open it:
    those that answer application/pdf."""
    found = set()
    for endpoint, (method, key, statuses) in MATRIX.items():
        if method != "GET":
            continue
        role = next((r for r in ROLES if statuses[r] == 200), None)
        if role is None:
            continue
        client.post(url_for("accounts.sign_out"))
        user = user_for(world, role)
        if user is not None:
            assert login(client, user).status_code == 303
        response = client.get(url_for(endpoint, **url_values(world, key), _external=False))
        assert response.status_code == 200, (endpoint, role, response.status_code)
        if response.mimetype == "application/pdf":
            found.add(endpoint)
    return found


def test_every_pdf_endpoint_is_covered(app, client, login, pdf_cache_dir, request):
    covered = {k.endpoint for k in KINDS.values()}
    named = {r.endpoint for r in app.url_map.iter_rules() if r.rule.endswith("pdf")}
    assert named == covered, (
        f"PDF routes not covered: {sorted(named - covered)}; stale: {sorted(covered - named)}"
    )
    answering = pdf_endpoints_by_response(client, login, request.getfixturevalue("matrix_world"))
    assert answering == covered, (
        f"answer PDF but not covered: {sorted(answering - covered)}; "
        f"covered but not a PDF: {sorted(covered - answering)}"
    )

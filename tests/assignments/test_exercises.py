"""A partner completing an exercise: drafts, stale tabs, submitting, amending, sharing;
the therapist's side-by-side review and comments."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from clinic.assignments.models import Response
from clinic.assignments.services import assign_items
from clinic.audit.models import AuditEvent
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.services import current_library

TRUST_PAGE_1 = {"page": "0", "rely": "3", "open_up": "4", "reliable_me": "2"}
TRUST_PAGE_2 = {
    "page": "1",
    "showed_up": "They sat with me at the hospital.",
    "builds_trust": ["honesty", "listening"],
}
TRUST_PAGE_3 = {
    "page": "2",
    "would_help": "Text when running late.",
    "my_promises-0": "I will call at lunch.",
    "my_promises-1": "",
}


@pytest.fixture
def trust(world):
    (assignment,) = assign_items(
        world.couple,
        [("exercise", "trust-reflection")],
        None,
        None,
        "Take your time.",
        world.therapist,
    )
    db.session.commit()
    return assignment


@pytest.fixture
def love(world):
    (assignment,) = assign_items(
        world.couple, [("exercise", "love-language-discovery")], None, None, "", world.therapist
    )
    db.session.commit()
    return assignment


def url(assignment, action="exercise"):
    return f"/portal/assignments/{assignment.id}/{action}"


def response_of(assignment, partner, current=True):
    return db.session.execute(
        select(Response).where(
            Response.assignment_id == assignment.id,
            Response.partner_id == partner.id,
            Response.is_current.is_(current),
        )
    ).scalar_one_or_none()


def lock_of(assignment, partner):
    response = response_of(assignment, partner)
    return str(response.lock_version) if response else "0"


def save(client, assignment, partner, data, action="save", lock=None):
    form = {
        **data,
        "action": action,
        "lock_version": lock if lock is not None else lock_of(assignment, partner),
    }
    return client.post(url(assignment), data=form)


def complete_trust(client, trust, partner):
    save(client, trust, partner, TRUST_PAGE_1, "next")
    save(client, trust, partner, TRUST_PAGE_2, "next")
    return save(client, trust, partner, TRUST_PAGE_3, "submit")


def love_answers(first=True):
    definition = current_library().exercise("love-language-discovery")
    answers = {"page": "0"}
    for item in definition.sections[0].items:
        answers[item.id] = item.options[0 if first else 1].value
    return answers


def test_save_draft_keeps_every_answer_of_the_page(client, world, login, trust):
    login(client, world.partner_a.user)
    response = save(client, trust, world.partner_a, TRUST_PAGE_1)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url(trust)}?page=0")
    page = client.get(url(trust) + "?page=0").get_data(as_text=True)
    assert "Draft saved at" in page
    assert response_of(trust, world.partner_a).answers == {
        "rely": 3,
        "open_up": 4,
        "reliable_me": 2,
    }


def test_pages_keep_answers_going_back_and_forth(client, world, login, trust):
    login(client, world.partner_a.user)
    save(client, trust, world.partner_a, TRUST_PAGE_1, "next")
    response = save(client, trust, world.partner_a, TRUST_PAGE_2, "back")
    assert response.headers["Location"].endswith("page=0")
    page = client.get(url(trust) + "?page=1").get_data(as_text=True)
    assert "They sat with me at the hospital." in page
    answers = response_of(trust, world.partner_a).answers
    assert answers["rely"] == 3 and answers["builds_trust"] == ["honesty", "listening"]


def test_autosave_answers_json_with_the_new_lock_version(client, world, login, trust):
    login(client, world.partner_a.user)
    first = client.post(url(trust, "autosave"), data={**TRUST_PAGE_1, "lock_version": "0"})
    assert first.status_code == 200 and first.json["lock_version"] == 1
    second = client.post(
        url(trust, "autosave"), data={**TRUST_PAGE_1, "rely": "1", "lock_version": "1"}
    )
    assert second.json["lock_version"] == 2
    assert response_of(trust, world.partner_a).answers["rely"] == 1


def test_a_stale_tab_never_overwrites_a_newer_save(client, app, world, login, trust):
    login(client, world.partner_a.user)
    other_tab = app.test_client()
    login(other_tab, world.partner_a.user)
    save(client, trust, world.partner_a, TRUST_PAGE_1, lock="0")  # tab 1 saves first
    stale = save(other_tab, trust, world.partner_a, {**TRUST_PAGE_1, "rely": "0"}, lock="0")
    assert stale.status_code == 409
    assert "nothing was overwritten" in stale.get_data(as_text=True)
    assert '<input checked id="rely-0"' in stale.get_data(as_text=True)  # their answer stays
    auto = other_tab.post(url(trust, "autosave"), data={**TRUST_PAGE_1, "lock_version": "0"})
    assert auto.status_code == 409 and auto.json["error"] == "stale"
    assert response_of(trust, world.partner_a).answers["rely"] == 3


def test_submitting_an_incomplete_form_keeps_the_draft_and_points_at_the_gaps(
    client, world, login, trust
):
    login(client, world.partner_a.user)
    save(client, trust, world.partner_a, TRUST_PAGE_1, "next")
    response = save(
        client, trust, world.partner_a, TRUST_PAGE_3, "submit", lock=lock_of(trust, world.partner_a)
    )
    assert response.headers["Location"].endswith("page=1&check=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Before you submit, please answer" in page
    assert 'id="showed_up-error"' in page and 'aria-describedby="showed_up-error"' in page
    stored = response_of(trust, world.partner_a)
    assert stored.status == "draft"
    assert stored.answers["would_help"] == "Text when running late."


def test_submitting_freezes_the_response(client, world, login, trust):
    login(client, world.partner_a.user)
    response = complete_trust(client, trust, world.partner_a)
    assert response.headers["Location"].endswith(url(trust, "result"))
    stored = response_of(trust, world.partner_a)
    assert stored.status == "submitted" and stored.submitted_at is not None
    assert stored.answers["my_promises"] == ["I will call at lunch."]
    again = save(client, trust, world.partner_a, {**TRUST_PAGE_1, "rely": "0"})
    assert again.headers["Location"].endswith(url(trust, "result"))
    assert response_of(trust, world.partner_a).answers["rely"] == 3
    assert client.get(url(trust)).headers["Location"].endswith(url(trust, "result"))


def test_love_language_submission_is_scored(client, world, login, love):
    login(client, world.partner_a.user)
    save(client, love, world.partner_a, love_answers(), "submit", lock="0")
    scores = response_of(love, world.partner_a).scores
    assert sum(scores["scores"].values()) == 30
    assert all(0 <= v <= 12 for v in scores["scores"].values())
    page = client.get(url(love, "result")).get_data(as_text=True)
    assert "Most important:" in page and "<svg" in page
    assert "not a validated measure" in page


def test_amending_makes_a_new_version_and_keeps_the_old(client, world, login, trust):
    login(client, world.partner_a.user)
    complete_trust(client, trust, world.partner_a)
    assert client.post(url(trust, "amend")).status_code == 303
    save(client, trust, world.partner_a, {**TRUST_PAGE_1, "rely": "0"}, "submit")
    rows = (
        db.session.execute(
            select(Response)
            .where(Response.assignment_id == trust.id, Response.partner_id == world.partner_a.id)
            .order_by(Response.version_no)
        )
        .scalars()
        .all()
    )
    assert [(r.version_no, r.status, r.is_current, r.answers["rely"]) for r in rows] == [
        (1, "submitted", False, 3),
        (2, "submitted", True, 0),
    ]


def test_private_by_default_and_shared_only_by_the_author(client, app, world, login, trust):
    login(client, world.partner_a.user)
    complete_trust(client, trust, world.partner_a)
    alex = app.test_client()
    login(alex, world.partner_b.user)
    secret = "They sat with me at the hospital."
    assert secret not in alex.get(url(trust, "exercise")).get_data(as_text=True)
    client.post(url(trust, "share"), data={"shared": "1"})
    shared_page = alex.get(url(trust, "exercise"), follow_redirects=True)
    assert shared_page.status_code == 200
    # Alex has not submitted: they see their own form, not yet Sam's answers.
    save(alex, trust, world.partner_b, TRUST_PAGE_1, "next")
    save(alex, trust, world.partner_b, {**TRUST_PAGE_2, "showed_up": "Alex's own."}, "next")
    save(alex, trust, world.partner_b, TRUST_PAGE_3, "submit")
    assert secret in alex.get(url(trust, "result")).get_data(as_text=True)
    client.post(url(trust, "share"), data={"shared": "0"})
    assert secret not in alex.get(url(trust, "result")).get_data(as_text=True)


def test_therapist_sees_both_partners_side_by_side_with_differences(
    client, app, world, login, trust
):
    for partner, rely in ((world.partner_a, "3"), (world.partner_b, "1")):
        browser = app.test_client()
        login(browser, partner.user)
        save(browser, trust, partner, {**TRUST_PAGE_1, "rely": rely}, "next")
        save(browser, trust, partner, TRUST_PAGE_2, "next")
        save(browser, trust, partner, TRUST_PAGE_3, "submit")
    login(client, world.therapist)
    page = client.get(f"/couples/{world.couple.id}/assignments/{trust.id}").get_data(as_text=True)
    assert "Sam" in page and "Alex" in page
    assert page.count('class="differs"') == 1  # only "rely" differs
    assert "3 – Agree" in page and "1 – Disagree" in page
    viewed = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "responses_viewed", AuditEvent.target_id == trust.id)
    )
    assert viewed == 1


def test_therapist_does_not_see_a_draft(client, app, world, login, trust):
    sam = app.test_client()
    login(sam, world.partner_a.user)
    save(sam, trust, world.partner_a, {**TRUST_PAGE_2, "showed_up": "unfinished thought"})
    login(client, world.therapist)
    page = client.get(f"/couples/{world.couple.id}/assignments/{trust.id}").get_data(as_text=True)
    assert "unfinished thought" not in page
    assert "Sam</strong>: draft" in page


def test_comment_reaches_the_author_only(client, app, world, login, trust):
    sam = app.test_client()
    login(sam, world.partner_a.user)
    complete_trust(sam, trust, world.partner_a)
    sam.post(url(trust, "share"), data={"shared": "1"})
    response = response_of(trust, world.partner_a)
    login(client, world.therapist)
    client.post(
        f"/couples/{world.couple.id}/assignments/{trust.id}/responses/{response.id}/comment",
        data={f"r{response.id}-comment": "Lovely detail, Sam."},
    )
    assert "Lovely detail, Sam." in sam.get(url(trust, "result")).get_data(as_text=True)
    alex = app.test_client()
    login(alex, world.partner_b.user)
    complete_trust(alex, trust, world.partner_b)
    assert "Lovely detail" not in alex.get(url(trust, "result")).get_data(as_text=True)


def test_statuses_not_started_draft_submitted_overdue(client, app, world, login):
    yesterday = utcnow().date() - timedelta(days=1)
    (late,) = assign_items(
        world.couple, [("exercise", "trust-reflection")], None, yesterday, "", world.therapist
    )
    (fresh,) = assign_items(
        world.couple, [("exercise", "love-language-discovery")], None, None, "", world.therapist
    )
    db.session.commit()
    sam = app.test_client()
    login(sam, world.partner_a.user)
    save(sam, fresh, world.partner_a, {"page": "0", "pair_01": "touch"})
    portal = sam.get("/portal").get_data(as_text=True)
    assert "Overdue" in portal and "In progress (saved)" in portal
    login(client, world.therapist)
    page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "Sam: overdue" in page and "Alex: overdue" in page
    assert "Sam: draft" in page and "Alex: not started" in page


def test_repeating_list_gets_another_row_without_javascript(client, world, login, trust):
    login(client, world.partner_a.user)
    response = save(client, trust, world.partner_a, TRUST_PAGE_3, "add_row:my_promises")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="my_promises-1"' in page
    assert "I will call at lunch." in page


def test_expired_session_keeps_the_typed_answers_as_a_draft(client, world, login, trust):
    with freeze_time(utcnow()) as frozen:
        login(client, world.partner_a.user)
        client.get(url(trust))
        frozen.tick(timedelta(minutes=61))
        response = save(client, trust, world.partner_a, TRUST_PAGE_2, lock="0")
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]
        assert (
            response_of(trust, world.partner_a).answers["showed_up"]
            == "They sat with me at the hospital."
        )
        after = login(
            client, world.partner_a.user, next_url=f"/portal/assignments/{trust.id}/exercise"
        )
        page = client.get(after.headers["Location"] + "?page=1").get_data(as_text=True)
        assert "They sat with me at the hospital." in page


def test_expired_form_token_keeps_the_typed_answers_as_a_draft(make_app, world, login, trust):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    page = browser.get("/sign-in").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    browser.post(
        "/sign-in",
        data={
            "email": world.partner_a.email,
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    response = browser.post(
        url(trust),
        data={
            **TRUST_PAGE_2,
            "lock_version": "0",
            "csrf_token": "expired-token",
            "action": "submit",
        },
    )
    assert response.status_code == 303
    stored = response_of(trust, world.partner_a)
    assert stored.status == "draft"
    assert stored.answers["showed_up"] == "They sat with me at the hospital."


def test_another_couples_client_cannot_touch_the_exercise(client, world, login, trust):
    login(client, world.other_client)
    for action in ("exercise", "result"):
        assert client.get(url(trust, action)).status_code == 404
    for action in ("exercise", "autosave", "share", "amend"):
        assert (
            client.post(url(trust, action), data={**TRUST_PAGE_1, "lock_version": "0"}).status_code
            == 404
        )
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_dashboard_flags_overdue_items_until_finished(client, app, world, login):
    yesterday = utcnow().date() - timedelta(days=1)
    (late,) = assign_items(
        world.couple,
        [("exercise", "trust-reflection")],
        world.partner_a,
        yesterday,
        "",
        world.therapist,
    )
    assign_items(world.couple, [("handout", "house-trust")], None, yesterday, "", world.therapist)
    db.session.commit()
    login(client, world.therapist)
    assert "2 overdue" in client.get("/couples").get_data(as_text=True)
    sam = app.test_client()
    login(sam, world.partner_a.user)
    complete_trust(sam, late, world.partner_a)
    assert "1 overdue" in client.get("/couples").get_data(as_text=True)


def pdf_text(data):
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_partner_prints_a_fillable_worksheet_then_their_answers(client, world, login, trust):
    login(client, world.partner_a.user)
    blank = client.get(url(trust, "pdf"))
    assert blank.mimetype == "application/pdf"
    assert 'filename="worksheet-fillable.pdf"' in blank.headers["Content-Disposition"]
    complete_trust(client, trust, world.partner_a)
    answers = client.get(url(trust, "pdf"))
    assert 'filename="answers.pdf"' in answers.headers["Content-Disposition"]
    assert answers.headers["Cache-Control"] == "no-store"
    assert "hospital" in pdf_text(answers.data)


def test_therapist_pdf_of_answers_is_audited(client, app, world, login, trust):
    sam = app.test_client()
    login(sam, world.partner_a.user)
    complete_trust(sam, trust, world.partner_a)
    response = response_of(trust, world.partner_a)
    login(client, world.therapist)
    pdf = client.get(
        f"/couples/{world.couple.id}/assignments/{trust.id}/responses/{response.id}/pdf"
    )
    assert pdf.status_code == 200 and "hospital" in pdf_text(pdf.data)
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "response_pdf_downloaded")
    ).all()
    assert events == ["response_pdf_downloaded"]

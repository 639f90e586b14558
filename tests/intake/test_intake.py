"""Intake: consent versions, the packet, risk flags, the conflict-work hold, the report."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from clinic.accounts.services import get_practice_settings
from clinic.assignments.models import Assignment
from clinic.assignments.services import assign_items
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.intake.models import ConsentSignature, RiskFlag
from clinic.library.services import current_library

PHQ9_CLEAN = {f"q{n}": "0" for n in range(1, 10)}


def submit(client, assignment, answers, lock="0"):
    definition = current_library().exercise(assignment.item_slug)
    # One page at a time, then submit on the last.
    for index, section in enumerate(definition.sections):
        data = {
            k: v for k, v in answers.items() if any(i.id == k.split("-")[0] for i in section.items)
        }
        action = "submit" if index == len(definition.sections) - 1 else "next"
        response = client.post(
            f"/portal/assignments/{assignment.id}/exercise",
            data={**data, "page": str(index), "action": action, "lock_version": lock},
        )
        lock = str(int(lock) + 1)
    return response


def give(world, slug, partner):
    (assignment,) = assign_items(
        world.couple, [("exercise", slug)], partner, None, "", world.therapist
    )
    db.session.commit()
    return assignment


def signed_in(app, login, user):
    """Another browser, signed in as ``user``."""
    browser = app.test_client()
    login(browser, user)
    return browser


def audit_events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_consent_records_name_time_and_the_version_signed(client, world, login):
    login(client, world.partner_a.user)
    page = client.get("/portal/consent").get_data(as_text=True)
    assert "Informed consent" in page and "information is shared" in page.lower()
    refused = client.post("/portal/consent", data={"typed_name": "Sam Smith"})
    assert refused.status_code == 200 and b"Tick the box to agree." in refused.data
    assert (
        client.post("/portal/consent", data={"typed_name": "Sam Smith", "agree": "y"}).status_code
        == 303
    )
    signature = db.session.execute(select(ConsentSignature)).scalar_one()
    assert signature.typed_name == "Sam Smith" and signature.consent_version == 1
    assert "legal exceptions" in signature.text_signed


def test_changed_consent_text_asks_for_a_new_signature(client, app, world, login):
    login(client, world.partner_a.user)
    client.post("/portal/consent", data={"typed_name": "Sam", "agree": "y"})
    settings = get_practice_settings()
    from clinic.accounts.services import update_practice_settings

    update_practice_settings(
        settings,
        {
            "name": settings.name,
            "address": "",
            "phone": "",
            "accent_color": "#2f6f73",
            "page_size": "A4",
            "consent_text": "A new consent text.",
            "sharing_policy_text": settings.sharing_policy_text,
        },
    )
    db.session.commit()
    assert settings.consent_version == 2
    page = client.get("/portal/consent").get_data(as_text=True)
    assert "A new consent text." in page and "Type your full name to sign" in page
    therapist = signed_in(app, login, world.therapist)
    couple_page = therapist.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "signed an earlier version" in couple_page


def test_intake_packet_goes_to_each_partner_on_their_own(client, world, login, outbox):
    login(client, world.therapist)
    client.post(f"/couples/{world.couple.id}/intake")
    rows = db.session.execute(select(Assignment)).scalars().all()
    assert rows and all(a.partner_id is not None for a in rows)
    slugs_a = {a.item_slug for a in rows if a.partner_id == world.partner_a.id}
    slugs_b = {a.item_slug for a in rows if a.partner_id == world.partner_b.id}
    assert slugs_a == slugs_b and {"phq-9", "gad-7"} <= slugs_a
    assert sorted(m["To"] for m in outbox()) == ["alex@example.org", "sam@example.org"]


def test_phq9_item_9_raises_a_clinician_only_flag_until_reviewed(client, app, world, login):
    phq = give(world, "phq-9", world.partner_a)
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, phq, {**PHQ9_CLEAN, "q9": "1"})
    flag = db.session.execute(select(RiskFlag)).scalar_one()
    assert flag.partner_id == world.partner_a.id and flag.reviewed_at is None
    login(client, world.therapist)
    assert "1 flag to review" in client.get("/couples").get_data(as_text=True)
    page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "Item 9 answered above 0" in page
    # Neither partner sees the flag.
    for browser, partner in ((sam, world.partner_a), (app.test_client(), world.partner_b)):
        login(browser, partner.user)
        assert "Item 9 answered above 0" not in browser.get("/portal").get_data(as_text=True)
    refused = client.post(f"/couples/{world.couple.id}/flags/{flag.id}/review", data={})
    assert refused.status_code == 303
    db.session.expire_all()
    assert flag.reviewed_at is None
    client.post(
        f"/couples/{world.couple.id}/flags/{flag.id}/review",
        data={f"flag{flag.id}-note": "Spoke with Sam; safety plan in place."},
    )
    db.session.expire_all()
    assert flag.reviewed_at is not None
    assert "flag to review" not in client.get("/couples").get_data(as_text=True)


def test_no_flag_when_item_9_is_zero(client, world, login):
    phq = give(world, "phq-9", world.partner_a)
    login(client, world.partner_a.user)
    submit(client, phq, PHQ9_CLEAN)
    assert db.session.scalar(select(func.count()).select_from(RiskFlag)) == 0


@pytest.fixture
def screen_slug():
    definition = current_library().exercise("safety-screen")
    assert definition is not None and definition.confidential
    return definition


def screen_answers(definition, positive: bool):
    """'No concerns' on every item, or one positive answer (the first flagged item)."""
    flagged = [str(e["item"]) for e in definition.scoring["item_flags"]]
    answers = {item_id: "0" for item_id in flagged}
    if positive:
        answers[flagged[0]] = "1"
    return answers


def test_unanswered_screen_holds_conflict_exercises_until_reviewed(
    client, world, login, screen_slug
):
    give(world, "safety-screen", world.partner_a)
    give(world, "safety-screen", world.partner_b)
    login(client, world.therapist)
    page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "Review before conflict work" in page
    refused = client.post(
        f"/couples/{world.couple.id}/assign",
        data={"items": ["x:gentle-start-up-rewrite"], "recipient": "both"},
    )
    assert refused.status_code == 200
    assert b"conflict work waits" in refused.data
    handout = client.post(
        f"/couples/{world.couple.id}/assign",
        data={"items": ["h:house-manage-conflict"], "recipient": "both"},
    )
    assert handout.status_code == 303  # handouts are not held back
    client.post(
        f"/couples/{world.couple.id}/hold/review",
        data={"hold-note": "Asked both in individual check-ins; no concerns."},
    )
    allowed = client.post(
        f"/couples/{world.couple.id}/assign",
        data={"items": ["x:gentle-start-up-rewrite"], "recipient": "both"},
    )
    assert allowed.status_code == 303
    assert audit_events("conflict_hold_reviewed") == 1


def test_positive_screen_after_a_review_holds_again(client, app, world, login, screen_slug):
    screen = give(world, "safety-screen", world.partner_a)
    login(client, world.therapist)
    client.post(f"/couples/{world.couple.id}/hold/review", data={"hold-note": "Early review."})
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, screen, screen_answers(screen_slug, positive=True))
    assert db.session.scalar(select(func.count()).select_from(RiskFlag)) >= 1
    page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "safety screen needs review" in page


def test_safety_screen_is_invisible_to_the_partner(client, app, world, login, outbox, screen_slug):
    screen = give(world, "safety-screen", world.partner_a)
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, screen, screen_answers(screen_slug, positive=True))
    assert (
        sam.post(f"/portal/assignments/{screen.id}/share", data={"shared": "1"}).status_code == 404
    )
    alex = signed_in(app, login, world.partner_b.user)
    portal = alex.get("/portal").get_data(as_text=True)
    assert screen_slug.title not in portal and "afety" not in portal
    for action in ("", "/exercise", "/result", "/pdf"):
        assert alex.get(f"/portal/assignments/{screen.id}{action}").status_code == 404
    for message in outbox():
        assert message["To"] != "alex@example.org"


def test_intake_report_is_audited_and_side_by_side(client, app, world, login):
    for partner, q1 in ((world.partner_a, "2"), (world.partner_b, "0")):
        phq = give(world, "phq-9", partner)
        browser = signed_in(app, login, partner.user)
        submit(browser, phq, {**PHQ9_CLEAN, "q1": q1})
    login(client, world.therapist)
    pdf = client.get(f"/couples/{world.couple.id}/intake-report.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Little interest or pleasure" in text and "Sam" in text and "Alex" in text
    assert audit_events("intake_report_downloaded") == 1


def test_weekly_measure_asks_again_after_a_week_as_a_new_response(client, world, login):
    from datetime import timedelta

    from freezegun import freeze_time

    from clinic.assignments.models import Response
    from clinic.db import utcnow

    (gad,) = assign_items(
        world.couple,
        [("exercise", "gad-7")],
        world.partner_a,
        None,
        "",
        world.therapist,
        repeat="weekly",
    )
    db.session.commit()
    answers = {f"q{n}": "1" for n in range(1, 8)}
    with freeze_time(utcnow()) as frozen:
        login(client, world.partner_a.user)
        submit(client, gad, answers)
        assert client.post(f"/portal/assignments/{gad.id}/again").status_code == 404
        frozen.tick(timedelta(days=7, minutes=1))
        login(client, world.partner_a.user)
        assert "Due again" in client.get("/portal").get_data(as_text=True)
        assert client.post(f"/portal/assignments/{gad.id}/again").status_code == 303
        submit(client, gad, {**answers, "q1": "3"}, lock="0")
    rows = (
        db.session.execute(
            select(Response).where(Response.assignment_id == gad.id).order_by(Response.id)
        )
        .scalars()
        .all()
    )
    assert [(r.administration, r.status, r.scores["total"]) for r in rows] == [
        (1, "submitted", 7),
        (2, "submitted", 9),
    ]


def test_progress_page_charts_each_measure_over_time(client, app, world, login):
    from datetime import timedelta

    from freezegun import freeze_time

    from clinic.db import utcnow

    (gad,) = assign_items(
        world.couple,
        [("exercise", "gad-7")],
        world.partner_a,
        None,
        "",
        world.therapist,
        repeat="weekly",
    )
    db.session.commit()
    sam = app.test_client()
    with freeze_time(utcnow()) as frozen:
        login(sam, world.partner_a.user)
        submit(sam, gad, {f"q{n}": "2" for n in range(1, 8)})
        frozen.tick(timedelta(days=8))
        login(sam, world.partner_a.user)
        sam.post(f"/portal/assignments/{gad.id}/again")
        submit(sam, gad, {f"q{n}": "1" for n in range(1, 8)}, lock="0")
        login(client, world.therapist)
        page = client.get(f"/couples/{world.couple.id}/progress").get_data(as_text=True)
    assert "<svg" in page and "GAD-7" in page.upper()
    assert page.count("<td>14</td>") == 1 and page.count("<td>7</td>") == 1  # the table


def test_fhir_export_validates_and_carries_ids_not_names(client, app, world, login):
    import json

    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    phq = give(world, "phq-9", world.partner_a)
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, phq, {**PHQ9_CLEAN, "q3": "2"})
    login(client, world.therapist)
    export = client.get(f"/couples/{world.couple.id}/partners/{world.partner_a.id}/fhir.json")
    assert export.status_code == 200
    bundle = export.json
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Questionnaire", "QuestionnaireResponse"]
    Questionnaire.model_validate(bundle["entry"][0]["resource"])
    QuestionnaireResponse.model_validate(bundle["entry"][1]["resource"])
    text = json.dumps(bundle)
    assert "Sam" not in text and "sam@example.org" not in text
    assert f"partner-{world.partner_a.id}" in text
    assert audit_events("responses_exported") == 1


def test_intake_is_complete_only_when_both_signed_and_answered(client, app, world, login):
    login(client, world.therapist)
    client.post(f"/couples/{world.couple.id}/intake")
    assert "Intake not complete yet" in client.get(f"/couples/{world.couple.id}").get_data(
        as_text=True
    )
    intake = {
        a.partner_id: a
        for a in db.session.execute(
            select(Assignment).where(Assignment.item_slug == "intake-questionnaire")
        ).scalars()
    }
    definition = current_library().exercise("intake-questionnaire")
    from clinic.assignments.responses import start_draft, submit_response

    for partner in (world.partner_a, world.partner_b):
        response = start_draft(intake[partner.id], partner, definition)
        db.session.flush()
        submit_response(response, {}, definition, response.lock_version)
        browser = signed_in(app, login, partner.user)
        browser.post("/portal/consent", data={"typed_name": partner.display_name, "agree": "y"})
        page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
        done = partner is world.partner_b
        assert ("Intake complete:" in page) is done


def test_timeline_lists_flags(client, app, world, login):
    phq = give(world, "phq-9", world.partner_a)
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, phq, {**PHQ9_CLEAN, "q9": "2"})
    login(client, world.therapist)
    page = client.get(f"/couples/{world.couple.id}/timeline?kind=flag").get_data(as_text=True)
    assert "Flag (open) for Sam: Item 9 answered above 0" in page
    assert "event-submission" not in page


def test_an_amended_screen_is_judged_by_its_newest_version(client, app, world, login, screen_slug):
    screen = give(world, "safety-screen", world.partner_a)
    sam = signed_in(app, login, world.partner_a.user)
    submit(sam, screen, screen_answers(screen_slug, positive=True))
    login(client, world.therapist)
    assert "safety screen needs review" in client.get(f"/couples/{world.couple.id}").text
    assert sam.post(f"/portal/assignments/{screen.id}/amend").status_code == 303
    submit(sam, screen, screen_answers(screen_slug, positive=False))
    assert "safety screen" not in client.get(f"/couples/{world.couple.id}").text


def test_the_hold_costs_the_same_queries_however_many_screens(app, world, screen_slug):
    from clinic.intake.services import hold_reason
    from tests.couples.test_couples import count_queries

    give(world, "safety-screen", world.partner_a)
    one = count_queries(
        app, lambda: hold_reason(db.session.get(type(world.couple), world.couple.id))
    )
    for partner in (world.partner_a, world.partner_b, None):
        give(world, "safety-screen", partner)
    db.session.expire_all()
    four = count_queries(
        app, lambda: hold_reason(db.session.get(type(world.couple), world.couple.id))
    )
    assert len(four) == len(one), (one, four)

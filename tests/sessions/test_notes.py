import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic.assignments.models import Assignment
from clinic.audit.models import AuditEvent
from clinic.db import utcnow
from clinic.extensions import db
from clinic.sessions import services
from clinic.sessions.models import SessionNote
from tests.couples.test_couples import count_queries

SECRET = "CLINICIANONLYMARK"


def note_form(world, **changes):
    data = {
        "session_date": "2026-11-20",
        "session_time": "14:00",
        "duration_minutes": "50",
        "attendees": [str(world.partner_a.id), str(world.partner_b.id)],
        "layers": ["manage-conflict"],
        "talked_about": "A hard week at work.",
        "noticed": "You both softened when Sam named the fear.",
        "practise": "One gentle start-up a day.",
        "clinician_notes": f"{SECRET} hypothesis",
        "next_date": "2026-11-27",
        "next_time": "14:00",
    }
    data.update(changes)
    return data


def pdf_text(data):
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def draft(world):
    note = services.start_note(
        world.couple, world.therapist, datetime(2026, 11, 20, 14), "conflict"
    )
    db.session.commit()
    return note


def base(world, note):
    return f"/couples/{world.couple.id}/sessions/{note.id}"


def test_new_note_from_a_template_fills_its_structure(client, world, login):
    login(client, world.therapist)
    response = client.post(
        f"/couples/{world.couple.id}/sessions/new",
        data={"session_date": "2026-11-20", "session_time": "14:00", "template": "conflict"},
    )
    assert response.status_code == 303
    note = db.session.execute(select(SessionNote)).scalar_one()
    assert note.layers == ["manage-conflict"] and "gentle start-up" in note.practise.lower()
    assert note.attendees == [world.partner_a.id, world.partner_b.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Finalise and sign" in page


def test_draft_saves_and_a_stale_window_never_overwrites(client, world, login, draft):
    login(client, world.therapist)
    saved = client.post(
        base(world, draft) + "/edit",
        data={**note_form(world), "lock_version": "0", "action": "save"},
    )
    assert saved.status_code == 303
    stale = client.post(
        base(world, draft) + "/edit",
        data={**note_form(world, talked_about="older text"), "lock_version": "0"},
    )
    assert stale.status_code == 409 and "older text" in stale.get_data(as_text=True)
    auto = client.post(
        base(world, draft) + "/autosave",
        data={**note_form(world, noticed="typed"), "lock_version": "1"},
    )
    assert auto.status_code == 200 and auto.json["lock_version"] == 2
    db.session.expire_all()
    assert draft.talked_about == "A hard week at work." and draft.noticed == "typed"


def test_finalising_signs_the_note_and_freezes_it(client, world, login, draft):
    login(client, world.therapist)
    response = client.post(
        base(world, draft) + "/edit",
        data={**note_form(world), "lock_version": "0", "action": "finalise"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert draft.status == "final" and draft.finalised_by_id == world.therapist.id
    assert draft.finalised_at is not None
    again = client.post(
        base(world, draft) + "/edit",
        data={**note_form(world, talked_about="changed"), "lock_version": "1"},
    )
    assert again.status_code == 303
    assert (
        client.post(base(world, draft) + "/autosave", data={"lock_version": "1"}).status_code == 409
    )
    db.session.expire_all()
    assert draft.talked_about == "A hard week at work."


def test_finalising_an_incomplete_note_keeps_the_draft_and_marks_the_field(
    client, world, login, draft
):
    login(client, world.therapist)
    response = client.post(
        base(world, draft) + "/edit",
        data={**note_form(world, attendees=[]), "lock_version": "0", "action": "finalise"},
    )
    assert response.status_code == 200
    assert "Tick who attended." in response.get_data(as_text=True)
    db.session.expire_all()
    assert draft.status == "draft" and draft.talked_about == "A hard week at work."


def finalised(world, draft, client):
    client.post(
        base(world, draft) + "/edit",
        data={**note_form(world), "lock_version": "0", "action": "finalise"},
    )
    db.session.expire_all()
    return draft


def test_addenda_are_kept_in_order(client, world, login, draft):
    login(client, world.therapist)
    note = finalised(world, draft, client)
    client.post(
        base(world, note) + "/addenda", data={"text": "First later thought.", "clinician_only": "y"}
    )
    client.post(base(world, note) + "/addenda", data={"text": "Second, for the couple."})
    db.session.expire_all()
    assert [(a.text, a.is_clinician_only) for a in note.addenda] == [
        ("First later thought.", True),
        ("Second, for the couple.", False),
    ]


def test_addendum_on_a_draft_is_refused(client, world, login, draft):
    login(client, world.therapist)
    assert client.post(base(world, draft) + "/addenda", data={"text": "x"}).status_code == 404


def test_released_summary_reaches_both_partners_without_clinician_content(
    client, app, world, login, draft
):
    login(client, world.therapist)
    note = finalised(world, draft, client)
    client.post(
        base(world, note) + "/addenda", data={"text": f"{SECRET} addendum", "clinician_only": "y"}
    )
    sam = app.test_client()
    login(sam, world.partner_a.user)
    assert sam.get(f"/portal/sessions/{note.id}/summary.pdf").status_code == 404
    client.post(base(world, note) + "/release")
    assert "Summary of the session on 20 November 2026" in sam.get("/portal").get_data(as_text=True)
    pdf = sam.get(f"/portal/sessions/{note.id}/summary.pdf")
    assert pdf.mimetype == "application/pdf"
    assert 'filename="session-summary.pdf"' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "A hard week at work." in text and "One gentle start-up a day." in text
    assert SECRET not in text and SECRET.encode() not in pdf.data
    other = app.test_client()
    login(other, world.other_client)
    assert other.get(f"/portal/sessions/{note.id}/summary.pdf").status_code == 404


def test_clinician_summary_carries_the_notes_and_is_audited(client, world, login, draft):
    login(client, world.therapist)
    note = finalised(world, draft, client)
    pdf = client.get(base(world, note) + "/clinician.pdf")
    assert SECRET in pdf_text(pdf.data)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "clinician_summary_downloaded")
    ).all()
    assert actions == ["clinician_summary_downloaded"]


def test_homework_given_from_the_note_appears_in_the_portal(client, app, world, login, draft):
    login(client, world.therapist)
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    client.post(
        base(world, draft) + "/homework",
        data={"items": ["h:house-manage-conflict"], "recipient": "both", "due_on": due},
    )
    assignment = db.session.execute(select(Assignment)).scalar_one()
    assert assignment.session_note_id == draft.id
    sam = app.test_client()
    login(sam, world.partner_a.user)
    assert "handling conflict with care" in sam.get("/portal").get_data(as_text=True)
    note = finalised(world, draft, client)
    text = pdf_text(client.get(base(world, note) + "/summary.pdf?packet=1").data)
    assert "handling conflict with care" in text.lower()


def test_timeline_costs_the_same_queries_however_long_the_history(app, client, world, login):
    login(client, world.therapist)
    for n in range(3):
        services.start_note(world.couple, world.therapist, datetime(2026, 1, 1 + n, 10))
    db.session.commit()
    url = f"/couples/{world.couple.id}/timeline"
    client.get(url)
    short = count_queries(app, lambda: client.get(url))
    for n in range(30):
        services.start_note(
            world.couple, world.therapist, datetime(2026, 2, 1, 10) + timedelta(days=n)
        )
    db.session.commit()
    long = count_queries(app, lambda: client.get(url))
    assert len(long) == len(short)
    page = client.get(url + "?kind=session").get_data(as_text=True)
    assert page.count("event-session") == 33


def test_another_therapist_cannot_reach_the_note(client, world, login, draft):
    login(client, world.other_therapist)
    for path in ("", "/edit", "/summary.pdf", "/clinician.pdf"):
        assert client.get(base(world, draft) + path).status_code == 404
    assert client.get(f"/couples/{world.other_couple.id}/sessions/{draft.id}").status_code == 404

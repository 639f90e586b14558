"""Plain-value contexts for session summaries (client-facing and clinician), built from
the note, its homework and the couple's results. The client context is built from a
whitelist: clinician notes, private responses and flags never enter it."""

from sqlalchemy import select

from clinic.assignments.models import Assignment, Response
from clinic.assignments.responses import submitted_in_couple
from clinic.assignments.services import exercise_of, handout_of, title_of
from clinic.extensions import db
from clinic.forms_engine.results import couple_result_view, result_view
from clinic.library.content import LAYERS

WHERE = "In your portal, under “Assigned to you”"


def long_date(value) -> str:
    return f"{value.day} {value:%B %Y}"


def first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").strip() else ""


def homework_of(note) -> list[Assignment]:
    return list(
        db.session.execute(
            select(Assignment)
            .where(Assignment.session_note_id == note.id, Assignment.removed_at.is_(None))
            .order_by(Assignment.id)
        ).scalars()
    )


def latest_submitted(couple) -> dict[tuple[int, int], Response]:
    """Each (assignment, partner)'s latest submitted response in the couple's exercises."""
    return {(r.assignment_id, r.partner_id): r for r, _slug in submitted_in_couple(couple)}


def summary_context(note, clinician: bool = False) -> dict:
    couple = note.couple
    partners = list(couple.partners)
    names = {p.id: first_name(p.display_name) for p in partners}
    homework = []
    for assignment in homework_of(note):
        homework.append(
            {
                "title": title_of(assignment) or "An item from your therapist",
                "due": long_date(assignment.due_on) if assignment.due_on else None,
                "for": names.get(assignment.partner_id, "Both")
                if assignment.partner_id
                else "Both",
                "where": WHERE,
            }
        )
    submitted = latest_submitted(couple)
    exercise_ids = sorted({a_id for a_id, _p in submitted})
    shared_results = []
    scores = []
    for assignment_id in exercise_ids:
        assignment = db.session.get(Assignment, assignment_id)
        definition = exercise_of(assignment)
        if definition is None or not definition.scorer or definition.confidential:
            continue
        mine = {p.id: submitted.get((assignment_id, p.id)) for p in partners}
        if len(partners) == 2 and all(r is not None and r.is_shared for r in mine.values()):
            view = couple_result_view(definition, partners, mine)
            if view:
                shared_results.append(
                    {
                        "title": definition.title,
                        "chart": view["chart"],
                        "lines": list(view.get("homework", [])),
                    }
                )
        if clinician:
            for partner in partners:
                response = mine.get(partner.id)
                result = result_view(definition, response, names[partner.id]) if response else None
                if result:
                    scores.append(
                        {
                            "person": names[partner.id],
                            "title": definition.title,
                            "chart": result.get("chart"),
                            "lines": score_lines(result),
                            "band": result.get("band"),
                        }
                    )
    context = {
        "title": "Session summary",
        "session": {
            "date": long_date(note.session_at),
            "time": f"{note.session_at:%H:%M}",
            "duration_minutes": note.duration_minutes,
            "attendees": [names[i] for i in note.attendees if i in names],
        },
        "layers": [LAYERS[k] for k in note.layers if k in LAYERS],
        "talked_about": note.talked_about,
        "noticed": note.noticed,
        "practise": note.practise,
        "homework": homework,
        "shared_results": shared_results,
        "next_appointment": (
            f"{long_date(note.next_appointment_at)} at {note.next_appointment_at:%H:%M}"
            if note.next_appointment_at
            else None
        ),
        "finalised": (
            {
                "by": note.finalised_by.display_name,
                "at": f"{long_date(note.finalised_at)} {note.finalised_at:%H:%M}",
            }
            if note.finalised_at and note.finalised_by
            else None
        ),
        "addenda": [addendum_values(a) for a in note.addenda if not a.is_clinician_only],
    }
    if clinician:
        context.update(
            {
                "clinician_notes": note.clinician_notes,
                "clinician_addenda": [
                    addendum_values(a) for a in note.addenda if a.is_clinician_only
                ],
                "scores": scores,
                "flags": [],
            }
        )
    return context


def addendum_values(addendum) -> dict:
    return {
        "at": f"{long_date(addendum.created_at)} {addendum.created_at:%H:%M}",
        "by": addendum.author.display_name,
        "text": addendum.text,
    }


def score_lines(result: dict) -> list[str]:
    if result["kind"] == "love_languages":
        lines = [f"{name}: {value}" for name, value in result["scores"]]
        if result.get("primary"):
            lines.insert(0, f"Most important: {result['primary']}")
        return lines
    if result["kind"] == "house":
        return [
            f"{name}: {value if value is not None else 'not answered'}"
            for name, value in result["layers"]
        ]
    total = result.get("total")
    return [
        f"Total: {total if total is not None else 'not complete'}"
        + (f" of {result['max']}" if result.get("max") else "")
    ]


def homework_handouts(note) -> list:
    """The handouts given as homework in this note, for a packet after the summary."""
    return [
        h
        for a in homework_of(note)
        if a.item_kind != "exercise" and (h := handout_of(a)) is not None
    ]

"""Session notes: drafts saved as the therapist types, finalising, addenda, releasing the
client summary. Functions flush; the view commits."""

from sqlalchemy import select, update

from clinic.db import utcnow
from clinic.extensions import db
from clinic.sessions.models import SessionAddendum, SessionNote
from clinic.sessions.templates_data import SESSION_TEMPLATES

NOTE_FIELDS = (
    "session_at",
    "duration_minutes",
    "attendees",
    "layers",
    "talked_about",
    "noticed",
    "practise",
    "clinician_notes",
    "next_appointment_at",
)


class StaleNote(Exception):
    """The draft was saved elsewhere after this page was opened."""


class NoteIsFinal(Exception):
    """A finalised note is changed only by an addendum."""


def start_note(couple, therapist, session_at, template: str = "") -> SessionNote:
    preset = SESSION_TEMPLATES.get(template, {})
    note = SessionNote(
        couple_id=couple.id,
        therapist_id=therapist.id,
        session_at=session_at,
        attendees=[p.id for p in couple.partners],
        layers=list(preset.get("layers", [])),
        talked_about=preset.get("talked_about", ""),
        noticed=preset.get("noticed", ""),
        practise=preset.get("practise", ""),
        template=template if preset else "",
    )
    db.session.add(note)
    db.session.flush()
    return note


def save_note(note: SessionNote, data: dict, seen_lock_version: int) -> SessionNote:
    """Store the fields in ``data`` if the draft is still the one the page loaded."""
    if note.is_final:
        raise NoteIsFinal()
    values = {key: data[key] for key in NOTE_FIELDS if key in data}
    result = db.session.execute(
        update(SessionNote)
        .where(
            SessionNote.id == note.id,
            SessionNote.lock_version == seen_lock_version,
            SessionNote.status == "draft",
        )
        .values(**values, lock_version=SessionNote.lock_version + 1, saved_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(note)
    if result.rowcount != 1:
        raise StaleNote()
    return note


def finalise_note(note: SessionNote, therapist) -> None:
    if note.is_final:
        raise NoteIsFinal()
    note.status = "final"
    note.finalised_at = utcnow()
    note.finalised_by_id = therapist.id
    db.session.flush()


def add_addendum(note: SessionNote, author, text: str, clinician_only: bool) -> SessionAddendum:
    if not note.is_final:
        raise ValueError("only a finalised note takes addenda")
    addendum = SessionAddendum(
        note_id=note.id, author_id=author.id, text=text, is_clinician_only=clinician_only
    )
    db.session.add(addendum)
    db.session.flush()
    return addendum


def release_summary(note: SessionNote) -> None:
    if not note.is_final:
        raise ValueError("only a finalised note is released")
    note.released_at = note.released_at or utcnow()
    db.session.flush()


def notes_of(couple) -> list[SessionNote]:
    return list(
        db.session.execute(
            select(SessionNote)
            .where(SessionNote.couple_id == couple.id)
            .order_by(SessionNote.session_at.desc(), SessionNote.id.desc())
        ).scalars()
    )


def released_notes(couple_ids: list[int]) -> list[SessionNote]:
    if not couple_ids:
        return []
    return list(
        db.session.execute(
            select(SessionNote)
            .where(SessionNote.couple_id.in_(couple_ids), SessionNote.released_at.is_not(None))
            .order_by(SessionNote.session_at.desc())
        ).scalars()
    )

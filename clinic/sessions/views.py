from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.assignments.forms import AssignForm
from clinic.audit.services import record_event
from clinic.couples.access import get_couple_or_404
from clinic.couples.forms import ActionForm
from clinic.db import utcnow
from clinic.extensions import db
from clinic.security import roles_required
from clinic.sessions import services
from clinic.sessions.forms import AddendumForm, NewNoteForm, SessionNoteForm
from clinic.sessions.models import SessionNote
from clinic.sessions.summary import homework_handouts, homework_of, summary_context

bp = Blueprint("sessions", __name__)

STALE = (
    "This note was saved from another window after this page was opened, so nothing "
    "was saved here and nothing was overwritten. Your text is still below: copy what you "
    "need, then reload."
)


def get_note_or_404(couple, note_id) -> SessionNote:
    note = db.session.get(SessionNote, note_id)
    if note is None or note.couple_id != couple.id:
        abort(404)
    return note


def note_url(note, endpoint="sessions.show"):
    return url_for(endpoint, couple_id=note.couple_id, note_id=note.id)


@bp.route("/couples/<int:couple_id>/sessions/new", methods=["GET", "POST"])
@roles_required("therapist")
def new(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = NewNoteForm()
    if request.method == "GET":
        now = utcnow()
        form.session_date.data, form.session_time.data = (
            now.date(),
            now.time().replace(second=0, microsecond=0),
        )
    if form.validate_on_submit():
        note = services.start_note(couple, current_user, form.session_at(), form.template.data)
        record_event("session_note_created", actor=current_user, target=note, couple_id=couple.id)
        db.session.commit()
        return redirect(note_url(note, "sessions.edit"), code=303)
    return render_template("sessions/new.html", couple=couple, form=form)


@bp.route("/couples/<int:couple_id>/sessions/<int:note_id>/edit", methods=["GET", "POST"])
@roles_required("therapist")
def edit(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    if note.is_final:
        flash("This note is finalised: add an addendum instead.", "info")
        return redirect(note_url(note), code=303)
    form = SessionNoteForm(couple)
    if request.method == "GET":
        form.fill_from(note)
        return render_edit(couple, note, form)
    action = request.form.get("action", "save")
    valid = form.validate_on_submit()
    try:
        services.save_note(note, form.note_data(lenient=True), seen_lock())
    except services.StaleNote:
        db.session.rollback()
        return render_edit(couple, note, form, message=STALE, status=409)
    if action == "finalise":
        if not valid:
            db.session.commit()  # the draft is kept; the errors are shown beside the fields
            return render_edit(
                couple,
                note,
                form,
                status=200,
                message="The draft is saved. Fix the marked fields to finalise.",
            )
        services.finalise_note(note, current_user)
        record_event("session_note_finalised", actor=current_user, target=note, couple_id=couple.id)
        db.session.commit()
        flash("The note is finalised and signed. Later changes are addenda.", "info")
        return redirect(note_url(note), code=303)
    db.session.commit()
    flash(f"Draft saved at {note.saved_at:%H:%M} (UTC).", "info")
    return redirect(note_url(note, "sessions.edit"), code=303)


def seen_lock() -> int:
    try:
        return int(request.form.get("lock_version", ""))
    except ValueError:
        return -1


def render_edit(couple, note, form, message=None, status=200):
    return render_template(
        "sessions/edit.html",
        couple=couple,
        note=note,
        form=form,
        message=message,
        lock_version=note.lock_version,
        homework=homework_rows(note),
    ), status


def homework_rows(note):
    from clinic.assignments.services import title_of

    return [{"title": title_of(a) or "Withdrawn item", "assignment": a} for a in homework_of(note)]


@bp.post("/couples/<int:couple_id>/sessions/<int:note_id>/autosave")
@roles_required("therapist")
def autosave(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    if note.is_final:
        return jsonify(error="final", message="This note is finalised."), 409
    form = SessionNoteForm(couple)
    try:
        services.save_note(note, form.note_data(lenient=True), seen_lock())
    except services.StaleNote:
        db.session.rollback()
        return jsonify(error="stale", message=STALE), 409
    db.session.commit()
    return jsonify(saved_at=f"{note.saved_at:%H:%M}", lock_version=note.lock_version)


@bp.get("/couples/<int:couple_id>/sessions/<int:note_id>")
@roles_required("therapist")
def show(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    record_event("session_note_viewed", actor=current_user, target=note, couple_id=couple.id)
    db.session.commit()
    from clinic.assignments.views import item_choices

    return render_template(
        "sessions/show.html",
        couple=couple,
        note=note,
        context=summary_context(note, True),
        addendum_form=AddendumForm(),
        action_form=ActionForm(),
        homework_form=AssignForm(couple, item_choices(current_user)),
        homework=homework_rows(note),
    )


@bp.post("/couples/<int:couple_id>/sessions/<int:note_id>/addenda")
@roles_required("therapist")
def addendum(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    form = AddendumForm()
    if not note.is_final:
        abort(404)
    if form.validate_on_submit():
        added = services.add_addendum(note, current_user, form.text.data, form.clinician_only.data)
        record_event(
            "session_addendum_added", actor=current_user, target=added, couple_id=couple.id
        )
        db.session.commit()
        flash("Addendum added.", "info")
    else:
        flash("Write the addendum before adding it.", "error")
    return redirect(note_url(note), code=303)


@bp.post("/couples/<int:couple_id>/sessions/<int:note_id>/release")
@roles_required("therapist")
def release(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    if not note.is_final or not ActionForm().validate_on_submit():
        flash("Finalise the note before releasing its summary.", "error")
        return redirect(note_url(note), code=303)
    services.release_summary(note)
    record_event("session_summary_released", actor=current_user, target=note, couple_id=couple.id)
    db.session.commit()
    flash("The summary is now in the couple's portal.", "info")
    return redirect(note_url(note), code=303)


@bp.post("/couples/<int:couple_id>/sessions/<int:note_id>/homework")
@roles_required("therapist")
def homework(couple_id, note_id):
    """Assign library items from the note itself; they appear in the portal as usual."""
    from clinic.assignments.views import item_choices

    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    form = AssignForm(couple, item_choices(current_user))
    from clinic.assignments.views import assign_from_form, held_back

    if form.validate_on_submit() and not held_back(couple, form):
        created = assign_from_form(couple, form, session_note=note)
        flash(f"{len(created)} item(s) given as homework.", "info")
    else:
        problems = [e for errors in form.errors.values() for e in errors]
        problems += [e for e in form.items.errors if e not in problems]
        flash(" ".join(problems) or "Choose the homework to give.", "error")
    back = "sessions.edit" if not note.is_final else "sessions.show"
    return redirect(note_url(note, back), code=303)


def summary_response(note, clinician: bool, packet: bool = False):
    from clinic.errors import render_error
    from clinic.pdf_responses import pdf_response
    from clinic.reports.render import PdfTooLarge, current_practice
    from clinic.reports.sessions import session_summary_pdf, summary_filename

    handouts = homework_handouts(note) if packet else ()
    try:
        data = session_summary_pdf(
            summary_context(note, clinician),
            current_practice(),
            clinician=clinician,
            handouts=handouts,
        )
    except PdfTooLarge as error:
        return render_error(413, "Too large to print", str(error))
    return pdf_response(data, summary_filename(clinician))


@bp.get("/couples/<int:couple_id>/sessions/<int:note_id>/summary.pdf")
@roles_required("therapist")
def summary_pdf(couple_id, note_id):
    """The client-facing summary, to print in the room (with ?packet=1: plus handouts)."""
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    return summary_response(note, clinician=False, packet=request.args.get("packet") == "1")


@bp.get("/couples/<int:couple_id>/sessions/<int:note_id>/clinician.pdf")
@roles_required("therapist")
def clinician_pdf(couple_id, note_id):
    couple = get_couple_or_404(current_user, couple_id)
    note = get_note_or_404(couple, note_id)
    record_event(
        "clinician_summary_downloaded", actor=current_user, target=note, couple_id=couple.id
    )
    db.session.commit()
    return summary_response(note, clinician=True)


TIMELINE_KINDS = {
    "session": "Sessions",
    "assignment": "Assignments",
    "submission": "Submissions and measures",
    "flag": "Flags",
}


@bp.get("/couples/<int:couple_id>/timeline")
@roles_required("therapist")
def timeline(couple_id):
    """Sessions, assignments, submissions (measures included) and flags in date order, in
    four queries however long the history is."""
    from sqlalchemy import select

    from clinic.assignments.models import Assignment, Response
    from clinic.assignments.services import title_of

    couple = get_couple_or_404(current_user, couple_id)
    chosen = [k for k in request.args.getlist("kind") if k in TIMELINE_KINDS] or list(
        TIMELINE_KINDS
    )
    names = {p.id: p.display_name for p in couple.partners}
    events = []
    if "session" in chosen:
        for note in services.notes_of(couple):
            events.append(
                {
                    "at": note.session_at,
                    "kind": "session",
                    "text": "Session" + (" (draft note)" if not note.is_final else ""),
                    "url": note_url(note),
                }
            )
    assignments = {}
    if "assignment" in chosen or "submission" in chosen:
        assignments = {
            a.id: a
            for a in db.session.execute(
                select(Assignment).where(Assignment.couple_id == couple.id)
            ).scalars()
        }
    if "assignment" in chosen:
        for a in assignments.values():
            who = names.get(a.partner_id, "both") if a.partner_id else "both"
            events.append(
                {
                    "at": a.created_at,
                    "kind": "assignment",
                    "text": f"Assigned “{title_of(a) or 'a withdrawn item'}” to {who}"
                    + (" (removed)" if a.removed_at else ""),
                    "url": None,
                }
            )
    if "submission" in chosen and assignments:
        rows = db.session.execute(
            select(Response).where(
                Response.assignment_id.in_(list(assignments)), Response.status == "submitted"
            )
        ).scalars()
        for r in rows:
            a = assignments[r.assignment_id]
            events.append(
                {
                    "at": r.submitted_at,
                    "kind": "submission",
                    "text": f"{names.get(r.partner_id, 'A partner')} submitted "
                    f"“{title_of(a) or 'a withdrawn item'}”"
                    + (f" (version {r.version_no})" if r.version_no > 1 else ""),
                    "url": url_for("assignments.review", couple_id=couple.id, assignment_id=a.id),
                }
            )
    if "flag" in chosen:
        from clinic.intake.models import RiskFlag

        for flag in db.session.execute(
            select(RiskFlag).where(RiskFlag.couple_id == couple.id)
        ).scalars():
            state = "reviewed" if flag.reviewed_at else "open"
            events.append(
                {
                    "at": flag.raised_at,
                    "kind": "flag",
                    "text": f"Flag ({state}) for {names.get(flag.partner_id, 'a partner')}"
                    f": {flag.label}",
                    "url": None,
                }
            )
    events.sort(key=lambda e: e["at"], reverse=True)
    return render_template(
        "sessions/timeline.html", couple=couple, events=events, kinds=TIMELINE_KINDS, chosen=chosen
    )

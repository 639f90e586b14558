"""The client portal: what a partner sees after signing in."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.assignments import responses, services
from clinic.couples.access import get_client_assignment_or_404, partners_of_client
from clinic.couples.forms import ActionForm
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.views import render_handout_pdf
from clinic.security import roles_required

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("")
@roles_required("client")
def home():
    partners = partners_of_client(current_user)
    today = utcnow().date()
    items = []
    for partner in partners:
        assignments = services.assignments_for_partner(partner)
        mine = responses.current_responses_of(partner, assignments)
        for assignment in assignments:
            items.append(services.portal_item(assignment, partner, mine.get(assignment.id), today))
    from clinic.sessions.services import released_notes
    from clinic.sessions.summary import long_date

    summaries = [
        {"id": n.id, "date": long_date(n.session_at)}
        for n in released_notes([p.couple_id for p in partners])
    ]
    from clinic.accounts.services import read_practice_settings
    from clinic.intake.services import has_signed_current

    settings = read_practice_settings()
    needs_consent = any(
        i["title"] and i["assignment"].item_slug == "intake-questionnaire" for i in items
    ) and not all(has_signed_current(p, settings) for p in partners)
    return render_template(
        "portal/home.html",
        partners=partners,
        items=items,
        today=today,
        summaries=summaries,
        needs_consent=needs_consent,
    )


@bp.get("/assignments/<int:assignment_id>")
@roles_required("client")
def read(assignment_id):
    assignment, partner = get_client_assignment_or_404(current_user, assignment_id)
    if assignment.item_kind == "exercise":
        return redirect(url_for("portal.exercise", assignment_id=assignment.id))
    handout = services.handout_of(assignment)
    services.mark_opened(assignment, partner)
    db.session.commit()
    progress = assignment.progress_of(partner)
    return render_template(
        "portal/read.html",
        assignment=assignment,
        handout=handout,
        progress=progress,
        form=ActionForm(),
    )


@bp.post("/assignments/<int:assignment_id>/read")
@roles_required("client")
def mark_read(assignment_id):
    assignment, partner = get_client_assignment_or_404(current_user, assignment_id)
    if ActionForm().validate_on_submit():
        services.mark_read(assignment, partner)
        db.session.commit()
        flash("Marked as read. Your therapist can see that you have read it.", "info")
    return redirect(url_for("portal.read", assignment_id=assignment.id), code=303)


@bp.get("/assignments/<int:assignment_id>/pdf")
@roles_required("client")
def pdf(assignment_id):
    assignment, partner = get_client_assignment_or_404(current_user, assignment_id)
    if assignment.item_kind == "exercise":
        from clinic.portal.exercises import exercise_pdf

        return exercise_pdf(assignment, partner)
    handout = services.handout_of(assignment)
    if handout is None:
        abort(404)
    return render_handout_pdf([handout], prepared_for=partner.display_name)


@bp.get("/sessions/<int:note_id>/summary.pdf")
@roles_required("client")
def session_summary(note_id):
    """The client-facing summary of a session of their couple, once released."""
    from clinic.sessions.models import SessionNote
    from clinic.sessions.views import summary_response

    note = db.session.get(SessionNote, note_id)
    couples = {p.couple_id for p in partners_of_client(current_user)}
    if note is None or note.released_at is None or note.couple_id not in couples:
        abort(404)
    return summary_response(note, clinician=False, packet=True)


from clinic.portal import exercises  # noqa: E402, F401  (registers the exercise routes)

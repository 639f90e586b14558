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
            items.append(services.portal_item(assignment, partner, mine.get(assignment.id),
                                              today))
    return render_template("portal/home.html", partners=partners, items=items, today=today)


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


from clinic.portal import exercises  # noqa: E402, F401  (registers the exercise routes)

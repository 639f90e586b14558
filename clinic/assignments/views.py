"""Therapist side of assignments: assign handouts to a couple, remove them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.assignments import services
from clinic.assignments.forms import AssignForm
from clinic.audit.services import record_event
from clinic.couples.access import get_assignment_or_404, get_couple_or_404, get_partner_or_404
from clinic.couples.forms import ActionForm
from clinic.extensions import db
from clinic.library.services import current_library, own_handouts
from clinic.library.views import render_handout_pdf
from clinic.security import roles_required

bp = Blueprint("assignments", __name__)


def handout_choices(therapist):
    choices = [(f"h:{h.slug}", h.title) for h in current_library().ordered()]
    choices += [(f"own:{c.id}", f"{c.title} (your own)") for c in own_handouts(therapist)]
    return choices


@bp.route("/couples/<int:couple_id>/assign", methods=["GET", "POST"])
@roles_required("therapist")
def assign(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = AssignForm(couple, handout_choices(current_user))
    if request.method == "GET" and request.args.get("item"):
        form.items.data = [request.args["item"]]
    if form.validate_on_submit():
        items = services.resolve_items(current_user, form.items.data)
        partner = None
        if form.recipient.data != "both":
            partner = get_partner_or_404(current_user, couple, int(form.recipient.data))
        created = services.assign_items(
            couple, items, partner, form.due_on.data, form.note.data, current_user
        )
        for assignment in created:
            record_event(
                "assignment_created", actor=current_user, target=assignment, couple_id=couple.id
            )
        db.session.commit()
        flash(f"{len(created)} handout(s) assigned.", "info")
        return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    library = current_library()
    groups = {}
    for value, label in form.items.choices:
        kind, _, key = value.partition(":")
        group = library.get(key).layer_name if kind == "h" else "Your own handouts"
        groups.setdefault(group, []).append((value, label))
    return render_template("assignments/assign.html", couple=couple, form=form, groups=groups)


@bp.post("/couples/<int:couple_id>/assignments/<int:assignment_id>/remove")
@roles_required("therapist")
def remove(couple_id, assignment_id):
    couple = get_couple_or_404(current_user, couple_id)
    assignment = get_assignment_or_404(couple, assignment_id)
    if ActionForm().validate_on_submit():
        services.remove_assignment(assignment)
        record_event(
            "assignment_removed", actor=current_user, target=assignment, couple_id=couple.id
        )
        db.session.commit()
        flash("The assignment is removed from the couple's portal.", "info")
    return redirect(url_for("couples.detail", couple_id=couple.id), code=303)


def assignment_rows(couple):
    """Plain rows for the couple page: the item, and each partner's status and dates."""
    rows = []
    for assignment in services.current_assignments(couple):
        handout = services.handout_of(assignment)
        statuses = []
        for partner in couple.partners:
            if not assignment.is_for(partner):
                continue
            progress = assignment.progress_of(partner)
            statuses.append(
                {
                    "name": partner.display_name,
                    "status": progress.status if progress else "not opened",
                    "opened_at": progress.opened_at if progress else None,
                    "read_at": progress.read_at if progress else None,
                }
            )
        rows.append({"assignment": assignment, "handout": handout, "statuses": statuses})
    return rows


@bp.get("/couples/<int:couple_id>/handouts.pdf")
@roles_required("therapist")
def packet(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    handouts = [
        h for a in services.current_assignments(couple) if (h := services.handout_of(a)) is not None
    ]
    if not handouts:
        abort(404)
    names = " & ".join(p.display_name for p in couple.partners)
    return render_handout_pdf(list(reversed(handouts)), prepared_for=names)

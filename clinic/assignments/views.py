"""Therapist side of assignments: assign handouts to a couple, remove them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.assignments import notify, responses, services
from clinic.assignments.forms import AssignForm, CommentForm
from clinic.assignments.models import Response
from clinic.audit.services import record_event
from clinic.couples.access import get_assignment_or_404, get_couple_or_404, get_partner_or_404
from clinic.couples.forms import ActionForm
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.services import current_library, own_handouts
from clinic.library.views import render_handout_pdf
from clinic.security import roles_required

bp = Blueprint("assignments", __name__)


def item_choices(therapist):
    library = current_library()
    choices = [(f"h:{h.slug}", h.title) for h in library.ordered()]
    choices += [(f"x:{d.slug}", d.title) for d in library.ordered_exercises()]
    choices += [(f"own:{c.id}", f"{c.title} (your own)") for c in own_handouts(therapist)]
    return choices


def held_back(couple, form) -> bool:
    """True (with the reason on the field) when the conflict-work hold keeps an item back."""
    from clinic.intake.services import blocked_by_hold

    items = services.resolve_items(current_user, form.items.data) or []
    blocked = blocked_by_hold(couple, items)
    if blocked:
        form.items.errors.append(
            f"{', '.join(blocked)}: conflict work waits until you record a review of the "
            "safety screen on the couple page."
        )
    return bool(blocked)


def assign_from_form(couple, form, session_note=None) -> list:
    """Assign what a validated AssignForm asks, audit it, commit once, then e-mail the
    partners (after the commit, so no e-mail goes out for something not stored)."""
    items = services.resolve_items(current_user, form.items.data)
    partner = None
    if form.recipient.data != "both":
        partner = get_partner_or_404(current_user, couple, int(form.recipient.data))
    created = services.assign_items(
        couple,
        items,
        partner,
        form.due_on.data,
        form.note.data,
        current_user,
        repeat=form.repeat.data,
    )
    for assignment in created:
        assignment.session_note_id = session_note.id if session_note else None
        record_event(
            "assignment_created", actor=current_user, target=assignment, couple_id=couple.id
        )
    db.session.commit()
    notify.send_new_assignment_emails(couple, created)
    return created


@bp.route("/couples/<int:couple_id>/assign", methods=["GET", "POST"])
@roles_required("therapist")
def assign(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = AssignForm(couple, item_choices(current_user))
    if request.method == "GET" and request.args.get("item"):
        form.items.data = [request.args["item"]]
    if form.validate_on_submit() and not held_back(couple, form):
        created = assign_from_form(couple, form)
        flash(f"{len(created)} item(s) assigned.", "info")
        return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    library = current_library()
    groups = {}
    for value, label in form.items.choices:
        kind, _, key = value.partition(":")
        if kind == "h":
            group = f"Handouts: {library.get(key).layer_name}"
        elif kind == "x":
            group = f"Exercises: {library.exercise(key).layer_name}"
        else:
            group = "Your own handouts"
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
    assignments = services.current_assignments(couple)
    current = responses.current_responses_for(assignments)
    today = utcnow().date()
    rows = []
    for assignment in assignments:
        statuses = []
        for partner in couple.partners:
            if not assignment.is_for(partner):
                continue
            if assignment.item_kind == "exercise":
                response = current.get((assignment.id, partner.id))
                statuses.append(
                    {
                        "name": partner.display_name,
                        "status": responses.partner_status(assignment, response, today),
                        "opened_at": None,
                        "read_at": response.submitted_at if response else None,
                    }
                )
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
        rows.append(
            {
                "assignment": assignment,
                "title": services.title_of(assignment),
                "is_exercise": assignment.item_kind == "exercise",
                "statuses": statuses,
            }
        )
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


def submitted_by_partner(assignment, partners):
    """Each partner's latest submitted response (drafts stay with their author)."""
    from sqlalchemy import select

    from clinic.assignments.models import Response

    rows = db.session.execute(
        select(Response)
        .where(Response.assignment_id == assignment.id, Response.status == "submitted")
        .order_by(Response.version_no)
    ).scalars()
    latest = {r.partner_id: r for r in rows}
    return {p.id: latest.get(p.id) for p in partners}


def side_by_side(definition, partners, submitted):
    """Question-by-question rows with each partner's answer and whether they differ."""
    from clinic.forms_engine.forms import display_value

    sections = []
    for section in definition.sections:
        rows = []
        for item in section.items:
            values = []
            raw = []
            for partner in partners:
                response = submitted.get(partner.id)
                value = response.answers.get(item.id) if response else None
                raw.append(value)
                values.append(display_value(item, value))
            both = len(raw) == 2 and all(v is not None for v in raw)
            rows.append({"item": item, "answers": values, "differs": both and raw[0] != raw[1]})
        sections.append((section, rows))
    return sections


@bp.get("/couples/<int:couple_id>/assignments/<int:assignment_id>")
@roles_required("therapist")
def review(couple_id, assignment_id):
    couple = get_couple_or_404(current_user, couple_id)
    assignment = get_assignment_or_404(couple, assignment_id)
    definition = services.exercise_of(assignment) if assignment.item_kind == "exercise" else None
    if definition is None:
        abort(404)
    partners = [p for p in couple.partners if assignment.is_for(p)]
    submitted = submitted_by_partner(assignment, partners)
    current = responses.responses_of(assignment)
    today = utcnow().date()
    statuses = {
        p.id: responses.partner_status(assignment, current.get(p.id), today) for p in partners
    }
    record_event("responses_viewed", actor=current_user, target=assignment, couple_id=couple.id)
    db.session.commit()
    from clinic.forms_engine.results import couple_result_view, result_view

    return render_template(
        "assignments/review.html",
        couple=couple,
        assignment=assignment,
        definition=definition,
        partners=partners,
        submitted=submitted,
        statuses=statuses,
        sections=side_by_side(definition, partners, submitted),
        results={
            p.id: result_view(definition, submitted[p.id]) for p in partners if submitted[p.id]
        },
        couple_view=couple_result_view(definition, partners, submitted),
        comment_forms={
            r.id: CommentForm(prefix=f"r{r.id}", data={"comment": r.therapist_comment})
            for r in submitted.values()
            if r
        },
    )


@bp.post(
    "/couples/<int:couple_id>/assignments/<int:assignment_id>/responses/<int:response_id>/comment"
)
@roles_required("therapist")
def comment(couple_id, assignment_id, response_id):
    couple = get_couple_or_404(current_user, couple_id)
    assignment = get_assignment_or_404(couple, assignment_id)
    response = db.session.get(Response, response_id)
    if response is None or response.assignment_id != assignment.id or not response.is_submitted:
        abort(404)
    form = CommentForm(prefix=f"r{response.id}")
    if form.validate_on_submit():
        responses.comment_on(response, form.comment.data or "")
        record_event("response_commented", actor=current_user, target=response, couple_id=couple.id)
        db.session.commit()
        flash("Comment saved. The partner sees it with their answers.", "info")
    else:
        flash(" ".join(form.comment.errors) or "The comment could not be saved.", "error")
    return redirect(
        url_for("assignments.review", couple_id=couple.id, assignment_id=assignment.id), code=303
    )


@bp.get("/couples/<int:couple_id>/assignments/<int:assignment_id>/responses/<int:response_id>/pdf")
@roles_required("therapist")
def response_pdf(couple_id, assignment_id, response_id):
    """A partner's submitted answers as a PDF for the therapist; audited."""
    from clinic.forms_engine.results import result_view
    from clinic.pdf_responses import pdf_response
    from clinic.reports.exercises import exercise_filename
    from clinic.reports.exercises import response_pdf as render_response_pdf
    from clinic.reports.render import current_practice

    couple = get_couple_or_404(current_user, couple_id)
    assignment = get_assignment_or_404(couple, assignment_id)
    response = db.session.get(Response, response_id)
    definition = services.exercise_of(assignment)
    if (
        response is None
        or response.assignment_id != assignment.id
        or not response.is_submitted
        or definition is None
    ):
        abort(404)
    name = response.partner.display_name
    data = render_response_pdf(
        definition,
        current_practice(),
        response.answers,
        result_view(definition, response, name),
        name,
        response.submitted_at.date(),
        response.therapist_comment,
    )
    record_event(
        "response_pdf_downloaded", actor=current_user, target=response, couple_id=couple.id
    )
    db.session.commit()
    return pdf_response(data, exercise_filename(definition, "answers"))

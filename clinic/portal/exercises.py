"""A partner completing an exercise: pages, drafts saved as they type, submitting,
amending, sharing with their partner. Registered on the portal blueprint."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.assignments import responses
from clinic.assignments.models import Response
from clinic.couples.access import get_client_assignment_or_404
from clinic.couples.forms import ActionForm
from clinic.db import utcnow
from clinic.extensions import db
from clinic.forms_engine.forms import (
    answers_from_form,
    answers_to_formdata,
    display_value,
    form_class,
    section_of,
    validation_errors,
)
from clinic.forms_engine.results import couple_result_view, result_view
from clinic.library.services import current_library
from clinic.portal.views import bp
from clinic.security import roles_required

STALE = (
    "These answers were changed in another window or on another device after this page "
    "was opened, so nothing was saved here and nothing was overwritten. Your text from this "
    "page is still below: copy anything you need, then reload the page to see the saved answers."
)


def load_exercise(assignment_id):
    assignment, partner = get_client_assignment_or_404(current_user, assignment_id)
    if assignment.item_kind != "exercise":
        abort(404)
    definition = current_library().exercise(assignment.item_slug)
    if definition is None:
        abort(404)
    return assignment, partner, definition


def page_number(definition, raw) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 0
    return min(max(number, 0), len(definition.sections) - 1)


def answered_rows(definition, answers):
    """Plain rows of (section, [(item, shown value)]) for read-only views."""
    return [
        (section, [(item, display_value(item, answers.get(item.id))) for item in section.items])
        for section in definition.sections
    ]


def latest_submitted(assignment, partner) -> Response | None:
    from sqlalchemy import select

    return db.session.execute(
        select(Response)
        .where(
            Response.assignment_id == assignment.id,
            Response.partner_id == partner.id,
            Response.status == "submitted",
        )
        .order_by(Response.version_no.desc())
        .limit(1)
    ).scalar_one_or_none()


def shared_by_partner(assignment, partner):
    """The other partner's latest submitted response, if (and only if) they shared it."""
    other = next((p for p in assignment.couple.partners if p.id != partner.id), None)
    if other is None or not assignment.is_for(other):
        return None, None
    response = latest_submitted(assignment, other)
    if response is None or not response.is_shared:
        return other, None
    return other, response


def render_exercise(
    assignment,
    partner,
    definition,
    response,
    page,
    form=None,
    status=200,
    errors=None,
    message=None,
):
    section = definition.sections[page]
    answers = response.answers if response else {}
    if form is None:
        form = form_class(definition, [section.id])(
            formdata=answers_to_formdata(definition, answers, [section.id])
        )
        grow = request.args.get("add")
        if grow in form._fields and hasattr(form[grow], "append_entry"):
            field = form[grow]
            if len(field.entries) < (field.max_entries or 50):
                field.append_entry()
    return render_template(
        "portal/exercise.html",
        assignment=assignment,
        definition=definition,
        section=section,
        page=page,
        pages=len(definition.sections),
        form=form,
        response=response,
        lock_version=response.lock_version if response else 0,
        errors=errors or {},
        all_errors=errors or {},
        page_of={item.id: section_of(definition, item.id) for item in definition.items},
        message=message,
    ), status


@bp.get("/assignments/<int:assignment_id>/exercise")
@roles_required("client")
def exercise(assignment_id):
    assignment, partner, definition = load_exercise(assignment_id)
    response = responses.current_response(assignment, partner)
    if response is not None and response.is_submitted:
        return redirect(url_for("portal.result", assignment_id=assignment.id))
    page = page_number(definition, request.args.get("page"))
    errors = {}
    if request.args.get("check") and response is not None:
        errors = validation_errors(definition, response.answers)
    return render_exercise(assignment, partner, definition, response, page, errors=errors)


def posted_answers(definition, section, response):
    form = form_class(definition, [section.id])()
    previous = response.answers if response else {}
    return form, answers_from_form(definition, form, previous)


def seen_lock_version() -> int:
    try:
        return int(request.form.get("lock_version", "0"))
    except ValueError:
        return -1


@bp.post("/assignments/<int:assignment_id>/exercise")
@roles_required("client")
def save(assignment_id):
    """Save the page as a draft, then go where the button said (back, next, stay, submit)."""
    assignment, partner, definition = load_exercise(assignment_id)
    page = page_number(definition, request.form.get("page"))
    section = definition.sections[page]
    response = responses.start_draft(assignment, partner, definition)
    if response.is_submitted:
        flash("This is already submitted. Choose “Amend” to change it.", "info")
        return redirect(url_for("portal.result", assignment_id=assignment.id), code=303)
    form, answers = posted_answers(definition, section, response)
    try:
        responses.save_draft(response, answers, seen_lock_version())
    except responses.StaleDraft:
        db.session.rollback()
        return render_exercise(
            assignment, partner, definition, response, page, form=form, status=409, message=STALE
        )
    action = request.form.get("action", "save")
    if action == "submit":
        errors = validation_errors(definition, answers)
        if errors:
            db.session.commit()
            first_page = section_of(definition, next(iter(errors)))
            flash(
                "Your answers are saved. A few questions still need an answer before you "
                "can submit.",
                "error",
            )
            return redirect(
                url_for("portal.exercise", assignment_id=assignment.id, page=first_page, check=1),
                code=303,
            )
        responses.submit_response(response, answers, definition, response.lock_version)
        from clinic.audit.services import record_event

        record_event(
            "response_submitted",
            actor=current_user,
            target=response,
            couple_id=assignment.couple_id,
        )
        db.session.commit()
        flash("Submitted. Thank you.", "info")
        return redirect(url_for("portal.result", assignment_id=assignment.id), code=303)
    db.session.commit()
    target = {"next": page + 1, "back": page - 1}.get(action, page)
    target = min(max(target, 0), len(definition.sections) - 1)
    extra = {}
    if action.startswith("add_row:"):
        extra["add"] = action.partition(":")[2]
    if action == "save":
        flash(f"Draft saved at {response.saved_at:%H:%M} (UTC).", "info")
    return redirect(
        url_for("portal.exercise", assignment_id=assignment.id, page=target, **extra), code=303
    )


@bp.post("/assignments/<int:assignment_id>/autosave")
@roles_required("client")
def autosave(assignment_id):
    """The page's script saves here a few seconds after typing stops."""
    assignment, partner, definition = load_exercise(assignment_id)
    page = page_number(definition, request.form.get("page"))
    response = responses.start_draft(assignment, partner, definition)
    if response.is_submitted:
        return jsonify(error="submitted", message="This is already submitted."), 409
    _form, answers = posted_answers(definition, definition.sections[page], response)
    try:
        responses.save_draft(response, answers, seen_lock_version())
    except responses.StaleDraft:
        db.session.rollback()
        return jsonify(error="stale", message=STALE), 409
    db.session.commit()
    return jsonify(saved_at=f"{response.saved_at:%H:%M}", lock_version=response.lock_version)


@bp.get("/assignments/<int:assignment_id>/result")
@roles_required("client")
def result(assignment_id):
    assignment, partner, definition = load_exercise(assignment_id)
    response = latest_submitted(assignment, partner)
    current = responses.current_response(assignment, partner)
    if response is None:
        return redirect(url_for("portal.exercise", assignment_id=assignment.id))
    other, shared = shared_by_partner(assignment, partner)
    couple_view = None
    if shared is not None and response.is_shared:
        couple_view = couple_result_view(
            definition, [partner, other], {partner.id: response, other.id: shared}
        )
    return render_template(
        "portal/result.html",
        assignment=assignment,
        definition=definition,
        response=response,
        # A confidential screen shows its author no score or band: it is for the therapist.
        result=None if definition.confidential else result_view(definition, response, "You"),
        partner_result=result_view(definition, shared, other.display_name) if shared else None,
        couple_view=couple_view,
        amending=current is not None and not current.is_submitted,
        rows=answered_rows(definition, response.answers),
        other=other,
        shared=shared,
        shared_rows=answered_rows(definition, shared.answers) if shared else None,
        due_again=current is not None and responses.due_again(assignment, current, utcnow()),
        form=ActionForm(),
        today=utcnow().date(),
    )


@bp.post("/assignments/<int:assignment_id>/share")
@roles_required("client")
def share(assignment_id):
    assignment, partner, definition = load_exercise(assignment_id)
    response = latest_submitted(assignment, partner)
    if response is None or not ActionForm().validate_on_submit():
        abort(404)
    shared = request.form.get("shared") == "1"
    if shared and definition.confidential:
        abort(404)
    responses.set_visibility(response, shared, definition)
    db.session.commit()
    flash(
        "Your partner can now see these answers."
        if shared
        else "These answers are private again: only you and your therapist see them.",
        "info",
    )
    return redirect(url_for("portal.result", assignment_id=assignment.id), code=303)


@bp.post("/assignments/<int:assignment_id>/again")
@roles_required("client")
def again(assignment_id):
    """Start the next administration of a repeated questionnaire."""
    assignment, partner, _definition = load_exercise(assignment_id)
    current = responses.current_response(assignment, partner)
    if (
        current is None
        or not ActionForm().validate_on_submit()
        or not responses.due_again(assignment, current, utcnow())
    ):
        abort(404)
    responses.start_administration(current)
    db.session.commit()
    return redirect(url_for("portal.exercise", assignment_id=assignment.id), code=303)


@bp.post("/assignments/<int:assignment_id>/amend")
@roles_required("client")
def amend(assignment_id):
    assignment, partner, _definition = load_exercise(assignment_id)
    current = responses.current_response(assignment, partner)
    if current is None or not ActionForm().validate_on_submit():
        abort(404)
    if current.is_submitted:
        responses.amend_response(current)
        db.session.commit()
        flash("You are changing your answers. The earlier version is kept.", "info")
    return redirect(url_for("portal.exercise", assignment_id=assignment.id), code=303)


def salvage_draft(user, assignment_id: int, formdata) -> bool:
    """Keep what was typed when a save cannot go through normally (an expired session or
    form token): store it as the user's draft. Never submits. True when stored."""
    from werkzeug.exceptions import NotFound

    try:
        assignment, partner = get_client_assignment_or_404(user, assignment_id)
    except NotFound:
        return False
    definition = current_library().exercise(assignment.item_slug or "")
    if assignment.item_kind != "exercise" or definition is None:
        return False
    page = page_number(definition, formdata.get("page"))
    response = responses.start_draft(assignment, partner, definition)
    if response.is_submitted:
        return False
    form = form_class(definition, [definition.sections[page].id])(
        formdata=formdata, meta={"csrf": False}
    )
    answers = answers_from_form(definition, form, response.answers)
    try:
        seen = int(formdata.get("lock_version", ""))
        responses.save_draft(response, answers, seen)
    except (ValueError, responses.StaleDraft):
        db.session.rollback()
        return False
    db.session.commit()
    return True


SALVAGE_ENDPOINTS = ("portal.save", "portal.autosave")


def salvage_request(user) -> bool:
    """For the hooks that refuse a request (expired session or form token): keep the
    typed answers of an exercise save as a draft."""
    if request.method != "POST" or request.endpoint not in SALVAGE_ENDPOINTS or user is None:
        return False
    if not getattr(user, "is_client", False) or not user.is_active:
        return False
    return salvage_draft(user, request.view_args["assignment_id"], request.form)


def exercise_pdf(assignment, partner):
    """The partner's own latest submitted answers as a PDF; before submitting, the blank
    fillable worksheet. Never the other partner's answers."""
    from clinic.pdf_responses import pdf_response
    from clinic.reports.exercises import exercise_filename, response_pdf, worksheet_pdf
    from clinic.reports.render import current_practice

    definition = current_library().exercise(assignment.item_slug or "")
    if definition is None:
        abort(404)
    practice = current_practice()
    response = latest_submitted(assignment, partner)
    if response is None:
        data = worksheet_pdf(definition, practice, fillable=True, prepared_for=partner.display_name)
        return pdf_response(data, exercise_filename(definition, "fillable"))
    data = response_pdf(
        definition,
        practice,
        response.answers,
        result_view(definition, response, partner.display_name),
        partner.display_name,
        response.submitted_at.date(),
        response.therapist_comment,
    )
    return pdf_response(data, exercise_filename(definition, "answers"))

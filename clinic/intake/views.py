"""Intake: the packet, consent, flags and the conflict-work hold (therapist), and signing
consent (partner)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.accounts.services import read_practice_settings
from clinic.assignments import notify
from clinic.audit.services import record_event
from clinic.couples.access import get_couple_or_404, partners_of_client
from clinic.couples.forms import ActionForm
from clinic.extensions import db
from clinic.intake import services
from clinic.intake.forms import ConsentForm, ReviewForm
from clinic.intake.models import RiskFlag
from clinic.security import roles_required

bp = Blueprint("intake", __name__)


def back_to(couple):
    return redirect(url_for("couples.detail", couple_id=couple.id), code=303)


@bp.post("/couples/<int:couple_id>/intake")
@roles_required("therapist")
def send_packet(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    created = services.send_intake_packet(couple, current_user)
    for assignment in created:
        record_event(
            "assignment_created", actor=current_user, target=assignment, couple_id=couple.id
        )
    record_event("intake_packet_sent", actor=current_user, target=couple, couple_id=couple.id)
    db.session.commit()
    notify.send_new_assignment_emails(couple, created)
    flash("The intake packet is in each partner's portal, with the consent to sign.", "info")
    return back_to(couple)


@bp.post("/couples/<int:couple_id>/flags/<int:flag_id>/review")
@roles_required("therapist")
def review_flag(couple_id, flag_id):
    couple = get_couple_or_404(current_user, couple_id)
    flag = db.session.get(RiskFlag, flag_id)
    if flag is None or flag.couple_id != couple.id:
        abort(404)
    form = ReviewForm(prefix=f"flag{flag.id}")
    if form.validate_on_submit():
        services.review_flag(flag, current_user, form.note.data)
        record_event("risk_flag_reviewed", actor=current_user, target=flag, couple_id=couple.id)
        db.session.commit()
        flash("Review recorded.", "info")
    else:
        flash("Write a short note of your review to close the flag.", "error")
    return back_to(couple)


@bp.post("/couples/<int:couple_id>/hold/review")
@roles_required("therapist")
def review_hold(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = ReviewForm(prefix="hold")
    if form.validate_on_submit():
        review = services.record_hold_review(couple, current_user, form.note.data)
        record_event(
            "conflict_hold_reviewed", actor=current_user, target=review, couple_id=couple.id
        )
        db.session.commit()
        flash("Review recorded: conflict work can be assigned again.", "info")
    else:
        flash("Give the reason for your review to lift the hold.", "error")
    return back_to(couple)


@bp.route("/portal/consent", methods=["GET", "POST"])
@roles_required("client")
def consent():
    settings = read_practice_settings()
    partners = partners_of_client(current_user)
    if not partners:
        abort(404)
    form = ConsentForm()
    if form.validate_on_submit():
        for partner in partners:
            services.sign_consent(partner, settings, form.typed_name.data)
        db.session.commit()
        flash("Thank you: your consent is signed.", "info")
        return redirect(url_for("portal.home"), code=303)
    signature = services.latest_signature(partners[0])
    return render_template(
        "intake/consent.html",
        form=form,
        settings=settings,
        signature=signature,
        current=signature is not None and signature.consent_version == settings.consent_version,
    )


@bp.get("/couples/<int:couple_id>/intake-report.pdf")
@roles_required("therapist")
def report(couple_id):
    """The intake report PDF for the therapist; audited."""
    from clinic.intake.report import report_context
    from clinic.pdf_responses import pdf_response
    from clinic.reports.render import current_practice, render_pdf

    couple = get_couple_or_404(current_user, couple_id)
    data = render_pdf(
        "pdf/intake_report.html",
        report_context(couple),
        practice=current_practice(),
        ref=f"intake-report:{couple.id}",
    )
    record_event("intake_report_downloaded", actor=current_user, target=couple, couple_id=couple.id)
    db.session.commit()
    return pdf_response(data, "intake-report.pdf")


@bp.get("/couples/<int:couple_id>/progress")
@roles_required("therapist")
def progress(couple_id):
    """Each measure over time, per partner, with cut-off lines and bands; a table too."""
    from clinic.assignments.responses import submitted_in_couple
    from clinic.forms_engine.progress import measure_progress_svg, progress_rows, series_for
    from clinic.library.services import current_library

    couple = get_couple_or_404(current_user, couple_id)
    rows = submitted_in_couple(couple)
    names = {p.id: p.display_name for p in couple.partners}
    by_measure: dict[str, dict[str, list]] = {}
    for response, slug in rows:
        by_measure.setdefault(slug, {}).setdefault(names.get(response.partner_id, "?"), []).append(
            (response.submitted_at.date(), response.scores or {})
        )
    charts = []
    library = current_library()
    for slug, people in by_measure.items():
        definition = library.exercise(slug)
        if definition is None or definition.scorer != "sum":
            continue
        series, low, high, bands, cutoffs = series_for(definition, people)
        charts.append(
            {
                "title": definition.title,
                "svg": measure_progress_svg(
                    definition.title, series, low=low, high=high, bands=bands, cutoffs=cutoffs
                ),
                "rows": progress_rows(series),
            }
        )
    record_event("measures_viewed", actor=current_user, target=couple, couple_id=couple.id)
    db.session.commit()
    return render_template("intake/progress.html", couple=couple, charts=charts)


@bp.get("/couples/<int:couple_id>/partners/<int:partner_id>/fhir.json")
@roles_required("therapist")
def fhir_export(couple_id, partner_id):
    """One partner's submitted responses as FHIR R4 QuestionnaireResponse resources, with
    the Questionnaire definitions, in a collection Bundle; audited. Ids only, no names."""
    from flask import jsonify
    from sqlalchemy import select

    from clinic.assignments.models import Assignment, Response
    from clinic.couples.access import get_partner_or_404
    from clinic.forms_engine.fhir import questionnaire_resource, questionnaire_response_resource
    from clinic.library.services import current_library

    couple = get_couple_or_404(current_user, couple_id)
    partner = get_partner_or_404(current_user, couple, partner_id)
    library = current_library()
    rows = db.session.execute(
        select(Response, Assignment.item_slug)
        .join(Assignment, Assignment.id == Response.assignment_id)
        .where(
            Assignment.couple_id == couple.id,
            Response.partner_id == partner.id,
            Response.status == "submitted",
            Assignment.item_kind == "exercise",
        )
        .order_by(Response.submitted_at)
    ).all()
    entries, seen = [], set()
    for response, slug in rows:
        definition = library.exercise(slug)
        if definition is None:
            continue
        if slug not in seen:
            seen.add(slug)
            entries.append({"resource": questionnaire_resource(definition)})
        entries.append(
            {
                "resource": questionnaire_response_resource(
                    definition,
                    response.answers,
                    response_id=response.id,
                    subject_ref=f"Patient/partner-{partner.id}",
                    authored=response.submitted_at,
                    status="completed",
                )
            }
        )
    record_event("responses_exported", actor=current_user, target=partner, couple_id=couple.id)
    db.session.commit()
    result = jsonify({"resourceType": "Bundle", "type": "collection", "entry": entries})
    result.headers["Content-Disposition"] = 'attachment; filename="responses-fhir.json"'
    return result

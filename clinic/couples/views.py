from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from clinic.accounts.sessions import begin_session
from clinic.assignments.services import overdue_counts
from clinic.assignments.views import assignment_rows
from clinic.audit.models import AuditEvent
from clinic.audit.services import record_event
from clinic.couples import services
from clinic.couples.access import get_couple_or_404, get_partner_or_404
from clinic.couples.forms import (
    AcceptInvitationForm,
    ActionForm,
    CoupleForm,
    CoupleSearchForm,
    LinkAccountForm,
    StatusForm,
)
from clinic.couples.models import Couple, Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.intake import services as intake_services
from clinic.intake.forms import ReviewForm
from clinic.mail import send_email
from clinic.security import roles_required, verify_password
from clinic.sessions.services import notes_of

bp = Blueprint("couples", __name__)

STATUS_MESSAGES = {
    "active": "The case is active again.",
    "paused": "The case is paused.",
    "closed": "The case is closed.",
}
ALLOWED_STATUS_CHANGES = {
    "active": {"paused", "closed"},
    "paused": {"active", "closed"},
    "closed": {"active"},
}
SAME_EMAIL_IN_COUPLE = (
    "Each partner signs in with their own e-mail address, so the two must differ."
)


@bp.get("/couples")
@roles_required("therapist")
def dashboard():
    search = CoupleSearchForm(request.args)
    stmt = select(Couple).where(Couple.therapist_id == current_user.id)
    if search.validate():
        if search.q.data:
            stmt = stmt.where(Couple.label.icontains(search.q.data, autoescape=True))
        if search.status.data:
            stmt = stmt.where(Couple.status == search.status.data)
    stmt = stmt.options(selectinload(Couple.partners)).order_by(func.lower(Couple.label), Couple.id)
    page = db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["COUPLES_PER_PAGE"],
        error_out=False,
    )
    counts = dict(
        db.session.execute(
            select(Couple.status, func.count())
            .where(Couple.therapist_id == current_user.id)
            .group_by(Couple.status)
        ).all()
    )
    ids = [c.id for c in page.items]
    overdue = overdue_counts(ids, utcnow().date())
    return render_template(
        "couples/dashboard.html",
        page=page,
        search=search,
        counts=counts,
        overdue=overdue,
        flags=intake_services.open_flag_counts(ids),
    )


@bp.route("/couples/new", methods=["GET", "POST"])
@roles_required("therapist")
def new_couple():
    form = CoupleForm()
    if form.validate_on_submit():
        couple = services.create_couple(current_user, form.label.data, form.partners())
        record_event("couple_created", actor=current_user, target=couple, couple_id=couple.id)
        tokens = []
        if form.send_invitations.data:
            tokens = [(p, invite(p, couple)) for p in couple.partners]
        db.session.commit()
        for partner, token in tokens:
            send_invitation_email(partner, token)
        flash(created_message(couple, bool(tokens)), "info")
        return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    return render_template("couples/form.html", form=form, couple=None)


def created_message(couple, invited):
    if invited:
        return f"Case created and {len(couple.partners)} invitation(s) sent."
    return "Case created. Invite the partners when you are ready."


@bp.get("/couples/<int:couple_id>")
@roles_required("therapist")
def detail(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    record_event("couple_viewed", actor=current_user, target=couple, couple_id=couple.id)
    db.session.commit()
    now = utcnow()
    partners = [
        {"partner": p, "invitation": p.invitations[0] if p.invitations else None}
        for p in couple.partners
    ]
    return render_template(
        "couples/detail.html",
        couple=couple,
        partners=partners,
        assignments=assignment_rows(couple),
        notes=notes_of(couple),
        intake=intake_panel(couple),
        now=now,
        action_form=ActionForm(),
        status_changes=sorted(ALLOWED_STATUS_CHANGES[couple.status]),
    )


@bp.route("/couples/<int:couple_id>/edit", methods=["GET", "POST"])
@roles_required("therapist")
def edit(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = CoupleForm()
    del form.send_invitations
    if request.method == "GET":
        form.fill_from(couple)
    joined = {p.position: p for p in couple.partners if p.has_joined}
    if form.validate_on_submit():
        data = form.partners()
        for position, partner in joined.items():
            if position > len(data):
                form.partner2_name.errors.append(
                    f"{partner.display_name} has joined and cannot be removed from the case."
                )
        if not (form.partner2_name.errors):
            emails = [
                joined[i + 1].email if (i + 1) in joined else d["email"].lower()
                for i, d in enumerate(data)
            ]
            if len(set(emails)) < len(emails):
                form.partner2_email.errors.append(SAME_EMAIL_IN_COUPLE)
            else:
                services.update_couple(couple, form.label.data, data)
                record_event(
                    "couple_changed", actor=current_user, target=couple, couple_id=couple.id
                )
                db.session.commit()
                flash("Changes saved.", "info")
                return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    return render_template("couples/form.html", form=form, couple=couple, joined=joined)


@bp.post("/couples/<int:couple_id>/status")
@roles_required("therapist")
def change_status(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    form = StatusForm()
    if (
        not form.validate_on_submit()
        or form.status.data not in ALLOWED_STATUS_CHANGES[couple.status]
    ):
        flash("That change of status is not possible.", "error")
        return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    services.set_couple_status(couple, form.status.data)
    record_event(
        f"couple_{form.status.data}", actor=current_user, target=couple, couple_id=couple.id
    )
    db.session.commit()
    flash(STATUS_MESSAGES[couple.status], "info")
    return redirect(url_for("couples.detail", couple_id=couple.id), code=303)


def invite(partner: Partner, couple: Couple) -> str:
    token = services.create_invitation(partner, current_user)
    record_event("invitation_sent", actor=current_user, target=partner, couple_id=couple.id)
    return token


def send_invitation_email(partner: Partner, token: str) -> None:
    send_email(
        partner.email,
        "An invitation to your client portal",
        "email/invitation.txt",
        name=partner.display_name,
        link=url_for("couples.accept_invitation", token=token, _external=True),
    )


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/invite")
@roles_required("therapist")
def send_invitation(couple_id, partner_id):
    couple = get_couple_or_404(current_user, couple_id)
    partner = get_partner_or_404(current_user, couple, partner_id)
    if not ActionForm().validate_on_submit() or partner.has_joined:
        flash(f"{partner.display_name} has already joined.", "error")
        return redirect(url_for("couples.detail", couple_id=couple.id), code=303)
    token = invite(partner, couple)
    db.session.commit()
    send_invitation_email(partner, token)
    flash(f"Invitation sent to {partner.email}. Earlier links no longer work.", "info")
    return redirect(url_for("couples.detail", couple_id=couple.id), code=303)


@bp.post("/couples/<int:couple_id>/partners/<int:partner_id>/revoke")
@roles_required("therapist")
def revoke_invitation(couple_id, partner_id):
    couple = get_couple_or_404(current_user, couple_id)
    partner = get_partner_or_404(current_user, couple, partner_id)
    if ActionForm().validate_on_submit():
        services.revoke_invitations(partner)
        record_event("invitation_revoked", actor=current_user, target=partner, couple_id=couple.id)
        db.session.commit()
        flash(f"The invitation for {partner.display_name} no longer works.", "info")
    return redirect(url_for("couples.detail", couple_id=couple.id), code=303)


@bp.get("/couples/<int:couple_id>/audit")
@roles_required("therapist")
def audit_trail(couple_id):
    couple = get_couple_or_404(current_user, couple_id)
    page = db.paginate(
        select(AuditEvent)
        .where(AuditEvent.couple_id == couple.id, AuditEvent.actor_id == current_user.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=50,
        error_out=False,
    )
    partner_names = {p.id: p.display_name for p in couple.partners}
    return render_template(
        "couples/audit.html", couple=couple, page=page, partner_names=partner_names
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    invitation = services.find_pending_invitation(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html", invitation=True), 404
    existing = services.existing_account_for(invitation)
    form = LinkAccountForm() if existing else AcceptInvitationForm()
    form.account_email = invitation.partner.email
    if form.validate_on_submit():
        if existing and not verify_password(existing.password_hash, form.password.data):
            form.password.errors.append("That is not the password of your existing account.")
        else:
            try:
                user = services.accept_invitation(invitation, form.password.data)
            except services.InvitationProblem as problem:
                db.session.rollback()
                return render_template("accounts/link_invalid.html", message=str(problem)), 409
            except IntegrityError:
                db.session.rollback()
                return render_template("accounts/link_invalid.html", invitation=True), 409
            record_event(
                "invitation_accepted",
                actor=user,
                target=invitation.partner,
                couple_id=invitation.partner.couple_id,
            )
            begin_session(user)
            record_event("sign_in", actor=user, target=user)
            db.session.commit()
            flash("Welcome. Your account is ready.", "info")
            return redirect(url_for("portal.home"), code=303)
    return render_template(
        "couples/accept_invitation.html", form=form, partner=invitation.partner, existing=existing
    )


def intake_panel(couple):
    """Consent per partner, open flags with their review forms, and the conflict-work hold:
    clinician-only values for the couple page."""
    from clinic.accounts.services import read_practice_settings

    settings = read_practice_settings()
    consent = []
    for partner in couple.partners:
        signature = intake_services.latest_signature(partner)
        consent.append(
            {
                "name": partner.display_name,
                "signature": signature,
                "current": signature is not None
                and signature.consent_version == settings.consent_version,
            }
        )
    flags = intake_services.open_flags(couple)
    return {
        "complete": intake_services.intake_complete(couple, settings),
        "consent": consent,
        "flags": [(f, ReviewForm(prefix=f"flag{f.id}")) for f in flags],
        "hold": intake_services.hold_reason(couple),
        "hold_form": ReviewForm(prefix="hold"),
    }

"""Practice admin: therapist accounts and branding. No clinical records here."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic.accounts import services
from clinic.accounts.forms import PracticeSettingsForm, TherapistForm
from clinic.accounts.models import User
from clinic.audit.services import record_event
from clinic.extensions import db
from clinic.mail import send_email
from clinic.security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def get_therapist_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_therapist:
        abort(404)
    return user


def send_setup_link(user: User, token: str) -> None:
    send_email(
        user.email,
        "Your account is ready",
        "email/account_setup.txt",
        name=user.display_name,
        link=url_for("accounts.reset_password", token=token, _external=True),
    )


@bp.route("/therapists", methods=["GET", "POST"])
@roles_required("admin")
def therapists():
    form = TherapistForm()
    if form.validate_on_submit():
        if services.find_user_by_email(form.email.data) is not None:
            form.email.errors.append("An account already uses this e-mail address.")
        else:
            user = services.create_therapist(form.email.data, form.display_name.data)
            token = services.create_password_token(user, "setup")
            record_event("therapist_created", actor=current_user, target=user)
            db.session.commit()
            send_setup_link(user, token)
            flash(f"Account created. We e-mailed {user.email} a link to set a password.", "info")
            return redirect(url_for("admin.therapists"), code=303)
    rows = db.session.execute(
        select(User).where(User.role == "therapist").order_by(User.display_name)
    ).scalars()
    return render_template("admin/therapists.html", form=form, therapists=list(rows))


@bp.post("/therapists/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate_therapist(user_id):
    user = get_therapist_or_404(user_id)
    services.set_user_active(user, False)
    record_event("therapist_deactivated", actor=current_user, target=user)
    db.session.commit()
    flash(f"{user.display_name} can no longer sign in; their sessions have ended.", "info")
    return redirect(url_for("admin.therapists"), code=303)


@bp.post("/therapists/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate_therapist(user_id):
    user = get_therapist_or_404(user_id)
    services.set_user_active(user, True)
    record_event("therapist_reactivated", actor=current_user, target=user)
    db.session.commit()
    flash(f"{user.display_name} can sign in again.", "info")
    return redirect(url_for("admin.therapists"), code=303)


@bp.post("/therapists/<int:user_id>/setup-link")
@roles_required("admin")
def resend_setup_link(user_id):
    user = get_therapist_or_404(user_id)
    if not user.is_active:
        abort(404)
    token = services.create_password_token(user, "setup")
    record_event("setup_link_sent", actor=current_user, target=user)
    db.session.commit()
    send_setup_link(user, token)
    flash(f"We e-mailed {user.email} a new link to set a password.", "info")
    return redirect(url_for("admin.therapists"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
def practice_settings():
    settings = services.get_practice_settings()
    form = PracticeSettingsForm(obj=settings)
    if form.validate_on_submit():
        logo = read_logo(form)
        if not form.logo.errors:
            if form.remove_logo.data and logo is None:
                logo = False
            services.update_practice_settings(settings, form.data, logo=logo)
            record_event("practice_settings_changed", actor=current_user, target=settings)
            db.session.commit()
            flash("Practice settings saved.", "info")
            return redirect(url_for("admin.practice_settings"), code=303)
    return render_template("admin/settings.html", form=form, settings=settings)


def read_logo(form):
    """``(bytes, mime)`` for an acceptable upload, None when there is none; errors on the field."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    limit = current_app.config["LOGO_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        form.logo.errors.append("The logo must be at most 1 MB.")
        return None
    mime = services.sniff_image(data)
    if mime is None:
        form.logo.errors.append("The logo must be a PNG or JPEG image.")
        return None
    return data, mime


logo_bp = Blueprint("practice", __name__)


@logo_bp.get("/practice/logo")
def logo():
    settings = services.read_practice_settings()
    if not settings.logo:
        abort(404)
    response = Response(settings.logo, mimetype=settings.logo_mime)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@logo_bp.get("/practice/theme.css")
def theme():
    """The practice's accent colour as CSS, so pages need no inline styles (CSP)."""
    settings = services.read_practice_settings()
    css = f":root {{ --accent: {settings.accent_color}; }}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

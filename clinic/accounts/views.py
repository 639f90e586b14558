from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from clinic.accounts import services
from clinic.accounts.forms import ChangePasswordForm, ResetRequestForm, SetPasswordForm, SignInForm
from clinic.accounts.sessions import begin_session
from clinic.audit.services import record_event
from clinic.extensions import db, limiter
from clinic.mail import send_email
from clinic.security import safe_next_url, verify_password

bp = Blueprint("accounts", __name__)

SIGN_IN_FAILED = "That e-mail and password do not match an active account."
RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "The link works once, for one hour."
)


def sign_in_key() -> str:
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return f"{email}|{request.remote_addr}"


def failed_sign_in(response) -> bool:
    return response.status_code == 200


def home_for(user) -> str:
    if user.is_admin:
        return url_for("admin.therapists")
    if user.is_therapist:
        return url_for("couples.dashboard")
    return url_for("portal.home")


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("accounts.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT"],
    key_func=sign_in_key,
    methods=["POST"],
    deduct_when=failed_sign_in,
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"],
    methods=["POST"],
    deduct_when=failed_sign_in,
    scope="sign-in-address",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            begin_session(user)
            record_event("sign_in", actor=user, target=user)
            db.session.commit()
            target = safe_next_url(request.args.get("next")) or home_for(user)
            return redirect(target, code=303)
        known = services.find_user_by_email(form.email.data)
        record_event("sign_in_failed", actor_id=known.id if known else None)
        db.session.commit()
        form.password.errors.append(SIGN_IN_FAILED)
    return render_template("accounts/sign_in.html", form=form, reason=request.args.get("reason"))


@bp.post("/sign-out")
def sign_out():
    # current_user loads lazily, and loading it is what sets g.login_session.
    login_session = g.get("login_session") if current_user.is_authenticated else None
    if login_session is not None:
        services.end_login_session(login_session)
        record_event("sign_out", actor=current_user, target=current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("accounts.sign_in"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            services.set_password(current_user, form.password.data, keep=g.login_session)
            record_event("password_changed", actor=current_user, target=current_user)
            db.session.commit()
            flash("Your password is changed. Your other sessions have been signed out.", "info")
            return redirect(home_for(current_user), code=303)
    return render_template("accounts/change_password.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="password-reset")
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        token = None
        if user is not None and user.is_active:
            token = services.create_password_token(user, "reset")
            record_event("password_reset_requested", actor=user, target=user)
            db.session.commit()
            send_email(
                user.email,
                "Choose a new password",
                "email/password_reset.txt",
                link=url_for("accounts.reset_password", token=token, _external=True),
            )
        flash(RESET_SENT, "info")
        return redirect(url_for("accounts.sign_in"), code=303)
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    row = services.find_usable_password_token(token)
    if row is None:
        return render_template("accounts/link_invalid.html"), 404
    form = SetPasswordForm()
    form.account_email = row.user.email
    if form.validate_on_submit():
        user = services.use_password_token(row, form.password.data)
        record_event("password_set_by_link", actor=user, target=user)
        db.session.commit()
        flash("Your password is set. Please sign in.", "info")
        return redirect(url_for("accounts.sign_in"), code=303)
    return render_template("accounts/reset_password.html", form=form, purpose=row.purpose)

"""Binding Flask-Login to a login-session row, with idle and absolute timeouts."""

from datetime import timedelta

from flask import flash, g, redirect, request, session, url_for
from flask_login import login_user

from clinic.accounts import services
from clinic.db import utcnow
from clinic.extensions import db, login_manager

# Writing last_seen_at on every request would make every page a write; a minute's slack
# is far below the shortest idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)


def begin_session(user) -> None:
    """Start a fresh browser session (no fixation) bound to a new login-session row.
    The caller commits."""
    token = services.start_login_session(user, request.remote_addr)
    session.clear()
    session["sid"] = token
    login_user(user)


@login_manager.user_loader
def load_user(user_id: str):
    login_session = services.find_login_session(session.get("sid"))
    if login_session is None or str(login_session.user_id) != user_id:
        return None
    user = login_session.user
    now = utcnow()
    if login_session.ended_at is not None or not user.is_active:
        return None
    if services.session_expired(login_session, now):
        services.end_login_session(login_session)
        db.session.commit()
        g.session_timed_out = True
        g.expired_user = user
        return None
    if now - login_session.last_seen_at > TOUCH_INTERVAL:
        login_session.last_seen_at = now
        db.session.commit()
    g.login_session = login_session
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.method == "GET":
        target = request.full_path if request.query_string else request.path
    else:
        target = None
    if g.get("session_timed_out"):
        from clinic.portal.exercises import salvage_request

        if salvage_request(g.get("expired_user")):
            flash(
                "Your session ended, so your answers were saved as a draft. Sign in again "
                "to carry on where you left off.",
                "info",
            )
            target = url_for("portal.exercise", **request.view_args)
        else:
            flash(
                "Your session ended after a period without activity. Please sign in again.", "info"
            )
    else:
        flash("Please sign in to see that page.", "info")
    session.pop("sid", None)
    return redirect(url_for("accounts.sign_in", next=target))

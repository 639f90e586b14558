"""Friendly error pages. A user's mistake never answers 500."""

import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError

from clinic.extensions import db

log = logging.getLogger("clinic.errors")

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Page not found", "This page does not exist, or you do not have access to it."),
    405: ("Not allowed", "That action is not possible on this page."),
    413: ("Too large", "That upload or form is too large. Please send something smaller."),
    429: (
        "Too many attempts",
        "Too many attempts in a short time. Please wait a minute and try again.",
    ),
    500: ("Something went wrong", "Something went wrong on our side. Please try again."),
}


def render_error(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[400])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            message=message or default_message,
        ),
        code,
    )


def register(app) -> None:
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask import flash, redirect, url_for
        from flask_login import current_user

        from clinic.portal.exercises import salvage_request

        if current_user.is_authenticated and salvage_request(current_user._get_current_object()):
            flash(
                "This page had expired, so your answers were saved as a draft. "
                "Please check them and carry on.",
                "info",
            )
            return redirect(url_for("portal.exercise", **request.view_args), code=303)
        return render_error(
            400,
            "This form expired",
            "For your security, forms expire after a while or when you sign in again. "
            "Please go back, reload the page and send it again.",
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def value_out_of_range(error):
        """A value from the request that the database cannot hold, such as an id in a URL
        beyond the column's range: the request's mistake. Logged (the kind and the page,
        never the value, which may be a client's words) so a missing validator shows up."""
        db.session.rollback()
        log.warning(
            "refused a value the database cannot hold: %s on %s",
            type(error).__name__,
            request.endpoint,
        )
        return render_error(400)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)

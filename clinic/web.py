"""Per-request hooks: security headers and what every page template needs."""

from flask import abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Branding and static files carry nothing private and may be cached.
PUBLIC_ASSETS = ("static", "practice.logo", "practice.theme")
SUBMIT_METHODS = ("POST", "PUT", "PATCH", "DELETE")  # when Flask-WTF reads a form


def is_form_shaped(data) -> bool:
    """JSON that Flask-WTF can read as form data: an object of strings or lists of them."""
    return isinstance(data, dict) and all(
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
        for value in data.values()
    )


def register(app) -> None:
    @app.before_request
    def refuse_malformed_input():
        """A request no form can hold is the sender's mistake: 400, not a 500 later.

        NUL characters: PostgreSQL refuses them in text (SQLite would store them).
        JSON bodies: Flask-WTF reads them as form data, but only a flat object of strings.
        """
        for values in (*request.args.listvalues(), *request.form.listvalues()):
            if any("\x00" in value for value in values):
                abort(400)
        reads_json = request.method in SUBMIT_METHODS and request.is_json and not request.form
        if reads_json and not is_form_shaped(request.get_json(silent=True)):
            abort(400)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint not in PUBLIC_ASSETS:
            headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def practice_context():
        from clinic.accounts.services import read_practice_settings

        return {"practice": read_practice_settings()}

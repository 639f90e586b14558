"""clinic: a couples-therapy practice toolkit."""

import logging
from pathlib import Path

from flask import Flask

from clinic.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    load_config(app, test_config)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["markdown"] = markdown_filter
    configure_logging(app)
    register_extensions(app)
    load_content(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_hooks(app)
    register_commands(app)
    return app


def markdown_filter(text: str):
    """Markdown from our content files or a therapist, rendered with raw HTML escaped."""
    from clinic.library.content import render_markdown

    return render_markdown(text or "")


def configure_logging(app: Flask) -> None:
    if not app.testing:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("clinic").setLevel(logging.INFO)


def register_extensions(app: Flask) -> None:
    from clinic.db import configure_sqlite
    from clinic.extensions import csrf, db, limiter, login_manager, migrate

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if not uri.startswith("sqlite"):
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    app.teardown_request(lambda _exc: db.session.remove())
    if uri.startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"

    import clinic.accounts.sessions  # noqa: F401  (registers the user loader)
    import clinic.models  # noqa: F401  (every model, for Alembic and relationships)


def load_content(app: Flask) -> None:
    """Read and validate the handout files; a bad file stops the app from starting."""
    from clinic.library.content import load_library

    root = Path(app.config.get("CONTENT_DIR") or PROJECT_ROOT / "handouts")
    app.extensions["clinic.library"] = load_library(root)


def register_blueprints(app: Flask) -> None:
    from clinic.accounts.admin import bp as admin_bp
    from clinic.accounts.admin import logo_bp
    from clinic.accounts.views import bp as accounts_bp
    from clinic.assignments.views import bp as assignments_bp
    from clinic.couples.views import bp as couples_bp
    from clinic.intake.views import bp as intake_bp
    from clinic.library.views import bp as library_bp
    from clinic.portal.views import bp as portal_bp
    from clinic.sessions.views import bp as sessions_bp

    for blueprint in (
        accounts_bp,
        admin_bp,
        logo_bp,
        couples_bp,
        library_bp,
        assignments_bp,
        sessions_bp,
        intake_bp,
        portal_bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from clinic.errors import register

    register(app)


def register_hooks(app: Flask) -> None:
    from clinic.web import register

    register(app)


def register_commands(app: Flask) -> None:
    from clinic.cli import register

    register(app)

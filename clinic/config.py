"""Configuration: defaults here, then ``instance/config.py``, then ``CLINIC_*`` environment
variables (plus the conventional ``DATABASE_URL`` and ``REDIS_URL``), then a test mapping."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

# Values that must never reach production as a SECRET_KEY.
WEAK_SECRET_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
MIN_SECRET_KEY_LENGTH = 32


class Defaults:
    ENV = "production"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    SESSION_COOKIE_SECURE = None  # None: decided by ENV (secure outside development)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "clinic_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Sessions: idle limits by role and one absolute limit.
    IDLE_TIMEOUT_STAFF = timedelta(minutes=30)
    IDLE_TIMEOUT_CLIENT = timedelta(minutes=60)
    ABSOLUTE_TIMEOUT = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = False
    SIGN_IN_LIMIT = "5 per minute"
    SIGN_IN_ADDRESS_LIMIT = "50 per minute"

    INVITATION_LIFETIME = timedelta(days=7)
    PASSWORD_RESET_LIFETIME = timedelta(hours=1)
    ACCOUNT_SETUP_LIFETIME = timedelta(days=7)

    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    LOGO_MAX_BYTES = 1024 * 1024

    MAIL_SERVER = None
    MAIL_PORT = 587
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = True
    MAIL_SENDER = "no-reply@clinic.invalid"
    OUTBOX_DIR = None

    COUPLES_PER_PAGE = 20
    # Where people reach the site; used for links in e-mails sent by commands.
    PUBLIC_URL = "http://127.0.0.1:5000"


def load_config(app, test_config=None):
    """Fill ``app.config`` layer by layer and derive the values that depend on others."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="CLINIC")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = app.config["ENV"]
    app.config["TESTING"] = app.config.get("TESTING") or env == "testing"
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = env not in ("development", "testing")

    uri = app.config["SQLALCHEMY_DATABASE_URI"] or f"sqlite:///{instance / 'clinic.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if not app.config["OUTBOX_DIR"]:
        app.config["OUTBOX_DIR"] = str(instance / "outbox")
    app.config["SECRET_KEY"] = resolve_secret_key(app.config["SECRET_KEY"], env, instance)


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_strong_secret(key) -> bool:
    return (
        isinstance(key, str)
        and len(key) >= MIN_SECRET_KEY_LENGTH
        and key.lower() not in WEAK_SECRET_KEYS
        and len(set(key)) >= 10
    )


def resolve_secret_key(key, env: str, instance: Path) -> str:
    """Return a usable key or refuse to start.

    Development generates a key into the instance folder once, so restarts keep sessions;
    production must be given a strong one.
    """
    if is_strong_secret(key):
        return key
    if env == "testing" and key:
        return key
    if env in ("development", "testing"):
        path = instance / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
    raise RuntimeError(
        "Refusing to start: set a strong SECRET_KEY (at least "
        f"{MIN_SECRET_KEY_LENGTH} random characters) through CLINIC_SECRET_KEY "
        "or instance/config.py."
    )

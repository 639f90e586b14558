"""Fixtures: one database per run, built from the Alembic migrations; emptied after
each test. SQLite by default; PostgreSQL when TEST_DATABASE_URL is set."""

import email
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import g, has_app_context, has_request_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from clinic import create_app
from clinic.extensions import db, limiter
from tests.factories import PASSWORD, CoupleFactory, UserFactory, joined_partner

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app(base_config(url, tmp_path_factory.mktemp("outbox")))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return url


def base_config(url, outbox):
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "OUTBOX_DIR": str(outbox),
        "SERVER_NAME": "clinic.test",
    }


@pytest.fixture
def outbox_dir(tmp_path):
    return tmp_path / "outbox"


class ClinicTestClient(FlaskClient):
    """Makes each request look like a real one although the test holds an app context:
    the test's transaction ends first (SQLite writers queue at BEGIN), and ``g`` starts
    empty, as it does in the fresh app context of a real request."""

    def open(self, *args, **kwargs):
        if has_app_context() and not has_request_context():
            db.session.commit()
            g.__dict__.clear()
            try:
                return super().open(*args, **kwargs)
            finally:
                g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(database_url, outbox_dir):
    apps = []

    def factory(**overrides):
        app = create_app({**base_config(database_url, outbox_dir), **overrides})
        app.test_client_class = ClinicTestClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()
        empty_tables()
        limiter.reset()


def empty_tables():
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def new_client(app):
    """Another browser, with its own cookies."""
    return app.test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign_in(client, user_or_email, password=PASSWORD, next_url=None):
    address = getattr(user_or_email, "email", user_or_email)
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": address, "password": password})


@pytest.fixture
def login():
    return sign_in


@dataclass
class World:
    """Everyone the access rules talk about."""

    admin: object
    therapist: object
    other_therapist: object
    couple: object
    partner_a: object
    partner_b: object
    other_couple: object
    other_client: object


@pytest.fixture
def world(app):
    admin = UserFactory(role="admin", email="admin@example.org")
    therapist = UserFactory(role="therapist", email="owner@example.org")
    other_therapist = UserFactory(role="therapist", email="other@example.org")
    couple = CoupleFactory(therapist=therapist, label="Sam & Alex")
    partner_a = joined_partner(couple, 1, display_name="Sam", email="sam@example.org")
    partner_b = joined_partner(couple, 2, display_name="Alex", email="alex@example.org")
    other_couple = CoupleFactory(therapist=other_therapist, label="Kim & Lee")
    other_partner = joined_partner(other_couple, 1, display_name="Kim", email="kim@example.org")
    return World(
        admin,
        therapist,
        other_therapist,
        couple,
        partner_a,
        partner_b,
        other_couple,
        other_partner.user,
    )


def read_outbox(outbox_dir: Path) -> list[email.message.EmailMessage]:
    if not outbox_dir.exists():
        return []
    paths = sorted(outbox_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def link_in(message, path_prefix: str) -> str:
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]+)", body)
    assert match, f"no link to {path_prefix} in message"
    return match.group(1)


@pytest.fixture
def outbox(outbox_dir):
    return lambda: read_outbox(outbox_dir)


def copy_session_cookie(source, target) -> None:
    """Give ``target`` the session cookie ``source`` holds, as a copied or stolen cookie."""
    name = source.application.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name, domain="clinic.test")
    assert cookie is not None, "the source browser holds no session cookie"
    target.set_cookie(cookie.key, cookie.value, domain=cookie.domain)


def is_signed_in(client) -> bool:
    """Every role may open the change-password page; anyone else is sent to sign in."""
    return client.get("/account/password").status_code == 200

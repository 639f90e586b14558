import pytest

from clinic import create_app
from clinic.config import normalise_database_url


def test_production_refuses_to_start_without_a_strong_secret_key(database_url, monkeypatch):
    monkeypatch.delenv("CLINIC_SECRET_KEY", raising=False)
    for weak in (None, "dev", "short-key", "a" * 40):
        with pytest.raises(RuntimeError, match="strong SECRET_KEY"):
            create_app(
                {"ENV": "production", "SECRET_KEY": weak, "SQLALCHEMY_DATABASE_URI": database_url}
            )


def test_production_starts_with_a_strong_secret_key(database_url):
    key = "k9F2mQ7xR4tV8wZ1pL6sD3hJ0bN5cY2gA7eU"
    app = create_app(
        {"ENV": "production", "SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    assert app.config["SECRET_KEY"] == key
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_generates_a_key_once_into_the_instance_folder(
    tmp_path, monkeypatch, database_url
):
    import clinic

    monkeypatch.setattr(clinic, "PROJECT_ROOT", tmp_path)
    first = create_app({"ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url})
    second = create_app({"ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url})
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_config_layers_instance_file_then_environment_then_test_mapping(
    tmp_path, monkeypatch, database_url
):
    import clinic

    monkeypatch.setattr(clinic, "PROJECT_ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text(
        "COUPLES_PER_PAGE = 7\nMAIL_SENDER = 'file@example.org'\nMAIL_PORT = 2525\n"
    )
    monkeypatch.setenv("CLINIC_MAIL_SENDER", "env@example.org")
    monkeypatch.setenv("CLINIC_MAIL_PORT", "2626")
    app = create_app(
        {"ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_PORT": 2727}
    )
    assert app.config["COUPLES_PER_PAGE"] == 7  # instance file over defaults
    assert app.config["MAIL_SENDER"] == "env@example.org"  # environment over file
    assert app.config["MAIL_PORT"] == 2727  # test mapping over environment


def test_database_url_and_redis_url_come_from_the_environment(tmp_path, monkeypatch):
    import clinic

    monkeypatch.setattr(clinic, "PROJECT_ROOT", tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    app = create_app({"ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    import clinic

    monkeypatch.setattr(clinic, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance'}/clinic.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_use_the_installed_driver(given, expected):
    assert normalise_database_url(given) == expected


def test_postgresql_engine_pings_connections_before_use(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@127.0.0.1:1/none")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True

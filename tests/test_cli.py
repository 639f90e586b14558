import re

from sqlalchemy import func, select

from clinic.accounts.models import User
from clinic.couples.models import Couple
from clinic.extensions import db


def test_seed_demo_creates_accounts_that_can_sign_in(app, runner, login):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown once[^)]*\): (\S+)", result.output).group(1)
    emails = set(db.session.execute(select(User.email)).scalars())
    assert {"admin@example.com", "therapist@example.com", "therapist2@example.com"} <= emails
    assert db.session.scalar(select(func.count()).select_from(Couple)) >= 3
    for email, home in (
        ("admin@example.com", "/admin/therapists"),
        ("therapist@example.com", "/couples"),
        ("sam@example.com", "/portal"),
    ):
        browser = app.test_client()
        response = login(browser, email, password)
        assert response.headers["Location"].endswith(home), email


def test_seed_demo_twice_changes_nothing(app, runner):
    runner.invoke(args=["seed-demo", "--password", "demo password one"])
    before = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["seed-demo", "--password", "demo password two"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_seed_demo_takes_the_password_from_the_environment(app, runner, login, monkeypatch):
    monkeypatch.setenv("CLINIC_DEMO_PASSWORD", "from the environment")
    result = runner.invoke(args=["seed-demo"])
    assert "shown once" not in result.output
    assert (
        login(app.test_client(), "therapist@example.com", "from the environment").status_code == 303
    )


def test_seed_demo_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin(app, runner, login):
    result = runner.invoke(
        args=["create-admin", "Boss@Example.org"],
        input="a good admin password\na good admin password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "boss@example.org")).scalar_one()
    assert user.role == "admin"
    duplicate = runner.invoke(
        args=["create-admin", "boss@example.org"],
        input="a good admin password\na good admin password\n",
    )
    assert duplicate.exit_code != 0

"""Flask commands: ``flask --app clinic seed-demo``, ``create-admin``."""

import secrets

import click
from flask import current_app
from sqlalchemy import select

from clinic.accounts.models import User
from clinic.accounts.services import get_practice_settings, normalise_email
from clinic.couples.models import Couple, Partner
from clinic.extensions import db
from clinic.security import hash_password, password_problem

DEMO_STAFF = [
    ("admin@example.com", "Practice Admin", "admin"),
    ("therapist@example.com", "Dr. Robin Hale", "therapist"),
    ("therapist2@example.com", "Dr. Ana Ruiz", "therapist"),
]
# (therapist e-mail, label, status, [(name, pronouns, e-mail, can sign in)])
DEMO_COUPLES = [
    (
        "therapist@example.com",
        "Sam & Alex",
        "active",
        [("Sam", "she/her", "sam@example.com", True), ("Alex", "he/him", "alex@example.com", True)],
    ),
    (
        "therapist@example.com",
        "Jordan & Casey",
        "active",
        [
            ("Jordan", "they/them", "jordan@example.com", True),
            ("Casey", "she/her", "casey@example.com", False),
        ],
    ),
    (
        "therapist@example.com",
        "Morgan & Taylor",
        "paused",
        [("Morgan", "", "morgan@example.com", True), ("Taylor", "", "taylor@example.com", True)],
    ),
    ("therapist@example.com", "Riley", "active", [("Riley", "he/him", "riley@example.com", True)]),
    (
        "therapist2@example.com",
        "Kim & Lee",
        "active",
        [("Kim", "", "kim@example.com", True), ("Lee", "", "lee@example.com", True)],
    ),
]


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(send_reminders)


@click.command("seed-demo")
@click.option("--password", envvar="CLINIC_DEMO_PASSWORD", help="Password for every demo account.")
def seed_demo(password):
    """Create demo accounts and couples once; running it again changes nothing."""
    if db.session.execute(select(User).where(User.email == DEMO_STAFF[0][0])).scalar():
        click.echo("Demo data is already present; nothing changed.")
        return
    generated = not password
    password = password or secrets.token_urlsafe(12)
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    password_hash = hash_password(password)

    users = {}
    for email, name, role in DEMO_STAFF:
        users[email] = User(email=email, display_name=name, role=role, password_hash=password_hash)
        db.session.add(users[email])
    for therapist_email, label, status, partners in DEMO_COUPLES:
        couple = Couple(therapist=users[therapist_email], label=label, status=status)
        for position, (name, pronouns, email, joined) in enumerate(partners, start=1):
            partner = Partner(position=position, display_name=name, pronouns=pronouns, email=email)
            if joined:
                partner.user = User(
                    email=email, display_name=name, role="client", password_hash=password_hash
                )
            couple.partners.append(partner)
        db.session.add(couple)
    settings = get_practice_settings()
    settings.name, settings.address = "Harbour Couples Counselling", "12 Quay Street, Port Town"
    db.session.flush()
    seed_demo_homework(users["therapist@example.com"])
    db.session.commit()

    click.echo("Demo data created. Accounts (all share one password):")
    for email, _name, role in DEMO_STAFF:
        click.echo(f"  {role:<10} {email}")
    click.echo("  clients    sam@, alex@, jordan@, morgan@, taylor@, riley@, kim@, lee@example.com")
    if generated:
        click.echo(f"Password (shown once, not stored anywhere): {password}")
    else:
        click.echo("Password: the one you gave.")


def seed_demo_homework(therapist) -> None:
    """Sam & Alex get a handout, a check-up to do, and a love-language exercise both have
    submitted and shared, so every page has something to show."""
    from datetime import timedelta

    from clinic.assignments.responses import set_visibility, start_draft, submit_response
    from clinic.assignments.services import assign_items
    from clinic.db import utcnow
    from clinic.library.services import current_library

    couple = db.session.execute(select(Couple).where(Couple.label == "Sam & Alex")).scalar_one()
    library = current_library()
    week = utcnow().date() + timedelta(days=7)
    assign_items(
        couple,
        [("handout", "house-trust"), ("exercise", "house-checkup")],
        None,
        week,
        "Please look at these before our next session.",
        therapist,
    )
    definition = library.exercise("love-language-discovery")
    if definition is None:
        return
    (love,) = assign_items(couple, [("exercise", definition.slug)], None, None, "", therapist)
    db.session.flush()
    pairs = definition.sections[0].items
    for partner, prefer in zip(
        couple.partners, (("words", "time"), ("service", "touch")), strict=True
    ):
        answers = {}
        for index, item in enumerate(pairs):
            values = [o.value for o in item.options]
            liked = [v for v in values if v in prefer]
            answers[item.id] = liked[0] if liked else values[index % 2]
        response = start_draft(love, partner, definition)
        db.session.flush()
        submit_response(response, answers, definition, response.lock_version)
        set_visibility(response, True)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Practice Admin", show_default=True)
@click.password_option()
def create_admin(email, name, password):
    """Create a practice admin account."""
    email = normalise_email(email)
    if db.session.execute(select(User).where(User.email == email)).scalar():
        raise click.ClickException("An account already uses this e-mail address.")
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    db.session.add(
        User(email=email, display_name=name, role="admin", password_hash=hash_password(password))
    )
    db.session.commit()
    current_app.logger.info("admin account created")
    click.echo(f"Admin {email} created.")


@click.command("send-reminders")
def send_reminders():
    """E-mail partners about items due tomorrow; safe to run every hour (no duplicates)."""
    from clinic.assignments.notify import send_due_reminders

    # Links in e-mails need the site's address, which a command has no request to tell.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        sent = send_due_reminders()
    click.echo(f"{sent} reminder(s) sent.")

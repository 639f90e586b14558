from datetime import timedelta

from sqlalchemy import select

from clinic.assignments.models import Assignment
from clinic.assignments.notify import send_due_reminders
from clinic.assignments.services import assign_items
from clinic.db import utcnow
from clinic.extensions import db
from tests.factories import PartnerFactory

FORBIDDEN_WORDS = (
    "love",
    "trust",
    "language",
    "exercise",
    "questionnaire",
    "handout",
    "score",
    "phq",
    "gad",
    "safety",
    "sam & alex",
)


def assert_neutral(message):
    text = (message["Subject"] + " " + message.get_content()).lower()
    for word in FORBIDDEN_WORDS:
        assert word not in text, word


def test_assigning_emails_each_joined_partner_once_in_neutral_words(client, world, login, outbox):
    PartnerFactory(couple=world.other_couple, position=2, email="pending@example.org")
    login(client, world.therapist)
    client.post(
        f"/couples/{world.couple.id}/assign",
        data={"items": ["h:house-trust", "x:love-language-discovery"], "recipient": "both"},
    )
    messages = outbox()
    assert sorted(m["To"] for m in messages) == ["alex@example.org", "sam@example.org"]
    for message in messages:
        assert_neutral(message)
        assert "/portal" in message.get_content()


def test_assignment_for_one_partner_emails_only_them(client, world, login, outbox):
    login(client, world.therapist)
    client.post(
        f"/couples/{world.couple.id}/assign",
        data={"items": ["h:house-trust"], "recipient": str(world.partner_b.id)},
    )
    assert [m["To"] for m in outbox()] == ["alex@example.org"]


def due_tomorrow(world, kind="exercise", slug="trust-reflection", partner=None):
    tomorrow = utcnow().date() + timedelta(days=1)
    (assignment,) = assign_items(
        world.couple, [(kind, slug)], partner, tomorrow, "", world.therapist
    )
    db.session.commit()
    return assignment


def test_reminder_goes_out_once_the_day_before(app, world, outbox):
    due_tomorrow(world)
    assert send_due_reminders() == 2
    assert send_due_reminders() == 0  # the next hourly run sends nothing again
    messages = outbox()
    assert sorted(m["To"] for m in messages) == ["alex@example.org", "sam@example.org"]
    for message in messages:
        assert_neutral(message)


def test_no_reminder_for_what_is_already_done(client, app, world, login, outbox):
    assignment = due_tomorrow(world, "handout", "house-trust")
    login(client, world.partner_a.user)
    client.post(f"/portal/assignments/{assignment.id}/read")
    assert send_due_reminders() == 1
    assert [m["To"] for m in outbox()] == ["alex@example.org"]


def test_no_reminder_for_items_due_later_or_removed_or_paused_cases(app, world, outbox):
    later = utcnow().date() + timedelta(days=3)
    assign_items(world.couple, [("exercise", "trust-reflection")], None, later, "", world.therapist)
    removed = due_tomorrow(world)
    removed.removed_at = utcnow()
    db.session.commit()
    assert send_due_reminders() == 0
    due_tomorrow(world, "handout", "house-love-maps")
    world.couple.status = "paused"
    db.session.commit()
    assert send_due_reminders() == 0
    assert outbox() == []


def test_send_reminders_command(app, runner, world, outbox):
    due_tomorrow(world)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "2 reminder(s) sent." in result.output
    assert "2 reminder" not in runner.invoke(args=["send-reminders"]).output
    claimed = db.session.execute(select(Assignment.reminder_sent_at)).scalar_one()
    assert claimed is not None

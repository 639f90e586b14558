"""Neutral e-mails about assignments: something new, and a reminder the day before it is
due. No title, no content, no name of an exercise or measure (privacy rule 7)."""

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from clinic.assignments.models import Assignment, Response
from clinic.couples.models import Couple
from clinic.db import utcnow
from clinic.extensions import db
from clinic.mail import send_email


def recipients(assignment: Assignment, couple: Couple):
    """Partners who have joined and should hear about ``assignment``."""
    return [
        p
        for p in couple.partners
        if assignment.is_for(p) and p.user is not None and p.user.is_active
    ]


def send_new_assignment_emails(couple: Couple, assignments: list[Assignment]) -> int:
    """One message per partner however many items were assigned at once."""
    people = {p.id: p for a in assignments for p in recipients(a, couple)}
    for partner in people.values():
        send_email(
            partner.user.email,
            "Something new in your portal",
            "email/new_assignment.txt",
            name=partner.display_name,
            link=url_for("portal.home", _external=True),
        )
    return len(people)


def is_done(assignment: Assignment, partner, submitted_ids: set) -> bool:
    if assignment.item_kind == "exercise":
        return (assignment.id, partner.id) in submitted_ids
    progress = assignment.progress_of(partner)
    return progress is not None and progress.read_at is not None


def send_due_reminders(today: date | None = None) -> int:
    """Remind partners of items due tomorrow that they have not finished. Each assignment is
    claimed with a conditional update first, so hourly runs (even overlapping ones) never
    send a reminder twice."""
    today = today or utcnow().date()
    tomorrow = today + timedelta(days=1)
    due = (
        db.session.execute(
            select(Assignment)
            .where(
                Assignment.due_on == tomorrow,
                Assignment.removed_at.is_(None),
                Assignment.reminder_sent_at.is_(None),
            )
            .options(selectinload(Assignment.progress))
        )
        .scalars()
        .all()
    )
    sent = 0
    for assignment in due:
        claimed = db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.reminder_sent_at.is_(None))
            .values(reminder_sent_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        couple = db.session.get(Couple, assignment.couple_id)
        if couple.status != "active":
            continue
        submitted_ids = {
            (row.assignment_id, row.partner_id)
            for row in db.session.execute(
                select(Response.assignment_id, Response.partner_id).where(
                    Response.assignment_id == assignment.id, Response.status == "submitted"
                )
            )
        }
        for partner in recipients(assignment, couple):
            if is_done(assignment, partner, submitted_ids):
                continue
            send_email(
                partner.user.email,
                "A reminder from your portal",
                "email/reminder.txt",
                name=partner.display_name,
                link=url_for("portal.home", _external=True),
            )
            sent += 1
    return sent

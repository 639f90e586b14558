"""Assigning handouts to couples and recording what each partner did with them.
Functions flush; the view commits."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.assignments.models import Assignment, AssignmentProgress
from clinic.couples.models import Couple, Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.library.content import Handout
from clinic.library.models import CustomHandout
from clinic.library.services import current_library, handout_from_custom


def assign_items(
    couple: Couple,
    items: list[tuple[str, str]],
    partner: Partner | None,
    due_on: date | None,
    note: str,
    assigned_by,
    repeat: str | None = None,
) -> list[Assignment]:
    """``items``: ("handout" | "exercise", slug) or ("custom_handout", id) pairs, already
    validated. ``repeat`` ("weekly", "before_session") applies to exercises only."""
    created = []
    for kind, key in items:
        assignment = Assignment(
            couple_id=couple.id,
            item_kind=kind,
            item_slug=key if kind in ("handout", "exercise") else None,
            custom_handout_id=int(key) if kind == "custom_handout" else None,
            partner_id=partner.id if partner else None,
            due_on=due_on,
            note=note or "",
            assigned_by_id=assigned_by.id,
            repeat=(repeat or None) if kind == "exercise" else None,
        )
        db.session.add(assignment)
        created.append(assignment)
    db.session.flush()
    return created


def remove_assignment(assignment: Assignment) -> None:
    assignment.removed_at = utcnow()
    db.session.flush()


def current_assignments(couple: Couple) -> list[Assignment]:
    """The couple's assignments with progress and own handouts loaded in fixed queries."""
    return list(
        db.session.execute(
            select(Assignment)
            .where(Assignment.couple_id == couple.id, Assignment.removed_at.is_(None))
            .options(selectinload(Assignment.progress), selectinload(Assignment.custom_handout))
            .order_by(Assignment.created_at.desc(), Assignment.id.desc())
        ).scalars()
    )


def assignments_for_partner(partner: Partner) -> list[Assignment]:
    return [a for a in current_assignments(partner.couple) if a.is_for(partner)]


def exercise_of(assignment: Assignment):
    """The exercise definition an assignment points at; None if withdrawn."""
    return current_library().exercise(assignment.item_slug or "")


def title_of(assignment: Assignment) -> str | None:
    if assignment.item_kind == "exercise":
        definition = exercise_of(assignment)
        return definition.title if definition else None
    handout = handout_of(assignment)
    return handout.title if handout else None


def portal_item(assignment: Assignment, partner: Partner, response, today) -> dict:
    """What the portal list shows for one assignment: title, status word, due date."""
    from clinic.assignments.responses import partner_status

    if assignment.item_kind == "exercise":
        status = partner_status(assignment, response, today)
    else:
        progress = assignment.progress_of(partner)
        status = progress.status if progress else "not opened"
        if status != "read" and assignment.due_on and assignment.due_on < today:
            status = "overdue"
    return {
        "assignment": assignment,
        "title": title_of(assignment),
        "kind": "exercise" if assignment.item_kind == "exercise" else "handout",
        "status": status,
    }


def handout_of(assignment: Assignment) -> Handout | None:
    """The handout an assignment points at; None if its file was withdrawn."""
    if assignment.item_kind == "custom_handout":
        return handout_from_custom(assignment.custom_handout)
    return current_library().get(assignment.item_slug)


def progress_for(assignment: Assignment, partner: Partner) -> AssignmentProgress:
    progress = assignment.progress_of(partner)
    if progress is None:
        progress = AssignmentProgress(assignment=assignment, partner_id=partner.id)
        db.session.add(progress)
    return progress


def mark_opened(assignment: Assignment, partner: Partner) -> None:
    progress = progress_for(assignment, partner)
    if progress.opened_at is None:
        progress.opened_at = utcnow()
    db.session.flush()


def mark_read(assignment: Assignment, partner: Partner) -> None:
    progress = progress_for(assignment, partner)
    now = utcnow()
    progress.opened_at = progress.opened_at or now
    progress.read_at = progress.read_at or now
    db.session.flush()


def resolve_items(therapist, keys: list[str]) -> list[tuple[str, str]] | None:
    """Turn form keys ("h:<slug>", "x:<slug>", "own:<id>") into items the therapist may
    assign; None when any key is not one of them."""
    library = current_library()
    own_ids = {
        str(i)
        for i in db.session.execute(
            select(CustomHandout.id).where(CustomHandout.therapist_id == therapist.id)
        ).scalars()
    }
    items = []
    for key in keys:
        kind, _, value = key.partition(":")
        if kind == "h" and library.get(value):
            items.append(("handout", value))
        elif kind == "x" and library.exercise(value):
            items.append(("exercise", value))
        elif kind == "own" and value in own_ids:
            items.append(("custom_handout", value))
        else:
            return None
    return items


def overdue_counts(couple_ids: list[int], today) -> dict[int, int]:
    """For the dashboard: per couple, how many items are past due and not finished by
    every partner they were given to. One query however many couples are listed."""
    from sqlalchemy import and_, exists, func, or_

    from clinic.assignments.models import Response

    if not couple_ids:
        return {}
    finished_reading = exists().where(
        AssignmentProgress.assignment_id == Assignment.id,
        AssignmentProgress.partner_id == Partner.id,
        AssignmentProgress.read_at.is_not(None),
    )
    submitted = exists().where(
        Response.assignment_id == Assignment.id,
        Response.partner_id == Partner.id,
        Response.status == "submitted",
    )
    pending = exists().where(
        Partner.couple_id == Assignment.couple_id,
        or_(Assignment.partner_id.is_(None), Assignment.partner_id == Partner.id),
        ~or_(
            and_(Assignment.item_kind == "exercise", submitted),
            and_(Assignment.item_kind != "exercise", finished_reading),
        ),
    )
    rows = db.session.execute(
        select(Assignment.couple_id, func.count(Assignment.id))
        .where(
            Assignment.couple_id.in_(couple_ids),
            Assignment.removed_at.is_(None),
            Assignment.due_on < today,
            pending,
        )
        .group_by(Assignment.couple_id)
    ).all()
    return dict(rows)

"""Exercise responses: drafts saved as the partner types, submission, amendments,
sharing with the partner, the therapist's comment. Functions flush; the view commits."""

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from clinic.assignments.models import Assignment, Response
from clinic.couples.models import Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.forms_engine.definitions import Definition
from clinic.forms_engine.scorers import SCORERS


class StaleDraft(Exception):
    """The draft was saved elsewhere (another tab or device) after this page loaded."""

    def __init__(self, response: Response):
        self.response = response
        super().__init__("stale draft")


class NotEditable(Exception):
    """A submitted response is read-only; amend it to change it."""


def current_response(assignment: Assignment, partner: Partner) -> Response | None:
    return db.session.execute(
        select(Response).where(
            Response.assignment_id == assignment.id,
            Response.partner_id == partner.id,
            Response.is_current.is_(True),
        )
    ).scalar_one_or_none()


def responses_of(assignment: Assignment) -> dict[int, Response]:
    """Each partner's current response to ``assignment``, by partner id (one query)."""
    rows = db.session.execute(
        select(Response).where(
            Response.assignment_id == assignment.id, Response.is_current.is_(True)
        )
    ).scalars()
    return {r.partner_id: r for r in rows}


def current_responses_of(partner: Partner, assignments: list[Assignment]) -> dict[int, Response]:
    """The partner's current response to each of ``assignments``, by assignment id."""
    if not assignments:
        return {}
    rows = db.session.execute(
        select(Response).where(
            Response.partner_id == partner.id,
            Response.is_current.is_(True),
            Response.assignment_id.in_([a.id for a in assignments]),
        )
    ).scalars()
    return {r.assignment_id: r for r in rows}


def current_responses_for(assignments: list[Assignment]) -> dict[tuple[int, int], Response]:
    """Every partner's current response to ``assignments``, by (assignment id, partner id)."""
    if not assignments:
        return {}
    rows = db.session.execute(
        select(Response).where(
            Response.is_current.is_(True),
            Response.assignment_id.in_([a.id for a in assignments]),
        )
    ).scalars()
    return {(r.assignment_id, r.partner_id): r for r in rows}


def submitted_in_couple(couple, slugs=None) -> list[tuple[Response, str]]:
    """(response, exercise slug) for every submitted version in the couple's exercises that
    are still assigned, oldest first: a later entry for the same assignment and partner is
    the newer answer. ``slugs`` narrows it to those exercises."""
    query = (
        select(Response, Assignment.item_slug)
        .join(Assignment, Assignment.id == Response.assignment_id)
        .where(
            Assignment.couple_id == couple.id,
            Assignment.removed_at.is_(None),
            Assignment.item_kind == "exercise",
            Response.status == "submitted",
        )
        .order_by(Response.submitted_at, Response.version_no)
    )
    if slugs is not None:
        query = query.where(Assignment.item_slug.in_(slugs))
    return [(response, slug) for response, slug in db.session.execute(query)]


def start_draft(assignment: Assignment, partner: Partner, definition: Definition) -> Response:
    """The partner's current response, creating an empty draft the first time.

    Two tabs opening the exercise at once race to create it; the unique version number
    lets one win and the other read the winner's row.
    """
    existing = current_response(assignment, partner)
    if existing is not None:
        return existing
    response = Response(
        assignment_id=assignment.id,
        partner_id=partner.id,
        version_no=1,
        answers={},
        definition_version=definition.version,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        return current_response(assignment, partner)
    return response


def save_draft(response: Response, answers: dict, seen_lock_version: int) -> Response:
    """Store ``answers`` if the draft is still the one the page loaded (compare-and-set
    on ``lock_version``), so a save from a stale tab never overwrites a newer one."""
    if response.is_submitted:
        raise NotEditable()
    now = utcnow()
    result = db.session.execute(
        update(Response)
        .where(
            Response.id == response.id,
            Response.lock_version == seen_lock_version,
            Response.status == "draft",
        )
        .values(answers=answers, lock_version=Response.lock_version + 1, saved_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise StaleDraft(response)
    return response


def submit_response(
    response: Response, answers: dict, definition: Definition, seen_lock_version: int
) -> Response:
    save_draft(response, answers, seen_lock_version)
    scorer = SCORERS.get(definition.scorer) if definition.scorer else None
    response.scores = scorer(definition, answers) if scorer else None
    response.status = "submitted"
    response.submitted_at = utcnow()
    response.definition_version = definition.version
    db.session.flush()
    from clinic.intake.services import raise_flags

    raise_flags(response, definition)
    return response


def amend_response(response: Response) -> Response:
    """A new draft version from a submitted response; the submitted one is kept."""
    if not response.is_submitted or not response.is_current:
        raise NotEditable()
    response.is_current = False
    db.session.flush()
    amendment = Response(
        assignment_id=response.assignment_id,
        partner_id=response.partner_id,
        version_no=response.version_no + 1,
        answers=dict(response.answers),
        definition_version=response.definition_version,
        visibility=response.visibility,
        administration=response.administration,
    )
    db.session.add(amendment)
    db.session.flush()
    return amendment


def set_visibility(response: Response, shared: bool, definition=None) -> None:
    """Share with the partner or take back. A confidential definition (the safety screen)
    is never shared: privacy rule 3."""
    if not response.is_submitted:
        raise NotEditable()
    if shared and definition is not None and definition.confidential:
        raise NotEditable()
    response.visibility = "shared" if shared else "private"
    db.session.flush()


def comment_on(response: Response, text: str) -> None:
    response.therapist_comment = text
    response.commented_at = utcnow() if text else None
    db.session.flush()


def previous_versions(response: Response) -> list[Response]:
    return list(
        db.session.execute(
            select(Response)
            .where(
                Response.assignment_id == response.assignment_id,
                Response.partner_id == response.partner_id,
                Response.id != response.id,
            )
            .order_by(Response.version_no.desc())
        ).scalars()
    )


def partner_status(assignment: Assignment, response: Response | None, today) -> str:
    """not started, draft, submitted, due again (a repeated measure), or overdue (due date
    passed, not submitted)."""
    if response is not None and response.status == "submitted":
        if assignment.repeat and due_again(assignment, response, utcnow()):
            return "due again"
        return "submitted"
    if assignment.due_on and assignment.due_on < today:
        return "overdue"
    if response is not None and (response.answers or response.lock_version):
        return "draft"
    return "not started"


REPEAT_WEEK = timedelta(days=7)
BEFORE_SESSION_WINDOW = timedelta(days=3)


def next_session_at(couple_id: int, now):
    """The next appointment recorded in the couple's session notes, if any is ahead."""
    from sqlalchemy import func

    from clinic.sessions.models import SessionNote

    return db.session.execute(
        select(func.min(SessionNote.next_appointment_at)).where(
            SessionNote.couple_id == couple_id, SessionNote.next_appointment_at > now
        )
    ).scalar()


def due_again(assignment: Assignment, last: Response | None, now) -> bool:
    """Whether a repeated measure asks for a new administration now: a week after the last
    one, or in the three days before the next appointment if not answered since."""
    if not assignment.repeat or last is None or last.submitted_at is None:
        return False
    if assignment.repeat == "weekly":
        return now >= last.submitted_at + REPEAT_WEEK
    if assignment.repeat == "before_session":
        upcoming = next_session_at(assignment.couple_id, now)
        if upcoming is None:
            return False
        window = upcoming - BEFORE_SESSION_WINDOW
        return now >= window and last.submitted_at < window
    return False


def start_administration(current: Response) -> Response:
    """A new, empty response for the next administration of a repeated measure; the
    earlier ones are kept for progress over time."""
    if not current.is_submitted or not current.is_current:
        raise NotEditable()
    current.is_current = False
    db.session.flush()
    fresh = Response(
        assignment_id=current.assignment_id,
        partner_id=current.partner_id,
        version_no=current.version_no + 1,
        administration=current.administration + 1,
        answers={},
        definition_version=current.definition_version,
    )
    db.session.add(fresh)
    db.session.flush()
    return fresh

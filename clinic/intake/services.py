"""Intake: the packet, consent signatures, risk flags and the conflict-work hold.
Functions flush; the view commits."""

from sqlalchemy import func, select

from clinic.assignments.models import Assignment, Response
from clinic.assignments.services import assign_items
from clinic.db import utcnow
from clinic.extensions import db
from clinic.intake.models import ConsentSignature, HoldReview, RiskFlag
from clinic.library.services import current_library

# Given to each partner on their own: nobody sees another's intake unless it is shared.
INTAKE_PACKET = ("intake-questionnaire", "phq-9", "gad-7", "who-5", "csi-16", "safety-screen")
SAFETY_SCREEN = "safety-screen"
HOLD_LAYER = "manage-conflict"


def send_intake_packet(couple, therapist, due_on=None) -> list[Assignment]:
    library = current_library()
    slugs = [s for s in INTAKE_PACKET if library.exercise(s) is not None]
    created = []
    for partner in couple.partners:
        created += assign_items(
            couple, [("exercise", s) for s in slugs], partner, due_on, "", therapist
        )
    return created


def sign_consent(partner, settings, typed_name: str) -> ConsentSignature:
    signature = ConsentSignature(
        partner_id=partner.id,
        typed_name=typed_name,
        consent_version=settings.consent_version,
        text_signed=f"{settings.consent_text}\n\n{settings.sharing_policy_text}",
    )
    db.session.add(signature)
    db.session.flush()
    return signature


def latest_signature(partner) -> ConsentSignature | None:
    return db.session.execute(
        select(ConsentSignature)
        .where(ConsentSignature.partner_id == partner.id)
        .order_by(ConsentSignature.signed_at.desc(), ConsentSignature.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def has_signed_current(partner, settings) -> bool:
    signature = latest_signature(partner)
    return signature is not None and signature.consent_version == settings.consent_version


def intake_complete(couple, settings) -> bool:
    """Both partners signed the consent in force and submitted the intake questionnaire."""
    submitted = set(
        db.session.execute(
            select(Response.partner_id)
            .join(Assignment, Assignment.id == Response.assignment_id)
            .where(
                Assignment.couple_id == couple.id,
                Assignment.item_slug == "intake-questionnaire",
                Assignment.removed_at.is_(None),
                Response.status == "submitted",
            )
        ).scalars()
    )
    return all(has_signed_current(p, settings) and p.id in submitted for p in couple.partners)


def raise_flags(response: Response, definition) -> list[RiskFlag]:
    """Open a flag for every item flag the definition names that this answer meets
    (e.g. PHQ-9 item 9 above 0; any positive safety-screen answer)."""
    raised = []
    scoring = definition.scoring if isinstance(definition.scoring, dict) else {}
    for entry in scoring.get("item_flags") or []:
        if not isinstance(entry, dict):
            continue
        item = definition.item(str(entry.get("item")))
        value = response.answers.get(str(entry.get("item")))
        try:
            answered = int(value)
        except (TypeError, ValueError):
            continue
        if item is None or answered < entry.get("at_least", 1):
            continue
        assignment = db.session.get(Assignment, response.assignment_id)
        flag = RiskFlag(
            couple_id=assignment.couple_id,
            partner_id=response.partner_id,
            response_id=response.id,
            label=str(entry.get("label", "Needs review")),
        )
        db.session.add(flag)
        raised.append(flag)
    db.session.flush()
    return raised


def open_flags(couple) -> list[RiskFlag]:
    return list(
        db.session.execute(
            select(RiskFlag)
            .where(RiskFlag.couple_id == couple.id, RiskFlag.reviewed_at.is_(None))
            .order_by(RiskFlag.raised_at)
        ).scalars()
    )


def open_flag_counts(couple_ids: list[int]) -> dict[int, int]:
    if not couple_ids:
        return {}
    return dict(
        db.session.execute(
            select(RiskFlag.couple_id, func.count(RiskFlag.id))
            .where(RiskFlag.couple_id.in_(couple_ids), RiskFlag.reviewed_at.is_(None))
            .group_by(RiskFlag.couple_id)
        ).all()
    )


def review_flag(flag: RiskFlag, therapist, note: str) -> None:
    flag.reviewed_at = utcnow()
    flag.reviewed_by_id = therapist.id
    flag.review_note = note
    db.session.flush()


def hold_reason(couple) -> str | None:
    """Why conflict work waits for a review: a positive or unanswered safety screen since
    the last recorded review; None when there is no hold."""
    screens = list(
        db.session.execute(
            select(Assignment)
            .where(
                Assignment.couple_id == couple.id,
                Assignment.item_kind == "exercise",
                Assignment.item_slug == SAFETY_SCREEN,
                Assignment.removed_at.is_(None),
            )
            .order_by(Assignment.created_at, Assignment.id)
        ).scalars()
    )
    if not screens:
        return None
    last_review = db.session.execute(
        select(func.max(HoldReview.created_at)).where(HoldReview.couple_id == couple.id)
    ).scalar()
    # The newest submitted version per (screen, partner), and which of those raised a flag:
    # two queries however many screens and partners.
    latest: dict[tuple[int, int], Response] = {}
    for response in db.session.execute(
        select(Response)
        .where(
            Response.assignment_id.in_([screen.id for screen in screens]),
            Response.status == "submitted",
        )
        .order_by(Response.version_no)
    ).scalars():
        latest[response.assignment_id, response.partner_id] = response
    flagged = set(
        db.session.execute(
            select(RiskFlag.response_id).where(
                RiskFlag.response_id.in_([response.id for response in latest.values()])
            )
        ).scalars()
    )
    reasons = []
    for screen in screens:
        for partner in couple.partners:
            if not screen.is_for(partner):
                continue
            submitted = latest.get((screen.id, partner.id))
            if submitted is None:
                if last_review is None or last_review < screen.created_at:
                    reasons.append(f"{partner.display_name} has not answered the safety screen")
                continue
            if submitted.id in flagged and (
                last_review is None or last_review < submitted.submitted_at
            ):
                reasons.append(f"{partner.display_name}'s safety screen needs review")
    return "; ".join(reasons) or None


def record_hold_review(couple, therapist, reason: str) -> HoldReview:
    review = HoldReview(couple_id=couple.id, reviewed_by_id=therapist.id, reason=reason)
    db.session.add(review)
    db.session.flush()
    return review


def blocked_by_hold(couple, items: list[tuple[str, str]]) -> list[str]:
    """Titles of manage-conflict exercises in ``items`` that the hold keeps back."""
    if not hold_reason(couple):
        return []
    library = current_library()
    titles = []
    for kind, key in items:
        definition = library.exercise(key) if kind == "exercise" else None
        if definition is not None and definition.layer == HOLD_LAYER:
            titles.append(definition.title)
    return titles

"""The intake report for the therapist: plain values from each partner's intake answers,
scored measures with bands and flags, and both partners side by side where they answered
the same questions."""

from sqlalchemy import select

from clinic.assignments.models import Response
from clinic.assignments.responses import submitted_in_couple
from clinic.extensions import db
from clinic.forms_engine.forms import display_value
from clinic.intake.models import RiskFlag
from clinic.intake.services import INTAKE_PACKET, latest_signature
from clinic.library.services import current_library


def latest_by_slug(couple) -> dict[tuple[str, int], Response]:
    """(definition slug, partner id) -> latest submitted response among the intake items."""
    return {(slug, r.partner_id): r for r, slug in submitted_in_couple(couple, INTAKE_PACKET)}


def report_context(couple) -> dict:
    library = current_library()
    partners = list(couple.partners)
    latest = latest_by_slug(couple)
    flags = (
        db.session.execute(
            select(RiskFlag).where(RiskFlag.couple_id == couple.id).order_by(RiskFlag.raised_at)
        )
        .scalars()
        .all()
    )
    sections = []
    for slug in INTAKE_PACKET:
        definition = library.exercise(slug)
        if definition is None:
            continue
        responses = [latest.get((slug, p.id)) for p in partners]
        scores = []
        for partner, response in zip(partners, responses, strict=True):
            if response is not None and response.scores and "total" in response.scores:
                s = response.scores
                scores.append(
                    {
                        "person": partner.display_name,
                        "total": s.get("total"),
                        "max": s.get("max"),
                        "band": s.get("band"),
                        "flags": list(s.get("flags") or []),
                    }
                )
        rows = []
        for item in definition.items:
            answers = [display_value(item, r.answers.get(item.id)) if r else "" for r in responses]
            raw = [r.answers.get(item.id) if r else None for r in responses]
            rows.append(
                {
                    "prompt": item.prompt,
                    "answers": answers,
                    "differs": len(raw) == 2 and None not in raw and raw[0] != raw[1],
                }
            )
        sections.append(
            {
                "title": definition.title,
                "reference": definition.scoring_reference,
                "submitted": [
                    r.submitted_at.strftime("%d %b %Y") if r else "not submitted" for r in responses
                ],
                "scores": scores,
                "rows": rows,
            }
        )
    consent = []
    for partner in partners:
        signature = latest_signature(partner)
        consent.append(
            {
                "person": partner.display_name,
                "signed": (f"version {signature.consent_version}, {signature.signed_at:%d %b %Y}")
                if signature
                else "not signed",
            }
        )
    return {
        "title": "Intake report",
        "couple": couple.label,
        "people": [p.display_name for p in partners],
        "consent": consent,
        "flags": [
            {
                "person": f.partner.display_name,
                "label": f.label,
                "raised": f"{f.raised_at:%d %b %Y}",
                "reviewed": f"{f.reviewed_at:%d %b %Y}" if f.reviewed_at else None,
            }
            for f in flags
        ],
        "sections": sections,
    }

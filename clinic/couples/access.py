"""The one place that decides who may see a couple and its partners.

Anything a user may not see answers 404, so its existence is not revealed.
"""

from flask import abort
from sqlalchemy import select

from clinic.accounts.models import User
from clinic.couples.models import Couple, Partner
from clinic.extensions import db


def can_manage_couple(user: User, couple: Couple) -> bool:
    """Only the owning therapist works with a couple's records; admins manage accounts only."""
    return user.is_authenticated and user.is_therapist and couple.therapist_id == user.id


def get_couple_or_404(user: User, couple_id: int) -> Couple:
    couple = db.session.get(Couple, couple_id)
    if couple is None or not can_manage_couple(user, couple):
        abort(404)
    return couple


def get_partner_or_404(user: User, couple: Couple, partner_id: int) -> Partner:
    """A partner of ``couple``, which the caller has already loaded through this module."""
    for partner in couple.partners:
        if partner.id == partner_id:
            return partner
    abort(404)


def partners_of_client(user: User) -> list[Partner]:
    """The partner records a client signs in as (one per case they belong to)."""
    if not user.is_client:
        return []
    return list(
        db.session.execute(
            select(Partner).where(Partner.user_id == user.id).order_by(Partner.id)
        ).scalars()
    )


def get_custom_handout_or_404(user: User, handout_id: int):
    from clinic.library.models import CustomHandout

    custom = db.session.get(CustomHandout, handout_id)
    if custom is None or not user.is_therapist or custom.therapist_id != user.id:
        abort(404)
    return custom


def get_assignment_or_404(couple: Couple, assignment_id: int):
    """An assignment of ``couple`` (already loaded through this module) that is not removed."""
    from clinic.assignments.models import Assignment

    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.couple_id != couple.id or assignment.removed_at:
        abort(404)
    return assignment


def get_client_assignment_or_404(user: User, assignment_id: int):
    """An assignment given to this client (to both partners or to them alone), with the
    partner record they see it as. Anything else answers 404."""
    from clinic.assignments.models import Assignment

    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.removed_at is not None or not user.is_client:
        abort(404)
    for partner in partners_of_client(user):
        if partner.couple_id == assignment.couple_id and assignment.is_for(partner):
            return assignment, partner
    abort(404)

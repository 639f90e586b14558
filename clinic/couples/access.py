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

"""Couple, partner and invitation operations. They flush; the view commits."""

from flask import current_app
from sqlalchemy import select, update

from clinic.accounts.models import User
from clinic.accounts.services import normalise_email
from clinic.couples.models import Couple, Invitation, Partner
from clinic.db import utcnow
from clinic.extensions import db
from clinic.security import hash_password, hash_token, new_token


class InvitationProblem(Exception):
    """An invitation that cannot be accepted as asked; the message is for the person."""


def create_couple(therapist: User, label: str, partners: list[dict]) -> Couple:
    """``partners``: one or two dicts of display_name, pronouns, email."""
    couple = Couple(therapist=therapist, label=label, status="active")
    for position, data in enumerate(partners, start=1):
        couple.partners.append(
            Partner(
                position=position,
                display_name=data["display_name"],
                pronouns=data.get("pronouns") or "",
                email=normalise_email(data["email"]),
            )
        )
    db.session.add(couple)
    db.session.flush()
    return couple


def update_couple(couple: Couple, label: str, partners: list[dict]) -> None:
    """Apply edited details. A partner who has joined keeps their e-mail (it is their
    sign-in); a second partner who has not joined may be removed."""
    couple.label = label
    by_position = {p.position: p for p in couple.partners}
    for position in (1, 2):
        data = partners[position - 1] if position <= len(partners) else None
        partner = by_position.get(position)
        if data is None:
            if partner is not None and not partner.has_joined:
                couple.partners.remove(partner)
            continue
        if partner is None:
            partner = Partner(position=position, email=normalise_email(data["email"]))
            couple.partners.append(partner)
        partner.display_name = data["display_name"]
        partner.pronouns = data.get("pronouns") or ""
        if not partner.has_joined:
            partner.email = normalise_email(data["email"])
    db.session.flush()


def set_couple_status(couple: Couple, status: str) -> None:
    couple.status = status
    db.session.flush()


def revoke_invitations(partner: Partner) -> None:
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.partner_id == partner.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def create_invitation(partner: Partner, sent_by: User) -> str:
    """A new single-use link for ``partner``; earlier links stop working."""
    revoke_invitations(partner)
    token, token_hash = new_token()
    db.session.add(
        Invitation(
            partner=partner,
            token_hash=token_hash,
            sent_by_id=sent_by.id,
            expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"],
        )
    )
    db.session.flush()
    return token


def find_pending_invitation(token: str) -> Invitation | None:
    invitation = db.session.execute(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.state(utcnow()) != "pending":
        return None
    if invitation.partner.has_joined:
        return None
    return invitation


def existing_account_for(invitation: Invitation) -> User | None:
    return db.session.execute(
        select(User).where(User.email == invitation.partner.email)
    ).scalar_one_or_none()


def accept_invitation(invitation: Invitation, password: str) -> User:
    """Create the partner's client account (or link their existing one) and use the link up.

    For an existing account ``password`` must be that account's password; the caller checks.
    """
    partner = invitation.partner
    user = existing_account_for(invitation)
    if user is None:
        user = User(
            email=partner.email,
            display_name=partner.display_name,
            password_hash=hash_password(password),
            role="client",
        )
        db.session.add(user)
    elif not user.is_client or not user.is_active:
        raise InvitationProblem(
            "This invitation cannot be used with this e-mail address. "
            "Please ask your therapist to invite another address."
        )
    partner.user = user
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user

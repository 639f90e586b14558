"""Account operations. They change the session's objects and flush; the view commits."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from clinic.accounts.models import LoginSession, PasswordToken, PracticeSettings, User
from clinic.db import utcnow
from clinic.extensions import db
from clinic.security import hash_password, hash_token, new_token, verify_password


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (same cost either way).

    Ends the read-only transaction it looked the user up in, so call it before changing
    anything in the request: on SQLite every transaction holds the write lock (BEGIN
    IMMEDIATE), and the deliberately slow hash must not make every other request wait.
    """
    user = find_user_by_email(email)
    password_hash = user.password_hash if user else None
    db.session.rollback()
    ok = verify_password(password_hash, password)
    if user and ok and user.is_active:
        return user
    return None


def start_login_session(user: User, ip_address: str | None) -> str:
    token, token_hash = new_token()
    db.session.add(LoginSession(user=user, token_hash=token_hash, ip_address=ip_address))
    user.last_sign_in_at = utcnow()
    db.session.flush()
    return token


def find_login_session(token: str | None) -> LoginSession | None:
    if not token:
        return None
    return db.session.execute(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token))
    ).scalar_one_or_none()


def idle_timeout_for(user: User) -> timedelta:
    key = "IDLE_TIMEOUT_CLIENT" if user.is_client else "IDLE_TIMEOUT_STAFF"
    return current_app.config[key]


def session_expired(login_session: LoginSession, now: datetime) -> bool:
    user = login_session.user
    return (
        now - login_session.last_seen_at > idle_timeout_for(user)
        or now - login_session.created_at > current_app.config["ABSOLUTE_TIMEOUT"]
    )


def end_login_session(login_session: LoginSession) -> None:
    if login_session.ended_at is None:
        login_session.ended_at = utcnow()
    db.session.flush()


def end_all_sessions(user: User, keep: LoginSession | None = None) -> None:
    """End every open session of ``user`` except ``keep``."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    db.session.execute(stmt)


def set_password(user: User, password: str, keep: LoginSession | None = None) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(user, keep=keep)
    db.session.flush()


def create_password_token(user: User, purpose: str) -> str:
    """A single-use link token; earlier unused tokens of the user stop working."""
    lifetime_key = "PASSWORD_RESET_LIFETIME" if purpose == "reset" else "ACCOUNT_SETUP_LIFETIME"
    now = utcnow()
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
    )
    token, token_hash = new_token()
    db.session.add(
        PasswordToken(
            user=user,
            token_hash=token_hash,
            purpose=purpose,
            expires_at=now + current_app.config[lifetime_key],
        )
    )
    db.session.flush()
    return token


def find_usable_password_token(token: str) -> PasswordToken | None:
    row = db.session.execute(
        select(PasswordToken).where(PasswordToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not row.user.is_active:
        return None
    return row


def use_password_token(row: PasswordToken, password: str) -> User:
    row.used_at = utcnow()
    set_password(row.user, password)
    return row.user


def create_therapist(email: str, display_name: str) -> User:
    user = User(email=normalise_email(email), display_name=display_name.strip(), role="therapist")
    db.session.add(user)
    db.session.flush()
    return user


def set_user_active(user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()


DEFAULT_CONSENT = """\
Counselling is a shared piece of work. Sessions usually last 50 minutes. What you say
stays between you and your therapist, with a few legal exceptions: a serious risk of
harm to you or someone else, the safety of a child or vulnerable adult, or a court
order. Your therapist keeps brief notes, stored securely. You can ask to see what is
held about you, and you can stop counselling at any time."""

DEFAULT_SHARING_POLICY = """In couples counselling, the couple is the client. If one of you tells
your therapist something alone (in a message, a form or a one-to-one talk), your therapist may
encourage you to bring it into a joint session, and will not keep secrets that stop the work
from being honest. Answers you give in your portal stay private unless you choose to share them
with your partner. Safety questions are only ever seen by your therapist."""

PRACTICE_DEFAULTS = {
    "name": "Our practice",
    "address": "",
    "phone": "",
    "accent_color": "#2f6f73",
    "page_size": "A4",
    "branding_version": 1,
    "consent_text": DEFAULT_CONSENT,
    "sharing_policy_text": DEFAULT_SHARING_POLICY,
    "consent_version": 1,
}


def read_practice_settings() -> PracticeSettings:
    """The practice's branding for display; defaults (not stored) until an admin saves some."""
    settings = db.session.get(PracticeSettings, 1)
    return settings if settings is not None else PracticeSettings(id=1, **PRACTICE_DEFAULTS)


def get_practice_settings() -> PracticeSettings:
    """The stored settings row, created with defaults when missing, for changing."""
    settings = db.session.get(PracticeSettings, 1)
    if settings is None:
        settings = PracticeSettings(id=1, **PRACTICE_DEFAULTS)
        db.session.add(settings)
        db.session.flush()
    return settings


def update_practice_settings(settings: PracticeSettings, data: dict, logo=None) -> None:
    """``logo`` is ``(bytes, mime)`` to replace the logo, ``False`` to remove it."""
    for field in ("name", "address", "phone", "accent_color", "page_size"):
        setattr(settings, field, data[field])
    changed = False
    for field in ("consent_text", "sharing_policy_text"):
        # Left empty: keep the text in force (a practice always has one to sign).
        if data.get(field) and data[field] != getattr(settings, field):
            setattr(settings, field, data[field])
            changed = True
    if changed:  # earlier signatures keep the version they signed
        settings.consent_version = (settings.consent_version or 1) + 1
    if logo is False:
        settings.logo, settings.logo_mime = None, None
    elif logo:
        settings.logo, settings.logo_mime = logo
    settings.branding_version += 1
    db.session.flush()


def sniff_image(data: bytes) -> str | None:
    """The MIME type of a PNG or JPEG judged by its bytes, not its name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"\xff\xd8\xff") and data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "image/jpeg"
    return None

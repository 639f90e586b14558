"""Password hashing and policy, random tokens, role decorators, safe redirects."""

import contextlib
import hashlib
import secrets
from functools import wraps
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort
from flask_login import current_user
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Hashed once so a sign-in for an unknown e-mail costs the same as for a known one.
_DUMMY_HASH = _hasher.hash("not-a-real-password-at-all")
_COMMON_PASSWORDS = frozenset(
    p.lower() for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_PASSWORD_LENGTH
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; spends the same work when there is no hash to check against."""
    if not password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused, or None. Length and commonness only: no composition
    rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(lowered)) < 3:
        return "This password is too common or too easy to guess. Please choose another."
    if email and lowered == email.lower():
        return "Your password must not be your e-mail address."
    return None


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the hash we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def roles_required(*roles):
    """Allow only signed-in users with one of ``roles``; anyone else signed in gets 404,
    so the page's existence is not revealed."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from clinic.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

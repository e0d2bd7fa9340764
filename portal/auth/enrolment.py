"""One-time enrolment codes: what a person whose role needs a second factor must give,
besides the password, to bind their own authenticator at first login (or after a lost
phone). An admin issues the code and hands it over in person or by phone; the password
alone — guessed, phished or set by someone else — is then not enough to take the account
over by binding an attacker's authenticator.

Eight digits, shown once; only a keyed hash is kept, with an expiry (`ENROLMENT_CODE_DAYS`,
default 7). A wrong code counts towards the lockout like a wrong password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app

from portal.auth.models import User
from portal.timeutil import utcnow


def _digest(user: User, digits: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"enrolment:{user.id}:{digits}".encode(), hashlib.sha256).hexdigest()


def issue(user: User) -> str:
    """A fresh code for `user` (any earlier one stops working); the caller audits and
    commits. Returns the code to hand over, e.g. "3816-0427"."""
    digits = f"{secrets.randbelow(10**8):08d}"
    user.enrolment_code_hash = _digest(user, digits)
    user.enrolment_code_expires_at = utcnow() + timedelta(
        days=current_app.config["ENROLMENT_CODE_DAYS"])
    return f"{digits[:4]}-{digits[4:]}"


def has_code(user: User) -> bool:
    return (user.enrolment_code_hash is not None and user.enrolment_code_expires_at is not None
            and user.enrolment_code_expires_at > utcnow())


def redeem(user: User, typed: str) -> bool:
    """Whether `typed` is the user's current code; a right code is used up."""
    digits = "".join(ch for ch in (typed or "") if ch.isdigit())
    if len(digits) != 8 or not has_code(user):
        return False
    if not hmac.compare_digest(user.enrolment_code_hash, _digest(user, digits)):
        return False
    user.enrolment_code_hash = None
    user.enrolment_code_expires_at = None
    return True

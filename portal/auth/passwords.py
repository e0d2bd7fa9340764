"""Password hashes: argon2id at OWASP's parameters, older hashes upgraded at the next login.

Decisions:
- `PASSWORD_HASH_METHOD = "argon2id"` (the default) hashes with argon2id, 19 MiB of
  memory, 2 iterations, 1 lane — the OWASP Password Storage Cheat Sheet's first choice.
  scrypt at OWASP's minimum (N = 2^17, r = 8) would need 128 MB per login in every worker;
  argon2id gives the same protection in 19 MB. Any Werkzeug method string
  ("scrypt:131072:8:1", "pbkdf2:sha256:600000") may be configured instead; the test suite
  uses a cheap pbkdf2 for speed only.
- A hash made with other parameters than the configured ones (an older werkzeug scrypt
  hash, weaker argon2 parameters) still verifies, and is replaced by a fresh hash the next
  time its owner signs in with the right password (`needs_rehash`).
- Signing in as a name that does not exist, or as a disabled account, still verifies the
  password against a decoy hash made with the configured method and parameters
  (`verify_decoy`), so the answer takes as long as for a wrong password and timing does
  not tell which accounts exist.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
# OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
_ARGON2 = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or ARGON2ID


def hash_password(password: str, method: str | None = None) -> str:
    """A new hash of `password` with the configured method (or `method`)."""
    method = method or _method()
    if method == ARGON2ID:
        return _ARGON2.hash(password)
    return generate_password_hash(password, method=method)


def verify(stored: str, password: str) -> bool:
    """Whether `password` matches `stored`, whatever method made it."""
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


@functools.cache
def _werkzeug_prefix(method: str) -> str:
    """How Werkzeug writes `method` at the head of a hash ("scrypt" → "scrypt:32768:8:1")."""
    return generate_password_hash("x", method=method).split("$", 1)[0] + "$"


def needs_rehash(stored: str) -> bool:
    """Whether `stored` was made with other parameters than the configured method's."""
    method = _method()
    if method == ARGON2ID:
        return not stored.startswith("$argon2id$") or _ARGON2.check_needs_rehash(stored)
    return not stored.startswith(_werkzeug_prefix(method))


@functools.cache
def _decoy(method: str) -> str:
    return hash_password(secrets.token_urlsafe(16), method)


def verify_decoy(password: str) -> None:
    """The work of a real verification, for a username that does not exist."""
    verify(_decoy(_method()), password)

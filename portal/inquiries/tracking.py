"""Tracking codes (查询码): 80 random bits in Crockford base32, shown to the resident once,
grouped in fours so it can be read out over the phone. Only a hash is stored.

The code is derived from the form's one-time submission token with an HMAC keyed by the
application secret. A resident whose first submission timed out and who presses 提交
again sends the same token, gets the same inquiry back and is shown the same code — the
plain code itself never has to be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_BITS = 80
GROUP = 4
# What people mistype or misread, per Crockford's decoding rules.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_submission_token() -> str:
    """The hidden one-time token a fresh form carries (128 random bits)."""
    return secrets.token_hex(16)


def _encode(value: int) -> str:
    chars = []
    for _ in range(CODE_BITS // 5):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def code_for(submission_token: str) -> str:
    """The tracking code that belongs to a submission token, e.g. "7KQ2-M9XD-PT4A-H3RW"."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"tracking-code:" + submission_token.encode(), "sha256").digest()
    plain = _encode(int.from_bytes(digest[: CODE_BITS // 8], "big"))
    return "-".join(plain[i:i + GROUP] for i in range(0, len(plain), GROUP))


def normalize(code: str) -> str:
    """Upper case, separators and spaces dropped, O/I/L read as 0/1."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return cleaned.translate(_READ_AS)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def submission_key(submission_token: str) -> str:
    return hashlib.sha256(b"submission:" + submission_token.encode()).hexdigest()


def looks_valid(code: str) -> bool:
    plain = normalize(code)
    return len(plain) == CODE_BITS // 5 and all(ch in ALPHABET for ch in plain)

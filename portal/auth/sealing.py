"""Secrets kept in the database, sealed with a key derived from the application secret.

A TOTP secret in the clear would let anyone who reads the database (a stolen backup, a
careless export) produce a staff member's second factor. It is stored sealed instead:
AES-256-GCM under a key derived with HKDF-SHA256 from `SECRET_KEY` (labelled for this use
only), as `v1:<base64 of nonce and ciphertext>`.

Rotating `SECRET_KEY`: set the new key as `PORTAL_SECRET_KEY` and the old one in
`PORTAL_SECRET_KEY_FALLBACKS` (comma separated), restart, run
`flask --app portal secrets reseal` (every sealed value is opened with whichever key opens
it and sealed again with the new one), then remove the fallback. Signed sessions also
accept the fallback keys meanwhile (Flask's SECRET_KEY_FALLBACKS).
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "v1:"
NONCE_BYTES = 12


class SealBroken(Exception):
    """A sealed value no configured key opens (the secret key changed without a fallback)."""


def _key(secret: str, purpose: str) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=f"portal sealed {purpose} v1".encode())
    return kdf.derive(secret.encode())


def _secrets() -> list[str]:
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return [current_app.config["SECRET_KEY"], *fallbacks]


def seal(value: str, purpose: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(_secrets()[0], purpose)).encrypt(nonce, value.encode(),
                                                           purpose.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def unseal(stored: str, purpose: str) -> str:
    """The value, opened with the current key or a fallback. A value stored before sealing
    existed (no prefix) is returned as it is. Raises SealBroken."""
    return unseal_with(stored, purpose, _secrets())


def unseal_with(stored: str, purpose: str, secret_keys: list[str]) -> str:
    """`unseal` with the application secrets given (for tools outside the app)."""
    if not is_sealed(stored):
        return stored
    raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for secret in secret_keys:
        try:
            return AESGCM(_key(secret, purpose)).decrypt(nonce, sealed,
                                                          purpose.encode()).decode()
        except InvalidTag:
            continue
    raise SealBroken(purpose)


def needs_reseal(stored: str, purpose: str) -> bool:
    """Whether `stored` is in the clear or sealed with anything but the current key."""
    if not is_sealed(stored):
        return True
    raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
    try:
        AESGCM(_key(_secrets()[0], purpose)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                                     purpose.encode())
    except InvalidTag:
        return True
    return False

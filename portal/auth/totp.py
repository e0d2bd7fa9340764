"""TOTP second factor (RFC 6238: 6 digits, 30-second steps, SHA-1 — what every
authenticator app speaks). The clock is `utcnow`, so tests can move it."""

from __future__ import annotations

import hmac

import pyotp
from flask import current_app

from portal.timeutil import utcnow

STEP_SECONDS = 30
# A code from the step before or after the current one is accepted: phones' clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(username: str, secret: str) -> str:
    """The otpauth:// address the QR code carries."""
    return pyotp.TOTP(secret).provisioning_uri(name=username,
                                               issuer_name=current_app.config["TOTP_ISSUER"])


def current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str | None, code: str, last_used_step: int | None) -> int | None:
    """The step whose code equals `code`, if it is within the drift window and later than
    the last step used (a code is good once); None otherwise."""
    code = "".join((code or "").split())
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None

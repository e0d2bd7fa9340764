"""Submission tokens and tracking codes (查询码).

A form a resident fills in without an account (an inquiry, a comment on a consultation)
carries a one-time submission token issued by this server when the form was shown:
`<nonce>.<mac>`, where the MAC is an HMAC of the form's name and the random nonce, keyed
by the application secret. `redeem` accepts only such tokens, for the form they were
issued for; a made-up or edited token is refused. What a redeemed token stands for is
its *material*, `web:<form>:<nonce>`; Open311 clients' idempotency keys have their own
material (`open311:<key id>:<HMAC with that key's own secret>`), so the two never meet.

The tracking code is 80 bits derived from the material with an HMAC keyed by the
application secret, in Crockford base32, grouped in fours so it can be read out over the
phone; only its hash is stored. A resident whose first submission timed out and who
presses 提交 again sends the same token, gets the same inquiry back and is shown the same
code — but only when the content is the same too (`content_digest`): a token replayed with
other content is refused, so nobody can read someone else's case by replaying its token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import current_app

from portal.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_BITS = 80
GROUP = 4
# What people mistype or misread, per Crockford's decoding rules.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


TOKEN_FIELD = "submission_token"
STALE_TOKEN = "表单来源无法确认，已为您换成新表单，请核对内容后再次提交。"
REPLAYED_TOKEN = ("这份表单此前已经提交过，内容与本次不同。已为您换成新表单，"
                  "核对内容后再次提交，即作为新的一件受理。")


def _secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _token_mac(form: str, nonce: str) -> str:
    message = f"submission-token:{form}:{nonce}".encode()
    return hmac.new(_secret(), message, "sha256").hexdigest()[:32]


def new_submission_token(form: str = "inquiry") -> str:
    """The hidden one-time token a fresh form carries: 128 random bits and this server's
    MAC over them and the form's name."""
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_token_mac(form, nonce)}"


def redeem(token: str | None, form: str = "inquiry") -> str:
    """The material a token issued by this server for `form` stands for.

    Raises ValidationError (field `submission_token`, audited) for a token this server did
    not issue for this form: the view shows the form again with the typed text and a fresh
    token. A token has no age limit: a form left open over a weekend still goes through.
    """
    nonce, _, mac = (token or "").partition(".")
    well_formed = (len(nonce) == 32 and len(mac) == 32
                   and all(c in "0123456789abcdef" for c in nonce + mac))
    if not well_formed or not hmac.compare_digest(mac, _token_mac(form, nonce)):
        raise ValidationError(STALE_TOKEN, field=TOKEN_FIELD, audit_action="form.token_reject")
    return f"web:{form}:{nonce}"


def renew_if_refused(form, error, form_name: str) -> None:
    """After a refused token, the refusal is shown atop the form and the form gets a fresh
    token, so the typed text can be sent again as it stands."""
    if getattr(error, "field", None) == TOKEN_FIELD:
        error.field = None
        form.submission_token.data = new_submission_token(form_name)


def api_material(key_id: int, key_secret: str, idempotency_key: str) -> str:
    """What an Open311 client's Idempotency-Key stands for: scoped by a secret that only
    this server and no other client knows, so nobody can predict another client's keys."""
    mac = hmac.new(key_secret.encode(), idempotency_key.encode("utf-8", "surrogatepass"),
                   "sha256").hexdigest()
    return f"open311:{key_id}:{mac}"


def content_digest(fields: dict) -> str:
    """A digest of what was submitted, to tell a resubmission from a replay."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _encode(value: int) -> str:
    chars = []
    for _ in range(CODE_BITS // 5):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def code_for(material: str) -> str:
    """The tracking code that belongs to a redeemed token, e.g. "7KQ2-M9XD-PT4A-H3RW"."""
    digest = hmac.new(_secret(), b"tracking-code:" + material.encode(), "sha256").digest()
    plain = _encode(int.from_bytes(digest[: CODE_BITS // 8], "big"))
    return "-".join(plain[i:i + GROUP] for i in range(0, len(plain), GROUP))


def normalize(code: str) -> str:
    """Upper case, separators and spaces dropped, O/I/L read as 0/1."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return cleaned.translate(_READ_AS)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def submission_key(material: str) -> str:
    return hashlib.sha256(b"submission:" + material.encode()).hexdigest()


def looks_valid(code: str) -> bool:
    plain = normalize(code)
    return len(plain) == CODE_BITS // 5 and all(ch in ALPHABET for ch in plain)

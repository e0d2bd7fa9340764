"""Issuing, revoking and checking Open311 API keys.

A key reads `<prefix>.<secret>`: 8 hex characters that name the key in lists and the
audit log, then 43 random URL-safe characters (256 bits). Only its SHA-256 is stored, and
the full key is shown once, when issued. Keys are county-wide (they may file inquiries
with any town), so issuing and revoking need `admin` on the root of the organization
tree; both are audited, as is every refused key.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from portal import audit, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import Conflict, DomainError, NotFound
from portal.extensions import db
from portal.open311.models import ApiKey
from portal.organizations.models import Organization
from portal.timeutil import utcnow

MAX_KEY_LENGTH = 100


class InvalidApiKey(DomainError):
    """No key, or a key that is unknown or revoked: 403 (GeoReport v2, Errors: "403 for
    errors because of wrong or missing api_key"), and audited."""

    status = 403

    def __init__(self, message: str = "缺少有效的 api_key。请向门户管理员申请接口密钥。"):
        super().__init__(message, audit_action="open311.key_reject")


def key_hash(key: str) -> str:
    """What is stored of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _root() -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.parent_id.is_(None))
                             .order_by(Organization.id).limit(1))


def issue_key(actor, name: str) -> tuple[ApiKey, str]:
    """Issue a key for the client `name`; returns the row and the key (shown once).

    Requires `admin` on the root organization. Raises PermissionDenied, ValidationError.
    """
    require(actor, Role.ADMIN, _root(), action="open311.key_issue")
    name = validation.text(name, field="name", label="接口使用单位", max_length=100)
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, prefix=prefix, key_hash=key_hash(key),
                 created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "open311.key_issue", row, after={"name": name, "prefix": prefix})
    db.session.commit()
    return row, key


def revoke_key(actor, key_id: int) -> ApiKey:
    """Revoke a key at once. Requires `admin` on the root organization.

    Raises PermissionDenied, NotFound, Conflict (already revoked).
    """
    require(actor, Role.ADMIN, _root(), action="open311.key_revoke")
    row = db.session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("找不到该接口密钥。")
    if row.revoked_at is not None:
        raise Conflict("该接口密钥已经吊销。")
    row.revoked_at = utcnow()
    row.revoked_by_id = getattr(actor, "id", None)
    audit.record(actor, "open311.key_revoke", row, before={"active": True},
                 after={"active": False, "name": row.name, "prefix": row.prefix})
    db.session.commit()
    return row


def find_key(prefix: str) -> ApiKey:
    """The key with this visible prefix (for the CLI). Raises NotFound."""
    row = db.session.scalar(sa.select(ApiKey).where(ApiKey.prefix == prefix.strip()[:16]))
    if row is None:
        raise NotFound(f"没有前缀为“{prefix[:16]}”的接口密钥。")
    return row


def authenticate(key: str | None) -> ApiKey:
    """The active key matching `key`, its use noted (committed with the caller's work).

    Raises InvalidApiKey (403, audited) for a missing, unknown or revoked key.
    """
    key = (key or "").strip()
    if not key:
        raise InvalidApiKey()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidApiKey("api_key 无效或已吊销。")
    row = db.session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == key_hash(key)))
    if row is None or not row.is_active:
        raise InvalidApiKey("api_key 无效或已吊销。")
    row.last_used_at = utcnow()
    return row


def all_keys(actor) -> list[ApiKey]:
    """Every key, active first, newest first. Requires `admin` on the root organization.

    Raises PermissionDenied."""
    require(actor, Role.ADMIN, _root(), action="open311.key_list")
    return list(db.session.scalars(sa.select(ApiKey).order_by(
        ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())))

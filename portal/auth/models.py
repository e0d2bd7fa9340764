from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth import passwords, sealing
from portal.db_types import str_enum
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    REVIEWER = "reviewer"
    VILLAGE_CLERK = "village_clerk"
    HANDLER = "handler"
    INSPECTOR = "inspector"
    # 村务监督委员会成员: signs off a village's notices before they go up.
    VILLAGE_SUPERVISOR = "village_supervisor"
    # 综治中心: the town's 矛盾纠纷排查化解 desk, reading every village's ledger and reports.
    GOVERNANCE_CENTER = "governance_center"
    # 网格员: a village's grid worker, filing the daily check and recording disputes.
    GRID_WORKER = "grid_worker"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.EDITOR: "信息编辑",
    Role.REVIEWER: "信息审核",
    Role.VILLAGE_CLERK: "村务专干",
    Role.HANDLER: "办理人员",
    Role.INSPECTOR: "纪检监督",
    Role.VILLAGE_SUPERVISOR: "村务监督委员会",
    Role.GOVERNANCE_CENTER: "综治中心",
    Role.GRID_WORKER: "网格员",
}


TOTP_PURPOSE = "totp-secret"


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie's identity: rotating it ends every existing session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lockout: counted per account, so no client address (forged or not) resets it.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second factor (RFC 6238), sealed at rest (portal.auth.sealing); the last accepted
    # 30-second step refuses a replayed code.
    totp_secret_sealed: Mapped[str | None] = mapped_column("totp_secret", String(255))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # A one-time code an admin gives a person whose role needs a second factor: with the
    # password alone nobody can bind their own authenticator to the account.
    enrolment_code_hash: Mapped[str | None] = mapped_column(String(64))
    enrolment_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def totp_secret(self) -> str | None:
        """The TOTP secret in the clear (kept sealed in the database)."""
        if self.totp_secret_sealed is None:
            return None
        return sealing.unseal(self.totp_secret_sealed, TOTP_PURPOSE)

    @totp_secret.setter
    def totp_secret(self, value: str | None) -> None:
        self.totp_secret_sealed = None if value is None else sealing.seal(value, TOTP_PURPOSE)

    @property
    def is_locked(self) -> bool:
        """Locked after repeated failed logins, until `locked_until` passes."""
        return self.locked_until is not None and self.locked_until > utcnow()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.verify(self.password_hash, password)

    def has_role(self, role: Role | str, organization: Organization | None = None) -> bool:
        """True when a grant of `role` covers `organization` (any organization if None)."""
        for grant in self.grants:
            if grant.role != role:
                continue
            if organization is None or grant.organization.contains(organization):
                return True
        return False

    def organizations_for(self, role: Role | str) -> list[Organization]:
        return [g.organization for g in self.grants if g.role == role]

    @property
    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(db.Model):
    """A role held on an organization; it covers that organization's whole subtree."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")
    organization: Mapped[Organization] = relationship(lazy="joined")

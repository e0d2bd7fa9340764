"""A person's own account (password, second factor) and the administrators' user list.

Every change that alters how someone signs in rotates their session token, which ends
every session they have open anywhere (a replayed cookie is refused by the loader).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.auth import enrolment, sealing, services, totp
from portal.auth.models import TOTP_PURPOSE, Role, User, new_session_token
from portal.auth.permissions import require
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.timeutil import utcnow


def change_password(user: User, *, current: str, new: str) -> None:
    """The signed-in user changes their own password; every other session of theirs ends.

    A wrong current password counts towards the lockout like a failed login (someone at
    an unlocked screen must not guess it at leisure); the attempt that locks the account
    also ends all its sessions. Raises ValidationError or AccountLocked.
    """
    if not user.check_password(current or ""):
        services.count_failure(user, "修改密码时当前密码错误")
        if user.is_locked:
            user.session_token = new_session_token()
        db.session.commit()
        if user.is_locked:
            raise services.AccountLocked(user.locked_until)
        raise ValidationError("当前密码不正确。", field="current_password")
    services.validate_password(new, user.username)
    if user.check_password(new):
        raise ValidationError("新密码不能与当前密码相同。", field="password")
    user.set_password(new)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    audit.record(user, "auth.password_change", user)
    db.session.commit()


def remove_second_factor(user: User, code: str) -> None:
    """Turn off one's own TOTP, where the roles held do not require it. Needs a current
    code, so a borrowed unlocked screen is not enough."""
    if any(role.value in current_app.config["MFA_REQUIRED_ROLES"] for role in user.roles):
        raise Conflict("您的角色必须使用动态验证码，不能关闭。")
    if not user.totp_secret:
        raise Conflict("尚未启用动态验证码。")
    if totp.matching_step(user.totp_secret, code, user.totp_last_step) is None:
        raise ValidationError("验证码不正确，请输入验证器中当前显示的 6 位数字。", field="code")
    user.totp_secret = None
    user.totp_last_step = None
    user.session_token = new_session_token()
    audit.record(user, "auth.totp_remove", user)
    db.session.commit()


def password_reminder_due(user: User) -> bool:
    """等保 asks for periodic change; we remind, never force (see SECURITY.md)."""
    days = current_app.config["PASSWORD_REMINDER_DAYS"]
    changed = user.password_changed_at or user.created_at
    return bool(days) and changed is not None and utcnow() - changed > timedelta(days=days)


# -- administration -------------------------------------------------------------------

def _manages(actor, user: User) -> bool:
    """An admin manages a user when every grant the user holds lies in the admin's subtree
    (a user without grants only by an admin of a root organization)."""
    if not actor.has_role(Role.ADMIN):
        return False
    if not user.grants:
        return any(org.parent_id is None for org in actor.organizations_for(Role.ADMIN))
    return all(actor.has_role(Role.ADMIN, grant.organization) for grant in user.grants)


def manageable_users(actor) -> list[User]:
    require(actor, Role.ADMIN, None, action="user.list")
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return [user for user in users if _manages(actor, user)]


def get_managed(actor, user_id: int) -> User:
    require(actor, Role.ADMIN, None, action="user.view")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("没有这个用户。")
    if not _manages(actor, user):
        raise PermissionDenied(action="user.view", target=user, actor=actor)
    return user


def set_active(actor, user_id: int, active: bool) -> User:
    """Disable (every session ends at once) or re-enable an account."""
    user = get_managed(actor, user_id)
    if user.id == getattr(actor, "id", None) and not active:
        raise Conflict("不能停用自己的账号。")
    before = {"active": user.active}
    user.active = active
    user.session_token = new_session_token()
    audit.record(actor, "user.enable" if active else "user.disable", user,
                 before=before, after={"active": active})
    db.session.commit()
    return user


def unlock(actor, user_id: int) -> User:
    user = get_managed(actor, user_id)
    before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
    user.locked_until = None
    user.failed_logins = 0
    audit.record(actor, "user.unlock", user, before=before)
    db.session.commit()
    return user


def reset_second_factor(actor, user_id: int) -> str:
    """A lost phone: clear the TOTP binding and issue a one-time enrolment code, with which
    the user binds a new authenticator at the next login. Returns the code (shown once)."""
    user = get_managed(actor, user_id)
    user.totp_secret = None
    user.totp_last_step = None
    user.session_token = new_session_token()
    code = enrolment.issue(user)
    audit.record(actor, "user.totp_reset", user, after={"enrolment_code_issued": True})
    db.session.commit()
    return code


def issue_enrolment_code(actor, user_id: int) -> str:
    """A one-time code with which a person whose role needs a second factor binds their
    authenticator at first login; any earlier code stops working. Requires managing the
    user; audited (without the code). Returns the code, to hand over in person or by phone.
    Raises Conflict when the user has bound an authenticator already."""
    user = get_managed(actor, user_id)
    if user.totp_secret:
        raise Conflict("该用户已绑定动态验证码；手机丢失时请先“清除动态验证码绑定”。")
    code = enrolment.issue(user)
    audit.record(actor, "user.enrolment_code", user,
                 after={"expires_at": user.enrolment_code_expires_at})
    db.session.commit()
    return code


def reset_password(actor, user_id: int, password: str) -> User:
    user = get_managed(actor, user_id)
    services.validate_password(password, user.username)
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    audit.record(actor, "user.password_reset", user)
    db.session.commit()
    return user


def reseal_secrets(actor) -> int:
    """Seal every TOTP secret again with the current secret key (after a key rotation;
    see portal.auth.sealing). Requires `admin`. Returns how many were resealed."""
    require(actor, Role.ADMIN, None, action="secrets.reseal")
    count = 0
    for user in db.session.scalars(select(User).where(User.totp_secret_sealed.is_not(None))):
        if sealing.needs_reseal(user.totp_secret_sealed, TOTP_PURPOSE):
            user.totp_secret = user.totp_secret
            count += 1
    audit.record(actor, "secrets.reseal", None, after={"resealed": count})
    db.session.commit()
    return count

"""Signing in: the password step with its lockout, the second factor, signing out.

Every outcome is audited: each failed attempt, each lockout, each success with the
factors used. The page never says whether a username exists, except that an account
locked after repeated failures says so (ASVS 5.0 V6.3 accepts that trade-off: the owner
must learn why the right password is refused).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal import audit, validation
from portal.audit import refusals
from portal.auth import enrolment, passwords, totp
from portal.auth import grants as role_levels
from portal.auth.models import Role, RoleGrant, User, new_session_token
from portal.auth.permissions import require
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import format_local, utcnow


class AuthenticationFailed(DomainError):
    status = 401


class AccountLocked(DomainError):
    status = 429

    def __init__(self, until):
        at = format_local(until, "%H:%M")
        super().__init__(f"连续登录失败次数过多，账号已临时锁定，请于 {at}（北京时间）后再试，"
                         "或联系管理员解锁。")
        self.until = until


# Built once: every signed-in request loads its account by this statement.
_ACCOUNT_WITH_GRANTS = select(User).options(joinedload(User.grants)).where(
    User.id == bindparam("user_id"))


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: the cookie holds "<id>:<session token>"; a rotated token
    (after logout, password change or disabling) no longer matches. The account comes
    with its grants in one statement: every signed-in page needs both."""
    user_id, _, token = session_id.partition(":")
    if not validation.is_number(user_id) or not token:
        return None
    user = db.session.execute(_ACCOUNT_WITH_GRANTS, {"user_id": int(user_id)}).unique().scalar()
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def requires_second_factor(user: User) -> bool:
    """Admins and inspectors must use TOTP; anyone who enrolled uses it too."""
    required = set(current_app.config["MFA_REQUIRED_ROLES"])
    return bool(user.totp_secret) or any(role.value in required for role in user.roles)


def check_password(username: str, password: str) -> User:
    """The first factor. Returns the user when the password is right and the account is
    open; the caller then asks for the second factor or calls `complete_login`.

    Every path verifies one password hash with the configured method (a decoy for an
    unknown name), so timing does not tell which accounts exist. A right password whose
    hash has outdated parameters is rehashed. Raises AccountLocked or AuthenticationFailed
    (one message for every other failure).
    """
    username = (username or "").strip()
    password = password or ""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        passwords.verify_decoy(password)
        right = False
    else:
        right = user.check_password(password)
    if user is not None and user.active and user.is_locked:
        audit.record(None, "auth.login", user, result="failed", message="账号锁定期间尝试登录")
        db.session.commit()
        raise AccountLocked(user.locked_until)
    if user is None or not user.active or not right:
        _refuse_password(user, username)
    if passwords.needs_rehash(user.password_hash):
        user.set_password(password)
        audit.record(user, "auth.password_rehash", user)
        db.session.commit()
    return user


def _refuse_password(user: User | None, username: str):
    if user is None:  # counted, not chained: anyone can send made-up names
        refusals.note("auth.login", "failed", f"用户名“{username[:64]}”登录失败")
    elif user.active:
        count_failure(user, "密码错误")
    else:
        audit.record(None, "auth.login", user, result="failed", message="已停用的账号尝试登录")
    db.session.commit()
    if user is not None and user.is_locked:
        raise AccountLocked(user.locked_until)
    raise AuthenticationFailed("用户名或密码不正确。")


def check_second_factor(user: User, code: str) -> None:
    """Verify a TOTP code for a user who passed the password step. A wrong code counts
    towards the lockout like a wrong password. Raises AccountLocked or
    AuthenticationFailed; on success records the login."""
    if not user.active:
        raise AuthenticationFailed("账号已停用。")
    if user.is_locked:
        raise AccountLocked(user.locked_until)
    step = totp.matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        count_failure(user, "动态验证码错误")
        db.session.commit()
        if user.is_locked:
            raise AccountLocked(user.locked_until)
        raise AuthenticationFailed("动态验证码不正确或已使用，请输入验证器中当前显示的 6 位数字。")
    user.totp_last_step = step
    complete_login(user, factors="password+totp")


def enroll_second_factor(user: User, secret: str, code: str, *, at_login: bool,
                         enrolment_code: str = "") -> None:
    """Bind a TOTP secret to the account once the user proves their app shows its codes.
    At login this needs the one-time enrolment code an admin issued (`enrolment`), and
    completes the sign-in; a wrong code of either kind counts towards the lockout. Other
    sessions end (token rotates). Raises ValidationError or AccountLocked."""
    if at_login and not enrolment.redeem(user, enrolment_code):
        _refuse_enrolment(user, "绑定码不正确或已过期", "enrolment_code",
                          "绑定码不正确或已过期。请向本单位系统管理员索取新的绑定码。")
    step = totp.matching_step(secret, code, None)
    if step is None:
        if at_login:
            _refuse_enrolment(user, "绑定动态验证码时输入错误", "code",
                              "验证码不正确，请输入验证器中当前显示的 6 位数字。")
        raise ValidationError("验证码不正确，请输入验证器中当前显示的 6 位数字。", field="code")
    user.totp_secret = secret
    user.totp_last_step = step
    user.session_token = new_session_token()
    audit.record(user, "auth.totp_enroll", user)
    if at_login:
        complete_login(user, factors="password+totp")
    else:
        db.session.commit()


def _refuse_enrolment(user: User, reason: str, field: str, message: str):
    db.session.rollback()  # a redeemed enrolment code stays valid for the next try
    count_failure(user, reason)
    db.session.commit()
    if user.is_locked:
        raise AccountLocked(user.locked_until)
    raise ValidationError(message, field=field)


def complete_login(user: User, *, factors: str) -> None:
    user.failed_logins = 0
    user.last_login_at = utcnow()
    audit.record(user, "auth.login", user, after={"factors": factors})
    db.session.commit()


def count_failure(user: User, reason: str) -> None:
    """One more failure; the threshold-th locks the account (audited separately)."""
    config = current_app.config
    user.failed_logins = (user.failed_logins or 0) + 1
    audit.record(None, "auth.login", user, result="failed",
                 message=f"{reason}（连续第 {user.failed_logins} 次）")
    if user.failed_logins >= config["LOGIN_LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = 0
        audit.record(None, "auth.lockout", user,
                     after={"locked_until": user.locked_until.isoformat()},
                     message=f"连续 {config['LOGIN_LOCKOUT_THRESHOLD']} 次登录失败，锁定 "
                             f"{config['LOGIN_LOCKOUT_MINUTES']} 分钟")


def logout(user: User) -> None:
    """End the user's sessions everywhere by rotating the token the cookies carry."""
    user.session_token = new_session_token()
    audit.record(user, "auth.logout", user)
    db.session.commit()


def record_session_end(user: User, reason: str) -> None:
    """An idle or absolute timeout signed the user out; the server forgets that session."""
    audit.record(user, "auth.session_expired", user, message=reason)
    db.session.commit()


def validate_password(password: str, username: str) -> None:
    """≥ 8 characters, at least three of: lower case, upper case, digits, symbols; not the
    username. Raises ValidationError."""
    classes = sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])
    if len(password) < 8 or classes < 3:
        raise ValidationError("密码至少 8 位，且包含大写字母、小写字母、数字、符号中的三类。",
                              field="password")
    if password.lower() == username.lower():
        raise ValidationError("密码不能与用户名相同。", field="password")


def create_user(actor, *, username: str, display_name: str, password: str,
                grants: list[tuple[Role, Organization]]) -> User:
    """Create a staff account with role grants. Requires `admin` on every granted
    organization, each of them active. Raises PermissionDenied or ValidationError."""
    user = add_user(actor, username=username, display_name=display_name, password=password,
                    grants=grants)
    db.session.commit()
    return user


def add_user(actor, *, username: str, display_name: str, password: str,
             grants: list[tuple[Role, Organization]]) -> User:
    """`create_user` without the commit, for a caller that creates more in the same
    transaction (the first setup of a county). Audited."""
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationError("请填写 64 个字符以内的用户名。", field="username")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ValidationError("该用户名已存在。", field="username")
    validate_password(password, username)
    for _role, organization in grants:
        require(actor, Role.ADMIN, organization, action="user.create")
        if not organization.active:
            raise ValidationError(f"“{organization.full_name}”已停用，不能授予角色。",
                                  field="organization")
        role_levels.check(_role, organization)
    user = User(username=username, display_name=display_name.strip() or username)
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.grants = [RoleGrant(role=role, organization=org) for role, org in grants]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user,
                 after={"username": username,
                        "grants": [[r.value, o.slug] for r, o in grants]})
    return user

"""Accounts: login, logout, creating users and granting roles."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit, validation
from portal.auth.models import Role, RoleGrant, User, new_session_token
from portal.auth.permissions import require
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.organizations.models import Organization
from portal.timeutil import utcnow


class AuthenticationFailed(DomainError):
    status = 401


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: the cookie holds "<id>:<session token>"; a rotated token
    (after logout, password change or disabling) no longer matches."""
    user_id, _, token = session_id.partition(":")
    if not validation.is_number(user_id) or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def authenticate(username: str, password: str) -> User:
    """Check credentials; record the login or the failed attempt either way.

    Raises AuthenticationFailed with one message for every failure, so the page does not
    reveal which usernames exist.
    """
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password or ""):
        audit.record(None, "auth.login", user, result="failed",
                     message=f"用户名“{username[:64]}”登录失败")
        db.session.commit()
        raise AuthenticationFailed("用户名或密码不正确。")
    user.last_login_at = utcnow()
    audit.record(user, "auth.login", user)
    db.session.commit()
    return user


def logout(user: User) -> None:
    """End the user's sessions everywhere by rotating the token the cookies carry."""
    user.session_token = new_session_token()
    audit.record(user, "auth.logout", user)
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
    organization. Raises PermissionDenied or ValidationError."""
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationError("请填写 64 个字符以内的用户名。", field="username")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ValidationError("该用户名已存在。", field="username")
    validate_password(password, username)
    for _role, organization in grants:
        require(actor, Role.ADMIN, organization, action="user.create")
    user = User(username=username, display_name=display_name.strip() or username)
    user.set_password(password)
    user.grants = [RoleGrant(role=role, organization=org) for role, org in grants]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user,
                 after={"username": username,
                        "grants": [[r.value, o.slug] for r, o in grants]})
    db.session.commit()
    return user

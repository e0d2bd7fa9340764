"""The role check for services whose action has no rule of its own in
`portal.auth.rules`: "holds `role` on this organization's subtree". It reads the grants
through the policy's `Actor` (`portal.auth.policy`), so there is one reading of what a
grant covers; services call it before they change anything, so the pages, the CLI and
any API all pass through the same check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.auth.policy import Actor
from portal.errors import PermissionDenied

if TYPE_CHECKING:
    from portal.auth.models import Role, User
    from portal.organizations.models import Organization


def require(actor: User | None, role: Role | str, organization: Organization | None,
            *, action: str = "", target: object | None = None) -> None:
    """Raise PermissionDenied unless `actor` holds `role` on `organization`'s subtree.

    With `organization=None` any grant of the role suffices. The denial carries the action
    and target so the error handler can record it in the audit log.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录。", action=action, target=target or organization,
                               actor=None)
    if not Actor.of(actor).holds(role, organization):
        raise PermissionDenied(action=action, target=target or organization, actor=actor)


def require_any(actor: User | None, roles: tuple[Role | str, ...],
                organization: Organization | None, *, action: str = "",
                target: object | None = None) -> None:
    """Like `require`, satisfied by any one of `roles`."""
    for role in roles:
        if actor is not None and getattr(actor, "is_authenticated", False) \
                and actor.is_active and Actor.of(actor).holds(role, organization):
            return
    require(actor, roles[0], organization, action=action, target=target)

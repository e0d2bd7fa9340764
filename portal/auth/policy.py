"""Who may do what: the one place the portal decides it.

A user holds role grants `(role, organization)`, each covering the organization's subtree.
From those the policy answers three questions, and every caller asks it instead of reading
role names itself:

- `may(actor, action, obj)` / `require(...)`: may this person do `action` on `obj` (a
  record, or a kind of record named by a string such as "disclosure" for creating one)?
  Services call `require` before they act; the route table in `portal.access` asks
  `may_reach`; templates call `allowed`.
- `allowed(actor, action, obj)`: `may`, and the record is in a state where the action
  makes sense now. Buttons and menu entries show only what is `allowed`, so nobody is
  offered something that would be refused.
- `visible(actor, Model)`: the SQL condition selecting the rows of `Model` the actor may
  see in the back office (one scope per model, built from the same grants).

Separation of duties (先审后发): nobody approves, signs or decides on their own work; the
refusal names the rule. The rules for each kind of record live in `portal.auth.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_, select

from portal.auth.models import Role
from portal.errors import PermissionDenied

SIGN_IN_FIRST = "请先登录。"


@dataclass(frozen=True)
class Grant:
    role: Role
    path: str  # the organization's path: a grant covers every path it prefixes
    organization: Any


@dataclass(frozen=True)
class Actor:
    """The acting person as the policy sees them: who, whether signed in, which grants.

    The system actor (commands run on the server) passes every check, as shell access to
    the server already implies full control."""

    id: int | None
    signed_in: bool
    grants: tuple[Grant, ...]
    user: Any = None
    is_system: bool = False

    @classmethod
    def of(cls, user) -> Actor:
        if isinstance(user, Actor):
            return user
        if user is None or not getattr(user, "is_authenticated", False) \
                or not getattr(user, "is_active", False):
            return cls(id=None, signed_in=False, grants=(), user=user)
        from portal.auth.system import SystemActor

        if isinstance(user, SystemActor):
            return cls(id=None, signed_in=True, grants=(), user=user, is_system=True)
        return cls(id=user.id, signed_in=True, user=user, grants=tuple(
            Grant(Role(g.role), g.organization.path, g.organization) for g in user.grants))

    def holds(self, roles: Role | Iterable[Role], organization=None) -> bool:
        """True when a grant of one of `roles` covers `organization` (any, if None)."""
        if self.is_system:
            return True
        wanted = {roles} if isinstance(roles, Role | str) else set(roles)
        return any(g.role in wanted and (organization is None
                                         or organization.path.startswith(g.path))
                   for g in self.grants)

    def paths(self, roles: Iterable[Role]) -> set[str]:
        wanted = set(roles)
        return {g.path for g in self.grants if g.role in wanted}

    def organizations(self, roles: Iterable[Role]) -> list:
        wanted = set(roles)
        return [g.organization for g in self.grants if g.role in wanted]

    def is_author(self, author_id: int | None) -> bool:
        return self.id is not None and author_id == self.id


# --- rules ---------------------------------------------------------------------------

class Refusal(str):
    """A rule's answer when it says no: the reason shown to the person ('' = plain 403).
    Always true, so rules chain checks with `or`: the first refusal wins."""

    def __bool__(self) -> bool:
        return True


Verdict = Refusal | None  # None: permitted
RuleFn = Callable[[Actor, Any], Verdict]

_RULES: dict[tuple[Any, str], RuleFn] = {}
_STATES: dict[tuple[Any, str], Callable[[Any], bool]] = {}


def rule(kind: Any, action: str, *, when: Callable[[Any], bool] | None = None):
    """Register the rule for `action` on `kind` (a model class or a kind name). `when` is
    the state in which the action is offered at all (the service raises a conflict,
    not a refusal, outside it)."""
    def register(fn: RuleFn) -> RuleFn:
        _RULES[(kind, action)] = fn
        if when is not None:
            _STATES[(kind, action)] = when
        return fn
    return register


def _key(action: str, obj: Any) -> tuple[Any, str]:
    kind = obj if isinstance(obj, str) else type(obj)
    if (kind, action) not in _RULES:
        _load_rules()
    if (kind, action) not in _RULES:
        raise LookupError(f"no access rule for {action!r} on {kind!r}")
    return kind, action


def _load_rules() -> None:
    import portal.auth.rules  # noqa: F401  (registers the rules)


def check(actor, action: str, obj: Any) -> Verdict:
    """The rule's verdict: None when permitted, else a Refusal with its reason."""
    who = Actor.of(actor)
    if not who.signed_in:
        return Refusal(SIGN_IN_FIRST)
    if who.is_system:
        return None
    return _RULES[_key(action, obj)](who, obj)


def may(actor, action: str, obj: Any) -> bool:
    """Whether `actor` may do `action` on `obj`, whatever state `obj` is in."""
    return check(actor, action, obj) is None


def allowed(actor, action: str, obj: Any) -> bool:
    """`may`, and `obj` is in a state where `action` applies: what buttons ask."""
    if obj is None or not may(actor, action, obj):
        return False
    state = _STATES.get(_key(action, obj))
    return state is None or bool(state(obj))


def require(actor, action: str, obj: Any, *, audit_action: str = "",
            target: Any = None) -> None:
    """Raise PermissionDenied unless `may(actor, action, obj)`. The denial carries the
    action and target so the error handler records it in the audit log."""
    verdict = check(actor, action, obj)
    if verdict is None:
        return
    kind = obj if isinstance(obj, str) else type(obj).__name__.lower()
    who = Actor.of(actor)
    reason = {"message": str(verdict)} if str(verdict) else {}
    raise PermissionDenied(**reason, action=audit_action or f"{kind}.{action}",
                           target=target if target is not None
                           else (None if isinstance(obj, str) else obj),
                           actor=actor if who.signed_in else None)


def refuse_unless(condition: bool, message: str = "") -> Verdict:
    return None if condition else Refusal(message)


# --- routes --------------------------------------------------------------------------

def may_reach(actor, roles: Iterable[Role]) -> bool:
    """The route table's coarse gate: does the actor hold any of `roles` anywhere?"""
    return Actor.of(actor).holds(tuple(roles))


# --- visibility scopes ---------------------------------------------------------------

def organization_ids(actor, roles: Iterable[Role]):
    """SELECT of the ids of every organization under the actor's grants of `roles`, or
    None when they hold none (callers then skip the query)."""
    from portal.organizations.models import Organization

    paths = Actor.of(actor).paths(roles)
    if not paths:
        return None
    return select(Organization.id).where(or_(*[Organization.path.startswith(p)
                                               for p in sorted(paths)]))


def organizations_under(actor, roles: Iterable[Role]):
    """The WHERE condition on Organization for nodes under the actor's grants of `roles`."""
    from portal.organizations.models import Organization

    paths = Actor.of(actor).paths(roles)
    if not paths:
        return false()
    return or_(*[Organization.path.startswith(p) for p in sorted(paths)])


_SCOPES: dict[type, tuple[Callable[[], Any], tuple[Role, ...]]] = {}


def scope(model: type, column: Callable[[], Any], roles: Iterable[Role]) -> None:
    """Declare who sees rows of `model` in the back office: staff holding one of `roles`
    on the organization in `column`."""
    _SCOPES[model] = (column, tuple(roles))


def visible(actor, model: type, roles: Iterable[Role] | None = None):
    """The WHERE condition selecting the rows of `model` the actor may see (with `roles`,
    narrowed to those roles, e.g. the reviewer's own review queue)."""
    if model not in _SCOPES:
        _load_rules()
    column, default_roles = _SCOPES[model]
    ids = organization_ids(actor, default_roles if roles is None else roles)
    return false() if ids is None else column().in_(ids)

"""Which state follows which: one transition table per kind of record.

A `Lifecycle` lists its `Step`s: from which states, by which action, to which state, and
who may take it (the name of the access rule in `portal.auth.rules`). `transition()` is the
one way a record changes state: it asks the policy, checks the table, sets the state, adds
the record's own timeline event where it keeps one, and records the audit event. It never
commits; the service that called it commits once.

The `when=` states the policy offers buttons in are read from the same tables
(`Lifecycle.offered`), and `docs/lifecycles.md` is generated from them (`flask docs
lifecycles`), so neither the buttons nor the diagrams can drift from what the services do.
A step with no target leaves the state as it is (editing a draft); a step with several
targets lets the service choose (one or two review rounds, depending on configuration).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from portal.errors import InvalidTransition
from portal.timeutil import utcnow


@dataclass(frozen=True)
class Step:
    """One row of a transition table. `rule` names the policy action checked before the
    step ("" = no staff rule: taken by the applicant or by the server's own schedule, whose
    callers check who they are); `who` says so in the diagram."""

    source: tuple[enum.Enum, ...]
    action: str
    target: tuple[enum.Enum, ...]
    label: str
    rule: str = ""
    who: str = ""
    audit: str = ""  # the audit action, when not `<lifecycle>.<action>`

    def __init__(self, source, action: str, target, label: str, *, rule: str | None = None,
                 who: str = "", audit: str = ""):
        set_ = object.__setattr__
        set_(self, "source", _states(source))
        set_(self, "action", action)
        set_(self, "target", _states(target))
        set_(self, "label", label)
        set_(self, "rule", action if rule is None else rule)
        set_(self, "who", who)
        set_(self, "audit", audit)


def _states(value) -> tuple[enum.Enum, ...]:
    if value is None:
        return ()
    if isinstance(value, enum.Enum):
        return (value,)
    return tuple(value)


# (actor, record, audit action, message, data, public): the record's own timeline entry
EventHook = Callable[[Any, Any, str, str, dict | None, bool], None]


@dataclass
class Lifecycle:
    """The transition table of `model`, whose state is the attribute `state`.

    `before_change(actor, obj)` runs before the state is set (keeping the previous version);
    `event(actor, obj, audit_action, message, data, public)` adds the record's own
    timeline entry. `stamp` names a timestamp attribute set on every change.
    `set_state(obj, state)` replaces the plain assignment where the state is read from
    other columns (a notice is answered when it has its answer's time)."""

    name: str
    title: str
    model: type
    states: type[enum.Enum]
    initial: tuple[enum.Enum, ...]
    steps: tuple[Step, ...]
    state: str = "status"
    stamp: str | None = None
    before_change: Callable[[Any, Any], None] | None = None
    set_state: Callable[[Any, enum.Enum], None] | None = None
    event: EventHook | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _REGISTRY[self.model] = self

    def state_of(self, obj) -> enum.Enum:
        return getattr(obj, self.state)

    def put(self, obj, state: enum.Enum) -> None:
        if self.set_state is not None:
            self.set_state(obj, state)
        else:
            setattr(obj, self.state, state)

    def steps_named(self, action: str) -> list[Step]:
        found = [s for s in self.steps if s.action == action]
        if not found:
            raise LookupError(f"{self.name} has no step {action!r}")
        return found

    def step(self, obj, action: str) -> Step | None:
        """The row for `action` from `obj`'s current state, or None."""
        current = self.state_of(obj)
        return next((s for s in self.steps_named(action) if current in s.source), None)

    def can(self, obj, action: str) -> bool:
        """Whether the table allows `action` from `obj`'s state (who may is the policy's)."""
        return self.step(obj, action) is not None

    def expect(self, obj, action: str) -> Step:
        """The row for `action` from the current state. Raises InvalidTransition (a
        conflict naming the current state and the step) when there is none."""
        found = self.step(obj, action)
        if found is None:
            current = self.state_of(obj)
            raise InvalidTransition(getattr(current, "label", current.value),
                                    self.steps_named(action)[0].label)
        return found

    def sources(self, rule: str) -> frozenset[enum.Enum]:
        """Every state from which a step checked by policy action `rule` may be taken."""
        found = frozenset(s for step in self.steps if step.rule == rule for s in step.source)
        if not found:
            raise LookupError(f"{self.name} has no step checked by {rule!r}")
        return found

    def offered(self, rule: str) -> Callable[[Any], bool]:
        """The policy's `when=` for `rule`: the record is in one of its steps' sources."""
        states = self.sources(rule)
        return lambda obj: self.state_of(obj) in states

    def reachable(self) -> set[enum.Enum]:
        seen = set(self.initial)
        frontier = list(self.initial)
        while frontier:
            current = frontier.pop()
            for step in self.steps:
                if current in step.source:
                    for target in step.target:
                        if target not in seen:
                            seen.add(target)
                            frontier.append(target)
        return seen


_REGISTRY: dict[type, Lifecycle] = {}


def lifecycle_of(obj) -> Lifecycle:
    model = obj if isinstance(obj, type) else type(obj)
    if model not in _REGISTRY:
        load_all()
    return _REGISTRY[model]


def check(actor, obj, action: str, *, audit_action: str = "") -> Step:
    """Whether `actor` may take `action` on `obj` now, without changing anything: the
    policy rule first (PermissionDenied), then the table (InvalidTransition). Services
    call it before their own validation so a refusal comes before a form error."""
    cycle = lifecycle_of(obj)
    step = cycle.step(obj, action) or cycle.steps_named(action)[0]
    if step.rule:
        from portal.auth import policy

        policy.require(actor, step.rule, obj,
                       audit_action=audit_action or step.audit or f"{cycle.name}.{action}")
    return cycle.expect(obj, action)


def transition(actor, obj, action: str, *, target: enum.Enum | None = None,
               message: str = "", data: dict | Callable[[], dict] | None = None,
               audit_action: str = "", public: bool = True) -> Step:
    """Take `action` on `obj`: check the policy rule and the table, set the state (to
    `target` when the step has a choice), add the timeline event, record the audit event
    with the states before and after (and `data`; a function is called once the state is
    set, for figures that depend on it). Does not commit.

    Raises PermissionDenied or InvalidTransition; nothing has changed when it does."""
    from portal import audit

    cycle = lifecycle_of(obj)
    step = check(actor, obj, action, audit_action=audit_action)
    source = cycle.state_of(obj)
    new = _target(step, source, target)
    if cycle.before_change is not None:
        cycle.before_change(actor, obj)
    cycle.put(obj, new)
    if cycle.stamp:
        setattr(obj, cycle.stamp, utcnow())
    name = audit_action or step.audit or f"{cycle.name}.{action}"
    if callable(data):
        data = data()
    if cycle.event is not None:
        cycle.event(actor, obj, name, message, data, public)
    audit.record(actor, name, obj,
                 before={cycle.state: source.value},
                 after={cycle.state: new.value, **(data or {})}, message=message)
    return step


def _target(step: Step, source: enum.Enum, target: enum.Enum | None) -> enum.Enum:
    if target is None:
        if len(step.target) > 1:
            raise ValueError(f"{step.action}: choose one of {step.target}")
        return step.target[0] if step.target else source
    if target not in step.target:
        raise ValueError(f"{step.action} cannot lead to {target}")
    return target


# --- the tables, and the diagrams drawn from them -------------------------------------

TABLES = (
    "portal.disclosures.lifecycle",
    "portal.villages.lifecycle",
    "portal.inquiries.lifecycle",
    "portal.inspection.lifecycle",
    "portal.consultations.lifecycle",
    "portal.execution.lifecycle",
    "portal.enforcement.lifecycle",
    "portal.disputes.lifecycle",
)


def load_all() -> list[Lifecycle]:
    """Every table, in the order of TABLES (the order of the docs)."""
    import importlib

    return [value for name in TABLES for value in vars(importlib.import_module(name)).values()
            if isinstance(value, Lifecycle)]


def _label(state: enum.Enum) -> str:
    return getattr(state, "label", state.value)


def mermaid(cycle: Lifecycle) -> str:
    """A Mermaid `stateDiagram-v2` of the table: one arrow per (source, target) of a step,
    labelled with the step and the rule that says who may take it."""
    lines = ["stateDiagram-v2"]
    for state in cycle.states:
        lines.append(f"    {state.value}: {_label(state)}")
    for state in cycle.initial:
        lines.append(f"    [*] --> {state.value}")
    for step in cycle.steps:
        who = step.who or step.rule
        for source in step.source:
            for target in step.target or (source,):
                lines.append(f"    {source.value} --> {target.value}: {step.label} ({who})")
    return "\n".join(lines)


def table(cycle: Lifecycle) -> Iterable[str]:
    yield "| 从 | 操作 | 到 | 谁（权限规则） |"
    yield "|---|---|---|---|"
    for step in cycle.steps:
        sources = " / ".join(_label(s) for s in step.source)
        targets = " / ".join(_label(s) for s in step.target) or "（不变）"
        who = f"`{step.rule}`" if step.rule else ""
        who = "，".join(x for x in (step.who, who) if x)
        yield f"| {sources} | {step.label}（`{step.action}`） | {targets} | {who} |"


def document() -> str:
    """The text of docs/lifecycles.md."""
    parts = ["# 状态流转（lifecycles）", "",
             "本文件由 `flask docs lifecycles` 根据 `portal/*/lifecycle.py` 中的状态流转表生成，"
             "请勿手工修改。", ""]
    for cycle in load_all():
        parts += [f"## {cycle.title}（`{cycle.name}`）", ""]
        for note in cycle.notes:
            parts += [note, ""]
        parts += ["```mermaid", mermaid(cycle), "```", "", *table(cycle), ""]
    return "\n".join(parts)

"""The transition tables: every step names a real access rule, every state can be reached,
`transition()` refuses whatever the table does not list and changes nothing, and the
diagrams in docs/lifecycles.md are the ones the tables draw."""

from __future__ import annotations

import pytest

from portal.auth import policy
from portal.auth.system import SystemActor
from portal.docs_cli import lifecycles_path
from portal.errors import InvalidTransition
from portal.lifecycle import document, load_all, transition

CYCLES = load_all()


@pytest.fixture(params=CYCLES, ids=lambda c: c.name)
def cycle(request):
    return request.param


def test_every_step_names_an_access_rule(cycle):
    policy._load_rules()
    for step in cycle.steps:
        if step.rule:
            assert (cycle.model, step.rule) in policy._RULES, (cycle.name, step.rule)
        else:
            assert step.who, f"{cycle.name}.{step.action} says neither rule nor who"


def test_every_state_is_reachable_from_an_initial_one(cycle):
    assert cycle.reachable() == set(cycle.states)


def test_every_step_leads_somewhere_in_its_own_states(cycle):
    for step in cycle.steps:
        assert step.source and all(s in cycle.states for s in step.source + step.target)


def _record_in(cycle, state):
    record = cycle.model()
    cycle.put(record, state)
    return record


def test_transition_refuses_every_step_the_table_does_not_list(app, cycle):
    actions = {step.action for step in cycle.steps}
    for state in cycle.states:
        for action in sorted(actions):
            record = _record_in(cycle, state)
            if cycle.can(record, action):
                continue
            with pytest.raises(InvalidTransition) as refused:
                transition(SystemActor(), record, action)
            assert cycle.state_of(record) is state
            assert f"“{state.label}”" in refused.value.message


def test_policy_offers_a_button_only_where_the_table_has_the_step(cycle):
    for step in cycle.steps:
        if not step.rule:
            continue
        when = policy._STATES.get((cycle.model, step.rule))
        assert when is not None, f"{cycle.name}: rule {step.rule!r} has no when="
        for state in cycle.states:
            if state not in cycle.sources(step.rule):
                assert not when(_record_in(cycle, state)), (step.rule, state)


def test_the_docs_are_generated_from_the_tables(app):
    assert lifecycles_path().read_text(encoding="utf-8") == document(), \
        "docs/lifecycles.md is out of date: run `flask docs lifecycles`"


def test_the_command_writes_and_checks_the_docs(app, runner, tmp_path, monkeypatch):
    target = tmp_path / "lifecycles.md"
    monkeypatch.setattr("portal.docs_cli.lifecycles_path", lambda: target)
    assert runner.invoke(args=["docs", "lifecycles", "--check"]).exit_code == 1
    assert runner.invoke(args=["docs", "lifecycles"]).exit_code == 0
    assert runner.invoke(args=["docs", "lifecycles", "--check"]).exit_code == 0
    assert "stateDiagram-v2" in target.read_text(encoding="utf-8")

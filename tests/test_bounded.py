"""Parsers of untrusted files run in a forked child, stopped past a time or memory budget
(portal.bounded)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import bounded
from portal.bounded import Budget, BudgetExceeded, ChildFailed
from portal.extensions import db
from portal.organizations.models import Organization

MB = 1024 * 1024
BUDGET = Budget(seconds=5, memory_bytes=64 * MB)


def _double(value: int) -> int:
    return value * 2


def _refuse(message: str) -> None:
    raise ValueError(message)


def _spin() -> None:
    while True:
        pass


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _allocate_slowly(step: int) -> int:
    kept = [bytearray(step) for _ in range(10_000)]
    return len(kept)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would


def _collect_garbage() -> int:
    gc.collect()
    return os.getpid()


def test_the_result_comes_back_from_another_process():
    assert bounded.run(_double, 21, budget=BUDGET) == 42
    assert bounded.run(os.getpid, budget=BUDGET) != os.getpid()


def test_the_childs_exception_is_raised_here():
    with pytest.raises(ValueError, match="无法读取"):
        bounded.run(_refuse, "无法读取", budget=BUDGET)


@pytest.mark.parametrize("work, args", [(_spin, ()), (_sleep, (60,))])
def test_a_child_past_its_time_is_stopped(work, args):
    start = time.monotonic()
    with pytest.raises(BudgetExceeded) as exceeded:
        bounded.run(work, *args, budget=Budget(seconds=0.5, memory_bytes=64 * MB))

    assert time.monotonic() - start < 2
    assert exceeded.value.resource == "time"
    assert exceeded.value.reason("转换") == "无法在 0.5 秒内完成转换"
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("work, args", [(_allocate, (512 * MB,)),
                                        (_allocate_slowly, (64 * 1024,))])
def test_a_child_past_its_memory_is_stopped(work, args):
    with pytest.raises(BudgetExceeded) as exceeded:
        bounded.run(work, *args, budget=BUDGET)

    assert exceeded.value.resource == "memory"
    assert exceeded.value.reason("转换") == "转换所需内存超过 64 MB"


def test_memory_within_the_budget_is_fine():
    assert bounded.run(_allocate, 16 * MB, budget=BUDGET) == 16 * MB


def test_a_child_that_dies_is_a_failure_not_a_hang():
    with pytest.raises(ChildFailed):
        bounded.run(_die, budget=BUDGET)


class _Witness:
    """Cyclic garbage that writes which process finalized it."""

    def __init__(self, path: Path):
        self.path = path
        self.cycle = self

    def __del__(self):
        self.path.write_text(str(os.getpid()))


def test_the_child_leaves_the_parents_objects_alone(tmp_path):
    """Garbage the parent has not collected yet (a pooled connection, say) is not
    finalized by the child, whose collector sees only what the child made."""
    witness = tmp_path / "finalized-by"
    gc.disable()
    try:
        _Witness(witness)
        child = bounded.run(_collect_garbage, budget=BUDGET)
        assert not witness.exists()
    finally:
        gc.enable()
    gc.collect()
    assert witness.read_text() == str(os.getpid()) != str(child)


def test_the_parents_database_connection_keeps_working(app, orgs):
    town = db.session.scalar(select(Organization).where(Organization.slug == "shuangta"))
    for _ in range(3):
        assert bounded.run(_double, 1, budget=BUDGET) == 2
    town.name = "双塔镇（改）"
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Organization.name).where(Organization.id == town.id)) \
        == "双塔镇（改）"


def test_the_budget_for_imports_comes_from_the_settings(app):
    app.config.update(IMPORT_TIME_LIMIT_SECONDS=3, IMPORT_MEMORY_LIMIT_BYTES=100 * MB)
    assert Budget.for_imports() == Budget(seconds=3, memory_bytes=100 * MB)

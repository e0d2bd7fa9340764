"""Run a parser of an untrusted file in a child process with a time and a memory budget.

A Word document or a spreadsheet can be small and still make its parser run for minutes
or fill the memory (mammoth rescans every open field of a document for each run of text:
quadratic). In a sync worker that holds the worker, on SQLite the write lock with it, and
past gunicorn's timeout the worker is killed. So the parse runs in a forked child:

- `run(function, *args, budget=..., **kwargs)` returns what `function` returned, raises
  what it raised, or raises BudgetExceeded when the child took longer than
  `budget.seconds` (it is killed) or more than `budget.memory_bytes` of address space on
  top of what the worker had (RLIMIT_AS: allocations fail, MemoryError). A child that
  dies without an answer (a signal, a crash in a C library) raises ChildFailed.
- The child runs only `function`, a pure parser that takes bytes and returns plain data:
  no database, no Flask. It inherits the worker's database connections and must not
  touch them, not even by finalizing them: the collector is frozen across the fork, so
  the child collects only what it made itself, and the child ends with `os._exit`
  (multiprocessing's fork start method), so no atexit handler or finalizer of the worker
  runs in it.
- A CPU-time limit a second past the budget ends the child even if the worker that
  waits for it is gone; core dumps are off.

The budget for imports is IMPORT_TIME_LIMIT_SECONDS and IMPORT_MEMORY_LIMIT_BYTES.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from flask import current_app

from portal.attachments.storage import format_size

T = TypeVar("T")
_FORK = multiprocessing.get_context("fork")
# How long a child that answered, or was killed, is given to exit.
_EXIT_SECONDS = 1
# A child whose peak address space came this close to its limit ran out of memory, even
# when the failure surfaced as something else (an XML parser's "out of memory").
_MEMORY_SLACK = 4 * 1024 * 1024


@dataclass(frozen=True)
class Budget:
    seconds: float
    memory_bytes: int

    @classmethod
    def for_imports(cls) -> Budget:
        """The budget for converting an uploaded document (Word import, finance table)."""
        config = current_app.config
        return cls(config["IMPORT_TIME_LIMIT_SECONDS"], config["IMPORT_MEMORY_LIMIT_BYTES"])


class BudgetExceeded(Exception):
    """The child was stopped: it needed more time or memory than its budget."""

    def __init__(self, budget: Budget, resource: Literal["time", "memory"]):
        super().__init__(f"{resource} budget exceeded ({budget})")
        self.budget = budget
        self.resource = resource

    def reason(self, doing: str) -> str:
        """The reason in Chinese, for a message: "无法在 10 秒内完成转换" or
        "转换所需内存超过 256 MB" for doing="转换"."""
        if self.resource == "time":
            return f"无法在 {self.budget.seconds:g} 秒内完成{doing}"
        return f"{doing}所需内存超过 {format_size(self.budget.memory_bytes)}"


class ChildFailed(RuntimeError):
    """The child ended without an answer."""


def run(function: Callable[..., T], /, *args: Any, budget: Budget, **kwargs: Any) -> T:
    """Call `function(*args, **kwargs)` in a forked child within `budget`.

    Raises BudgetExceeded, ChildFailed, or whatever `function` raised (its exceptions and
    its result must pickle)."""
    receiver, sender = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_child, args=(sender, function, args, kwargs, budget),
                          daemon=True)
    gc.freeze()  # the child's collector must not finalize the worker's objects
    try:
        child.start()
    finally:
        gc.unfreeze()
        sender.close()
    outcome, value = "late", None
    try:
        if receiver.poll(budget.seconds):
            outcome, value = _receive(receiver)
    finally:
        receiver.close()
        _stop(child, at_once=outcome == "late")
    if outcome == "ok":
        return value
    if outcome == "error":
        raise value
    if outcome == "memory":
        raise BudgetExceeded(budget, "memory")
    if outcome == "late" or child.exitcode == -signal.SIGXCPU:
        raise BudgetExceeded(budget, "time")
    raise ChildFailed(f"the child ended without an answer (exit code {child.exitcode})")


def _receive(receiver) -> tuple[str, Any]:
    try:
        return receiver.recv()
    except EOFError:
        return "died", None
    except Exception as error:  # an exception whose class cannot be rebuilt from its args
        return "error", ChildFailed(f"the child's answer could not be read: {error!r}")


def _stop(child, *, at_once: bool) -> None:
    """Wait for a child that answered (it is exiting); kill one that did not."""
    if not at_once:
        child.join(_EXIT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join(_EXIT_SECONDS)


def _child(sender, function, args, kwargs, budget: Budget) -> None:
    _leave_the_workers_signals()
    limit = _limit_resources(budget)
    try:
        outcome = ("ok", function(*args, **kwargs))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:
        outcome = ("memory", None) if _came_near(limit) else ("error", error)
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None))
    except Exception as error:  # a result or exception that does not pickle
        sender.send(("error", ChildFailed(f"the child's answer could not be sent: {error!r}")))


def _leave_the_workers_signals() -> None:
    """gunicorn's handlers (and its wake-up pipe) belong to the worker; the child takes
    the defaults, so SIGTERM ends it."""
    with contextlib.suppress(ValueError):  # only the main thread may; others set none
        signal.set_wakeup_fd(-1)
        for number in signal.valid_signals():
            if callable(signal.getsignal(number)):
                signal.signal(number, signal.SIG_DFL)


def _limit_resources(budget: Budget) -> int | None:
    """Set the child's limits; the address-space limit set, if any."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu_seconds = math.ceil(budget.seconds) + 1
    _lower(resource.RLIMIT_CPU, cpu_seconds)
    size = _address_space()
    if size is None:  # no /proc: the memory budget cannot be measured against anything
        return None
    return _lower(resource.RLIMIT_AS, size + budget.memory_bytes)


def _lower(kind: int, wanted: int) -> int:
    soft, hard = resource.getrlimit(kind)
    limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(kind, (limit, hard))
        return limit
    return soft


def _address_space() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _came_near(limit: int | None) -> bool:
    if limit is None:
        return False
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024 >= limit - _MEMORY_SLACK
    return False

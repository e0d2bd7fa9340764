"""Noticing that the database under the kept pages was replaced.

A kept page (in a worker's memory or in the instance folder's files) is current when the
versions of its tags are those it was rendered under. That holds only within one
database's history: a backup restored by other means than `flask restore`, or a database
made afresh at the same address, starts its versions over, and a page kept for the
database it replaced can then meet the same numbers for other content — a document
withdrawn in the restored copy would be served again.

In one history the public content version `(version, changed_epoch)` only moves forward,
and every change moves both (`version.bump`: the epoch at least one second past the one
before). So a state that can neither follow nor precede the last one seen — the same version at
another moment, or a lower version at a later moment — is another history. A state that
precedes it is let be: another thread read it a moment earlier, or a restored copy has
not changed yet (its tags' versions are then at most those of the kept pages, and a page
whose tags all still match shows what the copy holds). The copy's first change gives it
away: a version the portal has seen already, at a later moment.

Each process remembers the last state it read; the instance folder remembers the
furthest any process got (`lineage`, two numbers), for the processes started later. On
another history every kept page is dropped: this worker's memory, and the files of every
worker.

A replacement is caught the first time the portal reads a version that cannot follow.
A copy that has already moved past the furthest state seen (more changes than the one it
replaced, made before the portal reads it) looks like a continuation; `flask restore`
drops the files itself, and the README asks for the same after any other replacement.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

State = tuple[int, int]  # (version, changed_epoch)
MARK = "lineage"


def follows(earlier: State, later: State) -> bool:
    """Whether `later` can come after `earlier` in one database's history."""
    if later[0] == earlier[0]:
        return later[1] == earlier[1]
    return later[0] > earlier[0] and later[1] > earlier[1]


class Lineage:
    """Watches the states a process reads; calls `on_replaced` when one cannot follow."""

    def __init__(self, folder: Path | None, on_replaced: list[Callable[[], None]]) -> None:
        self.folder = folder  # the page files' folder, or None when they are not shared
        self.on_replaced = on_replaced
        self._seen: State | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def see(self, state: State) -> None:
        """Note a state just read from the database (cheap when nothing moved)."""
        if state == self._seen and self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # a forked worker starts from what the host saw
                self._seen, self._pid = self._read_mark(), os.getpid()
            seen = self._seen
            if seen is not None and not follows(seen, state):
                if follows(state, seen):
                    return  # read before the state seen (another thread), or a copy of it
                log.warning("content version went from %s to %s: the database was replaced; "
                            "dropping every kept page", seen, state)
                self._replaced()
            self._seen = state
            self._write_mark(state)

    def _replaced(self) -> None:
        for forget in self.on_replaced:
            forget()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _read_mark(self) -> State | None:
        if self.folder is None:
            return None
        try:
            version, changed = (self.folder / MARK).read_text().split()
            return int(version), int(changed)
        except (OSError, ValueError):
            return None

    def _write_mark(self, state: State) -> None:
        """Record `state` as the furthest seen, unless another process got further."""
        if self.folder is None:
            return
        mark = self._read_mark()
        if mark is not None and state != mark and follows(state, mark):
            return  # another worker has read a later state already
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(handle, "w") as file:
                file.write(f"{state[0]} {state[1]}\n")
            os.replace(temporary, self.folder / MARK)
        except OSError:
            log.debug("lineage mark not written", exc_info=True)

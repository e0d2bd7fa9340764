"""A word in shared memory that tells every process on this host whether public content
may have changed since it last read the content version.

Every page served from the cache first reads the content version (`version.VersionReader`).
On SQLite that is a few microseconds; on PostgreSQL it is a round trip to another process,
and on a small machine it is most of what a cached page costs. A reader may skip it only
when no change can have committed since its last read, and this word says so:

- Before a transaction bumps the content version (`version.bump`), the writing process
  adds one to the count of changes in flight and one to the epoch (`begin`). When the
  connection goes back to the pool, committed or rolled back, it takes one from the count
  and adds one to the epoch again (`end`, from the pool's checkin event).
- A reader notes the word before it reads the version. It may reuse that version while
  the word is unchanged and showed nothing in flight: a change that committed since would
  have moved the word before it committed.

What the word cannot see is bounded instead: a writer on another host, or one reaching the
database by another URL, or a database replaced underneath. A reader goes to the database
at least every READ_AT_LEAST_EVERY seconds whatever the word says, so such a change shows
within a second, as through nginx's one-second microcache (PROXY_CACHE_SECONDS). Deployments
where another host writes the same database can set PAGE_CACHE_WRITE_SIGNAL = False.

A writer killed mid-transaction leaves its count behind. Its slot names its pid, and a
reader that finds changes in flight sweeps, at most every SWEEP_SECONDS, the counts of
processes that no longer exist. Until then, or when the file cannot be used, every read
goes to the database, as without the word.

Layout, native byte order: the word (`epoch << 16 | in_flight`) at offset 0, then SLOTS
slots of (pid, count). The word is 8 bytes at an aligned address, read and written as one
machine access (struct's native `Q` copies it whole), so no reader sees half a write. The
slots and the word change only under an exclusive flock, taken by one thread at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import struct
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

READ_AT_LEAST_EVERY = 1.0  # seconds
SWEEP_SECONDS = 5.0
SLOTS = 255
COUNT_BITS = 16
COUNT_MASK = (1 << COUNT_BITS) - 1
_WORD = struct.Struct("Q")  # native: one aligned 8-byte access
_SLOT = struct.Struct("qq")  # pid, count
SIZE = _WORD.size + SLOTS * _SLOT.size + 8  # one page
_RECORD_KEY = "portal_write_signal"


def idle(word: int) -> bool:
    """Whether a word shows no change in flight."""
    return word & COUNT_MASK == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class WriteSignal:
    """The shared word of one database, in a file of the instance folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        self._inode: int | None = None
        self._next_sweep = 0.0

    # -- reading -----------------------------------------------------------------------

    def word(self) -> int | None:
        """The word now, or None when the file cannot be used (then read the database)."""
        mapped = self._mapped()
        return None if mapped is None else _WORD.unpack_from(mapped, 0)[0]

    def check_file(self) -> None:
        """Map the file again if it was removed or replaced (called about once a second,
        when the database is read anyway): a writer opening it afresh writes to the new
        file, which a reader still mapping the old one would never see."""
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            inode = None
        if inode != self._inode and self._pid == os.getpid():
            self._pid = None  # remapped on next use

    def sweep(self) -> None:
        """Drop the counts in flight of processes that no longer exist (at most every
        SWEEP_SECONDS per process)."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_SECONDS
        with self._changing() as mapped:
            if mapped is None:
                return
            dropped = 0
            for index in range(SLOTS):
                offset = _WORD.size + index * _SLOT.size
                pid, count = _SLOT.unpack_from(mapped, offset)
                if count > 0 and not _alive(pid):
                    log.warning("process %s ended with %s public change(s) in flight; "
                                "dropping them from the cache signal", pid, count)
                    dropped += count
                    _SLOT.pack_into(mapped, offset, 0, 0)
            if dropped:
                self._move(mapped, -dropped)

    # -- writing -----------------------------------------------------------------------

    def begin(self, record_info: dict) -> None:
        """A change to public content is about to commit on the connection whose pool
        entry keeps `record_info`; `end` runs when that connection goes back to the pool.
        Counted once per checkout, however many flushes bump the version."""
        if _RECORD_KEY in record_info:
            return
        with self._changing() as mapped:
            if mapped is None:
                return
            self._count(mapped, +1)
            self._move(mapped, +1)
        record_info[_RECORD_KEY] = (self, os.getpid())

    def touch(self) -> None:
        """Move the epoch with nothing in flight: every reader reads the database again
        (after a restore, which replaces the database under the readers)."""
        with self._changing() as mapped:
            if mapped is not None:
                self._move(mapped, 0)

    def end(self) -> None:
        with self._changing() as mapped:
            if mapped is None:
                return
            self._count(mapped, -1)
            self._move(mapped, -1)

    def release(self) -> None:
        """Close this process's mapping and descriptor (gunicorn's master, before it forks:
        it holds no file of the database); the next use opens them again."""
        with self._lock:
            if self._pid == os.getpid():
                if self._map is not None:
                    self._map.close()
                if self._fd is not None:
                    os.close(self._fd)
            self._pid, self._map, self._fd, self._inode = None, None, None, None

    # -- the file ----------------------------------------------------------------------

    def _mapped(self) -> mmap.mmap | None:
        if self._pid != os.getpid():
            self._open()
        return self._map

    def _open(self) -> None:
        """Open and map the file in this process (never a descriptor inherited through a
        fork: flock locks belong to the open file, so forked workers would share one)."""
        self._pid, self._map, self._fd, self._inode = os.getpid(), None, None, None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            log.warning("cache signal %s unusable; reading the content version every time",
                        self.path, exc_info=True)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.fstat(fd).st_size < SIZE:
                    os.ftruncate(fd, SIZE)  # zeros: epoch 0, nothing in flight
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, SIZE)
            self._fd, self._inode = fd, os.fstat(fd).st_ino
        except OSError:
            os.close(fd)
            log.warning("cache signal %s unusable; reading the content version every time",
                        self.path, exc_info=True)

    @contextlib.contextmanager
    def _changing(self):
        with self._lock:
            mapped = self._mapped()
            if mapped is None:
                yield None
                return
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield mapped
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    @staticmethod
    def _move(mapped: mmap.mmap, in_flight: int) -> None:
        """Advance the epoch and change the count in flight, in one store."""
        word = _WORD.unpack_from(mapped, 0)[0]
        count = min(max((word & COUNT_MASK) + in_flight, 0), COUNT_MASK)
        _WORD.pack_into(mapped, 0, (((word >> COUNT_BITS) + 1) << COUNT_BITS) | count)

    @staticmethod
    def _count(mapped: mmap.mmap, change: int) -> None:
        """Change this process's count in its slot (the first free one if it has none)."""
        pid, free = os.getpid(), None
        for index in range(SLOTS):
            offset = _WORD.size + index * _SLOT.size
            owner, count = _SLOT.unpack_from(mapped, offset)
            if owner == pid and (count > 0 or change > 0):
                _SLOT.pack_into(mapped, offset, pid, max(count + change, 0))
                return
            if free is None and count == 0:
                free = offset
        if change > 0 and free is not None:
            _SLOT.pack_into(mapped, free, pid, change)
        # With every slot taken the count stays in the word alone: no sweep can drop it,
        # so readers go to the database until this process ends it.


def on_checkin(_dbapi_connection, connection_record) -> None:
    """Pool checkin: the transaction that began a change has committed or rolled back."""
    held = connection_record.record_info.pop(_RECORD_KEY, None)
    if held is not None and held[1] == os.getpid():
        held[0].end()


def begin_on(connection, signal: WriteSignal | None) -> None:
    """`signal.begin` for an SQLAlchemy Connection about to commit a public change."""
    if signal is not None:
        signal.begin(connection.connection.record_info)

"""One night at a time per warehouse.

Two nights on one warehouse write the same build folder: one resets a table while the other writes its
parts, and the first to publish can publish articles without their facts, recorded as processed, so that
no later night mends them. A night therefore holds an advisory lock (`flock`) on `<warehouse>/.lock` from
its first step to its last, and a second night fails at once with a clear message. The kernel releases
the lock when the holding process ends, however it ends (`kill -9` included): no stale lock to clear.
Standard library only: `factwire run` takes it before importing anything heavy.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".lock"
# A probe (`holder`) takes the lock shared for an instant: a night starting in that instant waits it out.
_PATIENCE_SECONDS = 1.0

_held: set[Path] = set()  # the lock files this process holds


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's night lock."""


def _path(warehouse_dir: Path) -> Path:
    return (warehouse_dir / LOCK_FILE).resolve()


def _describe(fd: int) -> str:
    """The holder's line (pid, start time), as it wrote it."""
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "holder unknown"
    except OSError:
        return "holder unknown"


@contextmanager
def night_lock(warehouse_dir: Path) -> Iterator[None]:
    """Hold the warehouse for a night; raise WarehouseBusy if another process holds it. Re-entrant within
    a process (`factwire run` takes it, then the run's resource asks again)."""
    path = _path(warehouse_dir)
    if path in _held:  # the outer block lets it go
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + _PATIENCE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"a factwire night is already running on {warehouse_dir} ({_describe(fd)}); "
                        "this one did nothing: run it again when that one ends"
                    ) from None
                time.sleep(0.05)
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {started}\n".encode(), 0)
        _held.add(path)
        try:
            yield
        finally:
            _held.discard(path)
    finally:
        os.close(fd)  # releases the lock


def holder(warehouse_dir: Path) -> str | None:
    """Who holds the warehouse (the holder's line) while a night runs, else None. Takes the lock shared for
    an instant, never waits; a process holding it itself gets None."""
    path = _path(warehouse_dir)
    if path in _held or not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _describe(fd)
        return None
    finally:
        os.close(fd)

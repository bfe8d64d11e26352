"""pipeline.nightlock: one night at a time per warehouse, released however its holder ends."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from pipeline.nightlock import LOCK_FILE, WarehouseBusy, holder, night_lock
from tests.conftest import night_held_elsewhere


def test_a_second_night_is_refused_and_told_who_holds_the_warehouse(tmp_path: Path) -> None:
    with night_held_elsewhere(tmp_path) as pid:
        assert holder(tmp_path) is not None and f"pid {pid}," in holder(tmp_path)
        with pytest.raises(WarehouseBusy, match=f"already running on {tmp_path} \\(pid {pid}, since "), \
                night_lock(tmp_path):
            pytest.fail("the lock was given twice")
    with night_lock(tmp_path):  # free again once its holder ended
        assert holder(tmp_path) is None  # this process holds it: no other night is running


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    with night_held_elsewhere(tmp_path) as pid:
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while holder(tmp_path) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder(tmp_path) is None
        with night_lock(tmp_path):
            assert f"pid {os.getpid()}," in (tmp_path / LOCK_FILE).read_text()


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    with night_lock(tmp_path), night_lock(tmp_path):  # `factwire run`, then its run's resource
        pass
    with night_lock(tmp_path):  # the outer block let it go
        pass


def test_a_night_waits_out_a_probe_instead_of_failing(tmp_path: Path) -> None:
    """`holder` takes the lock shared for an instant (the sensor asks it every tick): a night starting in
    that instant waits for it instead of reporting a night that is not running."""
    with night_lock(tmp_path):
        pass  # the lock file exists
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    threading.Timer(0.3, os.close, (fd,)).start()
    with night_lock(tmp_path):
        pass

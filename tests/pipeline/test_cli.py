"""The command line: a reader that stops early is not an error; a small night's polars pool; one night at a
time per warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.cli import EXIT_BUSY
from pipeline.config import PROJECT_ROOT
from tests.conftest import night_held_elsewhere


def test_output_into_a_closed_pipe_exits_quietly(seed_warehouse: Path) -> None:
    """`factwire sql ... | head -1`: the reader closes the pipe; no traceback, the exit status of SIGPIPE."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "sql", "--warehouse", str(seed_warehouse), "--format", "csv",
         "select range from range(200000)"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == b"range"
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141, err
    assert b"Traceback" not in err


def _printed(script: str, **env: str) -> list[str]:
    """What a fresh interpreter (polars not imported yet) prints after `script`, POLARS_MAX_THREADS as
    given in `env` or unset."""
    base = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env={**base, **env},
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def test_a_small_nights_run_process_has_one_polars_thread_and_its_children_the_default() -> None:
    default = _printed("import polars; print(polars.thread_pool_size())")
    script = ("import os, subprocess, sys\n"
              "from pipeline.cli import _polars_on_one_thread\n"
              "_polars_on_one_thread()\n"
              "import polars\n"
              "child = subprocess.run([sys.executable, '-c', 'import polars; print(polars.thread_pool_size())'],"
              " capture_output=True, text=True).stdout.strip()\n"
              "print(polars.thread_pool_size(), child, os.environ.get('POLARS_MAX_THREADS', '-'))")
    assert _printed(script) == ["1", *default, "-"]
    # a setting of the user's own is theirs: kept, for this process and its children
    assert _printed(script, POLARS_MAX_THREADS="3") == ["3", "3", "3"]


def test_run_leaves_a_warehouse_another_night_holds_alone(seed_raw_dir: Path, tmp_path: Path) -> None:
    """A second `factwire run` on a warehouse whose night is running exits at once with EX_TEMPFAIL and a
    message naming the holder, having written nothing (two nights in one build folder published articles
    without their facts)."""
    warehouse = tmp_path / "wh"
    with night_held_elsewhere(warehouse) as pid:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(seed_raw_dir), "--warehouse", str(warehouse)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == EXIT_BUSY, done.stderr
    assert f"a factwire night is already running on {warehouse} (pid {pid}, since" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in warehouse.iterdir()) == [".lock"]

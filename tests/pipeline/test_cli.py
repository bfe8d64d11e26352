"""The command line: a reader that stops early is not an error; a small night's polars pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT


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

"""The command line: a reader that stops early is not an error."""

from __future__ import annotations

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

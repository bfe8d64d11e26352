"""assets.compute_logs: a run's stdout and stderr go to Dagster's log files and on to the terminal, from a
thread of the process instead of `tail` subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets.compute_logs import FactwireComputeLogManager, mirrored
from pipeline.cli import dagster_home
from pipeline.config import load_settings


def test_what_a_stream_gets_goes_to_the_file_and_on_to_where_the_stream_pointed(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "step.err"
    with (tmp_path / "terminal").open("w") as terminal:
        terminal.write("before\n")
        with mirrored(terminal, str(log)):
            terminal.write("from python\n")
            terminal.flush()
            os.write(terminal.fileno(), b"from a library, below python\n")
        terminal.write("after\n")
    assert log.read_text() == "from python\nfrom a library, below python\n"
    assert (tmp_path / "terminal").read_text() == "before\nfrom python\nfrom a library, below python\nafter\n"


def test_a_stream_without_a_descriptor_is_left_as_it_is(tmp_path: Path) -> None:
    class NoDescriptor:
        def fileno(self) -> int:
            raise OSError("no descriptor")

    with mirrored(NoDescriptor(), str(tmp_path / "x.out")):  # type: ignore[arg-type]
        pass
    assert not (tmp_path / "x.out").exists()


@dg.asset
def noisy() -> None:
    print("a line on stdout")
    print("a line on stderr", file=sys.stderr)


def test_a_run_on_the_factwire_instance_captures_its_output_without_a_subprocess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    home = dagster_home(load_settings(tmp_path / "raw", tmp_path / "wh"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    def no_subprocess(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.compute_log_manager, FactwireComputeLogManager)
        result = dg.materialize([noisy], instance=instance)
        assert result.success
        logs = list((home / "storage" / result.run_id / "compute_logs").iterdir())
    out = next(p for p in logs if p.suffix == ".out").read_text()
    err = next(p for p in logs if p.suffix == ".err").read_text()
    assert "a line on stdout" in out and "a line on stderr" in err
    assert any(p.suffix == ".complete" for p in logs)  # Dagster's mark of a finished capture
    shown = capfd.readouterr()
    assert "a line on stdout" in shown.out and "a line on stderr" in shown.err  # mirrored to the terminal

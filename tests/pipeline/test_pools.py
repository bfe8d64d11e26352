"""Process pools: results in input order with bounded work in flight; workers that exit without teardown."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import Executor

from pipeline import pools
from pipeline.config import PROJECT_ROOT


def _square(x: int) -> int:
    return x * x


def test_bounded_map_keeps_input_order_and_a_window() -> None:
    submitted: list[int] = []

    class Recording(pools.InProcess):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
            submitted.append(args[0])
            return super().submit(fn, *args, **kwargs)

    seen = []
    for item, result in pools.bounded_map(Recording(), _square, range(5), window=2):
        seen.append((item, result))
        assert len(submitted) - len(seen) <= 2  # never more than the window ahead of the consumer
    assert seen == [(i, i * i) for i in range(5)]


def test_pool_runs_small_work_in_process_and_larger_work_in_spawned_workers() -> None:
    with pools.pool(workers=2, jobs=1) as ex:
        assert isinstance(ex, pools.InProcess)
    with pools.pool(workers=1, jobs=10) as ex:
        assert isinstance(ex, pools.InProcess)
    with pools.pool(workers=2, jobs=4) as ex:
        assert isinstance(ex, Executor) and not isinstance(ex, pools.InProcess)
        assert [r for _, r in pools.bounded_map(ex, _square, range(4), 2)] == [0, 1, 4, 9]


def test_a_started_worker_exits_without_tearing_the_interpreter_down() -> None:
    """An object alive at exit is never finalised (its __del__ would print), and the exit status is 0."""
    code = textwrap.dedent("""
        import os
        from pipeline.pools import start_worker
        start_worker(None, os.getppid())
        class Loud:
            def __del__(self):
                print("torn down")
        alive = Loud()
        print("done", flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["done"]
    plain = subprocess.run([sys.executable, "-c", code.replace("start_worker(None, os.getppid())", "")],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert plain.stdout.split() == ["done", "torn", "down"]  # the control: without it, teardown runs

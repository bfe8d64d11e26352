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


def test_a_started_worker_validates_without_importing_hypothesis() -> None:
    """pandera's first validation imports hypothesis where it is installed (here: the test suite's
    dependency); a worker skips it, and validation works the same."""
    code = textwrap.dedent("""
        import os, sys
        import polars as pl
        from pipeline.pools import start_worker
        from pipeline.validate import validate_table
        from pipeline.frames import to_frame
        if "start" in sys.argv:
            start_worker(None, os.getppid())
        valid, rejects = validate_table("figures", to_frame("figures", []))
        print(valid.height, rejects.height, sys.modules.get("hypothesis") is not None, flush=True)
    """)
    def run(*argv: str) -> list[str]:
        proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert run("start") == ["0", "0", "False"]
    assert run() == ["0", "0", "True"]  # the control: a plain process imports it


def test_long_lived_freezes_what_it_builds_and_restores_the_collector() -> None:
    """What a process keeps (modules, gazetteer) is built without collections and then frozen: later
    full collections never walk it. Run in a fresh interpreter: freezing is process-wide."""
    code = textwrap.dedent(
        """
        import gc
        from pipeline.pools import long_lived
        collections = []
        gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
        frozen = gc.get_freeze_count()
        with long_lived():
            assert not gc.isenabled()
            kept = [[i] for i in range(100_000)]  # enough allocations to trigger collections if enabled
        assert collections == [] and gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
        gc.disable()
        with long_lived():
            pass
        assert not gc.isenabled()  # a collector the caller had disabled stays disabled
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def _running(pid: int) -> bool:
    """Whether process `pid` exists and has not exited (an exited child not yet reaped is a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_worker_forked_by_the_fork_server_exits_when_its_run_process_is_killed() -> None:
    """The fork server, not the run process, is a forked worker's parent: the worker watches the run
    process itself (a pidfd) and exits at once when it is killed with SIGKILL."""
    import signal
    import time

    code = textwrap.dedent("""
        import os, time
        from pipeline import pools
        ex = pools.fork_pool(1, None, "pipeline.pools")
        print(ex.submit(os.getpid).result(), ex.submit(os.getppid).result(), flush=True)
        time.sleep(60)
    """)
    run = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        worker, parent = map(int, run.stdout.readline().split())  # type: ignore[union-attr]
        assert parent != run.pid  # forked by the server
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 5
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(worker), "the forked worker outlived its killed run process"
    finally:
        if run.poll() is None:
            run.kill()

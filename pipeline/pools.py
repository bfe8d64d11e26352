"""Process pools for the night's batches: spawned workers that follow their run process, and a bounded map;
and the set-up of a long-lived process's heap (`long_lived`).

How batches are spread over processes never decides a row (results are identical for any number of
workers), so this module is not part of the extractor version (pipeline.incremental).
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import select
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any


class InProcess(Executor):
    """An executor that runs each call at once, for one worker or small nights."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def bounded_map(ex: Executor, fn: Callable, items: Iterable, window: int) -> Iterator[tuple[Any, Any]]:
    """(item, fn(item)) in input order, with at most `window` items in flight: memory stays bounded
    by the window, not by the night (Executor.map would submit every batch at once)."""
    pending: deque[tuple[Any, Future]] = deque()
    for item in items:
        pending.append((item, ex.submit(fn, item)))
        if len(pending) >= window:
            head, future = pending.popleft()
            yield head, future.result()
    while pending:
        head, future = pending.popleft()
        yield head, future.result()


@contextmanager
def long_lived() -> Iterator[None]:
    """Build what a process keeps until it exits (imported modules, the gazetteer and lexicons, Dagster's
    definitions and instance) without the cyclic garbage collector, then freeze it: moved to the collector's
    permanent generation, those objects are never walked again. Otherwise every full collection walks all
    of them (an extraction worker holds about 370,000 tracked objects: about 0.1 s a collection); measured,
    a worker's start went from 0.93 s to 0.60 s, and the run process of a small night spent 0.3 s less
    in collections. Objects made later are collected as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def remove_temp_dir() -> None:
    """Remove this process's multiprocessing folder (`pymp-*` in the system's temporary folder, where the
    fork server's socket is), as the interpreter's teardown would: a process that ends with `os._exit`
    (`factwire run`) would leave one behind each night."""
    tempdir = multiprocessing.process.current_process()._config.get("tempdir")
    if tempdir:
        shutil.rmtree(tempdir, ignore_errors=True)


def skip_hypothesis() -> None:
    """Make `import hypothesis` fail in this process. pandera imports hypothesis on its first validation
    when it is installed (the test suite's property tests need it), for data-synthesis strategies that a
    night never uses: 0.08 s in the run process of a night and in each extraction worker. For the
    processes of `factwire run` only: a process that has imported hypothesis keeps it."""
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]


def _exit_with_parent(parent: int) -> None:
    """Exit as soon as process `parent` ends, however it ends: a pidfd turns readable then (a worker forked
    by the fork server is not `parent`'s child, so its own parent pid says nothing). Without pidfds (Linux
    before 5.3), poll the parent pid."""
    try:
        fd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # no pidfd, or `parent` has ended already
        while os.getppid() == parent:
            time.sleep(0.5)
    else:
        select.select([fd], [], [])
    os._exit(1)


def _exit_without_teardown() -> None:
    """The last step of a worker's exit: leave without tearing the interpreter down."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def start_worker(initializer: Callable[[], object] | None, parent: int) -> None:
    """A pool worker's start: watch the run process `parent` (a worker whose run process was killed,
    kill -9 included, exits at once instead of waiting forever for work), skip hypothesis
    (`skip_hypothesis`), then `initializer`, whose objects are frozen as the process's long-lived heap
    (`long_lived`).

    The worker skips the interpreter's teardown when it exits. By then multiprocessing has flushed its
    results to the run process; what is left is freeing every object (an extraction worker's gazetteer
    and lexicons: about 0.5 s of CPU), which on a small night competes with the run's next steps for
    the cores."""
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    atexit.register(_exit_without_teardown)
    skip_hypothesis()
    if initializer is not None:
        with long_lived():
            initializer()


# What the extraction workers' fork server imports: extractors, gazetteer and lexicons, warmed up.
EXTRACTION_PRELOAD = "pipeline.warm"


def start_fork_server(preload: str) -> None:
    """Start, in the background, the process that `fork_pool` forks its workers from, with module
    `preload` imported (for the extraction workers, pipeline.warm: extractors, gazetteer and lexicons
    loaded and warmed up, about 0.6 s of CPU paid once instead of once per worker, and before the workers
    are needed). The module must not import polars: polars' threads do not survive a fork. The server
    ends with this process (multiprocessing closes its pipe). Does nothing when the server runs already."""
    multiprocessing.get_context("forkserver").set_forkserver_preload([preload])  # read only when it starts
    forkserver.ensure_running()


def fork_pool(workers: int, initializer: Callable[[], object] | None, preload: str) -> ProcessPoolExecutor:
    """Like `spawn_pool`, but each worker is forked from the fork server (`start_fork_server(preload)`,
    started here if it is not running). Creating a worker waits for the server's preload: call from a
    thread when that may not be ready yet."""
    start_fork_server(preload)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=start_worker, initargs=(initializer, os.getpid()))


def spawn_pool(workers: int, initializer: Callable[[], object] | None = None) -> ProcessPoolExecutor:
    """`workers` spawned processes, each started by `start_worker`. Spawned, not forked: polars' and
    Dagster's threads make fork deadlock-prone."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_worker, initargs=(initializer, os.getpid()))


@contextmanager
def pool(workers: int, jobs: int, initializer: Callable[[], object] | None = None,
         min_jobs: int = 2) -> Iterator[Executor]:
    """A process pool when there are at least `min_jobs` batches and more than one worker allowed,
    else in process (a spawned worker costs its imports: more than a small night's parsing).
    The extraction workers load the gazetteer and lexicons once (`initializer`), in parallel, before
    their first batch."""
    if workers <= 1 or jobs < max(1, min_jobs):
        yield InProcess()
        return
    ex = spawn_pool(min(workers, jobs), initializer)
    try:
        yield ex
    finally:
        # Every result has been collected: the workers exit while the night goes on.
        ex.shutdown(wait=False, cancel_futures=True)

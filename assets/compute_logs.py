"""Dagster's local compute logs (a run's stdout and stderr, shown in the UI) without the four subprocesses
Dagster's own manager starts for each capture.

Dagster's `LocalComputeLogManager` points the process's stdout and stderr at files, and shows what they
gain on the terminal by running `tail -F` on each file, plus a Python process per `tail` that ends it if
this process dies. On a small night that is four processes started in the run and ended at its close
(`subprocess` waits for each in a sleep loop: about 25 ms of the run's last step, and 40-60 ms of CPU for
the two Python starts). Here the same files receive the same bytes (the descriptors point at the files,
so nothing written is lost if the process dies), and a thread of this process copies what they gain to
the terminal, every 0.1 s and once more when the capture ends. Reading the logs (the UI) is Dagster's.

`dagster.yaml` selects it with `compute_logs: {module: assets.compute_logs, class: FactwireComputeLogManager}`
and `base_dir` the instance's folder (its logs go where Dagster's default puts them: `<base_dir>/storage`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import IO_TYPE_EXTENSION, LocalComputeLogManager
from dagster._serdes import ConfigurableClassData
from dagster._utils import ensure_file, touch_file

MIRROR_EVERY_SECONDS = 0.1  # how often the terminal is brought up to date (`tail -F`: every second)


class FactwireComputeLogManager(LocalComputeLogManager):
    """`LocalComputeLogManager` whose capture mirrors to the terminal from a thread (`mirrored`)."""

    def __init__(self, base_dir: str, polling_timeout: float | None = None,
                 inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(os.path.join(base_dir, "storage"), polling_timeout, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any) -> Any:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Generator[CapturedLogContext, None, None]:
        out = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDOUT])
        err = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDERR])
        with mirrored(sys.stdout, out), mirrored(sys.stderr, err):
            yield CapturedLogContext(log_key)
        touch_file(self.complete_artifact_path(log_key))  # as Dagster's: the capture is complete


@contextmanager
def mirrored(stream: IO[str], path: str) -> Generator[None, None, None]:
    """Within the block, what is written to `stream`'s descriptor (by Python or by any library) goes to the
    file at `path` (appended), and from there to where the descriptor pointed before. A stream without a
    descriptor (a test's capture) is left as it is."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    ensure_file(path)
    terminal = os.dup(fd)
    with open(path, "ab") as file:
        start = file.seek(0, os.SEEK_END)
        stream.flush()
        os.dup2(file.fileno(), fd)
        stop = threading.Event()
        copier = threading.Thread(target=_copy_new_bytes, args=(path, start, terminal, stop),
                                  name="factwire-compute-log", daemon=True)
        copier.start()
        try:
            yield
        finally:
            stream.flush()
            os.dup2(terminal, fd)
            stop.set()
            copier.join()
            os.close(terminal)


def _copy_new_bytes(path: str, start: int, terminal: int, stop: threading.Event) -> None:
    """Copy what the file gains after `start` to the `terminal` descriptor until `stop` is set, then what it
    gained until then. A terminal that went away (a closed pipe) ends the copy; the file keeps everything."""
    with open(path, "rb") as file:
        file.seek(start)
        while True:
            stopping = stop.wait(MIRROR_EVERY_SECONDS)
            while chunk := file.read(1 << 16):
                view = memoryview(chunk)
                try:
                    while view:
                        view = view[os.write(terminal, view):]
                except OSError:
                    return
            if stopping:
                return

"""Run the nightly job in process: what `factwire run` does (the same graph the schedule runs)."""

import os
from pathlib import Path

import dagster as dg

from assets.definitions import build_defs
from pipeline.config import Settings
from pipeline.pools import long_lived

# The process that runs a `factwire run`: how the next run tells a run in progress from one whose
# process was killed (kill -9, power loss) and so never finished.
RUN_PID_TAG = "factwire/pid"
_UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _running_factwire(pid: int) -> bool:
    """Whether `pid` is a live factwire process (not a later process that reuses the number)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True  # no /proc to ask: alive is the safe answer
    args = cmdline.read_bytes()
    return b"factwire" in args or b"pipeline.cli" in args


def release_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the unfinished runs of `factwire run` whose process is gone, and free the pool slots
    they held. A run killed inside the `warehouse` step keeps that pool's only slot (its limit is 1),
    and the next night would wait for it forever. Returns the ids of the runs released."""
    released = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_UNFINISHED)):
        pid = run.tags.get(RUN_PID_TAG)
        if pid is None or not pid.isdigit() or _running_factwire(int(pid)):
            continue
        instance.report_run_failed(run, f"its factwire process ({pid}) ended before the run did")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def run_nightly(settings: Settings, log_level: str = "INFO") -> bool:
    """Materialize every asset on the DAGSTER_HOME instance (so the run shows in the UI); True on success."""
    with long_lived():  # the definitions and the instance stay until the process exits
        job = build_defs(settings).resolve_job_def("nightly_job")
        instance = dg.DagsterInstance.get()
    with instance:
        release_orphaned_runs(instance)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            tags={RUN_PID_TAG: str(os.getpid())},
        )
    return result.success

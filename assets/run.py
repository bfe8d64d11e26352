"""Run the nightly job in process: what `factwire run` does (the same graph the schedule runs)."""

import dagster as dg

from assets.definitions import build_defs
from pipeline.config import Settings


def run_nightly(settings: Settings, log_level: str = "INFO") -> bool:
    """Materialize every asset on the DAGSTER_HOME instance (so the run shows in the UI); True on success."""
    job = build_defs(settings).resolve_job_def("nightly_job")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )
    return result.success

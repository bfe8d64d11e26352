"""assets.run: a night whose process was killed does not hold the next night up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from assets.definitions import build_defs
from assets.run import RUN_PID_TAG, release_orphaned_runs
from pipeline.config import load_settings


def test_a_killed_runs_warehouse_slot_is_freed_and_a_live_run_is_left_alone(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "factwire"])
    try:
        with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
            job = build_defs(load_settings(tmp_path / "raw", tmp_path / "wh")).resolve_job_def("nightly_job")
            killed = instance.create_run_for_job(job, tags={RUN_PID_TAG: str(dead.pid)})
            running = instance.create_run_for_job(job, tags={RUN_PID_TAG: str(live.pid)})
            storage = instance.event_log_storage
            storage.set_concurrency_slots("warehouse", 1)
            assert storage.claim_concurrency_slot("warehouse", killed.run_id, "warehouse").is_claimed
            assert not storage.claim_concurrency_slot("warehouse", "next-night", "warehouse").is_claimed

            assert release_orphaned_runs(instance) == [killed.run_id]

            assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
            assert instance.get_run_by_id(running.run_id).status == dg.DagsterRunStatus.NOT_STARTED
            assert storage.claim_concurrency_slot("warehouse", "next-night", "warehouse").is_claimed
    finally:
        live.kill()
        live.wait()

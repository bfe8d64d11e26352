"""The nightly job, its schedule, and the sensor that starts a run when raw files change."""


import hashlib
import json

import dagster as dg

from assets.resources import FactwirePaths
from pipeline.incremental import load_previous, previous_manifest
from pipeline.nightly import scan_raw

nightly_job = dg.define_asset_job(
    "nightly_job",
    selection=dg.AssetSelection.all(),
    description="Parse new raw files, extract the fact tables, validate and publish the warehouse.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_schedule",
    target=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    description="Every night at 02:00 UTC.",
)


@dg.sensor(
    name="new_raw_files_sensor",
    target=nightly_job,
    minimum_interval_seconds=300,
    description="Starts the nightly job when files in the raw folder are added, changed or removed.",
)
def new_raw_files_sensor(context: dg.SensorEvaluationContext, paths: FactwirePaths) -> dg.SensorResult:
    """Cursor: {file: sha256}. The run key hashes the whole inventory, so one state runs once."""
    settings = paths.settings()
    # files unchanged (size, mtime) since the published night keep their recorded hash: no re-read
    files = scan_raw(settings.raw_dir, previous_manifest(load_previous(settings.warehouse_dir)))
    current = dict(zip(files["source_path"].to_list(), files["sha256"].to_list(), strict=True))
    previous = json.loads(context.cursor) if context.cursor else {}
    if current == previous:
        return dg.SensorResult(skip_reason="raw folder unchanged", cursor=json.dumps(current, sort_keys=True))
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    changed = sorted(k for k in current.keys() | previous.keys() if current.get(k) != previous.get(k))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"factwire/changed_files": str(len(changed))})],
        cursor=json.dumps(current, sort_keys=True),
    )

"""The nightly job, its schedule, and the sensor that starts a run when raw files change."""


import dagster as dg

from assets.resources import FactwirePaths
from pipeline.incremental import changed_files, inventory_digest, load_previous, previous_manifest, scan_raw
from pipeline.nightlock import holder

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
    """Cursor: a digest of the raw folder's inventory, so one state of the folder runs once; nothing
    runs while the folder matches what the published warehouse was built from, nor while a night is
    running (the cursor is left as it was, so the next tick looks at the folder again)."""
    settings = paths.settings()
    running = holder(settings.warehouse_dir)
    if running is not None:
        return dg.SensorResult(skip_reason=f"a night is running on the warehouse ({running})")
    published = previous_manifest(load_previous(settings.warehouse_dir))
    # files unchanged (size, mtime) since the published night keep their recorded hash: no re-read
    files = scan_raw(settings.raw_dir, published)
    digest = inventory_digest(files)
    if digest == context.cursor:
        return dg.SensorResult(skip_reason="raw folder unchanged since the last tick", cursor=digest)
    changed = changed_files(files, published)
    if not changed:
        return dg.SensorResult(skip_reason="raw folder matches the published warehouse", cursor=digest)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=digest, tags={"factwire/changed_files": str(changed)})],
        cursor=digest,
    )

"""The one entry point: every factwire asset, check, job, schedule, sensor and resource."""


import dagster as dg

from assets import automation, checks, extract, ingest, publish
from assets.resources import FactwirePaths
from pipeline.config import Settings, load_settings


def build_defs(settings: Settings) -> dg.Definitions:
    """Definitions bound to one raw folder and warehouse (the CLI passes its flags through here)."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules([ingest, extract, publish]),
        asset_checks=[*checks.EVIDENCE_CHECKS, checks.warehouse_quality],
        jobs=[automation.nightly_job],
        schedules=[automation.nightly_schedule],
        sensors=[automation.new_raw_files_sensor],
        resources={"paths": FactwirePaths.from_settings(settings)},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs(load_settings())

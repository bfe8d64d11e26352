"""Publish layer: the validated tables become the Parquet datasets and the DuckDB warehouse."""


import dagster as dg

from assets.metadata import OWNERS
from assets.resources import FactwirePaths
from pipeline import staging
from pipeline.publish import publish, version_meta
from schemas import TABLES

UPSTREAM = [table for table in TABLES if table != "rejects"]


@dg.asset(
    deps=UPSTREAM,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    owners=OWNERS,
    pool="warehouse",
    # Publishing touches the file system only; a transient I/O error deserves a second try.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
    description=(
        "factwire.duckdb (tables, views, comments) and one Parquet file per table, swapped in atomically: "
        "readers of the previous version are never blocked nor see a half-written state."
    ),
)
def warehouse(context: dg.AssetExecutionContext, paths: FactwirePaths) -> dg.MaterializeResult:
    """Publish the staged parts as a new warehouse version (a no-op when nothing changed)."""
    settings = paths.settings()
    rejects = staging.read(paths.build_dir(), "rejects")
    result = publish(settings.build_dir, settings.warehouse_dir, version_meta())
    context.log.info(f"published version {result.version}: {result.row_counts}")
    return dg.MaterializeResult(
        metadata={
            "dagster/uri": str(result.duckdb_path),
            "version": result.version,
            "unchanged_version_reused": result.reused,
            "duckdb_updated_by_delta": result.delta,
            "small_parts_merged": dg.MetadataValue.json(result.merged or {}),
            "row_counts": dg.MetadataValue.json(result.row_counts),
            "rejects": rejects.height,
            "rejects_by_stage": dg.MetadataValue.json(
                dict(rejects.group_by("stage").len().sort("stage").iter_rows())
            ),
        }
    )

"""Ingest layer: raw files in the raw folder -> parsed, de-duplicated articles (or rejects)."""

import dagster as dg

from assets.metadata import OWNERS, column_schema, schema_check, schema_check_spec, table_spec
from assets.resources import FactwirePaths
from pipeline import incremental, nightly, reuse, staging
from pipeline.publish import hand_over_ingest, start_base, version_meta

# The tables staged once the articles step ends (no later step writes them): handed over to the catch-up
# of the older DuckDB file, which takes them before its checkpoint.
STAGED_BY_INGEST = ("places", "raw_files", *nightly.INGEST_TABLES)


@dg.asset(
    group_name="ingest",
    kinds={"python", "parquet"},
    owners=OWNERS,
    description="Inventory of the raw folder: every file (nested folders too) with size, mtime and sha256.",
    metadata={"dagster/column_schema": column_schema("raw_files")},
)
def raw_files(paths: FactwirePaths) -> dg.MaterializeResult:
    """Every raw file of the night with its content hash (the incremental manifest)."""
    settings = paths.settings()
    previous = incremental.load_previous(settings.warehouse_dir)
    known = incremental.previous_manifest(previous)
    files = reuse.night_scan(settings.raw_dir, previous, known)
    unchanged = nightly.write_raw_files(paths.build_dir(), files, previous, known)
    if not unchanged:
        # A small night with something to extract starts its extraction workers now, and gives them the
        # new files: their start and extraction overlap ingest and the steps in between instead of
        # delaying `facts`.
        nightly.start_extraction_early(settings.raw_dir, nightly.new_files(files, previous), previous,
                                       settings.workers, settings.max_file_bytes)
        # A night that will update the DuckDB file by delta prepares the file it starts from now, beside
        # ingest and extraction: an older version's file brought to the published version, or a copy.
        start_base(settings.warehouse_dir, version_meta())
    return dg.MaterializeResult(
        metadata={"dagster/row_count": files.height, "raw_dir": str(settings.raw_dir),
                  "bytes": int(files["size"].sum()), "same_as_last_night": unchanged}
    )


@dg.multi_asset(
    specs=[
        table_spec("articles", ["raw_files"], "ingest", {"python", "polars", "parquet"}),
        table_spec("article_sources", ["raw_files"], "ingest", {"python", "polars", "parquet"}),
    ],
    check_specs=[schema_check_spec(t) for t in nightly.INGEST_TABLES],
)
def articles(context: dg.AssetExecutionContext, paths: FactwirePaths):
    """Parse new or changed raw files (text, JSON, JSONL, HTML) over a process pool; unchanged files
    keep last night's articles; unreadable files and lines go to rejects with the reason."""
    settings = paths.settings()
    build = paths.build_dir()
    stats = nightly.ingest(
        settings.raw_dir, None, settings.max_file_bytes, incremental.load_previous(settings.warehouse_dir),
        build, settings.workers, context.log.info,
    )
    # The DuckDB file tonight's delta starts from takes the tables no later step writes now, in the
    # background, so that the delta in the night's tail adds only the fact tables.
    hand_over_ingest(build, STAGED_BY_INGEST)
    for table in nightly.INGEST_TABLES:
        rows = staging.count(build, table)
        yield dg.MaterializeResult(
            asset_key=table,
            check_results=[schema_check(table, rows, staging.read(build, "rejects", f"ingest-{table}-"))],
            metadata={
                "dagster/row_count": rows,
                "files_parsed": stats.files_parsed,
                "files_unchanged": stats.files_unchanged,
                "files_or_lines_rejected": stats.rejected,
                # parsed by the prestarted extraction workers, ahead of this step (nightly.prefetched_parses)
                "files_prefetched": stats.files_prefetched,
                "articles_new": stats.articles_new,
            },
        )
    if stats.files_parsed:  # a log line is an event in the run storage: only when there was work
        context.log.info(
            f"{stats.articles} articles ({stats.articles_new} new) from {stats.files_parsed + stats.files_unchanged}"
            f" files: {stats.files_parsed} "
            f"parsed, {stats.files_unchanged} unchanged, {stats.rejected} files or lines rejected"
        )

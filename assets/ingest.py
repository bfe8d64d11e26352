"""Ingest layer: raw files in the raw folder -> parsed, de-duplicated articles (or rejects)."""


import dagster as dg
import polars as pl

from assets.metadata import OWNERS, column_schema, schema_check, schema_check_spec, table_spec
from assets.resources import FactwirePaths
from pipeline import incremental, nightly, staging
from pipeline.frames import to_frame
from pipeline.validate import validate_table


@dg.asset(
    group_name="ingest",
    kinds={"python", "parquet"},
    owners=OWNERS,
    description="Inventory of the raw folder: every file (nested folders too) with size and sha256.",
    metadata={"dagster/column_schema": column_schema("raw_files")},
)
def raw_files(context: dg.AssetExecutionContext, paths: FactwirePaths) -> dg.MaterializeResult:
    """Every raw file of the night with its content hash (the incremental manifest)."""
    settings = paths.settings()
    files = nightly.scan_raw(settings.raw_dir)
    df = to_frame("raw_files", files)
    staging.write_table(paths.build_dir(), "raw_files", df)
    context.log.info(f"{len(files)} raw files in {settings.raw_dir}")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(files), "raw_dir": str(settings.raw_dir),
                  "bytes": int(df["size"].sum() or 0)}
    )


@dg.multi_asset(
    specs=[
        table_spec("articles", ["raw_files"], "ingest", {"python", "polars", "parquet"}),
        table_spec("article_sources", ["raw_files"], "ingest", {"python", "polars", "parquet"}),
    ],
    check_specs=[schema_check_spec("articles"), schema_check_spec("article_sources")],
)
def articles(context: dg.AssetExecutionContext, paths: FactwirePaths):
    """Parse every raw file (text, JSON, JSONL, HTML); unreadable files go to rejects with the reason."""
    settings = paths.settings()
    build = paths.build_dir()
    raw = staging.read_table(build, "raw_files")
    files = [nightly.RawFile(*row) for row in raw.select("source_path", "size", "sha256").iter_rows()]
    result = nightly.ingest(
        settings.raw_dir, files, settings.max_file_bytes, incremental.load_previous(settings.warehouse_dir)
    )
    loaded = result.loaded
    all_rejects = [loaded.rejects]
    for table, df in (("articles", loaded.articles), ("article_sources", loaded.article_sources)):
        valid, rejects = validate_table(table, df)
        all_rejects.append(rejects)
        staging.write_table(build, table, valid)
        yield dg.MaterializeResult(
            asset_key=table,
            metadata={
                "dagster/row_count": valid.height,
                "rejected_rows": rejects.height,
                "files_parsed": result.files_parsed,
                "files_unchanged": result.files_unchanged,
                "files_or_lines_rejected": loaded.rejects.height,
            },
            check_results=[schema_check(table, valid, rejects)],
        )
    rejects = pl.concat(all_rejects)
    staging.write_rejects(build, "ingest", rejects)
    context.log.info(
        f"{loaded.articles.height} articles from {len(files)} files ({result.files_parsed} parsed, "
        f"{result.files_unchanged} unchanged); {loaded.rejects.height} files/lines rejected"
    )

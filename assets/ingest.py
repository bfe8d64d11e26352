"""Ingest layer: raw files in the raw folder -> parsed, de-duplicated articles (or rejects)."""


import dagster as dg
import polars as pl

from assets.metadata import OWNERS, schema_check, schema_check_spec, table_spec
from assets.resources import FactwirePaths
from pipeline import nightly, staging
from pipeline.validate import validate_table


@dg.asset(
    group_name="ingest",
    kinds={"python"},
    owners=OWNERS,
    description="Inventory of the raw folder: every file (nested folders too) with size and sha256.",
)
def raw_files(context: dg.AssetExecutionContext, paths: FactwirePaths) -> dg.MaterializeResult:
    """Every raw file of the night with its content hash."""
    settings = paths.settings()
    files = nightly.scan_raw(settings.raw_dir)
    df = pl.DataFrame(
        {"source_path": [f.source_path for f in files], "size": [f.size for f in files],
         "sha256": [f.sha256 for f in files]},
        schema={"source_path": pl.Utf8, "size": pl.Int64, "sha256": pl.Utf8},
    )
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
    loaded = nightly.load_articles(settings.raw_dir, files, settings.max_file_bytes)
    all_rejects = [loaded.rejects]
    for table, df in (("articles", loaded.articles), ("article_sources", loaded.article_sources)):
        valid, rejects = validate_table(table, df)
        all_rejects.append(rejects)
        staging.write_table(build, table, valid)
        yield dg.MaterializeResult(
            asset_key=table,
            metadata={"dagster/row_count": valid.height, "rejected_rows": rejects.height},
            check_results=[schema_check(table, valid, rejects)],
        )
    rejects = pl.concat(all_rejects)
    staging.write_rejects(build, "ingest", rejects)
    context.log.info(
        f"{loaded.articles.height} articles from {len(files)} files; {loaded.rejects.height} files/lines rejected"
    )

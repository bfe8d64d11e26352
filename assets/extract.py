"""Extract layer: sentences and the three fact tables from the articles; the places dimension."""

import dagster as dg

from assets.metadata import OWNERS, column_schema, schema_check, schema_check_spec, table_spec
from assets.resources import FactwirePaths
from pipeline import incremental, native, nightly, staging
from pipeline.publish import start_delta
from schemas import TABLES, polars_schema

FACT_KINDS = {"python", "polars", "parquet"}


@dg.multi_asset(
    specs=[
        table_spec("sentences", ["articles"], "extract", FACT_KINDS),
        table_spec("figures", ["sentences"], "extract", FACT_KINDS),
        table_spec("attributions", ["sentences"], "extract", FACT_KINDS),
        table_spec("events", ["sentences", "figures"], "extract", FACT_KINDS),
        table_spec("event_places", ["events"], "extract", FACT_KINDS),
    ],
    check_specs=[schema_check_spec(t) for t in nightly.FACT_TABLES],
)
def facts(context: dg.AssetExecutionContext, paths: FactwirePaths):
    """Segment new articles and run the figure, attribution and event extractors over a process pool
    (pipeline.extract); articles the same extractor version already read keep their rows."""
    settings = paths.settings()
    build = paths.build_dir()
    stats = nightly.extract(
        build, incremental.load_previous(settings.warehouse_dir), settings.workers, context.log.info
    )
    start_delta(build)  # every table is staged: the DuckDB delta starts beside the evidence check
    python_why = native.why_python()
    if python_why and stats.articles_extracted:
        # a checkout updated without `make native` runs about 1.5 times slower, and rows the same: say so
        context.log.warning(f"the extraction core ran as Python modules, not compiled: {python_why}")
    core = f"Python modules ({python_why})" if python_why else "compiled (build/native)"
    for table in nightly.FACT_TABLES:
        rejects = staging.read(build, "rejects", f"extract-{table}-")
        per_method = staging.value_counts(build, table, "method") if "method" in polars_schema(TABLES[table]) else {}
        rows = sum(per_method.values()) if per_method else staging.count(build, table)
        yield dg.MaterializeResult(
            asset_key=table,
            metadata={
                "dagster/row_count": rows,
                "rejected_rows": rejects.height,
                "articles_extracted": stats.articles_extracted,
                "articles_unchanged": stats.articles_unchanged,
                # extracted by the prestarted workers while the orchestrator started (nightly.prestart_extraction)
                "articles_prefetched": stats.articles_prefetched,
                "rows_per_method": dg.MetadataValue.json(per_method),
                "extraction_core": core,
            },
            check_results=[schema_check(table, rows, rejects)],
        )


@dg.asset(
    group_name="extract",
    kinds={"python", "polars", "parquet"},
    owners=OWNERS,
    description="The places dimension: GeoNames-derived cities, ISO 3166 countries and subdivisions, curated aliases.",
    metadata={"dagster/column_schema": column_schema("places")},
    check_specs=[schema_check_spec("places")],
)
def places(paths: FactwirePaths) -> dg.MaterializeResult:
    """Every place the gazetteer knows, with kind, country, admin1 and coordinates."""
    settings = paths.settings()
    previous = incremental.load_previous(settings.warehouse_dir)
    rows, rejects, reused = nightly.write_places(paths.build_dir(), previous, settings.workers)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "reused_from_last_night": reused},
        check_results=[schema_check("places", rows, rejects)],
    )

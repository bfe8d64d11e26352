"""Extract layer: sentences and the three fact tables from the articles; the places dimension."""


import dagster as dg
import polars as pl

from assets.metadata import OWNERS, column_schema, schema_check, schema_check_spec, table_spec
from assets.resources import FactwirePaths
from pipeline import incremental, nightly, staging
from pipeline.validate import validate_table

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
    """Segment every article and run the figure, attribution and event extractors (pipeline.extract)."""
    build = paths.build_dir()
    articles_df = staging.read_table(build, "articles")
    bodies = dict(articles_df.select("article_id", "body").iter_rows())
    night = nightly.extract_night(articles_df, incremental.load_previous(paths.settings().warehouse_dir))
    all_rejects = [night.rejects]
    for table in nightly.FACT_TABLES:
        valid, rejects = validate_table(table, night.frames[table], bodies)
        all_rejects.append(rejects)
        staging.write_table(build, table, valid)
        meta: dict = {
            "dagster/row_count": valid.height,
            "rejected_rows": rejects.height,
            "articles_extracted": night.articles_extracted,
            "articles_unchanged": night.articles_unchanged,
        }
        if "method" in valid.columns:
            meta["rows_per_method"] = dg.MetadataValue.json(
                dict(valid.group_by("method").len().sort("method").iter_rows())
            )
        yield dg.MaterializeResult(asset_key=table, metadata=meta, check_results=[schema_check(table, valid, rejects)])
    staging.write_rejects(build, "extract", pl.concat(all_rejects))
    context.log.info(
        f"{night.articles_extracted} articles extracted, {night.articles_unchanged} kept from the last night"
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
    valid, rejects = validate_table("places", nightly.places_frame())
    build = paths.build_dir()
    staging.write_table(build, "places", valid)
    staging.write_rejects(build, "places", rejects)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": valid.height}, check_results=[schema_check("places", valid, rejects)]
    )

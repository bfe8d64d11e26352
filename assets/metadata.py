"""Metadata helpers shared by the asset modules: column schemas from pandera, check results."""


import dagster as dg
import polars as pl

from schemas import TABLES, descriptions, polars_schema, table_description

OWNERS = ["team:factwire"]


def column_schema(table: str) -> dg.TableSchema:
    """The Dagster column schema of a table, derived from its pandera model."""
    model = TABLES[table]
    texts = descriptions(model)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(dtype), description=texts.get(name) or None)
            for name, dtype in polars_schema(model).items()
        ]
    )


def table_spec(table: str, deps: list[str], group: str, kinds: set[str]) -> dg.AssetSpec:
    return dg.AssetSpec(
        table,
        deps=deps,
        description=table_description(TABLES[table]),
        group_name=group,
        kinds=kinds,
        owners=OWNERS,
        metadata={"dagster/column_schema": column_schema(table), "dagster/table_name": f"factwire.{table}"},
    )


def schema_check(table: str, valid_rows: int, rejects: pl.DataFrame) -> dg.AssetCheckResult:
    """Pandera validation outcome: rejected rows are kept in `rejects` and reported, never fail the run."""
    sample = "\n".join(f"- `{c}`: {r}" for c, r in rejects.head(5).select("check", "reason").iter_rows())
    return dg.AssetCheckResult(
        check_name=f"{table}_schema",
        asset_key=table,
        passed=rejects.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows_valid": valid_rows, "rows_rejected": rejects.height, "sample": dg.MetadataValue.md(sample)},
    )


def schema_check_spec(table: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        f"{table}_schema", asset=table, description=f"{table} rows pass the pandera contract (failures go to rejects)"
    )

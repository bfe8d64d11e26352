"""Validation that keeps data: split each table into valid rows and rejects tagged with the failed check."""

from __future__ import annotations

import copy
import json
from functools import cache

import pandera.polars as pa
import polars as pl

from pipeline.frames import to_frame
from schemas import TABLES, polars_schema

ID_COLUMNS = {
    "articles": "article_id",
    "article_sources": "source_path",
    "sentences": "sentence_id",
    "figures": "figure_id",
    "attributions": "attribution_id",
    "events": "event_id",
    "places": "place_id",
    "raw_files": "source_path",
}
# The column whose text must equal body[char_start:char_end] (the evidence invariant).
EVIDENCE_COLUMNS = {"figures": "mention", "attributions": "mention", "events": "trigger", "sentences": "text"}


def _reject(table: str, check: str, reason: str, row: dict) -> dict:
    return {
        "source_path": row.get("source_path"),
        "article_id": row.get("article_id"),
        "stage": "validate",
        "table": table,
        "check": check,
        "reason": reason,
        "row": json.dumps(row, default=str, ensure_ascii=False),
    }


@cache
def _contract_dtypes(table: str) -> pl.Schema:
    return pl.Schema(polars_schema(TABLES[table]))


@cache
def _as_typed(table: str) -> pa.DataFrameSchema:
    """The table's pandera schema without its dtype coercion (checks, nullability, uniqueness, strict
    columns and dtypes as the model has them)."""
    schema = copy.deepcopy(TABLES[table].to_schema())
    schema.coerce = False
    return schema


def validate_table(
    table: str, df: pl.DataFrame, bodies: dict[str, str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (valid rows, rejects). Checks: unique id, evidence span, then the pandera model (lazy)."""
    model = TABLES[table]
    rejects: list[dict] = []
    bad: dict[int, list[str]] = {}

    id_col = ID_COLUMNS.get(table)
    if id_col and df.height:
        dup = df.select(pl.col(id_col).is_duplicated() & ~pl.col(id_col).is_first_distinct()).to_series()
        for i in dup.arg_true().to_list():
            bad.setdefault(i, []).append(f"unique_{id_col}")

    ev_col = EVIDENCE_COLUMNS.get(table)
    if ev_col and bodies is not None and df.height:
        for i, (aid, start, end, text) in enumerate(
            df.select("article_id", "char_start", "char_end", ev_col).iter_rows()
        ):
            body = bodies.get(aid)
            if body is None or start is None or end is None or not (0 <= start <= end <= len(body)) \
                    or body[start:end] != text:
                bad.setdefault(i, []).append("span_equals_mention")

    # pandera sees only rows not already rejected, so one duplicate does not take its twin with it.
    remaining = [i for i in range(df.height) if i not in bad]
    # A frame already of the contract's dtypes (what `frames` builds) would be coerced to itself: the
    # schema without coercion gives the same failures and skips a polars query per column (~15 ms a call
    # for the wider tables, paid per batch). Any other frame is coerced as the contract says.
    schema = _as_typed(table) if df.schema == _contract_dtypes(table) else model
    try:
        schema.validate(df[remaining] if bad else df, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        for column, check, index in fc.select("column", "check", "index").iter_rows():
            if index is None:  # a table-level failure (e.g. missing column) rejects every row
                for i in remaining:
                    bad.setdefault(i, []).append(f"{column}:{check}")
            else:
                bad.setdefault(remaining[int(index)], []).append(f"{column}:{check}")

    if not bad:
        return df, to_frame("rejects", [])
    rows = df.to_dicts()
    for i in sorted(bad):
        checks = sorted(set(bad[i]))
        rejects.append(_reject(table, ";".join(checks), f"{table} row failed {', '.join(checks)}", rows[i]))
    keep = pl.Series([i not in bad for i in range(df.height)])
    return df.filter(keep), to_frame("rejects", rejects)

"""Rows (dataclasses or dicts) <-> polars frames typed by the table contract."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import is_dataclass
from typing import Any

import polars as pl

from pipeline.model import row_columns
from schemas import TABLES, polars_schema


def to_frame(table: str, rows: Iterable[Any]) -> pl.DataFrame:
    """A frame with exactly the contract's columns and dtypes (empty input gives an empty typed frame).
    Rows are dataclasses (a column they lack is null) or mappings."""
    rows = list(rows)
    kinds = {type(r) for r in rows}
    if len(kinds) == 1 and is_dataclass(kinds.pop()):
        return columns_frame(table, row_columns(rows))  # transposed once (cell by cell cost four times as much)
    schema = polars_schema(TABLES[table])  # mappings, or rows of mixed kinds
    data = {col: [r.get(col) if isinstance(r, Mapping) else getattr(r, col, None) for r in rows] for col in schema}
    return pl.DataFrame(data, schema=schema)


def columns_frame(table: str, columns: Mapping[str, Sequence[Any]]) -> pl.DataFrame:
    """A frame with exactly the contract's columns and dtypes from columns by name (`row_columns`): a
    contract column not given is null, a column the contract lacks is left out."""
    schema = polars_schema(TABLES[table])
    height = len(next(iter(columns.values()))) if columns else 0
    return pl.DataFrame({c: columns[c] if c in columns else [None] * height for c in schema}, schema=schema)


def empty_frame(table: str) -> pl.DataFrame:
    return to_frame(table, [])

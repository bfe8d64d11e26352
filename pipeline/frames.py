"""Rows (dataclasses or dicts) <-> polars frames typed by the table contract."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from schemas import TABLES, polars_schema


def to_frame(table: str, rows: Iterable[Any]) -> pl.DataFrame:
    """A frame with exactly the contract's columns and dtypes (empty input gives an empty typed frame)."""
    schema = polars_schema(TABLES[table])
    rows = list(rows)
    # Columns read straight off the rows (dataclass attributes or mapping keys): dataclasses.asdict
    # deep-copied every row and was the costliest step of building a batch's frames.
    data = {col: [r.get(col) if isinstance(r, Mapping) else getattr(r, col, None) for r in rows] for col in schema}
    return pl.DataFrame(data, schema=schema)


def empty_frame(table: str) -> pl.DataFrame:
    return to_frame(table, [])

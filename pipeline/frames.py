"""Rows (dataclasses or dicts) <-> polars frames typed by the table contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import polars as pl

from schemas import TABLES, polars_schema


def to_frame(table: str, rows: Iterable[Any]) -> pl.DataFrame:
    """A frame with exactly the contract's columns and dtypes (empty input gives an empty typed frame)."""
    schema = polars_schema(TABLES[table])
    records = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else dict(r) for r in rows]
    data = {col: [rec.get(col) for rec in records] for col in schema}
    return pl.DataFrame(data, schema=schema)


def empty_frame(table: str) -> pl.DataFrame:
    return to_frame(table, [])

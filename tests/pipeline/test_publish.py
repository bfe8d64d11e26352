"""The DuckDB file a full load builds from a version's Parquet parts."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import publish, staging
from schemas import TABLES


@pytest.fixture
def parts(seed_warehouse: Path, tmp_path: Path) -> Path:
    """The seed night's published parts, with its sentences and figures cut into three parts each (so
    that the load's part order shows)."""
    root = tmp_path / "parquet"
    shutil.copytree((seed_warehouse / "parquet").resolve(), root)
    for table in ("sentences", "figures"):
        [part] = staging.parts(root, table)
        rows = pl.read_parquet(part)
        part.unlink()
        third = -(-rows.height // 3)
        for i, name in enumerate(("a", "b", "c")):
            staging.write_part(root, table, name, rows.slice(i * third, third))
        assert len(staging.parts(root, table)) == 3
    return root


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").pl() for t in TABLES}  # no ORDER BY: insertion order
    finally:
        con.close()


def test_a_full_load_holds_every_parts_rows_in_part_order(parts: Path, tmp_path: Path) -> None:
    """Tables load several at a time, each by one thread: every table is its parts' rows, part after part,
    each part's rows in their order, whichever load ends first."""
    counts = publish.build_duckdb(tmp_path / "a.duckdb", parts)
    loaded = _tables(tmp_path / "a.duckdb")
    for table in TABLES:
        files = staging.parts(parts, table)
        expected = pl.concat([pl.read_parquet(f) for f in files]) if files else None
        assert counts[table] == (expected.height if expected is not None else 0), table
        if expected is not None:
            assert loaded[table].equals(expected), table
    assert counts["sentences"] > 3 and counts["figures"] > 3


def test_two_full_loads_give_the_same_catalog_and_rows(parts: Path, tmp_path: Path) -> None:
    publish.build_duckdb(tmp_path / "a.duckdb", parts)
    publish.build_duckdb(tmp_path / "b.duckdb", parts)

    def catalog(db: Path) -> list[tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("SELECT table_name, column_name, data_type, column_index, comment "
                               "FROM duckdb_columns() ORDER BY table_name, column_index").fetchall()
        finally:
            con.close()

    assert catalog(tmp_path / "a.duckdb") == catalog(tmp_path / "b.duckdb")
    a, b = _tables(tmp_path / "a.duckdb"), _tables(tmp_path / "b.duckdb")
    assert all(a[t].equals(b[t]) for t in TABLES)


def test_a_failing_table_load_fails_the_full_load(parts: Path, tmp_path: Path) -> None:
    """A load error reaches the caller once every loading thread has stopped (the night then fails and
    keeps the last good warehouse)."""
    [part] = staging.parts(parts, "attributions")
    part.write_bytes(b"not parquet")
    with pytest.raises(duckdb.Error):
        publish.build_duckdb(tmp_path / "c.duckdb", parts)


def test_a_copy_for_a_delta_is_a_separate_file_with_the_same_rows(parts: Path, tmp_path: Path) -> None:
    db = tmp_path / "full.duckdb"
    publish.build_duckdb(db, parts)
    copy = tmp_path / "base.duckdb"
    publish.copy_for_delta(db, copy)
    assert copy.read_bytes() == db.read_bytes()
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM figures")
    con.close()
    assert _tables(db)["figures"].height > 0
    assert _tables(copy)["figures"].height == 0

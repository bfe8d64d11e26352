"""The DuckDB file a full load builds from a version's Parquet parts."""

from __future__ import annotations

import os
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


def _sentence_parts(root: Path, n: int) -> None:
    """Cut the sentences of `root` into `n` parts (`s00`, `s01`, ...), in their order."""
    rows = staging.read(root, "sentences")
    for part in staging.parts(root, "sentences"):
        part.unlink()
    size = -(-rows.height // n)
    for i in range(n):
        staging.write_part(root, "sentences", f"s{i:02d}", rows.slice(i * size, size))


def _next_version(root: Path, to: Path) -> Path:
    """A copy of version `root` whose parts are hard links of root's (as a night keeps last night's parts)."""
    shutil.copytree(root, to, copy_function=os.link)
    return to


def _without_first_row(root: Path, table: str, name: str) -> None:
    """Rewrite part `name` of the table without its first row (as a night rewrites a part when a file changed)."""
    [part] = [p for p in staging.parts(root, table) if p.name == f"part-{name}.parquet"]
    staging.write_part(root, table, name, pl.read_parquet(part).slice(1))


def _storage(db: Path, table: str) -> tuple[int, int, int]:
    """(rows, rows stored including deleted ones, row groups) of a table of the file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        stored = publish._stored_rows(con, table)
        groups = con.execute(f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')").fetchone()[0]
        return rows, stored, groups
    finally:
        con.close()


def test_a_delta_keeps_few_deleted_rows_and_vacuums_no_other_table(parts: Path, tmp_path: Path) -> None:
    """Deleting an eighth of a table's rows marks them deleted and rewrites nothing else: the rows a night
    appends to another table stay in their own row group (a vacuum, which DuckDB runs on every table at
    once, would have merged them); a second such night passes a fifth of the table deleted, and the
    table is reloaded whole, its deleted rows gone from the file."""
    _sentence_parts(parts, 8)
    db = tmp_path / "w.duckdb"
    publish.build_duckdb(db, parts)
    rows, stored, _ = _storage(db, "sentences")
    assert stored == rows
    _, _, figure_groups = _storage(db, "figures")

    night1 = _next_version(parts, tmp_path / "night1")
    _without_first_row(night1, "sentences", "s03")
    staging.write_part(night1, "figures", "new", staging.read(parts, "figures").head(2))
    publish.apply_delta(db, publish.parts_by_inode(parts), publish.parts_by_inode(night1), {})
    assert _tables(db)["sentences"].sort("sentence_id").equals(staging.read(night1, "sentences").sort("sentence_id"))
    rows1, stored1, _ = _storage(db, "sentences")
    assert rows1 == rows - 1
    assert stored1 > rows1  # the old part's rows, marked deleted, still stored
    assert _storage(db, "figures")[2] == figure_groups + 1  # appended, not merged

    night2 = _next_version(night1, tmp_path / "night2")
    _without_first_row(night2, "sentences", "s01")
    publish.apply_delta(db, publish.parts_by_inode(night1), publish.parts_by_inode(night2), {})
    rows2, stored2, _ = _storage(db, "sentences")
    assert rows2 == rows - 2
    assert stored2 == rows2  # reloaded whole: no deleted row left
    assert _tables(db)["sentences"].equals(staging.read(night2, "sentences"))  # in part order, as a full load
    assert _storage(db, "figures")[2] == figure_groups + 1


def test_a_delta_that_deletes_much_of_a_table_reloads_it_whole(parts: Path, tmp_path: Path) -> None:
    """A third of the sentences replaced (one part of three): the table is reloaded from its parts rather
    than left with a third of its rows deleted."""
    db = tmp_path / "w.duckdb"
    publish.build_duckdb(db, parts)
    night = _next_version(parts, tmp_path / "night")
    _without_first_row(night, "sentences", "b")
    publish.apply_delta(db, publish.parts_by_inode(parts), publish.parts_by_inode(night), {})
    rows, stored, _ = _storage(db, "sentences")
    assert stored == rows == staging.count(night, "sentences")
    assert _tables(db)["sentences"].equals(staging.read(night, "sentences"))


def test_a_delta_deletes_only_the_rows_a_carried_part_dropped(parts: Path, tmp_path: Path) -> None:
    """A night that drops one article from a part rewrites the part less its rows (`incremental.carry_parts`,
    recorded): the delta deletes that article's rows alone and inserts nothing for the part (its other rows
    are the old part's), where it would otherwise delete and insert every row of the part again."""
    _sentence_parts(parts, 4)
    db = tmp_path / "w.duckdb"
    publish.build_duckdb(db, parts)
    rows, stored, groups = _storage(db, "sentences")
    assert stored == rows

    night = _next_version(parts, tmp_path / "night")
    [old] = [p for p in staging.parts(night, "sentences") if p.name == "part-s01.parquet"]
    kept = pl.read_parquet(old).slice(1)
    dropped = pl.read_parquet(old).height - kept.height
    new = staging.write_part(night, "sentences", "s01", kept)
    staging.record_carried(night, "sentences", new, parts / "sentences" / "part-s01.parquet")
    publish.apply_delta(db, publish.parts_by_inode(parts), publish.parts_by_inode(night), {})

    assert _tables(db)["sentences"].sort("sentence_id").equals(staging.read(night, "sentences").sort("sentence_id"))
    rows1, stored1, groups1 = _storage(db, "sentences")
    assert (rows1, stored1) == (rows - dropped, stored)  # the dropped row marked deleted, nothing inserted
    assert groups1 == groups

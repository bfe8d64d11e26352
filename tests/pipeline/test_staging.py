"""pipeline.staging: tables as folders of Parquet parts, and what is remembered about each part."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import staging


def _figures(*methods: str) -> pl.DataFrame:
    return pl.DataFrame({"article_id": [f"a{i}" for i in range(len(methods))], "char_start": list(range(len(methods))),
                         "figure_id": [f"f{i}" for i in range(len(methods))], "method": list(methods)})


def test_value_counts_sum_over_parts_and_read_a_kept_part_once(tmp_path: Path, monkeypatch) -> None:
    build, published = tmp_path / "_build", tmp_path / "v1"
    staging.write_part(build, "figures", "a", _figures("figures.money", "figures.percent", "figures.money"))
    staging.write_part(build, "figures", "b", _figures("figures.percent"))
    assert staging.value_counts(build, "figures", "method") == {"figures.money": 2, "figures.percent": 2}
    for part in staging.parts(build, "figures"):
        staging.link_part(part, published, "figures")

    # the next night keeps part a (a hard link of the published part), drops b and writes c
    staging.reset(build, "figures")
    staging.link_part(published / "figures" / "part-a.parquet", build, "figures")
    staging.write_part(build, "figures", "c", _figures("figures.death_toll"))
    read: list[str] = []
    real = pl.read_parquet
    monkeypatch.setattr(pl, "read_parquet", lambda path, **kw: read.append(Path(path).name) or real(path, **kw))
    assert staging.value_counts(build, "figures", "method") == {"figures.death_toll": 1, "figures.money": 2,
                                                                "figures.percent": 1}
    assert read == ["part-c.parquet"]  # part a's counts were remembered under its inode


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"method:1:2:3": "x"}'])
def test_value_counts_recount_when_what_is_remembered_is_unreadable(tmp_path: Path, damage: str) -> None:
    staging.write_part(tmp_path, "figures", "a", _figures("figures.money"))
    (tmp_path / "figures" / staging.COUNTS_FILE).write_text(damage)
    assert staging.value_counts(tmp_path, "figures", "method") == {"figures.money": 1}


def test_count_reads_the_footer_of_a_new_part_only_and_keeps_the_value_counts(tmp_path: Path, monkeypatch) -> None:
    """A night's row count reads the parts it wrote, not the hundreds kept from earlier nights; what
    value_counts remembered about a part stays beside it, and a part gone is forgotten."""
    import json

    import pyarrow.parquet as pq

    staging.write_part(tmp_path, "figures", "a", _figures("figures.money", "figures.percent"))
    staging.write_part(tmp_path, "figures", "b", _figures("figures.money"))
    assert staging.value_counts(tmp_path, "figures", "method") == {"figures.money": 2, "figures.percent": 1}
    assert staging.count(tmp_path, "figures") == 3
    staging.write_part(tmp_path, "figures", "c", _figures("figures.money", "figures.money"))
    (tmp_path / "figures" / "part-b.parquet").unlink()
    read: list[str] = []
    real = pq.read_metadata
    monkeypatch.setattr(pq, "read_metadata", lambda path, **kw: read.append(Path(path).name) or real(path, **kw))
    assert staging.count(tmp_path, "figures") == 4
    assert staging.count(tmp_path, "figures", prefix="c") == 2
    assert read == ["part-c.parquet"]
    remembered = json.loads((tmp_path / "figures" / staging.COUNTS_FILE).read_text())
    assert sorted(key.split(":")[0] for key in remembered) == ["method", "rows", "rows"]  # a's both, c's rows
    real_read = pl.read_parquet
    monkeypatch.setattr(pl, "read_parquet", lambda path, **kw: read.append(Path(path).name) or real_read(path, **kw))
    assert staging.value_counts(tmp_path, "figures", "method") == {"figures.money": 3, "figures.percent": 1}
    assert read == ["part-c.parquet", "part-c.parquet"]  # c's footer, then c's methods: a is remembered


def test_parts_are_listed_by_name_with_their_inodes_and_links_share_them(tmp_path: Path) -> None:
    published, build = tmp_path / "published", tmp_path / "build"
    frame = pl.DataFrame({"article_id": ["a1"], "n": [1]})
    for name in ("b", "a", "extract-x"):
        staging.write_part(published, "figures", name, frame)
    (published / "figures" / ".part-c.123.tmp").write_bytes(b"a write in progress")
    (published / "figures" / "notes.txt").write_text("not a part")
    assert [p.name for p in staging.parts(published, "figures")] == \
        ["part-a.parquet", "part-b.parquet", "part-extract-x.parquet"]
    assert [p.name for p in staging.parts(published, "figures", "extract")] == ["part-extract-x.parquet"]
    assert staging.parts(tmp_path / "nowhere", "figures") == []
    inodes = staging.part_inodes(published, "figures")
    assert all(p.stat().st_ino == inode for p, inode in inodes.items())
    # linking creates the table's folder; a part of the same name already there is replaced
    staging.write_part(build, "figures", "a", pl.DataFrame({"article_id": ["old"], "n": [0]}))
    for part in staging.parts(published, "figures"):
        staging.link_part(part, build, "figures")
    assert list(staging.part_inodes(build, "figures").values()) == list(inodes.values())
    assert pl.read_parquet(build / "figures" / "part-a.parquet")["article_id"].to_list() == ["a1"]
    staging.write_part(build, "figures", "new", frame)
    assert [p.name for p in staging.new_parts(build, "figures", published)] == ["part-new.parquet"]
    with pytest.raises(FileNotFoundError):
        staging.link_part(published / "figures" / "part-gone.parquet", build, "figures")


def test_a_carried_part_is_recorded_by_name_and_inode_until_the_table_is_reset(tmp_path: Path) -> None:
    """A part rewritten from another version's part, less some rows, names that part; the record holds for
    that very file (a later file of the same name is another inode), and a reset of the table drops it."""
    old = staging.write_part(tmp_path / "v1", "t", "a", pl.DataFrame({"x": [1, 2, 3]}))
    new = staging.write_part(tmp_path / "build", "t", "a", pl.DataFrame({"x": [1, 3]}))
    staging.record_carried(tmp_path / "build", "t", new, old)
    folder = staging.table_dir(tmp_path / "build", "t")
    assert staging.carried_sources(folder) == {("part-a.parquet", new.stat().st_ino): ("part-a.parquet", old.stat().st_ino)}
    assert staging.parts(tmp_path / "build", "t") == [new]  # the record is no part

    staging.reset(tmp_path / "build", "t", prefix="b")
    assert staging.carried_sources(folder)  # only part-b*: kept
    staging.reset(tmp_path / "build", "t")
    assert staging.carried_sources(folder) == {}

    again = staging.write_part(tmp_path / "build", "t", "a", pl.DataFrame({"x": [1]}))
    staging.record_carried(tmp_path / "build", "t", again, old)
    (folder / "part-a.parquet").unlink()
    other = staging.write_part(tmp_path / "build", "t", "b", pl.DataFrame({"x": [2]}))
    staging.record_carried(tmp_path / "build", "t", other, old)
    assert [name for name, _ in staging.carried_sources(folder)] == ["part-b.parquet"]  # a gone part's entry dropped

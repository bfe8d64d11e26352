"""Small parts merged into bigger ones, and the record of what a merged part holds."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import compaction, nightly, staging
from pipeline.compaction import MERGE_AT, compact, full_rows, groups_to_merge, merged_name, part_id


def test_a_full_batch_is_the_nights_batch() -> None:
    assert compaction.FULL_BATCH == nightly.ARTICLES_PER_BATCH == nightly.FILES_PER_BATCH


def test_a_full_part_holds_a_batch_of_articles_at_the_tables_rows_per_article() -> None:
    assert full_rows("articles", 50_000, 50_000) == 1000
    assert full_rows("sentences", 1_500_000, 50_000) == 30_000
    assert full_rows("event_places", 100, 1_000) == 100
    assert full_rows("figures", 0, 1_000) == 1  # never zero: nothing is smaller than nothing
    assert full_rows("raw_files", 123, 456) == compaction.RAW_FILES_FULL_BATCHES * 1000


def test_small_parts_wait_until_there_are_enough_to_merge() -> None:
    small = {f"b{i:02d}": 100 for i in range(MERGE_AT - 1)}
    assert groups_to_merge({**small, "full1": 1000, "full2": 990}, 1000) == []
    small["b99"] = 200
    assert groups_to_merge({**small, "full1": 1000, "full2": 990}, 1000) == [sorted(small)]


def test_small_parts_merge_into_parts_no_bigger_than_a_full_one_and_a_lone_one_waits() -> None:
    tiny = {f"b{i:02d}": 10 for i in range(2 * MERGE_AT + 1)}
    assert groups_to_merge(tiny, 1000) == [sorted(tiny)]  # 170 rows: one part
    halves = {f"b{i:02d}": 500 for i in range(MERGE_AT + 1)}  # 1% nights at 100,000 files: 500 articles a part
    groups = groups_to_merge({**halves, "full": 1000}, 1000)
    assert groups == [["b00", "b01"], ["b02", "b03"], ["b04", "b05"], ["b06", "b07"]]  # b08 waits


def test_a_merged_name_depends_on_its_members_only() -> None:
    assert merged_name(["b2", "b1"]) == merged_name(["b1", "b2"]) != merged_name(["b1", "b3"])


def _raw_files_part(root: Path, name: str, paths: list[str]) -> None:
    df = pl.DataFrame({"source_path": paths, "size": [1] * len(paths), "mtime_ns": [0] * len(paths),
                       "sha256": ["x"] * len(paths)})
    staging.write_part(root, "raw_files", name, df)


def _ids(parts: dict[Path, int]) -> set[str]:
    return {part_id(p, ino) for p, ino in parts.items()}


def test_compact_merges_the_small_parts_keeping_every_row_and_records_what_each_holds(tmp_path: Path) -> None:
    for i in range(MERGE_AT):
        _raw_files_part(tmp_path, f"b{i}", [f"f{i}-{j}.txt" for j in range(3)])
    staged = staging.part_inodes(tmp_path, "raw_files")

    done = compact(tmp_path, {})

    [(part, inode)] = done.parts["raw_files"].items()
    assert part.parent == tmp_path / compaction.MERGED_DIR / "raw_files" and part.name.startswith("part-m")
    assert pl.read_parquet(part).equals(pl.read_parquet(sorted(staged)))  # every row, member after member
    assert staging.part_inodes(tmp_path, "raw_files") == staged  # the staged folder is left as it was
    assert done.merged == {"raw_files": MERGE_AT}
    assert done.merges == {"raw_files": {part_id(part, inode): sorted(_ids(staged))}}
    assert done.parts["articles"] == {}  # every table is listed, with its parts


def test_compacting_the_same_parts_again_gives_the_same_parts(tmp_path: Path) -> None:
    """A publish retried after a failure finds the staged parts as they were and merges them the same way."""
    for i in range(MERGE_AT + 1):
        _raw_files_part(tmp_path, f"b{i}", [f"f{i}.txt"])
    first = {p.name: pl.read_parquet(p) for p in compact(tmp_path, {}).parts["raw_files"]}
    again = {p.name: pl.read_parquet(p) for p in compact(tmp_path, {}).parts["raw_files"]}
    assert len(first) == 1 and first.keys() == again.keys()
    assert all(first[name].equals(again[name]) for name in first)


def test_a_merged_part_merged_again_holds_its_members_members(tmp_path: Path) -> None:
    for i in range(MERGE_AT):
        _raw_files_part(tmp_path, f"b{i}", [f"f{i}.txt"])
    first = compact(tmp_path, {})
    [(merged_id, held)] = first.merges["raw_files"].items()
    # the next night's staging: the merged part (hard-linked from the version) and new small parts
    night = tmp_path / "next"
    for part in first.parts["raw_files"]:
        staging.link_part(part, night, "raw_files")
    for i in range(MERGE_AT, 2 * MERGE_AT - 1):  # the merged part is still small: it waits with the new ones
        _raw_files_part(night, f"b{i}", [f"f{i}.txt"])
    new_ids = _ids(staging.part_inodes(night, "raw_files")) - {merged_id}

    second = compact(night, first.merges)

    [(part, inode)] = second.parts["raw_files"].items()
    assert second.merged == {"raw_files": MERGE_AT}
    assert second.merges["raw_files"] == {part_id(part, inode): sorted({merged_id, *held, *new_ids})}
    assert pl.read_parquet(part).height == 2 * MERGE_AT - 1


def test_the_record_of_a_merged_part_that_left_or_was_rewritten_is_dropped(tmp_path: Path) -> None:
    _raw_files_part(tmp_path, "m1", ["a.txt"])
    [part] = staging.parts(tmp_path, "raw_files")
    here = part_id(part, part.stat().st_ino)
    before = {"raw_files": {here: ["b1:1", "b2:2"], "part-m0.parquet:7": ["b0:3"]}}
    assert compact(tmp_path, before).merges == {"raw_files": {here: ["b1:1", "b2:2"]}}
    _raw_files_part(tmp_path, "m1", ["a.txt"])  # rewritten under its name: another file
    assert compact(tmp_path, before).merges == {}


def test_unreadable_merges_read_as_none(tmp_path: Path) -> None:
    assert compaction.read_merges(None) == {}
    assert compaction.read_merges(tmp_path) == {}
    (tmp_path / compaction.MERGES_FILE).write_text("[1, 2")
    assert compaction.read_merges(tmp_path) == {}

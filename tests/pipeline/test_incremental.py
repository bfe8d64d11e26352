"""The raw folder's scan: which files a night sees, with what stats, and which it hashes."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from pipeline import incremental
from pipeline.incremental import scan_raw


def _folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "2022" / "09").mkdir(parents=True)
    (raw / ".cache").mkdir()
    (raw / "a.json").write_text('{"id": "a", "text": "A."}')
    (raw / "2022" / "09" / "b.txt").write_text(" date 2022-09-19 X\n\nB.")
    (raw / ".hidden.json").write_text("{}")
    (raw / ".cache" / "c.json").write_text("{}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "d.json").write_text("{}")
    (raw / "linked-folder").symlink_to(elsewhere)
    (raw / "linked.json").symlink_to(raw / "a.json")
    (raw / "broken.json").symlink_to(tmp_path / "missing.json")
    os.mkfifo(raw / "pipe")
    return raw


def test_scan_lists_regular_files_and_links_to_files_with_their_stats_and_hashes(tmp_path: Path) -> None:
    raw = _folder(tmp_path)
    files = scan_raw(raw)
    assert files["source_path"].to_list() == ["2022/09/b.txt", "a.json", "linked.json"]  # sorted, nested
    for row in files.iter_rows(named=True):
        st = (raw / row["source_path"]).stat()
        assert (row["size"], row["mtime_ns"]) == (st.st_size, st.st_mtime_ns)
        assert row["sha256"] == incremental._sha256(raw / row["source_path"])


def test_scan_hashes_only_files_whose_path_size_or_mtime_changed(tmp_path: Path) -> None:
    raw = _folder(tmp_path)
    known = scan_raw(raw).with_columns(sha256=pl.lit("recorded"))
    st = (raw / "a.json").stat()
    os.utime(raw / "a.json", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: hashed again
    again = dict(scan_raw(raw, known).select("source_path", "sha256").iter_rows())
    assert again["a.json"] == incremental._sha256(raw / "a.json")
    assert again["2022/09/b.txt"] == "recorded"


def test_scan_of_a_missing_or_empty_folder_is_empty(tmp_path: Path) -> None:
    assert scan_raw(tmp_path / "missing").height == 0
    (tmp_path / "empty").mkdir()
    assert scan_raw(tmp_path / "empty").schema == incremental.MANIFEST_SCHEMA


def test_a_name_that_is_not_utf8_is_listed_with_its_bytes_escaped_and_read_back(tmp_path: Path) -> None:
    """pyarrow cannot list a folder holding a name that is not UTF-8 (nor can Parquet hold one): such a
    folder is listed entry by entry, the name recorded with its undecodable bytes as \\xNN, and the file
    hashed (and parsed: tests/pipeline/test_parse.py) through that name."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.json").write_text('{"id": "a", "text": "A."}')
    os.mkdir(os.fsencode(raw) + b"/d\xff")
    with open(os.fsencode(raw) + b"/caf\xe9.txt", "wb") as fh:
        fh.write(b"caf\xc3\xa9")
    with open(os.fsencode(raw) + b"/d\xff/x.txt", "wb") as fh:
        fh.write(b"x")
    files = scan_raw(raw)
    assert files["source_path"].to_list() == ["caf\\xe9.txt", "d\\xff/x.txt", "ok.json"]
    hashes = dict(files.select("source_path", "sha256").iter_rows())
    assert hashes["caf\\xe9.txt"] == incremental.hashlib.sha256(b"caf\xc3\xa9").hexdigest()
    assert hashes["d\\xff/x.txt"] == incremental.hashlib.sha256(b"x").hexdigest()
    assert scan_raw(raw, files).equals(files)  # the next night knows them


def test_carried_parts_link_the_untouched_rewrite_the_touched_and_record_them(tmp_path: Path) -> None:
    """A night that drops some articles (their files changed or went) keeps last night's parts without
    them: a part holding none is the same file (a hard link), a part holding some is rewritten less their
    rows and recorded with the part it comes from, a part holding nothing else is gone."""
    from pipeline import staging

    version = tmp_path / "v1"
    both = staging.write_part(version, "articles", "a", pl.DataFrame({"article_id": ["a1", "a2"], "n": [1, 2]}))
    other = staging.write_part(version, "articles", "b", pl.DataFrame({"article_id": ["a3"], "n": [3]}))
    staging.write_part(version, "articles", "c", pl.DataFrame({"article_id": ["a4"], "n": [4]}))
    previous = incremental.Previous(version, {})
    build = tmp_path / "build"

    incremental.carry_parts(previous, "articles", build, incremental.in_set(pl.col("article_id"), {"a2", "a4"}))

    assert [p.name for p in staging.parts(build, "articles")] == ["part-a.parquet", "part-b.parquet"]
    assert (build / "articles" / "part-b.parquet").stat().st_ino == other.stat().st_ino
    rewritten = build / "articles" / "part-a.parquet"
    assert pl.read_parquet(rewritten).to_dicts() == [{"article_id": "a1", "n": 1}]
    assert staging.carried_sources(build / "articles") == {
        ("part-a.parquet", rewritten.stat().st_ino): ("part-a.parquet", both.stat().st_ino)}

    staging.reset(build, "articles")
    incremental.carry_parts(previous, "articles", build, incremental.in_set(pl.col("article_id"), set()))
    assert {p.stat().st_ino for p in staging.parts(build, "articles")} == \
        {p.stat().st_ino for p in staging.parts(version, "articles")}
    assert staging.carried_sources(build / "articles") == {}


def test_parts_holding_finds_the_parts_with_a_selected_row_in_one_scan(tmp_path: Path) -> None:
    from pipeline import staging

    parts = [staging.write_part(tmp_path, "t", name, pl.DataFrame({"k": keys}))
             for name, keys in (("a", ["x", None]), ("b", ["y"]), ("c", ["x", "z"]))]
    assert incremental.parts_holding(parts, pl.col("k") == "x") == {parts[0], parts[2]}
    assert incremental.parts_holding(parts, pl.col("k") == "w") == set()
    assert incremental.parts_holding([], pl.col("k") == "x") == set()

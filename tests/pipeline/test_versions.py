"""Which code built the published warehouse, and whether tonight is likely small: asked before the run
imports polars or Dagster."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline import versions


def published(tmp_path: Path, meta: dict | str) -> tuple[Path, Path]:
    """A raw folder and a warehouse whose `parquet` link names a version folder with `meta`, published
    after the raw folder last changed."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir(parents=True)
    (raw / "a.txt").write_text("an article")
    version = wh / ".versions" / "v1"
    version.mkdir(parents=True)
    (version / versions.META_FILE).write_text(meta if isinstance(meta, str) else json.dumps(meta))
    (wh / "parquet").symlink_to(version.relative_to(wh))
    st = raw.stat()
    os.utime(raw, ns=(st.st_atime_ns, (version / versions.META_FILE).stat().st_mtime_ns - 1_000_000_000))
    return raw, wh


def touch_later(raw: Path, wh: Path) -> None:
    """The raw folder changed after the version was published (a file added, say)."""
    meta = (wh / "parquet" / versions.META_FILE).stat().st_mtime_ns
    os.utime(raw, ns=(meta + 1_000_000_000, meta + 1_000_000_000))


def test_files_added_after_a_version_of_this_code_make_a_likely_small_night(tmp_path: Path) -> None:
    raw, wh = published(tmp_path, {"extractor_version": versions.extractor_version()})
    assert not versions.likely_small_night(raw, wh)  # nothing changed at the top level since
    touch_later(raw, wh)
    assert versions.likely_small_night(raw, wh)


@pytest.mark.parametrize("meta", [{"extractor_version": "an-older-rule-set"}, {}, "not json", "[1, 2]"])
def test_another_extractor_or_an_unreadable_meta_is_no_small_night(tmp_path: Path, meta: dict | str) -> None:
    """After an upgrade every article is extracted again in the night's own pools: no early workers."""
    raw, wh = published(tmp_path, meta)
    touch_later(raw, wh)
    assert not versions.likely_small_night(raw, wh)


def test_a_first_night_or_a_missing_raw_folder_is_no_small_night(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    assert not versions.likely_small_night(raw, tmp_path / "no-warehouse")
    _, wh = published(tmp_path / "other", {"extractor_version": versions.extractor_version()})
    assert not versions.likely_small_night(tmp_path / "missing", wh)


def test_the_extractor_version_follows_the_extraction_code_not_the_plumbing() -> None:
    assert "figures.py" not in versions.NOT_EXTRACTION and "nightly.py" not in versions.NOT_EXTRACTION
    assert {"cli.py", "versions.py", "publish.py"} <= versions.NOT_EXTRACTION
    assert versions.extractor_version() == versions.extractor_version.__wrapped__()
    assert len(versions.extractor_version()) == 16


def test_a_versions_meta_is_read_or_none(tmp_path: Path) -> None:
    """One reader of `_meta.json` for the night's check, the previous version and the publisher's spares."""
    assert versions.read_meta(tmp_path) is None
    (tmp_path / versions.META_FILE).write_text("{not json")
    assert versions.read_meta(tmp_path) is None
    (tmp_path / versions.META_FILE).write_text(json.dumps({"extractor_version": "v", "publisher_version": "p"}))
    assert versions.read_meta(tmp_path) == {"extractor_version": "v", "publisher_version": "p"}

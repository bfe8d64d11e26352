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

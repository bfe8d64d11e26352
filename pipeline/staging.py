"""The staging area (`<warehouse>/_build`) where each stage leaves its validated tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.frames import empty_frame
from pipeline.publish import write_parquet

REJECT_PREFIX = "rejects_"
# A canonical row order makes a night's files depend on content only, so a re-run is byte-identical.
SORT_KEYS = {
    "raw_files": ["source_path"],
    "articles": ["article_id"],
    "article_sources": ["source_path"],
    "sentences": ["article_id", "char_start", "sentence_id"],
    "figures": ["article_id", "char_start", "figure_id"],
    "attributions": ["article_id", "char_start", "attribution_id"],
    "events": ["article_id", "char_start", "event_id"],
    "event_places": ["article_id", "event_id", "place", "char_start"],
    "places": ["place_id"],
    "rejects": ["stage", "source_path", "article_id", "table", "check", "reason", "row"],
}


def write_table(build_dir: Path, table: str, df: pl.DataFrame) -> Path:
    """Write a staged table in its canonical order."""
    keys = SORT_KEYS.get(table)
    if keys and df.height:
        df = df.sort(keys, nulls_last=True)
    return write_parquet(df, build_dir / f"{table}.parquet")


def read_table(build_dir: Path, table: str) -> pl.DataFrame:
    path = build_dir / f"{table}.parquet"
    return pl.read_parquet(path) if path.exists() else empty_frame(table)


def write_rejects(build_dir: Path, stage: str, df: pl.DataFrame) -> Path:
    """Rejects of one stage; the warehouse unions every stage's file."""
    return write_parquet(df, build_dir / f"{REJECT_PREFIX}{stage}.parquet")


def combine_rejects(build_dir: Path) -> pl.DataFrame:
    """All stages' rejects as one table, written as `rejects.parquet` for publish."""
    parts = [pl.read_parquet(p) for p in sorted(build_dir.glob(f"{REJECT_PREFIX}*.parquet"))]
    parts = [p.unique(maintain_order=True) for p in parts]
    df = pl.concat(parts, how="vertical") if parts else empty_frame("rejects")
    write_table(build_dir, "rejects", df)
    return df

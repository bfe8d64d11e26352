"""Tables as folders of Parquet parts: `<dir>/<table>/part-<name>.parquet`.

A night writes its tables part by part (bounded memory), keeps unchanged parts of the last published
version by hard link (cheap incremental nights), and the same layout is published under
`.versions/<id>/`. Rejects of each stage are parts named `rejects/part-<stage>-...`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl

from pipeline.frames import empty_frame

# A canonical row order inside each part (and in DuckDB) makes output depend on content only.
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


def table_dir(root: Path, table: str) -> Path:
    return root / table


def parts(root: Path, table: str, prefix: str = "") -> list[Path]:
    """The table's part files (optionally only those whose name starts with part-<prefix>), sorted."""
    return sorted(table_dir(root, table).glob(f"part-{prefix}*.parquet"))


def reset(root: Path, table: str, prefix: str = "") -> None:
    """Remove the table's parts (or only part-<prefix>*) before a stage rewrites them."""
    folder = table_dir(root, table)
    folder.mkdir(parents=True, exist_ok=True)
    for path in parts(root, table, prefix):
        path.unlink()


def write_part(root: Path, table: str, name: str, df: pl.DataFrame) -> Path:
    """Write one part in canonical order, atomically (temp file + rename)."""
    keys = SORT_KEYS.get(table)
    if keys and df.height > 1:
        df = df.sort(keys, nulls_last=True)
    folder = table_dir(root, table)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{name}.parquet"
    tmp = folder / f".part-{name}.{os.getpid()}.tmp"
    df.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, path)
    return path


def link_part(src: Path, root: Path, table: str) -> Path:
    """Keep a part of another version as it is: a hard link (a copy across file systems)."""
    dest = table_dir(root, table) / src.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
    return dest


def scan(root: Path, table: str, prefix: str = "") -> pl.LazyFrame:
    """All parts of a table as one lazy frame (an empty typed frame when there is none)."""
    files = parts(root, table, prefix)
    if not files:
        return empty_frame(table).lazy()
    return pl.scan_parquet(files)


def read(root: Path, table: str, prefix: str = "") -> pl.DataFrame:
    return scan(root, table, prefix).collect()


def count(root: Path, table: str, prefix: str = "") -> int:
    files = parts(root, table, prefix)
    return sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)

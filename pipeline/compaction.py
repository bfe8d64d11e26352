"""Compaction: a table's small Parquet parts merged into bigger ones, and the record of what each merged
part holds (for the DuckDB delta).

Every night adds a part or two to each table (its new files and articles). Never merged, a year of
nights leaves hundreds of parts per table, and every step that reads a whole table pays per part (a
file open and a footer per scan): measured on two warehouses of the same 18,000 files, a 1% night took
0.34 s more with 90 parts a table than with 18. Merging is size-tiered, as in log-structured stores: a
part holding less than SMALL_SHARE of a full batch is small; once a table has MERGE_AT small parts, they
are merged into parts of up to a full one's rows. So a table keeps fewer than MERGE_AT small parts
besides its full ones, a row is rewritten a bounded number of times (a merged part that is still
small is merged once or twice more, never a full one), and a night that merges pays for its small parts
only, never for the corpus.

A merged part's rows are exactly its members' rows. `Merges` records, per table, each merged part
(`part_id`: name and inode) with every part it holds, its members' own merges included, so that the
DuckDB delta can tell that the rows of a part that left are still there in a merged one
(`publish.apply_delta`). A merged part later rewritten (some of its rows dropped: a file changed or
left) is another file (another inode): its record here no longer applies, and the rewrite's own record
(`staging.record_carried`) has the delta delete the dropped rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import staging
from schemas import TABLES

# A full batch, in articles: a night's extraction batch and ingest batch (`nightly.ARTICLES_PER_BATCH`,
# `nightly.FILES_PER_BATCH`; a test keeps them equal). A table's full part holds that many articles' rows.
FULL_BATCH = 1000
# raw_files rows are a path, a size, a time and a hash: its full part holds this many batches of files.
RAW_FILES_FULL_BATCHES = 8
# Below this share of a full part's rows a part is small (a night of 1,000 new files on two workers
# writes fact parts of 500 articles: small; a batch of 1,000 files rarely gives exactly 1,000 articles:
# full all the same).
SMALL_SHARE = 0.6
# Small parts a table may keep; the MERGE_AT-th is merged with them.
MERGE_AT = 8
# Tables merged: those whose DuckDB rows are replaced by key (`publish.DELTA_KEYS`); places is one part,
# and rejects are reloaded whole whenever they change.
COMPACTED = ("raw_files", "articles", "article_sources", "sentences", "figures", "attributions", "events",
             "event_places")
MERGES_FILE = "_merges.json"
MERGED_DIR = "_merged"  # in a night's staging folder: tonight's merged parts, beside the staged tables

Merges = dict[str, dict[str, list[str]]]  # table -> merged part's id -> the ids of every part it holds


def part_id(part: Path, inode: int) -> str:
    """A part file's identity across versions: its name and inode (a hard link keeps both; a part
    rewritten under the same name is another inode)."""
    return f"{part.name}:{inode}"


def full_rows(table: str, table_rows: int, articles: int) -> int:
    """Rows of a full part of the table: a full batch of articles at the table's rows per article."""
    if table == "raw_files":
        return RAW_FILES_FULL_BATCHES * FULL_BATCH
    if table == "articles" or articles <= 0:
        return FULL_BATCH
    return max(1, round(FULL_BATCH * table_rows / articles))


def groups_to_merge(rows: dict[str, int], full: int) -> list[list[str]]:
    """The groups of parts (by name) to merge: once there are MERGE_AT small parts, all of them, in name
    order, packed into groups of at most a full part's rows (a merged part is no bigger than the parts a
    night writes, so a merge's memory is bounded by the batch, as the night's); none otherwise (a part
    left alone waits for the next merge)."""
    small = sorted(name for name, n in rows.items() if n < SMALL_SHARE * full)
    if len(small) < MERGE_AT:
        return []
    groups: list[list[str]] = [[]]
    total = 0
    for name in small:
        if groups[-1] and total + rows[name] > full:
            groups.append([])
            total = 0
        groups[-1].append(name)
        total += rows[name]
    return [group for group in groups if len(group) > 1]


def merged_name(members: list[str]) -> str:
    """A merged part's name (without `part-` and `.parquet`), from its members' names: the same merge
    gives the same name, so the same night gives the same version."""
    return "m" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:12]


def read_merges(version_dir: Path | None) -> Merges:
    """The merges on record in a version folder ({} when none or unreadable)."""
    if version_dir is None:
        return {}
    try:
        data = json.loads((version_dir / MERGES_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Compacted:
    """A night's staged tables after compaction: what to publish."""

    parts: dict[str, dict[Path, int]]  # table -> its parts (path -> inode): unmerged ones and merged ones
    merges: Merges  # the merges that hold for these parts (`read_merges`)
    merged: dict[str, int]  # parts merged tonight per table


def compact(root: Path, before: Merges) -> Compacted:
    """The parts to publish from root (a night's staged tables), each table's small parts merged.

    The staged table folders are left as they are: merged parts are written under root/MERGED_DIR, and the
    parts they hold are left out of `Compacted.parts`, so that a publish retried after a failure finds
    the same parts and merges them the same way. `before`: the merges on record in the version the night
    started from; those whose merged part is still among the parts are kept. A merged part is its
    members' rows, member after member (each sorted as any part), streamed by polars: memory holds a
    few row groups, not the merged part."""
    out = root / MERGED_DIR
    shutil.rmtree(out, ignore_errors=True)
    articles = staging.count(root, "articles")
    found = {table: staging.part_inodes(root, table) for table in TABLES}
    merges: Merges = {}
    merged: dict[str, int] = {}
    for table in COMPACTED:
        parts = found[table]
        ids = {p.name: part_id(p, inode) for p, inode in parts.items()}
        present = set(ids.values())
        kept = {k: v for k, v in before.get(table, {}).items() if k in present}
        rows = {p.name: n for p, n in staging.part_rows(root, table).items()}
        for group in groups_to_merge(rows, full_rows(table, sum(rows.values()), articles)):
            members = [p for p in parts if p.name in group]
            held = sorted({h for p in members for h in (ids[p.name], *kept.pop(ids[p.name], []))})
            part = _merge(members, out / table / f"part-{merged_name(group)}.parquet")
            for p in members:
                del parts[p]
            parts[part] = inode = part.stat().st_ino
            kept[part_id(part, inode)] = held
            merged[table] = merged.get(table, 0) + len(members)
        if kept:
            merges[table] = dict(sorted(kept.items()))
    return Compacted(found, merges, merged)


def _merge(members: list[Path], path: Path) -> Path:
    """Write the members' rows, in name order, as one part at `path` (atomically: temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pl.scan_parquet(sorted(members)).sink_parquet(tmp, compression="zstd", statistics=True, maintain_order=True)
    os.replace(tmp, path)
    return path

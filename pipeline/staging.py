"""Tables as folders of Parquet parts: `<dir>/<table>/part-<name>.parquet`.

A night writes its tables part by part (bounded memory), keeps unchanged parts of the last published
version by hard link (cheap incremental nights), and the same layout is published under
`.versions/<id>/`. Rejects of each stage are parts named `rejects/part-<stage>-...`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipeline.frames import empty_frame

# A canonical row order inside each part a night writes (and in DuckDB) makes output depend on content
# only; a merged part (`compaction`) is its members' rows member after member, in name order.
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


def _entries(root: Path, table: str, prefix: str) -> list[tuple[str, int]]:
    """(name, inode) of the table's part files, by name; none when the folder is missing. One directory
    read: the inode comes with each entry (no stat per part), and no pathlib glob (every night walks
    every part of every table several times, and the parts grow with the nights)."""
    start = f"part-{prefix}"
    try:
        with os.scandir(table_dir(root, table)) as entries:
            found = [(e.name, e.inode()) for e in entries if e.name.startswith(start) and e.name.endswith(".parquet")]
    except FileNotFoundError:
        return []
    found.sort()
    return found


def parts(root: Path, table: str, prefix: str = "") -> list[Path]:
    """The table's part files (optionally only those whose name starts with part-<prefix>), sorted."""
    folder = table_dir(root, table)
    return [folder / name for name, _ in _entries(root, table, prefix)]


def part_inodes(root: Path, table: str, prefix: str = "") -> dict[Path, int]:
    """`parts` with each part's inode (a part hard-linked from another version has that part's inode)."""
    folder = table_dir(root, table)
    return {folder / name: inode for name, inode in _entries(root, table, prefix)}


def reset(root: Path, table: str, prefix: str = "") -> None:
    """Remove the table's parts (or only part-<prefix>*) before a stage rewrites them, and, with all of
    them, the record of the parts carried less some rows (`record_carried`)."""
    folder = table_dir(root, table)
    folder.mkdir(parents=True, exist_ok=True)
    for path in parts(root, table, prefix):
        path.unlink()
    if not prefix:
        (folder / CARRIED_FILE).unlink(missing_ok=True)


# In a table's folder: each part that is another version's part less some of its rows (a night drops the rows
# of changed or removed files from last night's parts), by name, with its inode and that part's name and inode.
# The DuckDB delta then deletes the dropped rows alone, instead of every row of the old part and the new
# part's rows inserted again (`publish.apply_delta`).
CARRIED_FILE = ".carried.json"


def _json_object(path: Path) -> dict:
    """The JSON object a file of ours holds; {} when the file is missing, unreadable or holds another value."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def record_carried(root: Path, table: str, part: Path, source: Path) -> None:
    """Record that `part` (a part of the table under root) holds the rows of `source` less some."""
    path = table_dir(root, table) / CARRIED_FILE
    known = {name: v for name, v in _json_object(path).items() if (path.parent / name).exists()}  # gone: dropped
    known[part.name] = [part.stat().st_ino, source.name, source.stat().st_ino]
    tmp = path.with_name(f"{CARRIED_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(known, sort_keys=True))
    os.replace(tmp, path)


def carried_sources(folder: Path) -> dict[tuple[str, int], tuple[str, int]]:
    """The record of a table's folder (`record_carried`): (name, inode) of a part -> (name, inode) of the
    part whose rows it holds less some; {} when there is none or it is unreadable."""
    known = _json_object(folder / CARRIED_FILE)
    return {(name, v[0]): (v[1], v[2]) for name, v in known.items() if isinstance(v, list) and len(v) == 3}


def carried_parts(fresh: dict[int, Path], old: dict[int, Path]) -> dict[Path, Path]:
    """Each of the `fresh` parts (by inode) that holds the rows of one of the `old` parts less some, as its
    folder's record says (`record_carried`) -> that old part."""
    old_ids = {(p.name, inode): p for inode, p in old.items()}
    records: dict[Path, dict[tuple[str, int], tuple[str, int]]] = {}
    carried = {}
    for inode, part in fresh.items():
        if part.parent not in records:
            records[part.parent] = carried_sources(part.parent)
        source = records[part.parent].get((part.name, inode))
        if source is not None and source in old_ids:
            carried[part] = old_ids[source]
    return carried


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
    """Keep a part of another version as it is: a hard link (a copy across file systems), replacing a
    part of that name. The link is tried first: a missing folder or a part in the way is seen then."""
    dest = table_dir(root, table) / src.name
    try:
        os.link(src, dest)
        return dest
    except FileExistsError:
        dest.unlink()
    except FileNotFoundError:
        if not src.exists():
            raise
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # no hard link here (another file system): the second try copies
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
    """Rows of the table, from each part's footer (remembered per part: `_per_part`)."""
    return sum(part_rows(root, table, prefix).values())


def part_rows(root: Path, table: str, prefix: str = "") -> dict[Path, int]:
    """Rows of each part of the table, from its footer (remembered per part: `_per_part`)."""
    found = _per_part(root, table, "rows", lambda part: {"rows": count_parts([part])}, prefix)
    return {part: counts["rows"] for part, counts in found.items()}


def count_parts(files: list[Path]) -> int:
    """Rows of the parts, from their footers (no column read)."""
    import pyarrow.parquet as pq  # here: a night's CLI imports this module before its first task can start

    return sum(pq.read_metadata(f).num_rows for f in files)


COUNTS_FILE = ".counts.json"


def value_counts(root: Path, table: str, column: str) -> dict[str, int]:
    """Rows of the table per value of `column` (e.g. the rule, `method`), summed over its parts (each
    part's counts remembered: `_per_part`)."""
    def read(part: Path) -> dict[str, int]:
        return dict(pl.read_parquet(part, columns=[column])[column].fill_null("").value_counts().iter_rows())

    total: Counter[str] = Counter()
    for counts in _per_part(root, table, column, read).values():
        total.update(counts)
    return dict(sorted(total.items()))


def _per_part(
    root: Path, table: str, what: str, read: Callable[[Path], dict[str, int]], prefix: str = ""
) -> dict[Path, dict[str, int]]:
    """`read(part)` of each part of the table (those named with `prefix`), kept in <table>/.counts.json
    under `what` and the part's inode, size and mtime: a part hard-linked from last night's version is
    not read again, so a night pays for its new parts only (and a stat per part), however many nights
    made the others. A part's entries under other `what`s stay while the part does."""
    folder = table_dir(root, table)
    known = _json_object(folder / COUNTS_FILE)
    stamps: dict[Path, str] = {}
    for part in parts(root, table):
        st = part.stat()
        stamps[part] = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
    # A part's value counts of any column sum to its rows (nulls are counted under ""): a part whose
    # rule counts are known needs no footer read for its rows.
    summed = {k.split(":", 1)[-1]: {"rows": sum(v.values())} for k, v in known.items()
              if what == "rows" and isinstance(v, dict) and not k.startswith("rows:")}
    found: dict[Path, dict[str, int]] = {}
    fresh: dict[str, dict[str, int]] = {}
    for part in parts(root, table, prefix) if prefix else stamps:
        key = f"{what}:{stamps[part]}"
        counts = known.get(key)
        if not isinstance(counts, dict):
            counts = summed.get(stamps[part]) or read(part)
            fresh[key] = counts
        found[part] = counts
    present = set(stamps.values())
    kept = {k: v for k, v in known.items() if isinstance(v, dict) and k.split(":", 1)[-1] in present}
    if fresh or len(kept) < len(known):
        tmp = folder / f".counts.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps({**kept, **fresh}, sort_keys=True))
            os.replace(tmp, folder / COUNTS_FILE)
        except OSError:
            pass  # counted all the same, only not remembered
    return found


def inodes(root: Path | None, table: str, prefix: str = "") -> set[int]:
    """The inodes of a version's parts: a part hard-linked from that version has the same inode."""
    if root is None:
        return set()
    return {inode for _, inode in _entries(root, table, prefix)}


def new_parts(root: Path, table: str, since: Path | None, prefix: str = "") -> list[Path]:
    """The parts of `table` under root that are not hard links of `since`'s parts (all when None)."""
    old = inodes(since, table, prefix)
    return [p for p, inode in part_inodes(root, table, prefix).items() if inode not in old]

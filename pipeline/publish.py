"""Parquet datasets and the DuckDB file, published atomically.

A night's staged parts become a new version `.versions/<id>/<table>/part-*.parquet` (hard links, no
copies) and a new DuckDB file; then the `parquet` symlink and `factwire.duckdb` are swapped in by
rename. A reader with the old file open keeps reading the old version; a crash before the renames
leaves the last good warehouse untouched. Publishing the version already published is a no-op.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from pipeline import compaction, pools, staging, versions
from pipeline.config import DUCKDB_FILE, VIEWS_SQL
from pipeline.frames import empty_frame
from pipeline.validate import ID_COLUMNS
from pipeline.versions import META_FILE
from schemas import TABLES, descriptions, table_description

KEEP_VERSIONS = 2


@dataclass(frozen=True)
class Published:
    version: str
    duckdb_path: Path
    parquet_dir: Path
    row_counts: dict[str, int]
    reused: bool
    delta: bool = False  # the DuckDB file was updated from the previous one, not rebuilt
    merged: dict[str, int] | None = None  # small parts merged tonight, per table (`compaction`)


@cache
def publisher_version() -> str:
    """Hash of the code that loads the DuckDB file and of its views: a new publisher rebuilds the file,
    never a delta, and a change of views.sql alone makes a new version (the same data, new views)."""
    programs = [Path(__file__), Path(staging.__file__), Path(compaction.__file__)]
    return versions.code_digest(programs, [VIEWS_SQL])


def version_meta() -> dict[str, str]:
    """The meta a night publishes with (_meta.json): the versions of the code that decided the rows and
    of the code that loaded them."""
    return {"extractor_version": versions.extractor_version(), "publisher_version": publisher_version()}


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


DIGESTS_FILE = "_digests.json"


def part_digests(
    build_dir: Path, previous: Path | None = None, parts: dict[str, dict[Path, int]] | None = None
) -> dict[str, str]:
    """sha256 of every staged part ("table/part-x.parquet" -> hex; `parts`: table -> path -> inode, else
    the parts under build_dir). A part hard-linked from the previous version (same inode) keeps the
    digest recorded there, so only new bytes are read."""
    recorded: dict[str, str] = {}
    if previous is not None:
        try:
            recorded = json.loads((previous / DIGESTS_FILE).read_text())
        except (OSError, ValueError):
            recorded = {}
    out: dict[str, str] = {}
    for table in TABLES:
        old = {p.name: i for p, i in staging.part_inodes(previous, table).items()} if recorded and previous else {}
        for part, inode in (parts[table] if parts is not None else staging.part_inodes(build_dir, table)).items():
            key = f"{table}/{part.name}"
            if key in recorded and old.get(part.name) == inode:
                out[key] = recorded[key]
                continue
            digest = hashlib.sha256()
            with part.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
            out[key] = digest.hexdigest()
    return out


def version_id(build_dir: Path, meta: dict, digests: dict[str, str] | None = None) -> str:
    """Content hash of the staged parts and the meta: the same night gives the same version."""
    digests = part_digests(build_dir) if digests is None else digests
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for key in sorted(digests):
        digest.update(f"{key}:{digests[key]}\n".encode())
    return digest.hexdigest()[:16]


def _fsync(path: Path) -> None:
    """Sync a file's data, or a folder's entries (a rename in it), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# DuckDB's working memory while loading: bounded, so the night's peak memory does not grow with the
# corpus. Loading streams part after part (no global sort: a sort of every sentence needs memory in
# proportion to the corpus, and fails under a bounded limit). One thread: a delta (a night's few
# thousand rows per table, then a checkpoint) took as long with two and 30-45% more CPU (one night's
# delta at 100,000 files, 5 alternating pairs: 0.57-0.63 s wall and 0.50-0.57 s CPU against 0.59-0.63 s
# and 0.65-0.78 s): CPU that a small night's extraction, running beside its deltas, needs.
DUCKDB_CONFIG = {"memory_limit": "192MB", "threads": 1}


# A full load's tables are loaded this many at a time (each by one thread, on its own connection), under
# a smaller memory cap than a delta's: two loads under the delta's 192 MB took 50-60 MB more at their peak.
LOAD_THREADS = 2
FULL_LOAD_CONFIG = {**DUCKDB_CONFIG, "memory_limit": "128MB"}


def build_duckdb(db_path: Path, parquet_root: Path, views_sql: Path = VIEWS_SQL) -> dict[str, int]:
    """A DuckDB file with one table per Parquet folder, the views and the table contract as comments.

    Rows are loaded in part order (parts sorted by name, rows in each part's order: `staging.SORT_KEYS`;
    DuckDB preserves insertion order), so the same parts always give the same table. Each table is loaded
    by one thread: keeping the insertion order across two threads inside one table under the memory cap
    made the load slower (the 131,000-article warehouse: 16.3 s with two threads, 14.2 s with one, same
    rows and order). Tables are loaded LOAD_THREADS at a time instead, the largest first, each by one
    thread on its own connection (`FULL_LOAD_CONFIG`): at 114,000 files 12.6-14.6 s against 17.6-21.1 s
    one table after another, peak memory 353-373 MB against 373-378 MB (3 alternating pairs)."""
    counts: dict[str, int] = {}
    con = duckdb.connect(str(db_path), config=FULL_LOAD_CONFIG)
    try:
        sizes: dict[str, int] = {}
        loads: dict[str, str] = {}
        for table in TABLES:
            files = staging.parts(parquet_root, table)
            if files:
                sizes[table] = sum(f.stat().st_size for f in files)
                src = "[" + ", ".join(_sql_string(str(f)) for f in files) + "]"
                loads[table] = f"CREATE TABLE {table} AS SELECT * FROM read_parquet({src})"
            else:  # no part at all: the contract's columns, no rows
                empty = empty_frame(table).to_arrow()  # noqa: F841 (read by DuckDB's replacement scan)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
        _load_tables(con, [loads[t] for t in sorted(loads, key=lambda t: -sizes[t])])
        for table, model in TABLES.items():
            con.execute(f"COMMENT ON TABLE {table} IS {_sql_string(table_description(model))}")
            for column, text in descriptions(model).items():
                con.execute(f"COMMENT ON COLUMN {table}.{column} IS {_sql_string(text)}")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        con.execute(views_sql.read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def _load_tables(con: duckdb.DuckDBPyConnection, loads: list[str]) -> None:
    """Run the load statements, LOAD_THREADS at a time in the given order, each thread on its own
    connection to the database (DuckDB runs them without the interpreter lock); the first error is raised
    once every thread has stopped."""
    queue = list(reversed(loads))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def loader() -> None:
        cursor = con.cursor()
        try:
            while True:
                with lock:
                    if errors or not queue:
                        return
                    statement = queue.pop()
                cursor.execute(statement)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            with lock:
                errors.append(exc)
        finally:
            cursor.close()

    threads = [threading.Thread(target=loader, name=f"factwire-load-{i}") for i in range(min(LOAD_THREADS, len(loads)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# The key whose rows a changed part replaces: each table's unique id, and for event_places (one row per
# event and place) its event; tables without one are reloaded whole.
DELTA_KEYS = {**ID_COLUMNS, "event_places": "event_id"}
VIEWS_HASH_FILE = "_views.sha256"


def _views_hash(views_sql: Path) -> str:
    return hashlib.sha256(views_sql.read_bytes()).hexdigest()


def _same_views(version_dir: Path, views_sql: Path) -> bool:
    path = version_dir / VIEWS_HASH_FILE
    return path.exists() and path.read_text() == _views_hash(views_sql)


def _same_code(version_dir: Path, meta: dict, views_sql: Path) -> bool:
    """Whether a version was loaded by this code with these views: its DuckDB file's rows, columns and
    views still hold, so a delta can start from that file."""
    return _same_views(version_dir, views_sql) and versions.read_meta(version_dir) == meta


Parts = dict[str, dict[int, Path]]  # table -> its parts, by inode (`staging.part_inodes`)


def _inodes(parts: Parts) -> dict[str, set[int]]:
    """Each table's part inodes: which files' rows a DuckDB file holds, wherever the parts are linked."""
    return {table: set(found) for table, found in parts.items()}


def parts_by_inode(root: Path, tables: tuple[str, ...] | None = None) -> Parts:
    """Every table's parts (or those of `tables`) under root (a version or a night's staging folder), by
    inode."""
    return {table: {inode: p for p, inode in staging.part_inodes(root, table).items()} for table in tables or TABLES}


def apply_delta(
    db_path: Path, loaded: Parts, target: Parts, merges: compaction.Merges,
    more: Callable[[], Parts | None] | None = None,
) -> dict[str, int]:
    """Bring a DuckDB file holding the rows of the `loaded` parts to the `target` parts by delta; returns
    the rows per table.

    A part present in both (the same file, hard-linked) is already loaded. For each table, the rows of
    the parts that left are deleted by key and the new parts are inserted, so a night with few new files
    costs in proportion to them, not to the warehouse. A part that left by being merged (`compaction`:
    the target's merged part holds it, as `merges` records) keeps its rows, and the merged part adds only
    the rows of its other members.

    `more`, when given, is asked once the target's rows are in (it may wait): parts to go on to from the
    target (no merges between them), before the one checkpoint; None to stop at the target.
    """
    # Appended rows go into new row groups; DuckDB's checkpoint would also merge ("vacuum") the table's
    # trailing row groups into fewer, rewriting and recompressing up to a few hundred thousand rows per
    # table for a few thousand new ones (0.9 s of a 1% night at 100,000 files, for figures alone). A
    # delta never vacuums: each table gains a small row group per night, which scans as fast. Deleted
    # rows (changed or removed files) stay marked in their row groups until a table's share of them
    # would pass RELOAD_SHARE, when the delta reloads that table whole instead (`_delta_statements`);
    # any full load rebuilds the file compact.
    con = duckdb.connect(str(db_path), config={**DUCKDB_CONFIG, "max_vacuum_tasks": 0})
    try:
        _delta_statements(con, loaded, target, merges)
        if more is not None and (further := more()) is not None:
            _delta_statements(con, target, further, {})
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


# DuckDB vacuums every table of the file when it vacuums at all: a checkpoint that reclaimed one table's
# deleted rows also merged every other table's nightly row groups (8.2 s at 127,000 files, for a night
# whose only deletions were 99,000 raw_files rows of a re-delivered folder; the same rows reloaded whole:
# 0.33 s). So deleted rows are reclaimed one table at a time, by reloading the table from its parts
# (`DELETE FROM` a whole table drops its row groups), once they would pass this share of the rows the
# table stores, as PostgreSQL's autovacuum waits for a fifth of a table's rows to be dead. Below it,
# scans skip them and their space waits.
RELOAD_SHARE = 0.2


def _stored_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows the table's row groups hold, deleted ones included (the segments of its first column)."""
    sql = f"SELECT sum(count) FROM pragma_storage_info('{table}') WHERE column_id = 0 AND column_path = '[0]'"
    return con.execute(sql).fetchone()[0] or 0  # type: ignore[index]


def _rows(con: duckdb.DuckDBPyConnection, parts: list[Path]) -> int:
    """Rows of the parts (from their footers)."""
    return con.execute(f"SELECT count(*) FROM read_parquet({_files(parts)})").fetchone()[0] if parts else 0  # type: ignore[index]


def _deletions_pass_share(
    con: duckdb.DuckDBPyConnection, table: str, gone: list[Path], carried: dict[Path, Path]
) -> bool:
    """Whether deleting the rows of the `gone` parts, and those the `carried` parts dropped, would leave more
    than RELOAD_SHARE of the table's stored rows deleted, counting those deleted before."""
    stored = _stored_rows(con, table)
    live = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    leaving = _rows(con, gone) + _rows(con, list(carried.values())) - _rows(con, list(carried))
    return stored - live + leaving > RELOAD_SHARE * stored


def _delta_statements(con: duckdb.DuckDBPyConnection, loaded: Parts, target: Parts, merges: compaction.Merges) -> None:
    """`apply_delta`'s statements from the `loaded` parts to the `target` parts, on the connection."""
    for table in TABLES:
        old, new = loaded[table], target[table]
        fresh = {ino: p for ino, p in new.items() if ino not in old}
        added = list(fresh.values())
        held = _held_in_merged(merges.get(table, {}), old, fresh)
        kept = {p for parts in held.values() for p in parts}
        # a part that holds an old part's rows less some: only the rows it dropped are deleted, none inserted
        carried = staging.carried_parts(fresh, old)
        added = [p for p in added if p not in carried]
        gone = [p for ino, p in old.items() if ino not in new and p not in kept and p not in carried.values()]
        key = DELTA_KEYS.get(table)
        reload = key is None or (old and len(gone) == len(old)) or (
            (gone or carried) and _deletions_pass_share(con, table, gone, carried))
        if reload and (gone or added or carried):  # nothing kept, or too many rows deleted: reload the table whole
            con.execute(f"DELETE FROM {table}")  # whole row groups: dropped without a vacuum
            gone, added, held, carried = [], list(new.values()), {}, {}
        if gone:
            con.execute(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM read_parquet({_files(gone)}))')
        if carried:  # before any insert (a new part may hold a dropped key); one statement, one pass over the table
            dropped = (f'SELECT "{key}" FROM read_parquet({_files(list(carried.values()))}) '
                       f'EXCEPT SELECT "{key}" FROM read_parquet({_files(list(carried))})')
            con.execute(f'DELETE FROM {table} WHERE "{key}" IN ({dropped})')
        if plain := [p for p in added if p not in held]:
            con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet({_files(plain)})")
        for part, loaded_parts in sorted(held.items()):
            con.execute(
                f"INSERT INTO {table} SELECT * FROM read_parquet({_files([part])}) "
                f'WHERE "{key}" NOT IN (SELECT "{key}" FROM read_parquet({_files(loaded_parts)}))'
            )


def _held_in_merged(
    merges: dict[str, list[str]], old: dict[int, Path], added: dict[int, Path]
) -> dict[Path, list[Path]]:
    """Each added merged part -> the parts of the old version it holds (their rows already loaded)."""
    if not merges:
        return {}
    old_ids = {compaction.part_id(p, inode): p for inode, p in old.items()}
    held: dict[Path, list[Path]] = {}
    for inode, part in added.items():
        holds = merges.get(compaction.part_id(part, inode), [])
        if loaded := sorted(old_ids[h] for h in holds if h in old_ids):
            held[part] = loaded
    return held


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_string(str(p)) for p in sorted(paths)) + "]"


def publish(build_dir: Path, warehouse_dir: Path, meta: dict, views_sql: Path = VIEWS_SQL) -> Published:
    """Publish the staged parts of build_dir as the new warehouse version, atomically.

    `meta` (e.g. the extractor version) is stored beside the parts as _meta.json.
    """
    versions = warehouse_dir / ".versions"
    versions.mkdir(parents=True, exist_ok=True)
    link = warehouse_dir / "parquet"
    db_path = warehouse_dir / DUCKDB_FILE
    current = os.readlink(link) if link.is_symlink() else None
    previous = versions / Path(current).name if current else None
    if previous is not None and not previous.is_dir():
        previous = None
    compacted = compaction.compact(build_dir, compaction.read_merges(previous))
    digests = part_digests(build_dir, previous, compacted.parts)
    version = version_id(build_dir, meta, digests)
    target = versions / version
    if current == f".versions/{version}" and db_path.exists() and target.exists():
        counts = _counts(db_path)
        settle_base()  # not needed tonight: nothing changed
        _prune_versions(versions, keep={version})
        return Published(version, db_path, link, counts, reused=True, merged=compacted.merged)

    if not target.exists():
        staging_dir = versions / f".{version}.{os.getpid()}.partial"
        shutil.rmtree(staging_dir, ignore_errors=True)
        for table in TABLES:
            (staging_dir / table).mkdir(parents=True)
            for part in compacted.parts[table]:
                staging.link_part(part, staging_dir, table)
            carried = staging.table_dir(build_dir, table) / staging.CARRIED_FILE
            if carried.exists():  # its parts keep their names and inodes: the record holds as it is
                (staging_dir / table / staging.CARRIED_FILE).write_bytes(carried.read_bytes())
        (staging_dir / META_FILE).write_text(json.dumps(meta, sort_keys=True, indent=1))
        (staging_dir / DIGESTS_FILE).write_text(json.dumps(digests, sort_keys=True))
        if compacted.merges:
            (staging_dir / compaction.MERGES_FILE).write_text(json.dumps(compacted.merges, sort_keys=True))
        os.replace(staging_dir, target)
        _fsync(versions)

    finish_spare_copy()
    _remove_stale_temporaries(warehouse_dir)
    tmp_db = warehouse_dir / f".{DUCKDB_FILE}.{os.getpid()}.tmp"
    tmp_db.unlink(missing_ok=True)
    final_db = target / DUCKDB_FILE
    counts = None
    delta = False
    if final_db.exists():  # this version was published before (files came back): its file is complete
        counts = _counts(final_db)
    elif (
        previous is not None and previous.is_dir() and db_path.exists() and _same_code(previous, meta, views_sql)
    ):
        counts = _delta(db_path, tmp_db, previous, target, meta, views_sql)
        delta = counts is not None
    settle_base()  # a base the delta did not take (a full load, or a file already complete)
    full = counts is None
    if full:
        counts = _build_apart(tmp_db, target, views_sql)
    (target / VIEWS_HASH_FILE).write_text(_views_hash(views_sql))
    if tmp_db.exists():
        os.replace(tmp_db, final_db)
        _fsync(target)
    _remove_spares(warehouse_dir, keep=version if full else None)
    if full:
        _start_spare_copy(warehouse_dir, version, final_db)

    tmp_link = warehouse_dir / f".parquet.{os.getpid()}.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path(".versions") / version)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    tmp_db_link = warehouse_dir / f".{DUCKDB_FILE}.{os.getpid()}.lnk"
    tmp_db_link.unlink(missing_ok=True)
    tmp_db_link.symlink_to(Path(".versions") / version / DUCKDB_FILE)
    os.replace(tmp_link, link)
    os.replace(tmp_db_link, db_path)
    _fsync(warehouse_dir)
    _prune_versions(versions, keep={version} | ({previous.name} if previous is not None else set()))
    return Published(version, db_path, link, counts, reused=False, delta=delta, merged=compacted.merged)


def _spares(previous: Path, busy: set[str], meta: dict, views_sql: Path) -> list[Path]:
    """Version folders other than `busy` whose DuckDB file a delta can start from (same code and views)."""
    return [
        d for d in sorted(p for p in previous.parent.iterdir() if p.name not in busy and not p.name.startswith("."))
        if (d / DUCKDB_FILE).exists() and _same_code(d, meta, views_sql)
    ]


def _delta(
    db_path: Path, tmp_db: Path, previous: Path, target: Path, meta: dict, views_sql: Path
) -> dict[str, int] | None:
    """Bring a DuckDB file to the target version by delta, into tmp_db; None when that fails.

    The readers' file is never written. The base is, in this order: the file `start_base` set aside early
    in the night (the full load's copy, an older version's file brought to the previous version, or a copy
    of the current file), which `start_delta` may have brought to the night's staged parts after the facts
    step; the file of an older version that nobody reads any more (moved to tmp_db and updated in place,
    so a night does not copy the whole warehouse); the copy a full load left; a copy made now. An older
    file still held open by a reader cannot be locked for writing, and a copy is used instead.
    """
    if (prepared := _take_base(previous)) is not None:
        base, loaded, counts = prepared
        os.replace(base, tmp_db)
        if counts is not None and _inodes(loaded) == _inodes(parts_by_inode(target)):
            return counts  # brought to tonight's parts by `start_delta`, and compaction changed none of them
        if (counts := _updated(tmp_db, loaded, target)) is not None:
            return counts
    for spare_dir in _spares(previous, {previous.name, target.name}, meta, views_sql)[:1]:
        os.replace(spare_dir / DUCKDB_FILE, tmp_db)  # from now on this file is no version's: a crash leaves a temporary
        if (counts := _updated(tmp_db, parts_by_inode(spare_dir), target)) is not None:
            return counts
    spare = _spare_path(db_path.parent, previous.name)
    if spare.exists():
        os.replace(spare, tmp_db)
    else:
        copy_for_delta(db_path, tmp_db)
    return _updated(tmp_db, parts_by_inode(previous), target)  # None: rebuild from the parts


def _updated(tmp_db: Path, loaded: Parts, target: Path) -> dict[str, int] | None:
    """`apply_delta` of tmp_db (a file holding the `loaded` parts) to the `target` version; None, and tmp_db
    deleted, when DuckDB fails (the file locked by a reader, or anything unexpected): the caller tries
    another base."""
    try:
        return apply_delta(tmp_db, loaded, parts_by_inode(target), compaction.read_merges(target))
    except duckdb.Error:
        tmp_db.unlink(missing_ok=True)
        return None


class _Handoff:
    """The ingest step's staged tables (their parts), handed to the thread bringing the base file forward,
    which waits for them before its checkpoint (`hand_over_ingest`); declined once the night goes on
    without them."""

    def __init__(self) -> None:
        self._given = threading.Event()
        self.parts: Parts | None = None

    def give(self, parts: Parts) -> None:
        if not self._given.is_set():
            self.parts = parts
            self._given.set()

    def decline(self) -> None:
        self._given.set()

    def wait(self) -> Parts | None:
        self._given.wait()
        return self.parts


@dataclass(frozen=True)
class _Base:
    """The DuckDB file tonight's delta starts from (`start_base`), until the publish takes it."""

    published: str  # the version it is brought to (the published one when it was set aside)
    file: Path  # a temporary named after this process; complete once `thread` has ended
    thread: threading.Thread | None  # the thread bringing it forward, copying or updating it, if any
    # Once `thread` has ended, when the file holds other parts than the published version's (the ingest
    # step's tables staged, or every staged part): those parts and the rows per table it holds.
    held: list[tuple[Parts, dict[str, int]]] = field(default_factory=list)
    staged: bool = False  # `start_delta` brings it to every staged part
    ingest: _Handoff | None = None  # the thread waits for the ingest step's tables


_base: _Base | None = None


def start_base(warehouse_dir: Path, meta: dict, views_sql: Path = VIEWS_SQL) -> bool:
    """Set aside the DuckDB file at the published version that tonight's delta will update with tonight's
    parts alone (`start_delta`, then the publish), when the published version was built by this code; a
    temporary named after this process:

    - the full load's copy of the published file (`_start_spare_copy`), as it is; else
    - an older version's file (the one before the published; nobody reads it), brought to the published
      version in a background thread at the lowest CPU priority: it takes the time the night leaves idle
      (DuckDB works without the interpreter lock): on 4 or more cores its first seconds, which keep about
      two busy (the check, the orchestrator's start, the fork server), on 2 cores the gaps. The thread
      then waits for the ingest step's tables (`hand_over_ingest`) and adds their new rows before its one
      checkpoint, so that the delta in the night's tail adds only the fact tables (at 100,000 files
      0.27-0.29 s against 0.36-0.40 s for every table); else
    - a copy of the published file, made in a background thread (600-700 MB at 100,000 files).

    Measured against bringing the older file to tonight's parts in one pass once they are staged (less
    CPU: 0.76-0.85 s against 1.06-1.08 s for two nights' rows): the same night on 2 cores (6 alternating
    pairs, 6.03 s against 6.07 s), but that pass then holds last night's rows too in the night's tail,
    where this thread has them done wherever a core is idle. A file the night does not use is kept as
    the copy of the published version (`settle_base`); a killed night's is removed by the next publish.
    Returns True when a file was set aside."""
    global _base
    link = warehouse_dir / "parquet"
    if _base is not None or not link.is_symlink():
        return False
    previous = warehouse_dir / ".versions" / Path(os.readlink(link)).name
    source = previous / DUCKDB_FILE
    if not source.exists() or not _same_code(previous, meta, views_sql):
        return False  # a full load tonight, not a delta
    finish_spare_copy()
    base = warehouse_dir / f".{DUCKDB_FILE}.base.{os.getpid()}.tmp"
    spare = _spare_path(warehouse_dir, previous.name)
    thread = None
    held: list[tuple[Parts, dict[str, int]]] = []
    ingest = None
    if spare.exists():
        os.replace(spare, base)
    else:
        older = _spares(previous, {previous.name}, meta, views_sql)[:1]
        ingest = _Handoff() if older else None

        def run() -> None:
            with _removed_unless_done(base):
                if ingest is not None:
                    _lowest_priority()
                    os.replace(older[0] / DUCKDB_FILE, base)  # from now on no version's file
                    published = parts_by_inode(previous)
                    with_ingest: list[Parts] = []

                    def more() -> Parts | None:
                        if (given := ingest.wait()) is not None:
                            with_ingest.append({**published, **given})
                        return with_ingest[0] if with_ingest else None

                    found = apply_delta(base, parts_by_inode(older[0]), published, compaction.read_merges(previous),
                                        more=more)
                    held.extend((parts, found) for parts in with_ingest)
                else:
                    copy_for_delta(source, base)

        thread = threading.Thread(target=run, name="factwire-base", daemon=True)
        thread.start()
    _base = _Base(previous.name, base, thread, held, ingest=ingest)
    return True


def hand_over_ingest(build_dir: Path, tables: tuple[str, ...]) -> bool:
    """Once the ingest step has staged `tables` (which no later step writes), hand their staged parts to
    the thread bringing the base file forward (`start_base`), if it waits for them. Returns True when it
    does."""
    if _base is None or _base.ingest is None:
        return False
    _base.ingest.give(parts_by_inode(build_dir, tables))
    return True


@contextmanager
def _removed_unless_done(file: Path) -> Iterator[None]:
    """Remove `file` unless the block completes: a background thread's base file that a failure left
    half-updated holds no known parts (the publish then finds another base). DuckDB's and the file
    system's errors end there; any other is raised again once the file is gone."""
    done = False
    try:
        yield
        done = True
    except (OSError, duckdb.Error):
        pass
    finally:
        if not done:
            file.unlink(missing_ok=True)


def _lowest_priority() -> None:
    """The calling thread (and the threads it starts, such as DuckDB's) at the lowest CPU priority: on
    Linux a thread has its own nice value; elsewhere the call would renice the whole process, so it is
    not made."""
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _finished_base() -> _Base | None:
    """The base set aside, once its thread has ended (waiting for it; a thread still waiting for the
    ingest step's tables goes on without them), and forgotten here; None when none was set aside or its
    thread left no file."""
    global _base
    made, _base = _base, None
    if made is None:
        return None
    if made.ingest is not None:
        made.ingest.decline()
    if made.thread is not None:
        made.thread.join()
    return made if made.file.exists() else None


def _take_base(previous: Path) -> tuple[Path, Parts, dict[str, int] | None] | None:
    """The base file, the parts it holds and, when a delta brought it beyond the published version, its
    rows per table, if it was set aside at the `previous` version (waiting for it), else None (an unusable
    one is deleted)."""
    if (base := _finished_base()) is None:
        return None
    if base.published == previous.name:
        if not base.held:
            return base.file, parts_by_inode(previous), None
        parts, counts = base.held[0]
        return base.file, parts, counts
    base.file.unlink(missing_ok=True)
    return None


def start_delta(build_dir: Path) -> bool:
    """Once every table is staged (the facts step), bring the base file (`start_base`, at the published
    version, or beyond it with the ingest step's tables) to the staged parts, in a background thread,
    while the night's evidence check and the publish's compaction run: the publish then only adds what
    compaction changed (merged parts, whose rows the file holds already) instead of loading the night's
    rows and checkpointing in its own step. Nothing writes a staged part after the facts step
    (compaction writes its merged parts apart), and the file remembers the parts it loaded by inode. A
    file the night does not publish holds the rows of no version and is removed (`settle_base`).
    Returns True when a thread was started."""
    global _base
    if _base is None or _base.staged:
        return False
    made = _base
    if made.ingest is not None:
        made.ingest.decline()  # a thread still waiting for the ingest step's tables goes on without them
    previous = made.file.parent / ".versions" / made.published
    staged = parts_by_inode(build_dir)
    held: list[tuple[Parts, dict[str, int]]] = []

    def run() -> None:
        if made.thread is not None:
            made.thread.join()
        if not made.file.exists():
            return
        loaded = made.held[0][0] if made.held else parts_by_inode(previous)
        with _removed_unless_done(made.file):
            held.append((staged, apply_delta(made.file, loaded, staged, {})))

    thread = threading.Thread(target=run, name="factwire-delta", daemon=True)
    thread.start()
    _base = _Base(made.published, made.file, thread, held, staged=True)
    return True


def settle_base() -> None:
    """A base file the night did not use (nothing changed after all, or the run failed before publishing):
    once complete, kept as the copy of the version it is at, which the next night sets aside instead of
    copying the published file again. One a delta brought beyond that version holds the rows of no
    version: removed."""
    if (base := _finished_base()) is None:
        return
    if not base.held:
        os.replace(base.file, _spare_path(base.file.parent, base.published))
    else:
        base.file.unlink()


def copy_for_delta(source: Path, dest: Path) -> None:
    """Copy a DuckDB file that a delta will update, on disk before returning (fsync). Called from a
    background thread where it can be: the first checkpoint on an unsynced copy syncs all of it, 0.9-1.2 s
    for 700 MB at 100,000 files on this machine's disk (even with its pages written back: the disk's own
    cache is flushed then), which landed in the publish step of a night that followed a full load within
    seconds. A copy kept for the next night (`_start_spare_copy`) must be on disk before it is renamed
    into place anyway, or a power cut could leave a spare with missing blocks."""
    shutil.copyfile(source, dest)
    _fsync(dest)


def _spare_path(warehouse_dir: Path, version: str) -> Path:
    """Where a full load leaves a copy of its DuckDB file, the base of the next night's delta."""
    return warehouse_dir / f".{DUCKDB_FILE}.{version}.spare"


# The background copy a full load started (`_start_spare_copy`), until it is waited for.
_spare_copy: threading.Thread | None = None


def _start_spare_copy(warehouse_dir: Path, version: str, source: Path) -> None:
    """After a full load, copy its DuckDB file in the background, as the base the next night's delta
    updates (`_delta`): that night has no older file to update in place, and copying the whole warehouse
    then (600-700 MB at 100,000 files, about 1 s of CPU) would compete with its extraction. Here the copy
    overlaps the full night's last check. A temporary named after this process until complete (a killed
    night's is removed by the next publish); `finish_spare_copy` waits for it."""
    global _spare_copy
    tmp = warehouse_dir / f".{DUCKDB_FILE}.spare.{os.getpid()}.tmp"

    def run() -> None:
        try:
            copy_for_delta(source, tmp)
            os.replace(tmp, _spare_path(warehouse_dir, version))
        except OSError:
            tmp.unlink(missing_ok=True)  # no spare: the next delta copies the file itself

    _spare_copy = threading.Thread(target=run, name="factwire-spare-copy", daemon=True)
    _spare_copy.start()


def finish_spare_copy() -> None:
    """Wait for the full load's background copy, if one is running (before a publish, or an exit)."""
    global _spare_copy
    thread, _spare_copy = _spare_copy, None
    if thread is not None:
        thread.join()


def _remove_spares(warehouse_dir: Path, keep: str | None) -> None:
    """Full loads' copies other than version `keep`'s: no delta will start from them."""
    for path in warehouse_dir.glob(f".{DUCKDB_FILE}.*.spare"):
        if path != _spare_path(warehouse_dir, keep or ""):
            path.unlink(missing_ok=True)


def _build_apart(db_path: Path, parquet_root: Path, views_sql: Path) -> dict[str, int]:
    """build_duckdb in a spawned process: DuckDB's buffers (up to its memory limit) go back to the
    system when it ends instead of adding to the long-lived run process's own memory."""
    with pools.spawn_pool(1) as ex:  # a worker that follows the run process: a killed night leaves none
        return ex.submit(build_duckdb, db_path, parquet_root, views_sql).result()


def _remove_stale_temporaries(warehouse_dir: Path) -> None:
    """Temporary DuckDB files of nights that were killed (their process is gone), with the write-ahead
    log DuckDB keeps beside a file being written (`<file>.wal`)."""
    for path in warehouse_dir.glob(f".{DUCKDB_FILE}.*.tmp*"):
        name = path.name.removesuffix(".wal")
        if not name.endswith(".tmp"):
            continue
        try:
            os.kill(int(name.split(".")[-2]), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def _counts(db_path: Path) -> dict[str, int]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
    finally:
        con.close()


def _prune_versions(versions: Path, keep: set[str]) -> None:
    """Drop old versions and leftovers of crashed runs: keep `keep` and, up to KEEP_VERSIONS in all,
    the newest others."""
    room = max(0, KEEP_VERSIONS - len(keep))
    for p in sorted(versions.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if p.name in keep:
            continue
        if p.name.startswith(".") or room == 0:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        else:
            room -= 1

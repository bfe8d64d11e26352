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
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline import staging
from pipeline.config import DUCKDB_FILE, VIEWS_SQL
from pipeline.frames import empty_frame
from pipeline.incremental import META_FILE
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


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def version_id(build_dir: Path, meta: dict) -> str:
    """Content hash of the staged parts and the meta: the same night gives the same version."""
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for table in TABLES:
        for part in staging.parts(build_dir, table):
            digest.update(f"{table}/{part.name}".encode())
            with part.open("rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_duckdb(db_path: Path, parquet_root: Path, views_sql: Path = VIEWS_SQL) -> dict[str, int]:
    """A DuckDB file with one table per Parquet folder (rows in canonical order), the views and
    the table contract as comments."""
    counts: dict[str, int] = {}
    # A bounded memory limit makes DuckDB spill large sorts to disk instead of growing with the corpus.
    con = duckdb.connect(str(db_path), config={"memory_limit": "512MB"})
    try:
        for table, model in TABLES.items():
            files = staging.parts(parquet_root, table)
            if files:
                src = "[" + ", ".join(_sql_string(str(f)) for f in files) + "]"
                order = ", ".join(f'"{k}"' for k in staging.SORT_KEYS[table])
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({src}) ORDER BY {order}")
            else:  # no part at all: the contract's columns, no rows
                empty = empty_frame(table).to_arrow()  # noqa: F841 (read by DuckDB's replacement scan)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
            con.execute(f"COMMENT ON TABLE {table} IS {_sql_string(table_description(model))}")
            for column, text in descriptions(model).items():
                con.execute(f"COMMENT ON COLUMN {table}.{column} IS {_sql_string(text)}")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        con.execute(views_sql.read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


# The key whose rows a changed part replaces; tables without one are reloaded whole.
DELTA_KEYS = {
    "raw_files": "source_path",
    "articles": "article_id",
    "article_sources": "source_path",
    "sentences": "sentence_id",
    "figures": "figure_id",
    "attributions": "attribution_id",
    "events": "event_id",
    "event_places": "event_id",
    "places": "place_id",
}
VIEWS_HASH_FILE = "_views.sha256"


def _meta(version_dir: Path) -> dict | None:
    try:
        return json.loads((version_dir / META_FILE).read_text())
    except (OSError, ValueError):
        return None


def _views_hash(views_sql: Path) -> str:
    return hashlib.sha256(views_sql.read_bytes()).hexdigest()


def _same_views(version_dir: Path, views_sql: Path) -> bool:
    path = version_dir / VIEWS_HASH_FILE
    return path.exists() and path.read_text() == _views_hash(views_sql)


def update_duckdb(db_path: Path, previous: Path, target: Path) -> dict[str, int]:
    """Bring a copy of the previous version's DuckDB file to the new version by delta.

    A part present in both versions (the same file, hard-linked) is already loaded. For each table,
    the rows of the parts that left are deleted by key and the new parts are inserted, so a night
    with few new files costs in proportion to them, not to the warehouse.
    """
    counts: dict[str, int] = {}
    con = duckdb.connect(str(db_path), config={"memory_limit": "512MB"})
    try:
        for table in TABLES:
            old = {p.stat().st_ino: p for p in staging.parts(previous, table)}
            new = {p.stat().st_ino: p for p in staging.parts(target, table)}
            gone = [p for ino, p in old.items() if ino not in new]
            added = [p for ino, p in new.items() if ino not in old]
            key = DELTA_KEYS.get(table)
            if key is None and (gone or added):
                con.execute(f"DELETE FROM {table}")
                gone, added = [], list(new.values())
            if gone:
                con.execute(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM read_parquet({_files(gone)}))')
            if added:
                con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet({_files(added)})")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join(_sql_string(str(p)) for p in sorted(paths)) + "]"


def publish(build_dir: Path, warehouse_dir: Path, meta: dict, views_sql: Path = VIEWS_SQL) -> Published:
    """Publish the staged parts of build_dir as the new warehouse version, atomically.

    `meta` (e.g. the extractor version) is stored beside the parts as _meta.json.
    """
    version = version_id(build_dir, meta)
    versions = warehouse_dir / ".versions"
    versions.mkdir(parents=True, exist_ok=True)
    target = versions / version
    link = warehouse_dir / "parquet"
    db_path = warehouse_dir / DUCKDB_FILE
    current = os.readlink(link) if link.is_symlink() else None
    if current == f".versions/{version}" and db_path.exists() and target.exists():
        counts = _counts(db_path)
        _prune_versions(versions, keep={version})
        return Published(version, db_path, link, counts, reused=True)

    if not target.exists():
        staging_dir = versions / f".{version}.{os.getpid()}.partial"
        shutil.rmtree(staging_dir, ignore_errors=True)
        for table in TABLES:
            (staging_dir / table).mkdir(parents=True)
            for part in staging.parts(build_dir, table):
                staging.link_part(part, staging_dir, table)
        (staging_dir / META_FILE).write_text(json.dumps(meta, sort_keys=True, indent=1))
        os.replace(staging_dir, target)
        _fsync_dir(versions)

    tmp_db = warehouse_dir / f".{DUCKDB_FILE}.{os.getpid()}.tmp"
    tmp_db.unlink(missing_ok=True)
    previous = versions / Path(current).name if current else None
    counts = None
    if (
        previous is not None and previous.is_dir() and db_path.exists() and _same_views(previous, views_sql)
        and _meta(previous) == meta  # same code and contracts: the loaded rows and columns still hold
    ):
        shutil.copyfile(db_path, tmp_db)  # the readers' file is never written in place
        try:
            counts = update_duckdb(tmp_db, previous, target)
        except duckdb.Error:
            tmp_db.unlink(missing_ok=True)  # anything unexpected: rebuild from the parts
    delta = counts is not None
    if counts is None:
        counts = build_duckdb(tmp_db, target, views_sql)
    (target / VIEWS_HASH_FILE).write_text(_views_hash(views_sql))

    tmp_link = warehouse_dir / f".parquet.{os.getpid()}.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path(".versions") / version)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(tmp_link, link)
    os.replace(tmp_db, db_path)
    _fsync_dir(warehouse_dir)
    _prune_versions(versions, keep={version})
    return Published(version, db_path, link, counts, reused=False, delta=delta)


def _counts(db_path: Path) -> dict[str, int]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
    finally:
        con.close()


def _prune_versions(versions: Path, keep: set[str]) -> None:
    """Drop old versions and leftovers of crashed runs, keeping the newest KEEP_VERSIONS."""
    entries = sorted(versions.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = 0
    for p in entries:
        if p.name in keep:
            continue
        if p.name.endswith(".partial") or kept >= KEEP_VERSIONS - 1:
            shutil.rmtree(p, ignore_errors=True)
        else:
            kept += 1

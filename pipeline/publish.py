"""Parquet datasets and the DuckDB file, published atomically.

A night writes a new version beside the old one: `.versions/<id>/<table>.parquet` and a new DuckDB
file, then swaps them in by rename (the `parquet` symlink and `factwire.duckdb`). A reader with the
old file open keeps reading the old version; a crash before the renames leaves the last good
warehouse untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipeline.config import DUCKDB_FILE, VIEWS_SQL
from schemas import TABLES, descriptions, table_description

WAREHOUSE_TABLES = tuple(TABLES)
KEEP_VERSIONS = 2


@dataclass(frozen=True)
class Published:
    version: str
    duckdb_path: Path
    parquet_dir: Path
    row_counts: dict[str, int]


def write_parquet(df: pl.DataFrame, path: Path) -> Path:
    """Write one table atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp, compression="zstd", statistics=True)
    os.replace(tmp, path)
    return path


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _version_id(build_dir: Path, meta: dict) -> str:
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for table in WAREHOUSE_TABLES:
        digest.update(table.encode())
        digest.update((build_dir / f"{table}.parquet").read_bytes())
    return digest.hexdigest()[:16]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_duckdb(db_path: Path, parquet_dir: Path, views_sql: Path = VIEWS_SQL) -> dict[str, int]:
    """Create a DuckDB file with one table per Parquet file, the views, and the contract as comments."""
    counts: dict[str, int] = {}
    con = duckdb.connect(str(db_path))
    try:
        for table, model in TABLES.items():
            src = _sql_string(str(parquet_dir / f"{table}.parquet"))
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({src})")
            con.execute(f"COMMENT ON TABLE {table} IS {_sql_string(table_description(model))}")
            for column, text in descriptions(model).items():
                con.execute(f"COMMENT ON COLUMN {table}.{column} IS {_sql_string(text)}")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        con.execute(views_sql.read_text(encoding="utf-8"))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def publish(build_dir: Path, warehouse_dir: Path, meta: dict, views_sql: Path = VIEWS_SQL) -> Published:
    """Publish the staged tables of build_dir as the new warehouse version, atomically.

    `meta` (e.g. the extractor version) is stored beside the Parquet files as _meta.json.
    """
    version = _version_id(build_dir, meta)
    versions = warehouse_dir / ".versions"
    target = versions / version
    staging = versions / f".{version}.{os.getpid()}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for table in WAREHOUSE_TABLES:
        shutil.copyfile(build_dir / f"{table}.parquet", staging / f"{table}.parquet")
    (staging / "_meta.json").write_text(json.dumps(meta, sort_keys=True, indent=1))
    if target.exists():  # the same content was published before: reuse it
        shutil.rmtree(staging)
    else:
        os.replace(staging, target)
    _fsync_dir(versions)

    db_path = warehouse_dir / DUCKDB_FILE
    tmp_db = warehouse_dir / f".{DUCKDB_FILE}.{os.getpid()}.tmp"
    tmp_db.unlink(missing_ok=True)
    counts = build_duckdb(tmp_db, target, views_sql)

    link = warehouse_dir / "parquet"
    tmp_link = warehouse_dir / f".parquet.{os.getpid()}.tmp"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path(".versions") / version)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(tmp_link, link)
    os.replace(tmp_db, db_path)
    _fsync_dir(warehouse_dir)
    _prune_versions(versions, keep={version})
    return Published(version, db_path, link, counts)


def _prune_versions(versions: Path, keep: set[str]) -> None:
    """Drop old versions and leftovers of crashed runs, keeping the newest KEEP_VERSIONS."""
    entries = sorted((p for p in versions.iterdir()), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = 0
    for p in entries:
        if p.name in keep:
            continue
        if p.name.endswith(".partial") or kept >= KEEP_VERSIONS - 1:
            shutil.rmtree(p, ignore_errors=True)
        else:
            kept += 1

"""Dagster's SQLite instance storage, with one SQLAlchemy engine per database file instead of one per query.

Dagster's SQLite run, event-log and schedule storages call `create_engine` for every connection they open,
and so compile every SQL statement again (SQLAlchemy caches compiled statements per engine). A night's run
stores about 100 events, each through several connections: measured on a 1% night at 100,000 files, the
same run spends 0.5-1.0 s less with the engines kept. Each engine also keeps its SQLite connections open
between transactions (QueuePool, SQLAlchemy's default for a SQLite file) instead of opening and
closing one per transaction (NullPool): about 360 connections on such a night. A connection kept in the pool
holds no transaction and no lock (it is rolled back when returned), so several processes (the run, the UI,
the daemon) share the files exactly as before; the files, tables and migrations are Dagster's own.

Every connection also sets `PRAGMA synchronous=NORMAL`. Dagster keeps its SQLite files in WAL mode, where
SQLite's default (FULL) syncs the log to disk at every commit: about 300 commits a night, 0.8-5 ms each
on this machine's disk, on the run's critical path. With NORMAL a commit is durable once the log is
checkpointed (the SQLite documentation's recommended setting for WAL): a power cut may lose the last
events of the run history, never corrupt the file, and nothing of the warehouse (DuckDB and Parquet,
published by rename) depends on them.

`dagster.yaml` selects it with `storage: custom: {module: assets.storage, class: FactwireSqliteStorage}`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Engines kept per process. The event log has a database per run: a UI process browsing many runs keeps
# only the most recent ones (an engine's statement cache is a few hundred KB).
MAX_ENGINES = 16

_engines: OrderedDict[tuple[str, bool], Engine] = OrderedDict()
_engines_lock = threading.Lock()


def engine_for(conn_string: str, busy_timeout: bool = False) -> Engine:
    """The process's engine for one SQLite file, created on first use, with a pool of open connections
    (any thread may take one: check_same_thread off, as SQLAlchemy sets it for a file database)."""
    key = (conn_string, busy_timeout)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            _engines.move_to_end(key)
            return engine
        connect_args: dict[str, Any] = {"check_same_thread": False}
        if busy_timeout:
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_SECONDS
        kwargs: dict[str, Any] = {"poolclass": QueuePool, "connect_args": connect_args}
        engine = _engines[key] = create_engine(conn_string, **kwargs)
        event.listen(engine, "connect", _sync_at_checkpoints)
        if len(_engines) > MAX_ENGINES:
            _engines.popitem(last=False)[1].dispose()
        return engine


def close_engines(prefix: str) -> None:
    """Close the process's engines for the files whose connection string starts with `prefix`, and their
    pooled connections. SQLite checkpoints a file's write-ahead log into it and deletes the log when its
    last connection closes; a process that ends with connections open (`factwire run` exits without the
    interpreter's teardown) leaves the log behind: 2.7 MB for each run's event-log file, 215 MB after 80
    nights, read again by whoever opens that run."""
    with _engines_lock:
        for key in [k for k in _engines if k[0].startswith(prefix)]:
            _engines.pop(key).dispose()


def _sync_at_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """A new SQLite connection syncs its WAL at checkpoints, not at every commit (module docstring)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachedEngineRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage (runs.db), on the process's engine for the file."""

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with engine_for(self._conn_string).connect() as conn, conn.begin():
            yield conn

    # What its `dispose` closes: its own file, or (set by `FactwireSqliteStorage`) every file of the instance,
    # since Dagster's instance disposes its run and event-log storages but not its schedule storage.
    closes: str | None = None

    def dispose(self) -> None:
        super().dispose()
        close_engines(self.closes or self._conn_string)


class CachedEngineScheduleStorage(SqliteScheduleStorage):
    """Dagster's SQLite schedule storage (schedules.db), on the process's engine for the file."""

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with engine_for(self._conn_string).connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        close_engines(self._conn_string)


class CachedEngineEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log (index.db and a database per run), on the process's engine
    for each file. A shard is initialised (tables, Alembic stamp) on its first use in the process, as in
    the parent class."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._tables_found: set[str] = set()  # before the parent's __init__, which may ask has_table
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Whether the index shard has the table, asked on the process's engine for the file (the parent
        class creates an engine per call, and Dagster asks before storing each asset event's tags: about
        40 calls a night, 1.7 ms each). A table found is remembered: Dagster's migrations add tables and
        drop none."""
        if table_name in self._tables_found:
            return True
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    def dispose(self) -> None:
        super().dispose()
        close_engines(self.conn_string_for_shard("").removesuffix(".db"))  # the index and every run's file

    def _engine(self, shard: str) -> Engine:
        """The process's engine for a shard's file (waiting on a busy database, as Dagster's does)."""
        return engine_for(self.conn_string_for_shard(shard), busy_timeout=True)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn


class FactwireSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage layout under `base_dir` (history/runs.db, history/runs/*.db,
    schedules/schedules.db), read and written through the cached-engine storages above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = CachedEngineRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = CachedEngineEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = CachedEngineScheduleStorage.from_local(_schedule_directory(base_dir))
        self._run_storage.closes = create_db_conn_string(base_dir, "").removesuffix(".db")
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, str]
    ) -> FactwireSqliteStorage:
        return cls(inst_data=inst_data, **config_value)

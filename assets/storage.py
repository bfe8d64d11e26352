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

Dagster also reads its Alembic migration scripts (89 files, executed to find the schema's head revision:
30-50 ms each time) for every database it opens and for every run's new file, twice there: five times a
night, about 0.2 s of a small night's single-core start. Here a database already stamped with a revision
is taken as it is without them (Dagster reads them only to do nothing then), and a new run's file is a
copy of an empty one initialised once per Dagster version (tables, write-ahead log, Alembic stamp at the
head revision: 40 ms of every run's start, 1 ms copied); a new instance is initialised by Dagster itself.
The event log's answers to "has this data migration run" and "has the asset table this column" (asked for
every asset event: 80 queries a night, 24 ms) are kept once found: migrations add, never remove.

`dagster.yaml` selects it with `storage: custom: {module: assets.storage, class: FactwireSqliteStorage}`.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine, get_alembic_config
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from dagster.version import __version__ as DAGSTER_VERSION
from sqlalchemy import event, text
from sqlalchemy import exc as db_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

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


@functools.cache
def schema_scripts() -> ScriptDirectory:
    """Dagster's Alembic scripts (one set for its run, event-log and schedule databases), read once per
    process; the revision map they build is kept with them."""
    return ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__))


def is_stamped(engine: Engine, table: str | None = None) -> bool:
    """Whether the database has an Alembic revision (and `table`): when it has, Dagster's initialisation
    leaves it as it is (it compares nothing else), which this asks without reading the scripts."""
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() is None:
            return False
        return table is None or bool(engine.dialect.has_table(conn, table))


def stamped_file(base_dir: str, name: str, table: str | None = None) -> str | None:
    """The connection string of base_dir/<name>.db when the file exists and `is_stamped` (with `table`):
    a storage may open it as it is; None when Dagster's own initialisation is needed."""
    conn_string = create_db_conn_string(base_dir, name)
    if os.path.exists(os.path.join(base_dir, f"{name}.db")) and is_stamped(engine_for(conn_string), table):
        return conn_string
    return None


def _remembered(found: set[str], name: str, ask: Callable[[str], bool]) -> bool:
    """`ask(name)`, answered from `found` once it was True: Dagster's migrations add tables, columns and
    completed data migrations to its databases and remove none."""
    if name in found:
        return True
    if ask(name):
        found.add(name)
        return True
    return False


def init_run_shard(conn: Connection) -> None:
    """Initialise a run's new event-log file as Dagster does (write-ahead log, tables, Alembic stamp at the
    head revision, from the scripts read once per process), and commit."""
    # the log first: the tables' 47 statements then commit without a sync each (measured 0.02 s, not 0.05)
    conn.execute(text("PRAGMA journal_mode=WAL"))
    SqlEventLogStorageMetadata.create_all(conn)
    MigrationContext.configure(conn).stamp(schema_scripts(), "head")
    conn.commit()


def _sync_at_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """A new SQLite connection syncs its WAL at checkpoints, not at every commit (module docstring)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachedEngineRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage (runs.db), on the process's engine for the file."""

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None) -> Self:
        """The storage of base_dir/runs.db; initialised by Dagster unless it is stamped and complete."""
        conn_string = stamped_file(base_dir, "runs", "instance_info")
        return cls(conn_string, inst_data) if conn_string else super().from_local(base_dir, inst_data)

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

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None) -> Self:
        """The storage of base_dir/schedules.db; initialised by Dagster unless it is stamped."""
        conn_string = stamped_file(base_dir, "schedules")
        return cls(conn_string, inst_data) if conn_string else super().from_local(base_dir, inst_data)

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
        self._indexes_found: set[str] = set()
        self._asset_key_columns: set[str] = set()
        super().__init__(base_dir, inst_data)

    def has_secondary_index(self, name: str) -> bool:
        """Whether a data migration of the index shard has completed; one found is remembered."""
        return _remembered(self._indexes_found, name, super().has_secondary_index)

    def has_asset_key_col(self, column_name: str) -> bool:
        """Whether the index shard's asset_keys table has the column; a column found is remembered."""
        return _remembered(self._asset_key_columns, column_name, super().has_asset_key_col)

    def has_table(self, table_name: str) -> bool:
        """Whether the index shard has the table, asked on the process's engine for the file (the parent
        class creates an engine per call, and Dagster asks before storing each asset event's tags: about
        40 calls a night, 1.7 ms each). A table found is remembered."""
        return _remembered(self._tables_found, table_name, self._index_has_table)

    def _index_has_table(self, table_name: str) -> bool:
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        super().dispose()
        close_engines(self.conn_string_for_shard("").removesuffix(".db"))  # the index and every run's file

    def _initdb(self, engine: Engine, for_index_shard: bool = False) -> None:
        """Dagster's initialisation of a shard's file (tables, write-ahead log, Alembic stamp at the head
        revision), skipped for a stamped file (a new run's file copied from the template is one) and done
        from the process's scripts otherwise; a new index, or a run's file another process is initialising
        at the same time, is left to Dagster (which retries)."""
        if is_stamped(engine):
            return
        if for_index_shard:
            super()._initdb(engine, for_index_shard=True)
            return
        try:
            with engine.connect() as conn:
                init_run_shard(conn)
        except (db_exc.DatabaseError, sqlite3.DatabaseError):
            super()._initdb(engine)

    def _run_shard_template(self) -> str | None:
        """The path of an empty run file initialised for this Dagster version (`init_run_shard`), made on
        first use; None when it cannot be made here. Named without `.db`: Dagster takes every `*.db` of
        the folder for a run's."""
        template = os.path.join(self._base_dir, f".run-template-{DAGSTER_VERSION}.sqlite")
        if os.path.exists(template):
            return template
        tmp = f"{template}.{os.getpid()}.tmp"
        try:
            engine = create_engine(f"sqlite:///{tmp}", poolclass=NullPool)
            try:
                with engine.connect() as conn:
                    init_run_shard(conn)
                    conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            finally:
                engine.dispose()  # the last connection closed: the log is folded into the file and removed
            os.replace(tmp, template)
            return template
        except (OSError, db_exc.DatabaseError, sqlite3.DatabaseError):
            return None
        finally:
            for leftover in (tmp, f"{tmp}-wal", f"{tmp}-shm"):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def _new_run_shard(self, shard: str) -> None:
        """A run's file, when it does not exist yet, as a copy of the template (put in place by a link, which
        fails if another process made the file meanwhile: that one is then initialised as usual)."""
        path = self.path_for_shard(shard)
        if os.path.exists(path) or (template := self._run_shard_template()) is None:
            return
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            shutil.copyfile(template, tmp)
            os.link(tmp, path)
        except OSError:
            pass
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _engine(self, shard: str) -> Engine:
        """The process's engine for a shard's file (waiting on a busy database, as Dagster's does)."""
        return engine_for(self.conn_string_for_shard(shard), busy_timeout=True)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            first_use = shard not in self._initialized_dbs
            if first_use and shard != INDEX_SHARD_NAME:
                self._new_run_shard(shard)
            engine = self._engine(shard)
            if first_use:
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

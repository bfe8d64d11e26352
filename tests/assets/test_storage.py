"""assets.storage: Dagster's SQLite storage on one engine per database file, in Dagster's own layout."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from sqlalchemy import text

from assets import storage
from pipeline.cli import _INSTANCE_YAML_V1, INSTANCE_YAML, dagster_home
from pipeline.config import load_settings


@dg.asset
def tiny() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = dagster_home(load_settings(tmp_path / "raw", tmp_path / "wh"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_the_instance_uses_the_cached_engine_storages_and_records_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, monkeypatch)
    assert (home / "dagster.yaml").read_text() == INSTANCE_YAML
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, storage.CachedEngineRunStorage)
        assert isinstance(instance.event_log_storage, storage.CachedEngineEventLogStorage)
        assert isinstance(instance.schedule_storage, storage.CachedEngineScheduleStorage)
        result = dg.materialize([tiny], instance=instance)
        assert result.success
        event = instance.get_latest_materialization_event(dg.AssetKey("tiny"))
        assert event is not None and event.asset_materialization.metadata["rows"].value == 3
    # Dagster's own layout and tables: its default storage (what an earlier dagster.yaml selects) reads the run
    (home / "dagster.yaml").write_text(_INSTANCE_YAML_V1)
    with dg.DagsterInstance.get() as default:
        assert not isinstance(default.run_storage, storage.CachedEngineRunStorage)
        assert default.get_run_by_id(result.run_id) is not None
        assert default.get_latest_materialization_event(dg.AssetKey("tiny")) is not None


def test_a_disposed_instance_leaves_no_write_ahead_log_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing the instance closes its files' pooled connections, so SQLite folds each write-ahead log
    into its database and deletes it (a process that ends without closing them leaves every run's log)."""
    home = _home(tmp_path, monkeypatch)
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([tiny], instance=instance)
        assert list(home.rglob("*.db-wal"))  # the run's events are in the logs while the instance is open
    assert list(home.rglob("*.db-wal")) == []
    with dg.DagsterInstance.get() as again:  # and the next instance opens new connections
        assert again.get_run_by_id(result.run_id) is not None
        assert again.get_latest_materialization_event(dg.AssetKey("tiny")) is not None


def _schema(db: Path) -> tuple[list[tuple[str, str]], list[tuple[str]], str]:
    """A SQLite file's tables and indexes (name, SQL), its Alembic revision and its journal mode."""
    with sqlite3.connect(db) as conn:
        objects = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    return objects, revision, mode


def test_a_new_runs_file_is_initialised_as_dagster_initialises_it(tmp_path: Path) -> None:
    """A run's new file gets Dagster's tables, write-ahead log and head revision: the folder's first from the
    scripts (read once per process), which also makes the template; later ones are copies of the template,
    without the scripts. A stamped file is left as it is, and the template is taken for no run."""
    ours = storage.CachedEngineEventLogStorage(str(tmp_path / "ours"))
    dagsters = SqliteEventLogStorage(str(tmp_path / "dagster"))
    for events in (ours, dagsters):
        with events._connect("run-1"):
            pass
    expected = _schema(tmp_path / "dagster" / "run-1.db")
    assert _schema(tmp_path / "ours" / "run-1.db") == expected
    objects, revision, mode = expected
    assert revision == [(storage.schema_scripts().get_current_head(),)] and mode == "wal"
    assert any(name == "event_logs" for name, _ in objects)
    templates = list((tmp_path / "ours").glob(".run-template-*.sqlite"))
    assert len(templates) == 1 and ours.get_all_run_ids() == ["run-1"]

    def no_scripts() -> None:
        raise AssertionError("read the scripts")

    again = storage.CachedEngineEventLogStorage(str(tmp_path / "ours"))
    original, storage.schema_scripts = storage.schema_scripts, no_scripts
    try:
        with again._connect("run-1") as conn:  # stamped: taken as it is
            assert conn.execute(text("SELECT count(*) FROM event_logs")).scalar() == 0
        with again._connect("run-2") as conn:  # a copy of the template
            assert conn.execute(text("SELECT count(*) FROM event_logs")).scalar() == 0
        assert _schema(tmp_path / "ours" / "run-2.db") == expected
        templates[0].unlink()
        with pytest.raises(AssertionError, match="read the scripts"), again._connect("run-3"):
            pass  # no template: made again from the scripts
    finally:
        storage.schema_scripts = original
    assert sorted(again.get_all_run_ids()) == ["run-1", "run-2"]
    assert not list((tmp_path / "ours").glob("*.tmp*"))  # the failed template's file is not left behind


def test_the_index_answers_as_dagsters_and_remembers_what_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the index has a table, an asset-table column, a completed data migration: Dagster's answers,
    asked again only while they are no (a migration may add what is missing)."""
    _home(tmp_path, monkeypatch)
    with dg.DagsterInstance.get() as instance:
        events = instance.event_log_storage
        assert isinstance(events, storage.CachedEngineEventLogStorage)
        for table in ("asset_event_tags", "asset_keys", "no_such_table"):
            assert events.has_table(table) == SqliteEventLogStorage.has_table(events, table)
        assert events.has_table("asset_event_tags") and not events.has_table("no_such_table")
        asked = {"last_materialization_timestamp": True, "no_such_column": False}
        for column, found in asked.items():
            assert events.has_asset_key_col(column) == SqliteEventLogStorage.has_asset_key_col(events, column) == found
        index = "no_such_migration"
        assert events.has_secondary_index(index) == SqliteEventLogStorage.has_secondary_index(events, index) is False
        events.enable_secondary_index(index)
        assert events.has_secondary_index(index)

        def asked_again(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("asked the database again")

        monkeypatch.setattr(storage, "engine_for", asked_again)
        monkeypatch.setattr(events, "index_connection", asked_again)
        assert events.has_table("asset_event_tags") and events.has_secondary_index(index)
        assert events.has_asset_key_col("last_materialization_timestamp")
        for not_found in (lambda: events.has_table("no_such_table"), lambda: events.has_asset_key_col("no_such_column")):
            with pytest.raises(AssertionError, match="asked the database again"):
                not_found()


def test_stamped_run_and_schedule_files_are_opened_without_dagsters_initialisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path, monkeypatch)
    with dg.DagsterInstance.get() as instance:  # a new instance: Dagster creates and stamps the files
        result = dg.materialize([tiny], instance=instance)

    def initialised_again(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Dagster's initialisation ran")

    for cls in (SqliteRunStorage, SqliteScheduleStorage):
        monkeypatch.setattr(cls, "from_local", classmethod(initialised_again))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(result.run_id) is not None
        assert instance.schedule_storage is not None and instance.schedule_storage.all_instigator_state() == []
    monkeypatch.undo()
    (home / "history" / "runs.db").unlink()  # gone (or not stamped): Dagster initialises it again
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(result.run_id) is None and dg.materialize([tiny], instance=instance).success


def test_one_engine_per_file_and_the_oldest_is_let_go(tmp_path: Path) -> None:
    first = storage.engine_for(f"sqlite:///{tmp_path}/a.db")
    assert storage.engine_for(f"sqlite:///{tmp_path}/a.db") is first
    assert storage.engine_for(f"sqlite:///{tmp_path}/a.db", busy_timeout=True) is not first
    for i in range(storage.MAX_ENGINES):
        storage.engine_for(f"sqlite:///{tmp_path}/{i}.db")
    assert storage.engine_for(f"sqlite:///{tmp_path}/a.db") is not first  # evicted, then made again


def test_instance_config_is_written_upgraded_from_ours_and_left_alone_when_edited(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "raw", tmp_path / "wh")
    config = dagster_home(settings) / "dagster.yaml"
    assert config.read_text() == INSTANCE_YAML
    config.write_text(_INSTANCE_YAML_V1)  # what earlier versions wrote
    dagster_home(settings)
    assert config.read_text() == INSTANCE_YAML
    edited = INSTANCE_YAML + "run_monitoring:\n  enabled: true\n"
    config.write_text(edited)
    dagster_home(settings)
    assert config.read_text() == edited


def test_connections_are_kept_between_transactions_and_hold_no_lock(tmp_path: Path) -> None:
    engine = storage.engine_for(f"sqlite:///{tmp_path}/k.db")
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        kept = conn.connection.dbapi_connection
    with engine.connect() as conn, conn.begin():
        assert conn.connection.dbapi_connection is kept  # the pool's, not a new one per transaction
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    # an idle pooled connection holds no transaction: another process's writer is never kept waiting
    other = sqlite3.connect(tmp_path / "k.db", timeout=0)
    other.execute("INSERT INTO t VALUES (2)")
    other.commit()
    other.close()
    # Dagster writes events from more than one thread: a pooled connection serves any of them
    counted: list[int] = []

    def count() -> None:
        with engine.connect() as conn:
            counted.append(conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one())

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    assert counted == [2]


def test_connections_sync_the_wal_at_checkpoints_not_at_every_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _home(tmp_path, monkeypatch)
    with dg.DagsterInstance.get() as instance:
        assert dg.materialize([tiny], instance=instance).success
        run_storage = instance.run_storage
        assert isinstance(run_storage, storage.CachedEngineRunStorage)
        with run_storage.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"  # Dagster's own setting
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL (FULL is 2)
    plain = sqlite3.connect(tmp_path / "plain.db")  # a connection of another program keeps SQLite's default
    assert plain.execute("PRAGMA synchronous").fetchone()[0] == 2
    plain.close()

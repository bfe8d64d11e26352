"""The Definitions object: every asset, check, job, schedule and sensor present and loadable."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from assets.automation import new_raw_files_sensor
from assets.definitions import build_defs, defs
from assets.resources import FactwirePaths
from pipeline.config import load_settings
from tests.conftest import night_held_elsewhere


def _tick(paths: FactwirePaths, cursor: str | None = None) -> dg.SensorResult:
    """One evaluation of the sensor, as the daemon makes it: resources opened and closed around it."""
    with dg.build_sensor_context(cursor=cursor, resources={"paths": paths}) as context:
        return new_raw_files_sensor(context)


ASSETS = {"raw_files", "articles", "article_sources", "sentences", "figures", "attributions", "events",
          "event_places", "places", "warehouse"}


def test_definitions_load_with_every_asset_and_check() -> None:
    d = defs()
    dg.Definitions.validate_loadable(d)
    keys = {k.to_user_string() for k in d.resolve_asset_graph().get_all_asset_keys()}
    assert ASSETS <= keys
    check_names = {k.name for k in d.resolve_asset_graph().asset_check_keys}
    assert {"figures_schema", "figures_evidence", "attributions_evidence", "events_evidence"} <= check_names
    assert d.resolve_job_def("nightly_job")
    assert d.resolve_schedule_def("nightly_schedule").cron_schedule == "0 2 * * *"
    assert d.resolve_sensor_def("new_raw_files_sensor")


def test_every_asset_has_description_group_kinds_and_owner() -> None:
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in {"ingest", "extract", "publish"}, key
        assert node.kinds, key
        assert node.owners == ["team:factwire"], key


def test_sensor_requests_one_run_per_new_raw_state(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(" date 2022-09-19 x\n\nShelling hit Kharkiv, officials said.")
    paths = FactwirePaths.from_settings(load_settings(raw, tmp_path / "wh"))
    first = _tick(paths)
    assert len(first.run_requests) == 1
    again = _tick(paths, first.cursor)
    assert not again.run_requests
    (raw / "b.txt").write_text("Another article about floods in Sydney, police said.")
    third = _tick(paths, first.cursor)
    assert len(third.run_requests) == 1 and third.run_requests[0].run_key != first.run_requests[0].run_key
    # nothing is published yet: both files are new to the warehouse
    assert third.run_requests[0].tags["factwire/changed_files"] == "2"
    assert len(third.cursor) == 16  # a digest, not an inventory: the cursor stays small at 100,000 files


def test_sensor_skips_a_folder_the_published_warehouse_was_built_from(seed_warehouse: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(seed_warehouse.parent / "raw", raw)  # copy2 keeps mtimes: the published hashes apply
    paths = FactwirePaths.from_settings(load_settings(raw, seed_warehouse))
    fresh = _tick(paths)
    assert not fresh.run_requests and fresh.skip_reason and "published" in fresh.skip_reason.skip_message
    (raw / "late.txt").write_text(" date 2022-09-19 x\n\nShelling hit Izium, officials said.")
    added = _tick(paths, fresh.cursor)
    assert added.run_requests and added.run_requests[0].tags["factwire/changed_files"] == "1"


def test_sensor_waits_while_a_night_is_running(tmp_path: Path) -> None:
    """No run is requested while a night holds the warehouse, and the cursor stays: the next tick looks
    at the folder again."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(" date 2022-09-19 x\n\nShelling hit Kharkiv, officials said.")
    paths = FactwirePaths.from_settings(load_settings(raw, tmp_path / "wh"))
    with night_held_elsewhere(tmp_path / "wh") as pid:
        busy = _tick(paths, "before")
    assert not busy.run_requests and busy.cursor is None
    assert busy.skip_reason and f"a night is running on the warehouse (pid {pid}," in busy.skip_reason.skip_message
    after = _tick(paths, "before")
    assert len(after.run_requests) == 1


def test_a_run_stops_before_any_step_while_another_night_holds_the_warehouse(seed_raw_dir: Path,
                                                                             tmp_path: Path) -> None:
    """A run launched from the UI, the schedule or the sensor while another night runs fails at its start,
    with the reason, and writes nothing."""
    warehouse = tmp_path / "wh"
    job = build_defs(load_settings(seed_raw_dir, warehouse)).resolve_job_def("nightly_job")
    with night_held_elsewhere(warehouse) as pid:
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    assert not [e for e in result.all_events if e.is_step_start]
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    assert f"a factwire night is already running on {warehouse} (pid {pid}," in str(failure.event_specific_data)
    assert sorted(p.name for p in warehouse.iterdir()) == [".lock"]


def test_build_defs_binds_the_given_folders(tmp_path: Path) -> None:
    d = build_defs(load_settings(tmp_path / "raw", tmp_path / "wh"))
    assert d.resources["paths"].raw_dir == str((tmp_path / "raw").resolve())

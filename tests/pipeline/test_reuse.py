"""A night with nothing new is recognised without starting the job; anything that would change the
published version (raw files, code, gold, views, a missing DuckDB file) makes it run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import incremental, nightly, publish, reuse, versions
from pipeline.config import DEFAULT_GOLD_DIR, PROJECT_ROOT, Settings, load_settings
from tests.conftest import LEE_005_TEXT, SEED


def factwire_run(raw: Path, wh: Path, *flags: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--warehouse", str(wh),
         "--log-level", "WARNING", *flags],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr  # the run exits without teardown: nothing leaked, nothing said
    return proc.stdout


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One published night on the seed, through the CLI."""
    tmp = tmp_path_factory.mktemp("reuse")
    raw = tmp / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    assert "warehouse published" in factwire_run(raw, tmp / "wh")
    return load_settings(raw, tmp / "wh")


def test_second_run_on_the_same_folder_stops_before_the_job_and_force_runs_it(night: Settings) -> None:
    version = night.warehouse_dir.joinpath("parquet").resolve().name
    out = factwire_run(night.raw_dir, night.warehouse_dir)
    assert out.startswith(f"warehouse up to date: version {version}")
    forced = factwire_run(night.raw_dir, night.warehouse_dir, "--force")
    assert "warehouse published" in forced
    assert night.warehouse_dir.joinpath("parquet").resolve().name == version  # the job agrees: same version


def test_a_folder_touched_with_nothing_new_starts_workers_on_chance_and_lets_them_go_quietly(night: Settings) -> None:
    """A file dropped and taken back changes the raw folder's mtime: the check starts extraction workers
    on the chance of a small night, finds nothing new, and lets them go before it exits (no leaked
    semaphores reported by the resource tracker: `factwire_run` asserts an empty stderr)."""
    assert not versions.likely_small_night(night.raw_dir, night.warehouse_dir)
    time.sleep(0.05)  # past the file system's timestamp tick
    dropped = night.raw_dir / "dropped.txt"
    dropped.write_text(LEE_005_TEXT)
    dropped.unlink()
    assert versions.likely_small_night(night.raw_dir, night.warehouse_dir)
    assert factwire_run(night.raw_dir, night.warehouse_dir).startswith("warehouse up to date")


def test_up_to_date_names_the_published_version(night: Settings) -> None:
    assert reuse.up_to_date(night) == night.warehouse_dir.joinpath("parquet").resolve().name


def test_a_new_a_touched_or_a_removed_raw_file_makes_the_night_run(night: Settings) -> None:
    raw_file = night.raw_dir / SEED.name
    new = night.raw_dir / "lee-bg-005.txt"
    new.write_text(LEE_005_TEXT)
    assert reuse.up_to_date(night) is None
    new.unlink()
    assert reuse.up_to_date(night) is not None
    st = raw_file.stat()
    os.utime(raw_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # same bytes, new mtime: raw_files changes
    assert reuse.up_to_date(night) is None
    os.utime(raw_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert reuse.up_to_date(night) is not None
    moved = night.raw_dir.parent / "moved.txt"
    raw_file.rename(moved)
    try:
        assert reuse.up_to_date(night) is None
    finally:
        moved.rename(raw_file)


def test_new_code_or_new_views_make_the_night_run(night: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(versions, "extractor_version", lambda: "a-new-rule-set")
        assert reuse.up_to_date(night) is None
    views = night.warehouse_dir.parent / "views.sql"
    views.write_text(publish.VIEWS_SQL.read_text() + "\n-- a new view would go here\n")
    with monkeypatch.context() as m:
        m.setattr(publish, "VIEWS_SQL", views)
        publish.publisher_version.cache_clear()  # computed once per process: the code does not change in a run
        assert reuse.up_to_date(night) is None
    publish.publisher_version.cache_clear()
    assert reuse.up_to_date(night) is not None


def test_changed_gold_or_a_missing_duckdb_file_make_the_night_run(night: Settings, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    shutil.copytree(DEFAULT_GOLD_DIR, gold)
    assert reuse.up_to_date(Settings(night.raw_dir, night.warehouse_dir, gold_dir=gold)) is not None
    (gold / "extra.gold.json").write_text('{"article": "extra.json"}')
    assert reuse.up_to_date(Settings(night.raw_dir, night.warehouse_dir, gold_dir=gold)) is None
    db = night.duckdb_path
    db.rename(db.with_name("aside.duckdb"))
    try:
        assert reuse.up_to_date(night) is None
    finally:
        db.with_name("aside.duckdb").rename(db)


def test_the_check_hands_its_scan_to_the_run_once(night: Settings, tmp_path: Path) -> None:
    plan = reuse.plan_night(night)
    assert plan.published is not None and plan.files is not None
    assert plan.files["source_path"].to_list() == [SEED.name]
    previous = incremental.load_previous(night.warehouse_dir)
    # the check alone leaves nothing behind: a run's raw_files step scans ...
    assert reuse.night_scan(night.raw_dir, previous, None) is not plan.files
    # ... unless the check's scan was handed over: then the step takes it, once; a later call scans
    # again, as does a call for another folder or another published version
    reuse.hand_over_scan(night, plan)
    assert reuse.night_scan(night.raw_dir, previous, None) is plan.files
    assert reuse.night_scan(night.raw_dir, previous, None) is not plan.files
    reuse.hand_over_scan(night, plan)
    assert reuse.night_scan(tmp_path, previous, None).height == 0
    reuse.hand_over_scan(night, plan)
    assert reuse.night_scan(night.raw_dir, None, None) is not plan.files


def test_the_check_hashes_no_new_file_and_the_run_takes_its_scan_with_every_hash(night: Settings) -> None:
    """A file the published manifest does not know makes the night run whatever its content: the check
    leaves it unhashed; the raw_files step, taking the check's scan, hashes it, as a scan of its own would."""
    new = night.raw_dir / "lee-bg-005.txt"
    new.write_text(LEE_005_TEXT)
    try:
        plan = reuse.plan_night(night)
        assert plan.published is None and plan.files is not None
        hashes = dict(plan.files.select("source_path", "sha256").iter_rows())
        assert hashes[new.name] is None and hashes[SEED.name] is not None
        # the files it left unhashed are the ones the manifest does not hold, as a join would find them
        assert plan.new_files().to_list() == [new.name]
        assert nightly.new_files(plan.files, plan.previous).to_list() == [new.name]
        reuse.hand_over_scan(night, plan)
        taken = reuse.night_scan(night.raw_dir, plan.previous, None)
        assert taken.equals(incremental.scan_raw(night.raw_dir))
        assert taken.filter(taken["source_path"] == new.name)["sha256"].item() == incremental._sha256(new)
    finally:
        new.unlink()


def test_a_raw_file_whose_name_is_not_utf8_is_published_under_its_escaped_name(night: Settings) -> None:
    """Such a name used to fail the whole night (the folder's listing raised): the file is parsed like any
    other, its source path recorded with the undecodable byte as \\xe9, and the next night is up to date."""
    import duckdb

    bad = os.fsencode(night.raw_dir) + b"/caf\xe9.txt"
    with open(bad, "wb") as fh:
        fh.write(LEE_005_TEXT.encode())
    try:
        assert "warehouse published" in factwire_run(night.raw_dir, night.warehouse_dir)
        assert reuse.up_to_date(night) is not None
        with duckdb.connect(str(night.duckdb_path), read_only=True) as con:
            rows = con.execute("SELECT s.source_path, a.body FROM article_sources s JOIN articles a USING "
                               "(article_id) WHERE s.source_path LIKE 'caf%'").fetchall()
        assert [path for path, _ in rows] == ["caf\\xe9.txt"] and LEE_005_TEXT[:40] in rows[0][1]
    finally:
        os.unlink(bad)
    assert "warehouse published" in factwire_run(night.raw_dir, night.warehouse_dir)


def test_a_night_with_a_new_file_runs_and_the_next_one_is_up_to_date(night: Settings) -> None:
    new = night.raw_dir / "lee-bg-005.txt"
    new.write_text(LEE_005_TEXT)
    try:
        assert "warehouse published" in factwire_run(night.raw_dir, night.warehouse_dir)
        assert reuse.up_to_date(night) is not None
    finally:
        new.unlink()
    assert "warehouse published" in factwire_run(night.raw_dir, night.warehouse_dir)


def test_a_small_night_leaves_no_multiprocessing_folder_behind(tmp_path: Path) -> None:
    """`factwire run` ends without the interpreter's teardown; a small night starts the extraction workers'
    fork server, whose socket is in a `pymp-*` folder of the system's temporary folder: removed all the same."""
    temp = tmp_path / "temp"
    temp.mkdir()
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)

    def run() -> None:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--warehouse", str(wh),
             "--log-level", "WARNING"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(temp)},
        )
        assert proc.returncode == 0, proc.stderr

    run()
    time.sleep(0.01)  # the next file's mtime after the version's (the small-night guess compares them)
    (raw / "lee-bg-005.txt").write_text(LEE_005_TEXT)
    run()  # a small night: the fork server and its workers start
    assert list(temp.glob("pymp-*")) == []

"""Hostile deliveries, idempotent and incremental nights, atomic publish, readers never blocked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from assets.definitions import build_defs
from pipeline import staging
from pipeline.config import load_settings
from tests.conftest import LEE_005_TEXT, SEED, UA_0001_TEXT, materialization_meta

FACTWIRE = [sys.executable, "-m", "pipeline.cli"]
TABLES = ("raw_files", "articles", "article_sources", "sentences", "figures", "attributions", "events",
          "event_places", "rejects")


def run_night(raw: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    result = build_defs(load_settings(raw, warehouse)).resolve_job_def("nightly_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    return result


def snapshot(warehouse: Path) -> dict[str, pl.DataFrame]:
    """Every published table, in canonical order (parts may be grouped differently night to night)."""
    return {t: staging.read(warehouse / "parquet", t).sort(staging.SORT_KEYS[t], nulls_last=True) for t in TABLES}


def seed_and_ua_0001(tmp_path: Path) -> tuple[Path, Path]:
    """A raw folder with the seed and ua-0001 (two articles), and where its warehouse goes."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    (raw / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    return raw, wh


def hostile_delivery(raw: Path) -> None:
    (raw / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(SEED, raw / "seed.txt")
    shutil.copy(SEED, raw / "nested" / "deeper" / "seed_copy.txt")  # same article, second name
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.txt").write_bytes(b"   \n\n\t  \n")
    (raw / "random.bin").write_bytes(bytes(range(256)) * 40)
    (raw / "nul.txt").write_bytes(b"Kyiv\x00\x00\x00said\x00" * 50)
    (raw / "latin1.txt").write_bytes(" date 2022-03-01 Caf\xe9\n\nThe caf\xe9 in Kharkiv was shelled, officials said.".encode("latin-1"))
    (raw / "utf16.txt").write_bytes(" date 2022-03-02 x\n\nTwo people were killed in Kharkiv, police said.".encode("utf-16"))
    (raw / "no_header.txt").write_text(LEE_005_TEXT)
    (raw / "truncated.json").write_text(json.dumps({"id": "t", "text": UA_0001_TEXT})[:400])
    (raw / "wrong_types.json").write_text(json.dumps({"id": "w", "text": ["not", "a", "string"]}))
    (raw / "batch.jsonl").write_text(
        json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}) + "\n"
        + '{"id": "cut", "text": "half a line\n'
        + json.dumps({"id": "x2", "date": None, "text": "Floods hit Sydney on Monday, police said."}) + "\n"
    )
    (raw / "page.html").write_text(
        "<html><head><title>Shelling</title><script>alert('x')</script></head><body><nav>Home | World</nav>"
        "<article><h1>Shelling</h1><p>Russian forces shelled Kharkiv on Sunday, killing three civilians, "
        "the regional governor said.</p><p>Rescue teams worked through the night, officials said.</p></article>"
        "</body></html>"
    )
    with (raw / "huge.txt").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)


def test_hostile_delivery_every_file_accounted_for(tmp_path: Path) -> None:
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    hostile_delivery(raw)
    run_night(raw, wh)
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    files = {r[0] for r in con.execute("select source_path from raw_files").fetchall()}
    loaded = {r[0].split(":")[0] for r in con.execute("select source_path from article_sources").fetchall()}
    rejected = dict(con.execute("select source_path, reason from rejects where stage in ('read','decode','parse')").fetchall())
    assert files == {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}
    assert files <= loaded | {p.split(":")[0] for p in rejected}
    assert rejected["empty.txt"] == "empty file"
    assert "only whitespace" in rejected["blank.txt"]
    assert "binary" in rejected["random.bin"] and "binary" in rejected["nul.txt"]
    assert "JSON truncated" in rejected["truncated.json"]
    assert "must be a string" in rejected["wrong_types.json"]
    assert "larger than" in rejected["huge.txt"]
    assert "batch.jsonl:2" in rejected and {"batch.jsonl:1", "batch.jsonl:3"} <= {
        r[0] for r in con.execute("select source_path from article_sources").fetchall()}
    assert {"latin1.txt", "utf16.txt", "no_header.txt", "page.html"} <= loaded
    # the seed twice is one article with both paths
    assert con.execute("select count(*) from article_sources where source_path like '%seed%'").fetchone()[0] == 2
    assert con.execute(
        "select count(distinct article_id) from article_sources where source_path like '%seed%'").fetchone()[0] == 1
    for table, key in (("articles", "article_id"), ("figures", "figure_id"), ("attributions", "attribution_id"),
                       ("events", "event_id"), ("sentences", "sentence_id")):
        assert con.execute(f"select count(*) - count(distinct {key}) from {table}").fetchone()[0] == 0, table
    con.close()


def test_same_night_twice_changes_nothing_and_new_file_is_the_only_work(tmp_path: Path) -> None:
    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    first = snapshot(wh)
    second_result = run_night(raw, wh)
    second = snapshot(wh)
    for table in TABLES:
        assert first[table].equals(second[table]), table
    assert materialization_meta(second_result, "articles")["files_parsed"] == 0
    assert materialization_meta(second_result, "figures")["articles_extracted"] == 0

    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    third_result = run_night(raw, wh)
    assert materialization_meta(third_result, "articles")["files_parsed"] == 1
    assert materialization_meta(third_result, "articles")["files_unchanged"] == 2
    assert materialization_meta(third_result, "figures")["articles_extracted"] == 1
    third = snapshot(wh)
    old_ids = set(first["figures"]["figure_id"])
    assert old_ids <= set(third["figures"]["figure_id"])  # unchanged articles keep their rows and ids

    (raw / "ua-0001.json").unlink()  # a file that disappeared takes its rows with it
    run_night(raw, wh)
    fourth = snapshot(wh)
    assert "ua-0001" not in fourth["articles"]["external_id"].to_list()
    gone = set(first["articles"].filter(pl.col("external_id") == "ua-0001")["article_id"])
    assert not gone & set(fourth["sentences"]["article_id"])


def _describe(pid: int) -> str:
    """A process's command line and state, for a failure message."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "gone"
    return f"{state} {cmd[:200]}"


def processes_with(marker: str) -> list[int]:
    """Pids of the live processes whose environment holds `marker` ("NAME=value")."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                environ = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker.encode() in environ and int(proc.name) != os.getpid():
                found.append(int(proc.name))
    return found


def test_kill_9_mid_run_leaves_last_good_warehouse_and_next_night_completes(tmp_path: Path) -> None:
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    marker = f"FACTWIRE_KILL_TEST={tmp_path}"  # inherited by every process of these runs
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "FACTWIRE_KILL_TEST": str(tmp_path)}
    subprocess.run([*FACTWIRE, "run", "--raw", str(raw), "--warehouse", str(wh)], check=True, env=env,
                   capture_output=True)
    good = snapshot(wh)
    for i, delay in enumerate((0.3, 1.0, 1.8, 2.6, 3.4)):
        (raw / f"new_{i}.json").write_text(json.dumps({"text": f"Floods hit Sydney, police said. Case {i}."}))
        proc = subprocess.Popen([*FACTWIRE, "run", "--raw", str(raw), "--warehouse", str(wh)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
        n_articles = con.execute("select count(*) from articles").fetchone()[0]
        con.close()
        # either the last good version or a complete newer one, never a broken file
        assert n_articles >= good["articles"].height
        assert staging.count(wh / "parquet", "articles") == n_articles
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = {pid: _describe(pid) for pid in processes_with(marker)}
    assert not survivors  # no worker outlives its killed run process
    subprocess.run([*FACTWIRE, "run", "--raw", str(raw), "--warehouse", str(wh)], check=True, env=env,
                   capture_output=True)
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    assert con.execute("select count(*) from articles").fetchone()[0] == good["articles"].height + 5
    con.close()


READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(*) from article_sources").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("select count(*) from article_sources").fetchone()[0], flush=True)
"""


def test_open_read_only_session_neither_blocks_nor_sees_half_a_night(tmp_path: Path) -> None:
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    run_night(raw, wh)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(wh / "factwire.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "1"
    (raw / "again.txt").write_text(LEE_005_TEXT)
    run_night(raw, wh)  # must not wait for the reader's lock
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "1"  # the reader keeps its consistent version
    reader.wait(timeout=30)
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    assert con.execute("select count(*) from article_sources").fetchone()[0] == 2
    con.close()


@pytest.mark.parametrize("table", ["figures", "sentences"])
def test_extractor_version_change_reprocesses_everything(tmp_path: Path, monkeypatch, table: str) -> None:
    from pipeline import versions

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    run_night(raw, wh)
    monkeypatch.setattr(versions, "extractor_version", lambda: "a-new-rule-set")
    result = run_night(raw, wh)
    assert materialization_meta(result, table)["articles_extracted"] == 1


def test_parallel_workers_give_the_same_tables_as_one_process(tmp_path: Path, monkeypatch) -> None:
    from pipeline import nightly

    raw = tmp_path / "raw"
    raw.mkdir()
    hostile_delivery(raw)
    (raw / "huge.txt").unlink()
    monkeypatch.setattr(nightly, "FILES_PER_BATCH", 3)  # several batches, so the pool really forks
    monkeypatch.setattr(nightly, "ARTICLES_PER_BATCH", 2)
    tables = {}
    for workers in (1, 2):
        monkeypatch.setenv("FACTWIRE_WORKERS", str(workers))
        run_night(raw, tmp_path / f"wh{workers}")
        tables[workers] = snapshot(tmp_path / f"wh{workers}")
    for table in TABLES:
        assert tables[1][table].drop("mtime_ns", strict=False).equals(
            tables[2][table].drop("mtime_ns", strict=False)), table
    assert tables[2]["figures"].height > 0


def test_no_op_night_reuses_the_published_version(tmp_path: Path) -> None:
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    first = materialization_meta(run_night(raw, wh), "warehouse")
    db_inode = (wh / "factwire.duckdb").stat().st_ino
    second = materialization_meta(run_night(raw, wh), "warehouse")
    assert second["version"] == first["version"] and second["unchanged_version_reused"] is True
    assert (wh / "factwire.duckdb").stat().st_ino == db_inode  # not even rewritten


def test_duckdb_updated_by_delta_equals_the_parquet_dataset(tmp_path: Path) -> None:
    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))  # added
    (raw / "ua-0001.json").unlink()  # removed
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    parquet = snapshot(wh)
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    try:
        for table in TABLES:
            keys = ", ".join(f'"{k}"' for k in staging.SORT_KEYS[table])
            db = con.execute(f"SELECT * FROM {table} ORDER BY {keys}").pl()
            assert db.equals(parquet[table]), table
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] > 0  # views survive the update
    finally:
        con.close()


def _duckdb_equals_parquet(wh: Path) -> None:
    parquet = snapshot(wh)
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    try:
        for table in TABLES:
            keys = ", ".join(f'"{k}"' for k in staging.SORT_KEYS[table])
            assert con.execute(f"SELECT * FROM {table} ORDER BY {keys}").pl().equals(parquet[table]), table
    finally:
        con.close()


def test_delta_from_the_file_before_last_night_equals_the_parquet_dataset(tmp_path: Path) -> None:
    """A delta night updates in place the DuckDB file of the version before the current one (two
    nights of changes at once) unless a reader still holds it, then it updates a copy."""
    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    run_night(raw, wh)
    _duckdb_equals_parquet(wh)
    night_2_file = (wh / "factwire.duckdb").resolve()
    reader = subprocess.Popen([sys.executable, "-c", READER, str(wh / "factwire.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "3"
    (raw / "ua-0001.json").unlink()
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True  # night 1's file
    _duckdb_equals_parquet(wh)
    (raw / "again.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True  # a copy
    _duckdb_equals_parquet(wh)
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "3"  # the reader's file was neither written nor replaced under it
    reader.wait(timeout=30)
    assert (wh / "factwire.duckdb").resolve() != night_2_file


def test_raw_files_keeps_last_nights_part_and_adds_one_for_new_or_changed_files(tmp_path: Path) -> None:
    from pipeline.incremental import scan_raw

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    [first] = staging.parts(wh / "parquet", "raw_files")
    first_inode = first.stat().st_ino

    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))  # new
    assert materialization_meta(run_night(raw, wh), "raw_files")["same_as_last_night"] is False
    kept, added = staging.parts(wh / "parquet", "raw_files")
    assert kept.stat().st_ino == first_inode  # last night's rows: the same file, nothing to reload
    assert pl.read_parquet(added)["source_path"].to_list() == ["lee-bg-005.json"]
    assert snapshot(wh)["raw_files"].equals(scan_raw(raw))

    st = (raw / "ua-0001.json").stat()
    os.utime(raw / "ua-0001.json", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: a new row
    run_night(raw, wh)
    parts = staging.parts(wh / "parquet", "raw_files")
    assert first_inode not in {p.stat().st_ino for p in parts}  # rewritten without the touched file's row
    assert snapshot(wh)["raw_files"].equals(scan_raw(raw))

    before = {p.stat().st_ino for p in parts}
    assert materialization_meta(run_night(raw, wh), "raw_files")["same_as_last_night"] is True
    assert {p.stat().st_ino for p in staging.parts(wh / "parquet", "raw_files")} == before


def _row_groups(wh: Path, table: str) -> int:
    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')").fetchone()[0]
    finally:
        con.close()


def _stored_rows(wh: Path, table: str) -> int:
    from pipeline import publish

    con = duckdb.connect(str(wh / "factwire.duckdb"), read_only=True)
    try:
        return publish._stored_rows(con, table)
    finally:
        con.close()


def test_a_delta_night_that_only_appends_leaves_the_old_row_groups_alone(tmp_path: Path) -> None:
    """An append-only night adds a row group per table and does not rewrite (vacuum) the old ones; a
    night that removes a file deletes that file's rows alone: its part, rewritten less them, inserts
    nothing (the deleted rows stay marked until they pass a fifth of the table: test_publish.py)."""
    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    assert _row_groups(wh, "sentences") == 1
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    assert _row_groups(wh, "sentences") == 2  # appended, not merged into the first
    _duckdb_equals_parquet(wh)
    stored = _stored_rows(wh, "sentences")
    (raw / "ua-0001.json").unlink()  # its part is rewritten without it: some rows of a kept part deleted
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    assert _row_groups(wh, "sentences") == 2 and _stored_rows(wh, "sentences") == stored  # nothing inserted
    _duckdb_equals_parquet(wh)
    edited = LEE_005_TEXT + "\n\nUpdated: three people were injured, police said."
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": edited}))
    run_night(raw, wh)  # an edited file: its old article's rows dropped from their part, the new ones added
    _duckdb_equals_parquet(wh)
    (raw / "new.json").write_text(json.dumps({"id": "new", "text": "Two people were killed in Kharkiv on Monday."}))
    run_night(raw, wh)  # the other file, brought through the edit night by the catch-up, published
    _duckdb_equals_parquet(wh)


def quality_meta(result: dg.ExecuteInProcessResult) -> dict:
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == "warehouse_quality"]
    return {k: v.value for k, v in evaluation.metadata.items()}


def test_quality_score_is_reused_until_the_scored_gold_articles_change(tmp_path: Path, monkeypatch) -> None:
    from assets import checks

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)  # a gold article, found by its file name
    first = quality_meta(run_night(raw, wh))
    assert first["articles_scored"] == 1 and first["score_reused_from_last_night"] is False
    with monkeypatch.context() as m:  # a no-op night: the published version alone says the score holds
        m.setattr(checks, "_quality_fingerprint", lambda *a: pytest.fail("a no-op night read the tables"))
        assert quality_meta(run_night(raw, wh))["score_reused_from_last_night"] is True
    (raw / "other.json").write_text(json.dumps({"id": "lee-x", "text": LEE_005_TEXT}))  # not a gold name
    second = quality_meta(run_night(raw, wh))
    assert second["score_reused_from_last_night"] is True and second["articles_scored"] == 1
    # A second article under the gold article's name makes that name ambiguous: no longer scored.
    header, _, body = SEED.read_text(encoding="utf-8").partition("\n")
    for n in (1, 2):
        (raw / f"copy{n}").mkdir()
        (raw / f"copy{n}" / SEED.name).write_text(f"{header}\n\nReport {n}.\n\n{body}", encoding="utf-8")
        if n == 1:
            third = quality_meta(run_night(raw, wh))
            assert third["score_reused_from_last_night"] is False and third["articles_scored"] == 0
    # A third one changes nothing the scorer sees: the score is reused (a bench's +1% night).
    fourth = quality_meta(run_night(raw, wh))
    assert fourth["score_reused_from_last_night"] is True and fourth["articles_scored"] == 0


def test_quality_fingerprint_reads_only_the_parts_it_has_not_seen(tmp_path: Path, monkeypatch) -> None:
    """The gold names found per part are kept with the score: a night reads its new parts only, and the
    answer equals a full read; parts that left are forgotten."""
    from assets import checks
    from pipeline import compaction, incremental, reuse

    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)  # a gold article, found by its file name
    run_night(raw, wh)
    (raw / "other.json").write_text(json.dumps({"id": "lee-x", "text": LEE_005_TEXT}))
    run_night(raw, wh)
    previous = incremental.load_previous(wh)
    assert previous is not None
    gold, names = reuse.gold_digest(load_settings(raw, wh).gold_dir)
    kept = reuse.read_quality(wh)["gold_matches"]
    assert kept["gold"] == gold
    published = {t: {compaction.part_id(p, i) for p, i in staging.part_inodes(previous.root, t).items()}
                 for t in ("articles", "article_sources")}
    assert {t: set(parts) for t, parts in kept["parts"].items()} == published  # the published parts only
    assert kept["parts"] == checks._gold_matches(previous, names, {})  # as a full read finds them
    seed_id = snapshot(wh)["articles"].filter(pl.col("source_path") == SEED.name)["article_id"].item()
    assert [m for parts in kept["parts"]["articles"].values() for m in parts] == [[SEED.name, seed_id]]
    with monkeypatch.context() as m:  # every part seen: nothing is read
        m.setattr(checks.pl, "scan_parquet", lambda *a, **k: pytest.fail("a seen part was read again"))
        assert checks._gold_matches(previous, names, kept["parts"]) == kept["parts"]


def test_prestarted_and_prefetching_extraction_workers_give_the_same_tables_as_one_process(tmp_path: Path, monkeypatch) -> None:
    from pipeline import nightly

    monkeypatch.setattr(nightly, "ARTICLES_PER_BATCH", 1)  # two new articles: two batches, two workers
    started: list[bool] = []
    prestart = nightly.prestart_extraction
    monkeypatch.setattr(nightly, "prestart_extraction", lambda *a: started.append(prestart(*a)) or started[-1])
    tables = {}
    for workers in (1, 2):
        monkeypatch.setenv("FACTWIRE_WORKERS", str(workers))
        raw, wh = tmp_path / f"raw{workers}", tmp_path / f"wh{workers}"
        raw.mkdir()
        shutil.copy(SEED, raw / SEED.name)
        run_night(raw, wh)
        (raw / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
        (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
        result = run_night(raw, wh)
        meta = materialization_meta(result, "figures")
        assert meta["articles_extracted"] == 2
        # with two workers, both new articles were extracted by the prestarted workers before the facts step,
        # and their files parsed by them for the articles step
        assert meta["articles_prefetched"] == (2 if workers == 2 else 0)
        assert materialization_meta(result, "articles")["files_prefetched"] == (2 if workers == 2 else 0)
        tables[workers] = snapshot(wh)
    # first nights extract everything (no prestart); then one worker: in process; two: started during raw_files
    assert started == [False, False, False, True]
    assert nightly._warm is None  # the facts step took the workers over and let them go
    for table in TABLES:
        assert tables[1][table].drop("mtime_ns", strict=False).equals(
            tables[2][table].drop("mtime_ns", strict=False)), table


def test_a_full_load_leaves_a_copy_that_the_first_delta_updates_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full load copies its DuckDB file in the background (the next night has no older file to update);
    the first night sets that copy aside from its first step on, and no temporary is left. The next night
    brings the older file to the published version from its first step on, and tonight's parts are added
    once they are staged; nothing is copied. Without an older file (lost), the night copies the published
    file in the background. A file set aside that the night does not use is kept as the copy of the
    published version, and the next night takes it."""
    import assets.ingest
    from pipeline import publish

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    publish.finish_spare_copy()
    version = (wh / "parquet").resolve().name
    assert [p.name for p in wh.glob(".factwire.duckdb.*")] == [f".factwire.duckdb.{version}.spare"]
    started: list[bool] = []

    def recorded(*args: object) -> bool:
        started.append(publish.start_base(*args))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(assets.ingest, "start_base", recorded)
    copies: list[str] = []
    copyfile = shutil.copyfile
    monkeypatch.setattr(shutil, "copyfile", lambda src, dst: copies.append(Path(dst).name) or copyfile(src, dst))
    # every update of a DuckDB file: (the thread, the parts it held, the parts it was brought to), each set of
    # parts named by the version that has exactly those, or "staged" for the night's staging folder
    deltas: list[tuple[str, str, str]] = []
    apply = publish.apply_delta

    def named(parts: publish.Parts, staged_first: bool) -> str:
        names = {d.name: publish.parts_by_inode(d) for d in (wh / ".versions").iterdir() if not d.name.startswith(".")}
        staged = {"staged": publish.parts_by_inode(wh / "_build")}
        ordered = {**staged, **names} if staged_first else {**names, **staged}
        found = next((name for name, found in ordered.items() if found == parts), None)
        # the parts the older file's catch-up leaves: the ingest step's tables staged, the others a version's
        return found or next(f"ingest+{name}" for name, version in names.items()
                             if parts == {t: staged["staged"][t] if t in assets.ingest.STAGED_BY_INGEST else version[t] for t in parts})

    def recorded_apply(db_path: Path, loaded: publish.Parts, target: publish.Parts, merges: dict, **kw: object) -> dict:
        deltas.append((threading.current_thread().name, named(loaded, True), named(target, False)))
        return apply(db_path, loaded, target, merges, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(publish, "apply_delta", recorded_apply)
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    night_1 = (wh / "parquet").resolve().name
    assert started == [True] and copies == []  # the full load's copy was set aside and updated
    # brought to the night's staged parts once they were all staged (beside the evidence check); the published
    # parts are the same (nothing merged): the publish takes the file and its counts without a second pass
    assert deltas == [("factwire-delta", version, "staged")]
    assert not list(wh.glob(".factwire.duckdb.*"))
    _duckdb_equals_parquet(wh)
    (raw / "ua-0001.json").unlink()
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    night_2 = (wh / "parquet").resolve().name
    assert started == [True, True] and copies == []  # the full load's own file was there to bring forward
    # the full load's file brought to night 1 in the background, and on to night 2's ingest tables before its
    # checkpoint, then to night 2's staged parts once they were all staged (beside the evidence check),
    # which are the published parts (nothing merged)
    assert deltas[1:] == [("factwire-base", version, night_1), ("factwire-delta", f"ingest+{night_1}", "staged")]
    assert not (wh / ".versions" / version / "factwire.duckdb").exists()  # it became night 2's file
    assert not list(wh.glob(".factwire.duckdb.*"))
    _duckdb_equals_parquet(wh)
    for older in (wh / ".versions").iterdir():  # as after a full load whose copy was lost
        if older.name != (wh / "parquet").resolve().name:
            shutil.rmtree(older)
    (raw / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    night_3 = (wh / "parquet").resolve().name
    assert started == [True, True, True]
    assert copies == [f".factwire.duckdb.base.{os.getpid()}.tmp"]  # the early copy, and the delta took it
    assert deltas[3:] == [("factwire-delta", night_2, "staged")]
    assert not list(wh.glob(".factwire.duckdb.*"))
    _duckdb_equals_parquet(wh)
    # a file set aside that tonight's publish does not need (nothing changed after all) is kept as the copy
    # of the published version, and the next night sets it aside: nothing copied
    assert publish.start_base(wh, publish.version_meta()) is True
    assert publish.publish(wh / "_build", wh, publish.version_meta()).reused
    assert [p.name for p in wh.glob(".factwire.duckdb.*")] == [f".factwire.duckdb.{night_3}.spare"]
    copies.clear()
    (raw / "lee-bg-005.json").unlink()
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    assert started[-1] is True and copies == []
    assert deltas[-1:] == [("factwire-delta", night_3, "staged")]
    assert all(thread != "MainThread" for thread, _, _ in deltas)  # no second pass: nothing was merged
    assert not list(wh.glob(".factwire.duckdb.*"))
    _duckdb_equals_parquet(wh)


def test_a_night_that_fails_its_evidence_check_leaves_no_early_delta_and_the_next_night_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tonight's delta starts once the facts are staged, before the blocking evidence check has run. When
    the check fails, nothing is published; the file the delta wrote holds the rows of no version and is
    removed when the night settles (as `factwire run` does after its run), and the next night publishes
    by delta from the files left."""
    import assets.checks
    from pipeline import publish

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    run_night(raw, wh)  # from now on an older version's file is there to bring forward
    published = (wh / "parquet").resolve().name
    (raw / "more.json").write_text(json.dumps({"id": "more", "date": "2022-01-29", "text": UA_0001_TEXT + " Two more."}))
    started: list[bool] = []
    start_delta = publish.start_delta
    monkeypatch.setattr("assets.extract.start_delta", lambda build: started.append(start_delta(build)) or started[-1])
    with monkeypatch.context() as failing:
        failing.setattr(assets.checks, "span_mismatches_apart", lambda *a, **k: {t: 1 for t in checks_tables()})
        result = build_defs(load_settings(raw, wh)).resolve_job_def("nightly_job").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
        )
    assert started == [True]
    assert "warehouse" not in {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    publish.settle_base()
    assert (wh / "parquet").resolve().name == published
    assert not list(wh.glob(".factwire.duckdb.*"))  # the early delta's file is gone, and nothing else was left
    _duckdb_equals_parquet(wh)
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    assert started == [True, True]
    _duckdb_equals_parquet(wh)
    assert len(snapshot(wh)["articles"]) == 4


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the thread's error, raised again
def test_a_background_delta_that_fails_leaves_no_file_and_the_night_publishes_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A background update of the night's DuckDB base that fails midway, with any error, removes the file
    (it holds none of the parts its bookkeeping would claim), the deltas after it do nothing, and the
    publish brings another base forward: the published file holds exactly the version's rows."""
    import threading

    from pipeline import publish

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    run_night(raw, wh)
    (raw / "more.json").write_text(json.dumps({"id": "more", "date": "2022-01-29", "text": UA_0001_TEXT + " Two more."}))
    apply = publish.apply_delta
    failed: list[str] = []

    def failing_catch_up(db_path: Path, *args: object, **kwargs: object) -> dict[str, int]:
        if threading.current_thread().name == "factwire-base":  # the older file's, once the ingest is in
            more = kwargs.get("more")
            assert callable(more) and more() is not None
            failed.append(db_path.name)
            raise RuntimeError("not a DuckDB error")
        return apply(db_path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publish, "apply_delta", failing_catch_up)
    assert materialization_meta(run_night(raw, wh), "warehouse")["duckdb_updated_by_delta"] is True
    assert failed and not (wh / failed[0]).exists()
    assert not list(wh.glob(".factwire.duckdb.*"))
    _duckdb_equals_parquet(wh)
    assert len(snapshot(wh)["articles"]) == 4


def checks_tables() -> list[str]:
    from assets.checks import EVIDENCE_COLUMNS

    return list(EVIDENCE_COLUMNS)


def test_a_killed_nights_temporary_duckdb_files_and_their_logs_are_removed(tmp_path: Path) -> None:
    """A night killed while it wrote a DuckDB file (the delta's base, brought forward from the night's
    first step, or the publish's file) leaves the file and DuckDB's write-ahead log beside it; the next
    publish removes both. A running night's files are left alone."""
    from pipeline import publish

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    killed = [tmp_path / f".factwire.duckdb.base.{gone}.tmp", tmp_path / f".factwire.duckdb.base.{gone}.tmp.wal",
              tmp_path / f".factwire.duckdb.{gone}.tmp", tmp_path / f".factwire.duckdb.{gone}.tmp.wal"]
    running = [tmp_path / f".factwire.duckdb.base.{os.getpid()}.tmp.wal", tmp_path / f".factwire.duckdb.{os.getpid()}.tmp"]
    for path in killed + running:
        path.write_bytes(b"x")
    publish._remove_stale_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in running)


def test_small_parts_merged_night_after_night_keep_duckdb_equal_to_the_parquet_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compaction (here: every two small parts merged) changes the parts, never the rows: the DuckDB delta
    keeps the rows of the parts a merged part holds, adds its other members' rows, and deletes and
    reloads when a merged part is rewritten (a file left); merged parts are merged again."""
    from pipeline import compaction, publish

    monkeypatch.setattr(compaction, "MERGE_AT", 2)
    held: list[str] = []  # tables whose merged part held parts already loaded into the file the publish updated
    held_in_merged = publish._held_in_merged

    def recorded(*args):  # noqa: ANN002, ANN202
        found = held_in_merged(*args)
        if threading.current_thread().name != "factwire-base":  # not the older file brought forward
            held.extend(p.parent.name for p in found)
        return found

    monkeypatch.setattr(publish, "_held_in_merged", recorded)
    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    assert all(len(staging.parts(wh / "parquet", t)) == 1 for t in compaction.COMPACTED)
    for night, change in enumerate(("add", "add", "remove", "add")):
        if change == "add":
            text = f"{UA_0001_TEXT} Officials said {night + 3} more buildings were damaged on Tuesday."
            (raw / f"more-{night}.json").write_text(json.dumps({"id": f"more-{night}", "text": text}))
        else:
            (raw / "ua-0001.json").unlink()
        held.clear()
        meta = materialization_meta(run_night(raw, wh), "warehouse")
        assert meta["duckdb_updated_by_delta"] is True
        if change == "add":  # last night's part (merged or not) and tonight's: two small parts, merged
            assert set(meta["small_parts_merged"]) == set(compaction.COMPACTED)
            assert all(len(staging.parts(wh / "parquet", t)) == 1 for t in compaction.COMPACTED)
            if night < 2:  # the file updated holds parts the merged ones hold: their rows are kept
                assert sorted(held) == sorted(compaction.COMPACTED)
        else:  # the parts rewritten without ua-0001's rows are other files: their records no longer apply
            assert not {"raw_files", "articles", "article_sources", "sentences"} & set(held)
        _duckdb_equals_parquet(wh)
    assert len(snapshot(wh)["articles"]) == 4  # the seed and the three added


@pytest.mark.parametrize("change", ["add", "touch", "rewrite", "remove"])
def test_ingest_finds_a_night_of_added_files_from_the_staged_parts_as_the_joins_would(
    tmp_path: Path, change: str
) -> None:
    """When every raw file of the last night is still there as it was, the staged raw_files parts tell the
    new files (`nightly.added_files`: the parts not linked from the last night) and ingest joins nothing;
    a file touched, rewritten or removed makes it join the night's table with the manifest as before.
    Either way ingest stages the same rows."""
    from pipeline import incremental, nightly

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    ua = raw / "ua-0001.json"
    if change == "add":
        (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    elif change == "touch":  # same bytes, another mtime
        os.utime(ua, ns=(ua.stat().st_atime_ns, ua.stat().st_mtime_ns + 10**9))
    elif change == "rewrite":
        ua.write_text(ua.read_text().replace("2022-01-28", "2022-01-29"))
    else:
        ua.unlink()
    previous = incremental.load_previous(wh)
    known = incremental.previous_manifest(previous)
    files = incremental.scan_raw(raw, known)
    staged = {}
    for how in ("parts", "joins"):
        build = tmp_path / how
        nightly.write_raw_files(build, files, previous, known)
        if how == "parts":
            added = nightly.added_files(build, previous)
            if change == "add":
                assert added is not None and added["source_path"].to_list() == ["lee-bg-005.json"]
            else:
                assert added is None
            nightly.ingest(raw, None, 50_000_000, previous, build)
        else:
            staging.reset(build, "raw_files")  # no staged parts to compare: the night's table is joined
            nightly.ingest(raw, files, 50_000_000, previous, build)
        staged[how] = {t: staging.read(build, t).sort(staging.SORT_KEYS[t]) for t in nightly.INGEST_TABLES}
    assert all(staged["parts"][t].equals(staged["joins"][t]) for t in nightly.INGEST_TABLES)
    assert staged["parts"]["articles"].height == (3 if change == "add" else 1 if change == "remove" else 2)


@pytest.mark.parametrize("change", ["add", "remove"])
def test_a_night_that_only_adds_files_reads_only_its_new_articles_and_keeps_the_same_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A night that only added files stages the last night's articles parts again (hard-linked) and reads
    its new parts alone to find what to extract (`incremental.articles_to_extract`); a night that removed
    a file joins every article id as before. Either way the tables are those of a night that reads all."""
    from pipeline import incremental, nightly
    from pipeline.incremental import articles_to_extract

    raw, wh = seed_and_ua_0001(tmp_path)
    run_night(raw, wh)
    if change == "add":
        (raw / "lee-bg-005.json").write_text(json.dumps({"id": "lee-bg-005", "text": LEE_005_TEXT}))
    else:
        (raw / "ua-0001.json").unlink()
    settings = load_settings(raw, wh)
    previous = incremental.load_previous(wh)
    build = tmp_path / "build"
    files = incremental.scan_raw(raw, incremental.previous_manifest(previous))
    nightly.ingest(raw, files, settings.max_file_bytes, previous, build)
    todo, reused, gone = articles_to_extract(previous, build)
    # the same as from every staged article id joined with the last night's
    current = incremental._ids_by_part(staging.parts(build, "articles"))
    reuse, gone_all = incremental.reusable_articles(previous, current["article_id"])
    assert sorted(todo["article_id"]) == sorted(set(current["article_id"]) - set(reuse))
    assert (reused, gone) == (reuse.len(), gone_all)
    assert (todo.height, reused, len(gone)) == ((1, 2, 0) if change == "add" else (0, 1, 1))
    joined: list[int] = []  # nights that joined every article id
    reusable = incremental.reusable_articles
    monkeypatch.setattr(incremental, "reusable_articles", lambda *a: joined.append(1) or reusable(*a))
    run_night(raw, wh)
    assert joined == ([] if change == "add" else [1])
    full = tmp_path / "full"
    run_night(raw, full)  # a first night: every article read and extracted
    incremental_tables, full_tables = snapshot(wh), snapshot(full)
    assert all(incremental_tables[t].equals(full_tables[t]) for t in TABLES if t != "raw_files")

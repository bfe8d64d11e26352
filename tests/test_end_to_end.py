"""The nightly job on the seed, in a temp dir, through Dagster, then every table checked in DuckDB."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.definitions import build_defs
from pipeline.config import PROJECT_ROOT, load_settings
from tests.conftest import SEED, UA_0001_TEXT

TABLES = ("articles", "sentences", "figures", "attributions", "events", "event_places", "places", "rejects")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("night")
    raw = tmp / "raw"
    (raw / "nested").mkdir(parents=True)
    shutil.copy(SEED, raw / SEED.name)
    shutil.copy(SEED, raw / "nested" / "same_article_again.txt")  # the same article under two names
    (raw / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    (raw / "empty.txt").write_bytes(b"")
    settings = load_settings(raw, tmp / "warehouse")
    result = build_defs(settings).resolve_job_def("nightly_job").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks if c.check_name.endswith("_evidence"))
    [quality] = [c for c in checks if c.check_name == "warehouse_quality"]
    # the seed's worked example is the one gold article in this warehouse
    assert quality.metadata["articles_scored"].value == 1
    assert quality.metadata["figures_strict_f1"].value >= 0.9
    return settings.warehouse_dir


@pytest.fixture
def con(warehouse: Path):
    c = duckdb.connect(str(warehouse / "factwire.duckdb"), read_only=True)
    yield c
    c.close()


def test_all_tables_exist_and_facts_are_not_empty(con) -> None:
    names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert set(TABLES) <= names
    for table in ("figures", "attributions", "events"):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table


@pytest.mark.parametrize(("table", "column"), [("figures", "mention"), ("attributions", "mention"),
                                                ("events", "trigger"), ("sentences", "text")])
def test_every_evidence_span_is_its_mention_in_sql(con, table: str, column: str) -> None:
    bad = con.execute(
        f"select count(*) from {table} t join articles a using (article_id) "
        f"where substr(a.body, t.char_start + 1, t.char_end - t.char_start) <> t.{column}"
    ).fetchone()[0]
    assert bad == 0


def test_duplicate_delivery_is_one_article_with_both_paths(con) -> None:
    assert con.execute("select count(*) from articles").fetchone()[0] == 2
    paths = sorted(r[0] for r in con.execute("select source_path from article_sources").fetchall())
    assert paths == ["000_34f58d2625e0538a.txt", "nested/same_article_again.txt", "ua-0001.json"]


def test_bad_file_is_in_rejects_with_its_reason(con) -> None:
    assert con.execute("select stage, reason from rejects where source_path = 'empty.txt'").fetchall() == [
        ("decode", "empty file")
    ]


def test_nothing_after_keep_reading_becomes_a_fact(con) -> None:
    for table in ("figures", "attributions", "events"):
        n = con.execute(
            f"select count(*) from {table} t join sentences s using (sentence_id) where s.role = 'boilerplate'"
        ).fetchone()[0]
        assert n == 0, table


def test_views_and_comments_are_published(con) -> None:
    views = {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert {"figures_by_place_date", "who_said_what", "events_per_day_place", "claims"} <= views
    for view in views:
        con.execute(f"select * from {view} limit 1").fetchall()
    missing = con.execute(
        "select table_name, column_name from duckdb_columns() where comment is null and "
        "table_name in ('articles','sentences','figures','attributions','events','event_places','places','rejects')"
    ).fetchall()
    assert missing == []
    assert con.execute("select comment from duckdb_tables() where table_name = 'figures'").fetchone()[0]


def test_duckdb_cli_156_reads_the_warehouse(warehouse: Path) -> None:
    cli = shutil.which("duckdb", path=str(PROJECT_ROOT / ".venv" / "bin"))
    assert cli, "duckdb-cli is a dev dependency"
    out = subprocess.run(
        [cli, "-readonly", str(warehouse / "factwire.duckdb"), "-c", "select count(*) from figures"],
        capture_output=True, text=True, check=True,
    )
    assert out.returncode == 0 and out.stdout.strip()


def test_quality_check_reads_only_the_gold_articles(warehouse: Path) -> None:
    from pipeline.evaluate import load_predictions

    preds = load_predictions(warehouse / "factwire.duckdb", {"000_34f58d2625e0538a.txt"})
    assert set(preds) == {"000_34f58d2625e0538a.txt", "same_article_again.txt"}  # one article, both paths
    assert len(preds["000_34f58d2625e0538a.txt"].table("figures")) > 0
    everything = load_predictions(warehouse / "factwire.duckdb")
    assert "ua-0001.json" in everything and "ua-0001.json" not in preds

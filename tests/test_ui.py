"""The Dagster UI in a real browser: the lineage graph shows every asset and the checks passed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SEED

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ASSETS = ["raw_files", "articles", "article_sources", "sentences", "figures", "attributions", "events",
          "event_places", "places", "warehouse"]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["data"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("ui")
    raw, wh = tmp / "raw", tmp / "warehouse"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    factwire = [sys.executable, "-m", "pipeline.cli"]
    subprocess.run([*factwire, "run", "--raw", str(raw), "--warehouse", str(wh), "--log-level", "WARNING"],
                   check=True, capture_output=True)
    port = free_port()
    log = (tmp / "ui.log").open("w")
    proc = subprocess.Popen([*factwire, "ui", "--raw", str(raw), "--warehouse", str(wh), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            try:
                if graphql(port, "{ assetNodes { id } }")["assetNodes"]:
                    break
            except OSError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError((tmp / "ui.log").read_text()[-3000:])
            time.sleep(1)
        graphql(port, "mutation { setNuxSeen }")
        yield port, tmp
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # `dg dev` sometimes hangs after its daemon stopped (its webserver and code servers still up,
            # seen in a CI run): what this module tests is the UI while it runs, so end the group for good.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_asset_checks_passed_for_the_run_made_by_factwire_run(ui) -> None:
    port, _ = ui
    nodes = graphql(port, """{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks {
        checks { name executionForLatestMaterialization { status } } } } } }""")["assetNodes"]
    assert sorted(n["assetKey"]["path"][0] for n in nodes) == sorted(ASSETS)
    statuses = {c["name"]: (c["executionForLatestMaterialization"] or {}).get("status")
                for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert {"figures_evidence", "attributions_evidence", "events_evidence", "figures_schema"} <= set(statuses)
    assert set(statuses.values()) == {"SUCCEEDED"}, statuses


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by .ci/run (Debian package)")
def test_lineage_graph_shows_every_asset_in_a_real_browser(ui) -> None:
    from playwright.sync_api import sync_playwright

    port, tmp = ui
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/asset-groups")
        page.get_by_text("Global asset lineage").wait_for(timeout=60_000)
        for group in ("ingest", "extract", "publish"):
            labels = page.get_by_text(group, exact=True)  # the sidebar's and the graph's group nodes
            deadline = time.time() + 60
            while labels.count() < 2 and time.time() < deadline:
                page.wait_for_timeout(250)
            page.wait_for_timeout(1000)  # let the graph settle its layout
            labels.last.dblclick()  # expands the group in the graph
            page.wait_for_timeout(1000)
        page.screenshot(path=str(tmp / "lineage.png"))
        body = page.inner_text("body")
        missing = [asset for asset in ASSETS if asset not in body]
        assert not missing, missing
        assert page.get_by_text("Passed").count() >= 1  # check badges on the asset nodes
        shot = tmp / "lineage.png"
        browser.close()
    assert shot.stat().st_size > 10_000

"""The extract layer's assets: what a night's `facts` step tells about how it extracted."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.definitions import build_defs
from pipeline import native
from pipeline.config import load_settings
from tests.conftest import SEED, UA_0001_TEXT, materialization_meta


def _night(raw: Path, wh: Path) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    job = build_defs(load_settings(raw, wh)).resolve_job_def("nightly_job")
    result = job.execute_in_process(instance=instance)
    assert result.success
    return result, instance


def _warnings(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]


def test_a_night_says_which_extraction_core_it_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout updated without `make native` extracts with the Python modules: the same rows, about 1.5
    times the time. The night records which core ran and warns when it was not the compiled one."""
    monkeypatch.delenv("FACTWIRE_PURE_PYTHON", raising=False)
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    result, instance = _night(raw, wh)
    why = native.why_python()
    assert materialization_meta(result, "figures")["extraction_core"] == (f"Python modules ({why})" if why else "compiled (build/native)")
    assert bool(why) == any("ran as Python modules" in w for w in _warnings(instance, result))

    monkeypatch.setenv("FACTWIRE_PURE_PYTHON", "1")
    (raw / "ua-0001.json").write_text(json.dumps({"id": "ua-0001", "date": "2022-01-28", "text": UA_0001_TEXT}))
    result, instance = _night(raw, wh)
    meta = materialization_meta(result, "figures")
    assert meta["articles_extracted"] == 1
    assert meta["extraction_core"] == "Python modules (FACTWIRE_PURE_PYTHON is set)"
    assert any("ran as Python modules, not compiled: FACTWIRE_PURE_PYTHON is set" in w
               for w in _warnings(instance, result))

"""Shared fixtures: the seed article and real corpus text (cited by id)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline.config import PROJECT_ROOT

if TYPE_CHECKING:
    import dagster as dg

SEED = PROJECT_ROOT / "seeds" / "articles" / "000_34f58d2625e0538a.txt"

# ua-0001 (CNN, 2022-01-28), first paragraphs of ../shared/corpus/conflict_dev.jsonl.
UA_0001_TEXT = (
    "How imminent is the threat of a full-scale war on the Ukrainian border? It's the question on many minds. "
    "While diplomatic efforts to defuse the crisis are ramping up, the Russian troop buildup also continues, "
    "according to the Pentagon.\n\n"
    "Ukrainian President Volodymyr Zelensky's position is that the threat from Russia remains \"dangerous but "
    "ambiguous,\" and it is not certain that an attack will take place, a senior Ukrainian official told CNN.\n\n"
    "But US President Joe Biden told Zelensky on a call Thursday that there was a distinct possibility Russia "
    "could launch an invasion in February, according to National Security Council Spokesperson Emily Horne."
)
# lee-bg-005 (ABC), first sentences of ../shared/corpus/lee_background.jsonl (no paragraph breaks).
LEE_005_TEXT = (
    "Six midwives have been suspended at Wollongong Hospital, south of Sydney, for inappropriate use of nitrous "
    "oxide during work hours, on some occasions while women were in labour. The Illawarra Area Health Service "
    "says that following an investigation of unprofessional conduct, a further four midwives have been "
    "relocated to other areas within the hospital."
)


@pytest.fixture
def seed_raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    return raw


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nightly job run on the seed alone (what `make run` builds), through Dagster."""
    import dagster as dg

    from assets.definitions import build_defs
    from pipeline.config import load_settings

    tmp = tmp_path_factory.mktemp("seed_night")
    raw = tmp / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    settings = load_settings(raw, tmp / "warehouse")
    job = build_defs(settings).resolve_job_def("nightly_job")
    assert job.execute_in_process(instance=dg.DagsterInstance.ephemeral()).success
    return settings.warehouse_dir


def materialization_meta(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    """The metadata values of a run's one materialization of `asset`."""
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    return {k: v.value for k, v in event.materialization.metadata.items()}


@contextmanager
def night_held_elsewhere(warehouse: Path) -> Iterator[int]:
    """Another process holding `warehouse`'s night lock (`pipeline.nightlock`) until the block ends; yields
    its pid."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from pipeline.nightlock import night_lock\n"
         "with night_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(120)", str(warehouse)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()

"""The extraction core knows no orchestrator."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pipeline


def test_no_pipeline_module_imports_dagster() -> None:
    modules = [f"pipeline.{m.name}" for m in pkgutil.iter_modules(pipeline.__path__)]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('dagster' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_extraction_core_and_its_warm_up_import_no_polars() -> None:
    """The extraction workers' fork server imports pipeline.warm (extractors, gazetteer, one article
    extracted) and then forks: polars' threads would not survive the fork, so none may be started."""
    code = (
        "import os, sys\n"
        "import pipeline.warm, pipeline.parse\n"
        "print('polars' in sys.modules, 'pandera' in sys.modules, len(os.listdir('/proc/self/task')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "1"]


def test_the_first_check_of_a_run_imports_no_polars() -> None:
    """`factwire run` decides whether to start the extraction workers' fork server before it imports
    polars and the pipeline (pipeline.versions and pipeline.pools): that check must stay that light."""
    code = (
        "import sys\n"
        "import pipeline.versions, pipeline.pools\n"
        "print(sorted(m for m in ('polars', 'pandera', 'pyarrow', 'duckdb', 'dagster') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

"""The extraction core compiled to C with mypyc: same source, same rows, about a third less time per article.

`make native` (a step of `make run` and `make test`) compiles the hot modules into build/native/. The package
imports the compiled modules only while that build matches the sources byte for byte (a manifest of
source hashes and the Python version); otherwise, or with FACTWIRE_PURE_PYTHON=1, it
runs the plain Python modules. A stale build is never imported: it would run yesterday's rules.

mypyc compiles the modules as they are written (type hints checked and enforced at run time); what it
does not support is kept out of them: classes built without their __init__ (model.new_frozen) are
marked `mypyc_attr(native_class=False)`, and tests replace no function of a compiled module. The frozen
dataclasses the extractors build and read most (sentences, places, number mentions, speaker phrases, the
fact rows) are native classes: each writes its __init__ out (`object.__setattr__` per field, compiled to
a store into the object's C struct) and pickles by its fields (`__reduce__`, model.field_values).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from pipeline.config import PROJECT_ROOT

# The modules of the per-article work (segmentation, the three extractors, places, dates, the data
# classes and row ids they share); the rest (I/O, Dagster glue, evaluation) spends its time in polars,
# DuckDB and Dagster.
COMPILED = ("attributions", "dates", "events", "extract", "figures", "focus", "frames", "ids", "lexicons", "model",
            "numbers", "places", "text")
BUILD_DIR = PROJECT_ROOT / "build" / "native"
MANIFEST = BUILD_DIR / "manifest.json"
GROUP = "factwire_native"  # name of the shared library that holds every compiled module


def _sources() -> list[Path]:
    return [PROJECT_ROOT / "pipeline" / f"{name}.py" for name in COMPILED]


def expected_manifest() -> dict[str, object]:
    """What a build of the current sources records: a hash per source file, and the interpreter."""
    return {
        "python": sys.version,
        "sources": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in _sources()},
    }


def _read_manifest() -> dict[str, object] | None:
    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_fresh() -> bool:
    """Whether build/native holds a build of exactly the current sources for this interpreter."""
    built = _read_manifest()
    if built is None:
        return False
    expected = expected_manifest()
    return all(built.get(key) == value for key, value in expected.items())


def why_python() -> str | None:
    """Why this checkout's processes run the Python modules of the extraction core, or None when they
    import the compiled ones (the one decision every process makes alike: `use_compiled`)."""
    if os.environ.get("FACTWIRE_PURE_PYTHON"):
        return "FACTWIRE_PURE_PYTHON is set"
    if not is_fresh():
        return "no build of these sources for this interpreter in build/native (make native)"
    return None


def use_compiled(package_path: list[str]) -> bool:
    """Put the compiled modules ahead of the sources on the package's path when the build is fresh
    (called by pipeline/__init__). Returns whether they are used."""
    if why_python() is not None:
        return False
    package_path.insert(0, str(BUILD_DIR / "pipeline"))
    if str(BUILD_DIR) not in sys.path:
        sys.path.append(str(BUILD_DIR))  # the shared library the modules' stubs import by its top-level name
    return True


def is_compiled(module: object) -> bool:
    """Whether a module was loaded from the compiled build (not from its .py file)."""
    return not str(getattr(module, "__file__", "")).endswith(".py")


def build(force: bool = False) -> bool:
    """Compile COMPILED into build/native unless a fresh build is there. Returns whether it compiled."""
    if is_fresh() and not force:
        return False
    # Imported here: only the build needs the compiler (mypy's dev dependency) and setuptools.
    from mypyc.build import mypycify
    from setuptools import setup

    staging = BUILD_DIR.with_name("native.new")
    shutil.rmtree(staging, ignore_errors=True)
    cwd = Path.cwd()
    os.chdir(PROJECT_ROOT)  # mypyc names the modules by their paths: pipeline/figures.py -> pipeline.figures
    try:
        extensions = mypycify(
            [f"pipeline/{name}.py" for name in COMPILED],
            opt_level="3",
            multi_file=True,  # several C files, compiled in parallel below
            group_name=GROUP,
            target_dir=str(BUILD_DIR.with_name("native-c")),
        )
        setup(
            name="factwire-native",
            packages=[],
            py_modules=[],
            ext_modules=extensions,
            script_args=[
                "--quiet", "build_ext", "--build-lib", str(staging),
                "--build-temp", str(BUILD_DIR.with_name("native-o")), "--parallel", str(os.cpu_count() or 1),
            ],
        )
    finally:
        os.chdir(cwd)
    (staging / MANIFEST.name).write_text(json.dumps(expected_manifest(), indent=1), encoding="utf-8")
    # Swapped in whole: a process still running the old build keeps its mapped files (renamed, not rewritten).
    old = BUILD_DIR.with_name("native.old")
    shutil.rmtree(old, ignore_errors=True)
    if BUILD_DIR.exists():
        BUILD_DIR.rename(old)
    staging.rename(BUILD_DIR)
    shutil.rmtree(old, ignore_errors=True)
    return True


def main() -> int:
    """`make native`: compile when needed. A machine that cannot compile (no C compiler or Python
    headers) still runs: the Python modules give the same rows, slower; `make test` fails there
    (tests/pipeline/test_native.py asserts the compiled build is used)."""
    where = BUILD_DIR.relative_to(PROJECT_ROOT)
    try:
        compiled = build(force="--force" in sys.argv[1:])
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - setuptools reports a failed compile as SystemExit
        # mypyc's type errors end in SystemExit(1), after it printed them
        why = f"status {exc.code}, its messages are above" if isinstance(exc, SystemExit) and isinstance(
            exc.code, int) else str(exc)
        print(f"warning: could not compile the extraction core ({why}); the Python modules run: same rows, "
              "about 1.5 times the time", file=sys.stderr)
        return 0
    print(f"compiled {len(COMPILED)} modules into {where}" if compiled else f"{where} is up to date")
    return 0

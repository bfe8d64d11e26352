"""Which code a warehouse version was built by, read with the standard library alone.

`factwire run` asks first thing, before it imports polars, pandera or Dagster, whether the night is likely
small: then the fork server its extraction workers come from starts at once and loads the extractors
and gazetteer on the other core while this process imports the rest (`cli.cmd_run`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from functools import cache
from pathlib import Path

from pipeline.config import PROJECT_ROOT

META_FILE = "_meta.json"  # in each version's folder: the extractor and publisher versions that built it

# Modules that move, check, publish or score rows but never decide their content: changing them must
# not make the next night re-extract the whole corpus (the publisher has its own version).
NOT_EXTRACTION = frozenset({"cli.py", "compaction.py", "config.py", "evaluate.py", "evidence.py", "incremental.py",
                            "native.py", "nightlock.py", "pools.py", "publish.py", "reuse.py", "staging.py",
                            "versions.py", "warm.py"})


# Each program's digest, remembered by the digest of its bytes (`code_digest`). Generated, like build/native.
CODE_DIGESTS = PROJECT_ROOT / "build" / "code_digests.json"


def program_text(source: bytes) -> str:
    """What of a Python module decides what it does: its syntax tree without docstrings. Comments, blank
    lines and layout are not in the tree. Docstrings are left out only of modules that never read one
    (a test checks that no module hashed this way mentions `__doc__`); schemas/ is hashed byte for byte,
    as its docstrings are the table contract's descriptions."""
    import ast  # only when a source changed since its digest was remembered

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                first.value.value, str
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _remembered() -> dict[str, list[str]]:
    """The remembered digests (relative path -> [sha256 of the bytes, digest of the program]) of this
    interpreter (the syntax tree's form may differ between Python versions); empty when unreadable."""
    try:
        got = json.loads(CODE_DIGESTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = got.get("files") if isinstance(got, dict) and got.get("python") == sys.version else None
    return files if isinstance(files, dict) else {}


def _remember(files: dict[str, list[str]]) -> None:
    """Write the digests (whole, by rename: a concurrent reader sees the old file or the new one); a
    checkout that cannot be written computes them again next time, nothing else."""
    tmp = CODE_DIGESTS.with_name(f".{CODE_DIGESTS.name}.{os.getpid()}.tmp")
    try:
        CODE_DIGESTS.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"python": sys.version, "files": files}, indent=1, sort_keys=True), "utf-8")
        tmp.replace(CODE_DIGESTS)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def code_digest(programs: list[Path], texts: list[Path]) -> str:
    """Hash of Python modules compared as programs (`program_text`: a docstring or comment edit keeps the
    hash) and of other files compared byte for byte, each under its path in the project.

    Parsing the extraction code takes about 0.4 s, so each program's digest is remembered in
    CODE_DIGESTS under the sha256 of its bytes, and a night whose code did not change reads the bytes
    only (about 1 ms)."""
    known = _remembered()
    fresh = dict(known)
    digest = hashlib.sha256()
    for path in sorted({*programs, *texts}):
        rel = path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else path.as_posix()
        data = path.read_bytes()
        if path in programs:
            raw = hashlib.sha256(data).hexdigest()
            entry = known.get(rel)
            if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == raw):
                entry = [raw, hashlib.sha256(program_text(data).encode()).hexdigest()]
                fresh[rel] = entry
            data = entry[1].encode()
        digest.update(rel.encode())
        digest.update(data)
    if fresh != known:
        _remember(fresh)
    return digest.hexdigest()[:16]


@cache
def extractor_version() -> str:
    """Hash of everything that decides the rows: the extraction code (as programs), the table contracts
    and the reference data (as bytes)."""
    programs = [p for p in (PROJECT_ROOT / "pipeline").glob("*.py") if p.name not in NOT_EXTRACTION]
    texts = [*(PROJECT_ROOT / "schemas").glob("*.py"), *(PROJECT_ROOT / "seeds" / "reference").glob("*.csv")]
    return code_digest(programs, texts)


def read_meta(version_dir: Path) -> dict | None:
    """A version's meta (`META_FILE`: the versions of the code that built it), or None when it is missing
    or unreadable."""
    try:
        return json.loads((version_dir / META_FILE).read_text())
    except (OSError, ValueError):
        return None


def likely_small_night(raw_dir: Path, warehouse_dir: Path) -> bool:
    """Whether tonight likely extracts a few new files: the published version was built by this extraction
    code (not a first night, nor one after an upgrade, which extract everything), and the raw folder's
    top level changed after it was published (a file or folder added, removed or renamed: the folder's
    mtime is newer than the version's meta file). A guess made without a scan: a file rewritten in place
    or added inside a subfolder leaves the folder's mtime as it was (the night still finds it)."""
    published = warehouse_dir / "parquet"
    try:
        if raw_dir.stat().st_mtime_ns <= (published / META_FILE).stat().st_mtime_ns:
            return False
    except OSError:  # no version yet, or no raw folder
        return False
    meta = read_meta(published)
    return isinstance(meta, dict) and meta.get("extractor_version") == extractor_version()

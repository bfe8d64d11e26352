"""Which code a warehouse version was built by, read with the standard library alone.

`factwire run` asks first thing, before it imports polars, pandera or Dagster, whether the night is likely
small: then the fork server its extraction workers come from starts at once and loads the extractors
and gazetteer on the other core while this process imports the rest (`cli.cmd_run`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from pipeline.config import PROJECT_ROOT

META_FILE = "_meta.json"  # in each version's folder: the extractor and publisher versions that built it

# Modules that move, check, publish or score rows but never decide their content: changing them must
# not make the next night re-extract the whole corpus (the publisher has its own version).
NOT_EXTRACTION = frozenset({"cli.py", "compaction.py", "config.py", "evaluate.py", "evidence.py", "incremental.py",
                            "native.py", "pools.py", "publish.py", "reuse.py", "staging.py", "versions.py", "warm.py"})


@cache
def extractor_version() -> str:
    """Hash of everything that decides the rows: core code, table contracts and reference data."""
    digest = hashlib.sha256()
    sources = sorted(
        [*(p for p in (PROJECT_ROOT / "pipeline").glob("*.py") if p.name not in NOT_EXTRACTION),
         *(PROJECT_ROOT / "schemas").glob("*.py"), *(PROJECT_ROOT / "seeds" / "reference").glob("*.csv")]
    )
    for path in sources:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


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

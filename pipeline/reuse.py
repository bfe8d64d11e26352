"""What a night may reuse instead of recomputing: the quality score on record, and the whole published
warehouse when nothing it was built from has changed (`factwire run`'s up-to-date check)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipeline import incremental, nightly
from pipeline.config import PROJECT_ROOT, Settings
from pipeline.publish import version_meta

QUALITY_FILE = ".quality.json"  # in the warehouse folder: the last score and what it was computed on


def gold_files(gold_dir: Path) -> list[Path]:
    """The gold files the scorer reads: one file, or every *.json of a folder."""
    return [gold_dir] if gold_dir.is_file() else sorted(gold_dir.glob("*.json"))


def gold_digest(gold_dir: Path) -> tuple[str, set[str]]:
    """(hash of the scorer's code and the gold files, the article names the gold files score)."""
    digest = hashlib.sha256((PROJECT_ROOT / "pipeline" / "evaluate.py").read_bytes())
    names: set[str] = set()
    for path in gold_files(gold_dir):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        try:
            obj = json.loads(data)
        except ValueError:
            continue
        if isinstance(obj, dict) and "article" in obj:
            names.add(str(obj["article"]))
    return digest.hexdigest()[:16], names


def quality_version(gold: str, previous: incremental.Previous | None) -> str:
    """What a recorded score was computed on: the gold digest and the published warehouse version."""
    return f"{gold}:{previous.root.name if previous else 'no warehouse'}"


def read_quality(warehouse_dir: Path) -> dict:
    """The score on record ({"version", "fingerprint", "metadata"}), or {} when there is none."""
    try:
        recorded = json.loads((warehouse_dir / QUALITY_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def record_quality(warehouse_dir: Path, version: str, fingerprint: str, metadata: dict) -> None:
    """Record a score atomically; a read-only warehouse still gets its score, only not reused."""
    cache = warehouse_dir / QUALITY_FILE
    try:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": version, "fingerprint": fingerprint, "metadata": metadata},
                                  sort_keys=True))
        os.replace(tmp, cache)
    except OSError:
        pass


def up_to_date(settings: Settings) -> str | None:
    """The published version when running the nightly job now would publish it again unchanged, else None.

    That holds when the raw folder is the published manifest exactly (every path with the same size,
    mtime and sha256: a touched file changes the raw_files table), the extractor and publisher versions
    (code, contracts, reference data, views) are the published ones, the DuckDB file is in place, and the
    score on record is for the current gold files and this version (so the UI's quality check is current).
    Reads file stats and small JSON files only; hashes only files the manifest does not know.
    """
    previous = incremental.load_previous(settings.warehouse_dir)
    if previous is None or not settings.duckdb_path.exists() or previous.meta != version_meta():
        return None
    if settings.gold_dir.exists():
        recorded = read_quality(settings.warehouse_dir)
        if recorded.get("version") != quality_version(gold_digest(settings.gold_dir)[0], previous):
            return None
    manifest = incremental.previous_manifest(previous).sort("source_path")
    if not nightly.scan_raw(settings.raw_dir, manifest).equals(manifest):
        return None
    return previous.root.name

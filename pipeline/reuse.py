"""What a night may reuse instead of recomputing: the quality score on record, and the whole published
warehouse when nothing it was built from has changed (`factwire run`'s up-to-date check)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import incremental
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


def record_quality(
    warehouse_dir: Path, version: str, fingerprint: str, metadata: dict, gold_matches: dict | None = None
) -> None:
    """Record a score atomically, with what the fingerprint was computed from (`gold_matches`: the gold
    names found per part, so that the next night reads its new parts only); a read-only warehouse still
    gets its score, only not reused."""
    cache = warehouse_dir / QUALITY_FILE
    recorded = {"version": version, "fingerprint": fingerprint, "metadata": metadata, "gold_matches": gold_matches}
    try:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(recorded, sort_keys=True))
        os.replace(tmp, cache)
    except OSError:
        pass


@dataclass(frozen=True)
class NightPlan:
    """What the up-to-date check found: the version to keep, or the raw folder's scan for the run."""

    published: str | None  # the published version, when running the job now would publish it again
    previous: incremental.Previous | None
    files: pl.DataFrame | None  # the raw folder's scan, when the check made one (new files: sha256 null)

    def new_files(self) -> pl.Series:
        """The paths of the scanned files that the published manifest does not hold as they are (new, or
        changed since: another size or mtime), without a join: the scan carries the manifest's sha256 for
        every file whose path, size and mtime are the manifest's, and leaves the others unhashed."""
        if self.files is None:
            return pl.Series("source_path", [], pl.Utf8)
        return self.files.filter(pl.col("sha256").is_null())["source_path"]


# The up-to-date check's scan, handed to the raw_files step of the run this process starts next (the
# same folder, moments later) by `hand_over_scan`; taken once, by `night_scan`.
_scan: tuple[Path, str | None, pl.DataFrame] | None = None


def _version_name(previous: incremental.Previous | None) -> str | None:
    return previous.root.name if previous is not None else None


def plan_night(settings: Settings) -> NightPlan:
    """Whether running the nightly job now would publish the published version again unchanged.

    That holds when the raw folder is the published manifest exactly (every path with the same size,
    mtime and sha256: a touched file changes the raw_files table), the extractor and publisher versions
    (code, contracts, reference data, views) are the published ones, the DuckDB file is in place, and the
    score on record is for the current gold files and this version (so the UI's quality check is current).
    Reads file stats and small JSON files only, and hashes no file: one the manifest does not know (path,
    size and mtime) makes the night run whatever its content. The scan it makes is returned
    (`NightPlan.files`), those files without their sha256 (the run's raw_files step computes it:
    `night_scan`); hashing them here, beside the thread that imports the orchestrator, cost about 0.3 s
    of a small night before its extraction could start (each file's read gives the interpreter lock up).
    """
    previous = incremental.load_previous(settings.warehouse_dir)
    if previous is None or previous.meta != version_meta():
        return NightPlan(None, previous, None)
    manifest = incremental.previous_manifest(previous).sort("source_path")
    files = incremental.scan_raw(settings.raw_dir, manifest, hash_new=False)
    same = files.equals(manifest) and settings.duckdb_path.exists()
    if same and settings.gold_dir.exists():
        recorded = read_quality(settings.warehouse_dir)
        same = recorded.get("version") == quality_version(gold_digest(settings.gold_dir)[0], previous)
    return NightPlan(_version_name(previous) if same else None, previous, files)


def hand_over_scan(settings: Settings, plan: NightPlan) -> None:
    """Keep the plan's scan for the raw_files step of the run this process is about to start."""
    global _scan
    _scan = (settings.raw_dir.resolve(), _version_name(plan.previous), plan.files) if plan.files is not None else None


def up_to_date(settings: Settings) -> str | None:
    """The published version when running the nightly job now would publish it again unchanged, else
    None (see `plan_night`)."""
    return plan_night(settings).published


def night_scan(raw_dir: Path, previous: incremental.Previous | None, known: pl.DataFrame | None) -> pl.DataFrame:
    """The raw_files table of raw_dir for tonight's run: the scan handed over by this process's
    up-to-date check against the same published version (taken once; the files it did not hash are hashed
    now), else a new scan (`incremental.scan_raw`)."""
    global _scan
    made, _scan = _scan, None
    if made is not None and made[0] == raw_dir.resolve() and made[1] == _version_name(previous):
        return incremental.hash_missing(raw_dir, made[2])
    return incremental.scan_raw(raw_dir, known)

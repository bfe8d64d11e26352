"""Blocking invariants: the warehouse is not published when evidence spans do not match the body."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from assets.resources import FactwirePaths
from pipeline import compaction, incremental, reuse, staging
from pipeline.evidence import span_mismatches_apart

EVIDENCE_COLUMNS = {"figures": "mention", "attributions": "mention", "events": "trigger", "sentences": "text"}


@dg.multi_asset_check(
    name="evidence",
    specs=[
        dg.AssetCheckSpec(
            f"{table}_evidence", asset=table, blocking=True,
            description=f"every {table} row: articles.body[char_start:char_end] == {column}",
        )
        for table, column in EVIDENCE_COLUMNS.items()
    ],
    description="The evidence invariant on the staged Parquet parts, in one step (one pass over the article "
    "index); parts linked from the published version, which passed it, are not read again.",
)
def evidence(paths: FactwirePaths) -> Iterator[dg.AssetCheckResult]:
    settings = paths.settings()
    previous = incremental.load_previous(settings.warehouse_dir)
    bad = span_mismatches_apart(paths.build_dir(), EVIDENCE_COLUMNS, previous.root if previous else None,
                                settings.workers)
    for table, n in bad.items():
        yield dg.AssetCheckResult(asset_key=table, check_name=f"{table}_evidence", passed=n == 0,
                                  metadata={"mismatched_rows": n})


EVIDENCE_CHECKS = [evidence]


# The issue targets for strict F1 on the development gold set.
QUALITY_TARGETS = {"figures": 0.90, "attributions": 0.85, "events": 0.80}


@dg.asset_check(
    asset="warehouse",
    name="warehouse_quality",
    description="precision/recall/F1 against the gold articles present in the warehouse (factwire eval); "
    "warns when a table's strict F1 is under its target",
)
def warehouse_quality(paths: FactwirePaths) -> dg.AssetCheckResult:
    settings = paths.settings()
    if not settings.gold_dir.exists():
        return dg.AssetCheckResult(passed=True, metadata={"articles_scored": 0, "gold_dir": str(settings.gold_dir)})
    # The score depends only on the scorer, the gold files, and the rows of the gold articles present,
    # which are fixed by those articles' ids (content hashes) and the extractor version: a night that
    # left all of these unchanged reuses the score. The published version (a digest of its content)
    # answers a no-op night without reading a table; the gold articles' ids answer a night whose new
    # files are not gold articles.
    gold = reuse.gold_digest(settings.gold_dir)
    previous = incremental.load_previous(settings.warehouse_dir)
    version = reuse.quality_version(gold[0], previous)
    recorded = reuse.read_quality(settings.warehouse_dir)
    metadata = recorded.get("metadata")
    if isinstance(metadata, dict) and recorded.get("version") == version:
        return _quality_result({**metadata, "score_reused_from_last_night": True})
    known = recorded.get("gold_matches")
    known = known if isinstance(known, dict) and known.get("gold") == gold[0] else {}
    parts = known.get("parts")
    matches = _gold_matches(previous, gold[1], parts if isinstance(parts, dict) else {}) if previous else {}
    fingerprint = _quality_fingerprint(previous, gold[0], matches)
    kept = {"gold": gold[0], "parts": matches}
    if isinstance(metadata, dict) and recorded.get("fingerprint") == fingerprint:
        reuse.record_quality(settings.warehouse_dir, version, fingerprint, metadata, kept)
        return _quality_result({**metadata, "score_reused_from_last_night": True})
    metadata = _quality_metadata(settings.duckdb_path, settings.gold_dir)
    reuse.record_quality(settings.warehouse_dir, version, fingerprint, metadata, kept)
    return _quality_result({**metadata, "score_reused_from_last_night": False})


# A part's gold matches: [name, article_id] pairs.
PartMatches = list[list[str]]


def _gold_matches(
    previous: incremental.Previous, names: set[str], known: dict[str, dict[str, PartMatches]]
) -> dict[str, dict[str, PartMatches]]:
    """Per table (articles, article_sources) and part (`compaction.part_id`): the gold article names its
    rows go by (the file name of a source path, or external_id + ".json", as the scorer finds them) with
    the article's id. A part never changes under its id, so the parts in `known` (last night's answer for
    the same gold files) are not read again: a night reads its new parts only, not the whole corpus."""
    wanted = pl.Series(sorted(names), dtype=pl.Utf8).implode()
    file_name = pl.col("source_path").str.replace(r":\d+$", "").str.replace(r"^.*[\\/]", "")
    found: dict[str, dict[str, PartMatches]] = {}
    for table in ("articles", "article_sources"):
        parts = {compaction.part_id(p, inode): p for p, inode in staging.part_inodes(previous.root, table).items()}
        seen = known.get(table)
        seen = seen if isinstance(seen, dict) else {}
        matches = {pid: seen[pid] for pid in parts if pid in seen}
        if new := {str(p): pid for pid, p in parts.items() if pid not in seen}:
            rows = pl.scan_parquet(list(new), include_file_paths="part")
            keys = [rows.select("part", key=file_name, article_id="article_id")]
            if table == "articles":
                keys.append(rows.select("part", key=pl.col("external_id") + ".json", article_id="article_id"))
            hits = pl.concat(keys).filter(pl.col("key").is_in(wanted)).unique().sort("part", "key", "article_id")
            matches.update({pid: [] for pid in new.values()})
            for part, key, article_id in hits.collect().iter_rows():
                matches[new[part]].append([key, article_id])
        found[table] = matches
    return found


def _quality_fingerprint(
    previous: incremental.Previous | None, gold: str, matches: dict[str, dict[str, PartMatches]]
) -> str:
    """Hash of the scorer and gold files (`gold`), the published extractor version and, for every gold
    article name, the published article that name matches (`_gold_matches`), or that it is ambiguous
    (several articles: not scored)."""
    if previous is None:
        return "no warehouse"
    digest = hashlib.sha256(gold.encode())
    digest.update(json.dumps(previous.meta, sort_keys=True).encode())
    articles: dict[str, set[str]] = {}
    for table in matches.values():
        for pairs in table.values():
            for key, article_id in pairs:
                articles.setdefault(key, set()).add(article_id)
    # The scorer leaves out a name that several articles share (ambiguous): more articles under it
    # change nothing (a new delivery re-using a gold article's external id), so only "ambiguous" counts.
    for key, ids in sorted(articles.items()):
        digest.update(f"{key}\0{min(ids) if len(ids) == 1 else '*ambiguous*'}\n".encode())
    return digest.hexdigest()[:16]


def _quality_metadata(duckdb_path: Path, gold_dir: Path) -> dict:
    from pipeline import evaluate

    report = evaluate.evaluate_warehouse(duckdb_path, gold_dir, present_only=True)
    metadata: dict = {"articles_scored": len(report.articles)}
    below = []
    for table, target in QUALITY_TARGETS.items():
        for mode in ("strict", "loose"):
            counts = report.totals[(table, mode)]
            metadata[f"{table}_{mode}_f1"] = round(counts.f1, 3)
            metadata[f"{table}_{mode}_precision"] = round(counts.precision, 3)
            metadata[f"{table}_{mode}_recall"] = round(counts.recall, 3)
        if report.articles and report.totals[(table, "strict")].f1 < target:
            below.append(table)
    metadata["below_target"] = ", ".join(below) or "none"
    return metadata


def _quality_result(metadata: dict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=metadata["below_target"] == "none", severity=dg.AssetCheckSeverity.WARN, metadata=metadata
    )

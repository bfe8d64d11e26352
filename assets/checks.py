"""Blocking invariants: the warehouse is not published when evidence spans do not match the body."""


import dagster as dg

from assets.resources import FactwirePaths
from pipeline import incremental
from pipeline.evidence import span_mismatches


def _evidence_check(table: str, column: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name=f"{table}_evidence",
        blocking=True,
        description=f"every {table} row: articles.body[char_start:char_end] == {column}",
    )
    def check(paths: FactwirePaths) -> dg.AssetCheckResult:
        previous = incremental.load_previous(paths.settings().warehouse_dir)
        bad = span_mismatches(paths.build_dir(), table, column, previous.root if previous else None)
        return dg.AssetCheckResult(passed=bad == 0, metadata={"mismatched_rows": bad})

    return check


EVIDENCE_CHECKS = [
    _evidence_check("figures", "mention"),
    _evidence_check("attributions", "mention"),
    _evidence_check("events", "trigger"),
    _evidence_check("sentences", "text"),
]


# The issue targets for strict F1 on the development gold set.
QUALITY_TARGETS = {"figures": 0.90, "attributions": 0.85, "events": 0.80}


@dg.asset_check(
    asset="warehouse",
    name="warehouse_quality",
    description="precision/recall/F1 against the gold articles present in the warehouse (factwire eval); "
    "warns when a table's strict F1 is under its target",
)
def warehouse_quality(paths: FactwirePaths) -> dg.AssetCheckResult:
    from pipeline import evaluate

    settings = paths.settings()
    if not settings.gold_dir.exists():
        return dg.AssetCheckResult(passed=True, metadata={"articles_scored": 0, "gold_dir": str(settings.gold_dir)})
    report = evaluate.evaluate_warehouse(settings.duckdb_path, settings.gold_dir, present_only=True)
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
    return dg.AssetCheckResult(passed=not below, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)

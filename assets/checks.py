"""Blocking invariants: the warehouse is not published when evidence spans do not match the body."""


import dagster as dg

from assets.resources import FactwirePaths
from pipeline.evidence import span_mismatches


def _evidence_check(table: str, column: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name=f"{table}_evidence",
        blocking=True,
        description=f"every {table} row: articles.body[char_start:char_end] == {column}",
    )
    def check(paths: FactwirePaths) -> dg.AssetCheckResult:
        bad = span_mismatches(paths.build_dir(), table, column)
        return dg.AssetCheckResult(passed=bad == 0, metadata={"mismatched_rows": bad})

    return check


EVIDENCE_CHECKS = [
    _evidence_check("figures", "mention"),
    _evidence_check("attributions", "mention"),
    _evidence_check("events", "trigger"),
    _evidence_check("sentences", "text"),
]

"""The one loader of reference data kept as plain CSV files in seeds/reference/."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "seeds" / "reference"


class LexiconError(ValueError):
    """A reference CSV is malformed (missing column, duplicate term, unknown label)."""


@cache
def load_csv(
    name: str,
    required: tuple[str, ...] = ("term", "label"),
    allowed_labels: frozenset[str] | None = None,
    unique: tuple[str, ...] = ("term", "label"),
    reference_dir: Path = REFERENCE_DIR,
) -> tuple[dict[str, str], ...]:
    """Read `seeds/reference/<name>.csv` once and check its header, duplicates and labels.

    Rows are returned as dicts of stripped strings; lines starting with '#' are comments.
    """
    path = reference_dir / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise LexiconError(f"{path.name}: missing column(s) {missing}; header is {header}")
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, ...]] = set()
    for lineno, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        key = tuple(row.get(c, "").lower() for c in unique)
        if key in seen:
            raise LexiconError(f"{path.name}:{lineno}: duplicate {dict(zip(unique, key, strict=True))}")
        seen.add(key)
        if allowed_labels is not None and row.get("label") not in allowed_labels:
            raise LexiconError(f"{path.name}:{lineno}: label {row.get('label')!r} not in {sorted(allowed_labels)}")
        rows.append(row)
    return tuple(rows)


def alternation(terms: Iterable[str], flexible_spaces: bool = False) -> str:
    """A regex alternation of literal terms, longest first (so "at least" wins over "at").
    With flexible_spaces, a space in a term matches any run of whitespace."""
    escaped = (re.escape(t) for t in sorted(terms, key=len, reverse=True))
    if flexible_spaces:
        escaped = (e.replace(r"\ ", r"\s+") for e in escaped)
    return "|".join(escaped)

"""The README's "Ask the warehouse" queries run as written on the seed warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Ask the warehouse", 1)[1].split("\n## ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)```", SECTION, flags=re.DOTALL)


def test_readme_has_at_least_six_analyst_queries() -> None:
    assert len(QUERIES) >= 6


@pytest.mark.parametrize("query", QUERIES, ids=[f"q{i + 1}" for i in range(len(QUERIES))])
def test_readme_query_runs_and_returns_rows(seed_warehouse: Path, query: str) -> None:
    con = duckdb.connect(str(seed_warehouse / "factwire.duckdb"), read_only=True)
    try:
        rows = con.execute(query).fetchall()
    finally:
        con.close()
    assert rows, query

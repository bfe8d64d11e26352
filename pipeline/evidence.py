"""The evidence invariant: body[char_start:char_end] equals the row's mention."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline import staging


def span_mismatches(root: Path, table: str, column: str, checked: Path | None = None) -> int:
    """Rows of `table` (Parquet parts under root) whose span on the article body is not `column`.

    Parts hard-linked from `checked` (the published version, which passed this check) are skipped.
    """
    done = {p.stat().st_ino for p in staging.parts(checked, table)} if checked is not None else set()
    rows = [p for p in staging.parts(root, table) if p.stat().st_ino not in done]
    articles = staging.parts(root, "articles")
    if not rows:
        return 0
    if not articles:
        return staging.count(root, table)

    def files(paths: list[Path]) -> str:
        return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"

    con = duckdb.connect(config={"memory_limit": "512MB"})
    try:
        return con.execute(
            f"""SELECT count(*) FROM read_parquet({files(rows)}) t
                LEFT JOIN read_parquet({files(articles)}) a USING (article_id)
                WHERE a.body IS NULL
                   OR substr(a.body, t.char_start + 1, t.char_end - t.char_start) IS DISTINCT FROM t.{column}"""
        ).fetchone()[0]
    finally:
        con.close()

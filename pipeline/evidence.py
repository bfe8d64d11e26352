"""The evidence invariant: body[char_start:char_end] equals the row's mention.

Checked in DuckDB over the Parquet parts, articles part by articles part: each query joins the row
parts that hold rows of a few articles parts with those parts' bodies only, so memory is bounded by
a few parts whatever the size of the night (one join of every row with every body needs more than
the whole corpus of bodies in memory).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipeline import staging

# Articles parts joined per query: a part holds up to 1,000 articles (a few MB of bodies).
ARTICLE_PARTS_PER_QUERY = 8
DUCKDB_CONFIG = {"memory_limit": "256MB", "threads": 2}


def _files(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in sorted(paths)) + "]"


def _article_index(articles: list[Path]) -> pl.DataFrame:
    """article_id -> the articles part that holds it."""
    # one scan over every part (its path as a column) reads them in parallel: 7x faster than a frame per part
    return pl.scan_parquet(articles, include_file_paths="apart").select("article_id", "apart").collect()


def span_mismatches_by_table(
    root: Path, columns: dict[str, str], checked: Path | None = None
) -> dict[str, int]:
    """For each table (Parquet parts under root) and its mention column: rows whose span on the
    article body is not the mention, or whose article is missing.

    Parts hard-linked from `checked` (the published version, which passed this check) are skipped.
    The rows' articles are looked up in the articles parts that are new too (a night's new rows are
    those of its new articles), and in every articles part only when some are not there: a small night
    does not read the whole corpus's article index.
    """
    todo = {t: staging.new_parts(root, t, checked) for t in columns}
    result = dict.fromkeys(columns, 0)
    if not any(todo.values()):
        return result
    articles = staging.parts(root, "articles")
    if not articles:
        return {t: staging.count_parts(parts) for t, parts in todo.items()}
    rows_of = {t: _row_articles(parts) for t, parts in todo.items() if parts}
    fresh = staging.new_parts(root, "articles", checked)
    index = _article_index(fresh) if fresh else pl.DataFrame(schema={"article_id": pl.Utf8, "apart": pl.Utf8})
    if len(fresh) < len(articles) and any(r.join(index, on="article_id", how="anti").height for r in rows_of.values()):
        index = _article_index(articles)
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        for table, where in rows_of.items():
            result[table] = _mismatches(con, where.join(index, on="article_id", how="left"), todo[table],
                                        columns[table])
    finally:
        con.close()
    return result


def _row_articles(parts: list[Path]) -> pl.DataFrame:
    """(article_id, fpart): which row parts hold rows of which article."""
    return pl.scan_parquet(parts, include_file_paths="fpart").select("article_id", "fpart").unique().collect()


def _mismatches(con: duckdb.DuckDBPyConnection, where: pl.DataFrame, parts: list[Path], column: str) -> int:
    """Mismatched rows of `parts`; `where`: their (article_id, fpart) with the articles part (apart) that
    holds each article, null when none does."""
    missing = where.filter(pl.col("apart").is_null())["article_id"].unique()
    bad = 0
    if missing.len():
        orphans = pl.scan_parquet(parts).filter(pl.col("article_id").is_in(missing.implode()))
        bad += orphans.select(pl.len()).collect().item()
    pairs = where.drop_nulls("apart").group_by("apart").agg("fpart").sort("apart").rows()
    for i in range(0, len(pairs), ARTICLE_PARTS_PER_QUERY):
        group = pairs[i : i + ARTICLE_PARTS_PER_QUERY]
        aparts = [a for a, _ in group]
        fparts = sorted({f for _, fs in group for f in fs})
        # Inner join: a row whose article lives in another articles part is counted by that part's query.
        bad += con.execute(
            f"""SELECT count(*) FROM read_parquet({_files(fparts)}) t
                JOIN (SELECT article_id, body FROM read_parquet({_files(aparts)})) a USING (article_id)
                WHERE a.body IS NULL
                   OR substr(a.body, t.char_start + 1, t.char_end - t.char_start) IS DISTINCT FROM t.{column}"""
        ).fetchone()[0]  # type: ignore[index]
    return bad


def span_mismatches(root: Path, table: str, column: str, checked: Path | None = None) -> int:
    """Rows of `table` (Parquet parts under root) whose span on the article body is not `column`.

    Parts hard-linked from `checked` (the published version, which passed this check) are skipped.
    """
    return span_mismatches_by_table(root, {table: column}, checked)[table]

"""The evidence invariant: body[char_start:char_end] equals the row's mention.

Checked with polars over the Parquet parts, articles part by articles part: each query joins the row
parts that hold rows of a few articles parts with those parts' bodies only, so memory is bounded by
a few parts whatever the size of the night (one join of every row with every body needs more than
the whole corpus of bodies in memory). polars slices a body by code points as Python does; DuckDB's
`substr`, used before, counts up to the offset character by character in a body that is not ASCII
(most news, with its curly quotes), three times slower on a first night (6.4 s against 2.2 s at
100,000 articles).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import pools, staging

# Articles parts joined per query: a part holds up to 1,000 articles (a few MB of bodies). polars holds
# a query's joined rows and bodies in memory: 4 parts keep the check's peak at 100,000 articles about
# 25 MB under what 8 parts take, at the same speed.
ARTICLE_PARTS_PER_QUERY = 4
# A check of this many new parts of a table or more runs in a spawned process (`span_mismatches_apart`).
PARTS_CHECKED_APART = 8


def _part_path(column: str) -> pl.Expr:
    """A part's path as a category: polars' include_file_paths repeats the path on every row, which at
    100,000 articles made these frames (and the check's peak memory) about 40 MB larger."""
    return pl.col(column).cast(pl.Categorical)


def _article_index(articles: list[Path]) -> pl.DataFrame:
    """article_id -> the articles part that holds it."""
    # one scan over every part (its path as a column) reads them in parallel: 7x faster than a frame per part
    return pl.scan_parquet(articles, include_file_paths="apart").select("article_id", _part_path("apart")).collect()


def span_mismatches_by_table(
    root: Path, columns: dict[str, str], checked: Path | None = None
) -> dict[str, int]:
    """For each table (Parquet parts under root) and its mention column: rows whose span on the
    article body is not the mention, or whose article is missing.

    Parts hard-linked from `checked` (the published version, which passed this check) are skipped, and so
    are parts rewritten from one of its parts less some rows (`staging.record_carried`: a file changed or
    left), whose rows it checked. The rows' articles are looked up in the articles parts that are new too
    (a night's new rows are those of its new articles), and in every articles part only when some are not
    there: a small night does not read the whole corpus's article index.
    """
    todo = {t: _unchecked_parts(root, t, checked) for t in columns}
    result = dict.fromkeys(columns, 0)
    if not any(todo.values()):
        return result
    articles = staging.parts(root, "articles")
    if not articles:
        return {t: staging.count_parts(parts) for t, parts in todo.items()}
    rows_of = {t: _row_articles(parts) for t, parts in todo.items() if parts}
    fresh = staging.new_parts(root, "articles", checked)
    index = _article_index(fresh) if fresh else pl.DataFrame(schema={"article_id": pl.Utf8, "apart": pl.Categorical})
    if len(fresh) < len(articles) and any(r.join(index, on="article_id", how="anti").height for r in rows_of.values()):
        index = _article_index(articles)
    for table, where in rows_of.items():
        result[table] = _mismatches(where.join(index, on="article_id", how="left"), todo[table], columns[table])
    return result


def _unchecked_parts(root: Path, table: str, checked: Path | None) -> list[Path]:
    """The table's parts under root that are neither hard links of `checked`'s parts nor one of them less
    some rows."""
    old = {inode: p for p, inode in staging.part_inodes(checked, table).items()} if checked is not None else {}
    fresh = {inode: p for p, inode in staging.part_inodes(root, table).items() if inode not in old}
    carried = staging.carried_parts(fresh, old)
    return [p for p in fresh.values() if p not in carried]


def _row_articles(parts: list[Path]) -> pl.DataFrame:
    """(article_id, fpart): which row parts hold rows of which article."""
    scan = pl.scan_parquet(parts, include_file_paths="fpart")
    return scan.select("article_id", _part_path("fpart")).unique().collect()


def _mismatches(where: pl.DataFrame, parts: list[Path], column: str) -> int:
    """Mismatched rows of `parts`; `where`: their (article_id, fpart) with the articles part (apart) that
    holds each article, null when none does."""
    missing = where.filter(pl.col("apart").is_null())["article_id"].unique()
    bad = 0
    if missing.len():
        orphans = pl.scan_parquet(parts).filter(pl.col("article_id").is_in(missing.implode()))
        bad += orphans.select(pl.len()).collect().item()
    pairs = where.drop_nulls("apart").group_by("apart").agg("fpart").sort("apart").rows()
    start, end, mention = pl.col("char_start"), pl.col("char_end"), pl.col(column)
    # body[start:end] == mention exactly: a slice past the body's end comes back shorter than asked; the
    # slice's bounds are clipped only so that polars can take it for a row the other terms reject
    wrong = (
        pl.col("body").is_null() | (start < 0) | (end < start)
        | (mention.str.len_chars() != end - start)
        | pl.col("body").str.slice(start.clip(0), (end - start).clip(0)).ne_missing(mention)
    ).fill_null(True)
    for i in range(0, len(pairs), ARTICLE_PARTS_PER_QUERY):
        group = pairs[i : i + ARTICLE_PARTS_PER_QUERY]
        aparts = sorted(a for a, _ in group)
        fparts = sorted({f for _, fs in group for f in fs})
        # Inner join: a row whose article lives in another articles part is counted by that part's query.
        rows = pl.scan_parquet(fparts).select("article_id", "char_start", "char_end", column)
        bodies = pl.scan_parquet(aparts).select("article_id", "body")
        bad += rows.join(bodies, on="article_id", how="inner").filter(wrong).select(pl.len()).collect().item()
    return bad


def span_mismatches_apart(
    root: Path, columns: dict[str, str], checked: Path | None = None, workers: int = 1,
    min_parts: int = PARTS_CHECKED_APART,
) -> dict[str, int]:
    """`span_mismatches_by_table`, in a spawned process when some table has `min_parts` new parts or more
    and `workers` allows a pool. polars' allocator keeps the memory of the check's queries for the life of
    the process that ran them: about 70 MB at 100,000 articles on top of the long-lived run process's
    peak. A small night's check (a part or two) stays in process, where it costs no process start."""
    new = max(len(staging.new_parts(root, t, checked)) for t in columns) if columns else 0
    with pools.pool(workers, new, min_jobs=min_parts) as ex:
        return ex.submit(span_mismatches_by_table, root, columns, checked).result()


def span_mismatches(root: Path, table: str, column: str, checked: Path | None = None) -> int:
    """Rows of `table` (Parquet parts under root) whose span on the article body is not `column`.

    Parts hard-linked from `checked` (the published version, which passed this check) are skipped.
    """
    return span_mismatches_by_table(root, {table: column}, checked)[table]

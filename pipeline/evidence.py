"""The evidence invariant: body[char_start:char_end] equals the row's mention."""

from __future__ import annotations

import polars as pl


def span_mismatches(articles: pl.DataFrame, rows: pl.DataFrame, column: str) -> int:
    """Number of rows whose span on the article body is not exactly `column`."""
    if rows.height == 0:
        return 0
    joined = rows.select("article_id", "char_start", "char_end", column).join(
        articles.select("article_id", "body"), on="article_id", how="left"
    )
    ok = joined.select(
        (
            pl.col("body").str.slice(pl.col("char_start"), pl.col("char_end") - pl.col("char_start"))
            == pl.col(column)
        ).fill_null(False)
    ).to_series()
    return int((~ok).sum())

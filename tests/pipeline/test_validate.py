"""Validation keeps data: bad rows go to rejects with the failed check, good rows pass."""

from __future__ import annotations

import json

from pipeline.frames import to_frame
from pipeline.validate import validate_table

BODY = "In Chuhuiv, two women have died."


def _figure(**overrides) -> dict:
    row = dict(
        figure_id="f1", article_id="a1", sentence_id="s1", char_start=12, char_end=15, mention="two",
        value=2.0, value_max=None, qualifier="exact", unit="count", category="killed", subject="women",
        place="Chuhuiv", place_id=None, as_of=None, since=None, is_cumulative=False, in_caption=False,
        method="figures.test", attribution_id=None,
    )
    row.update(overrides)
    return row


def test_valid_rows_pass_untouched() -> None:
    df = to_frame("figures", [_figure()])
    valid, rejects = validate_table("figures", df, {"a1": BODY})
    assert valid.height == 1 and rejects.height == 0


def test_bad_vocabulary_span_and_duplicate_ids_are_rejected_with_their_check() -> None:
    rows = [
        _figure(),
        _figure(figure_id="f2", category="exploded"),
        _figure(figure_id="f3", char_start=0, char_end=2),
        _figure(),  # duplicate id
    ]
    valid, rejects = validate_table("figures", to_frame("figures", rows), {"a1": BODY})
    assert valid["figure_id"].to_list() == ["f1"]
    checks = rejects["check"].to_list()
    assert any("category" in c and "isin" in c for c in checks)
    assert "span_equals_mention" in checks
    assert "unique_figure_id" in checks
    assert set(rejects["stage"]) == {"validate"} and set(rejects["table"]) == {"figures"}
    assert json.loads(rejects["row"][0])["figure_id"] in {"f2", "f3", "f1"}


def test_a_frame_of_other_dtypes_is_coerced_as_the_contract_says_and_judged_the_same() -> None:
    """A frame of the contract's dtypes is checked without coercion (it would coerce to itself); one whose
    dtypes differ but coerce (char offsets as 32-bit integers) is coerced first: the same verdicts."""
    import polars as pl

    rows = [_figure(), _figure(figure_id="f2", category="exploded"), _figure(figure_id="f3", char_start=-1)]
    typed = to_frame("figures", rows)
    other = typed.with_columns(pl.col("char_start", "char_end").cast(pl.Int32))
    verdicts = []
    for df in (typed, other):
        valid, rejects = validate_table("figures", df, None)
        verdicts.append((valid["figure_id"].to_list(), sorted(rejects["check"].to_list())))
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][0] == ["f1"] and any("category" in c for c in verdicts[0][1]) \
        and any("char_start" in c for c in verdicts[0][1])
    # a column that cannot be coerced fails its dtype check, row by row or for the table
    broken = typed.with_columns(pl.lit("twelve").alias("char_start"))
    valid, rejects = validate_table("figures", broken, None)
    assert valid.height == 0 and rejects.height == 3

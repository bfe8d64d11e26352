"""pipeline.frames.to_frame: rows of a dataclass, mappings or a mix give the same typed frame; columns_frame:
the same frame from the rows' columns."""

from __future__ import annotations

import dataclasses

import polars as pl

from pipeline.frames import columns_frame, to_frame
from pipeline.model import Sentence, row_columns
from schemas import TABLES, polars_schema

ROWS = [Sentence("s1", "a1", 0, 0, "body", 0, 5, "Hello"), Sentence("s2", "a1", 0, 1, "caption", 6, 9, "Hi.")]


def test_dataclass_rows_mappings_and_a_mix_give_the_same_frame() -> None:
    as_dicts = [dataclasses.asdict(r) for r in ROWS]
    want = to_frame("sentences", as_dicts)
    assert want.height == 2 and want.schema == pl.Schema(polars_schema(TABLES["sentences"]))
    assert to_frame("sentences", ROWS).equals(want)
    assert to_frame("sentences", [ROWS[0], as_dicts[1]]).equals(want)
    assert to_frame("sentences", iter(ROWS[:1])).equals(want.head(1))  # any iterable, one row


@dataclasses.dataclass(frozen=True)
class _Partial:
    """A row that lacks most of the table's columns."""

    sentence_id: str
    text: str


def test_columns_a_dataclass_lacks_are_null_and_no_rows_give_an_empty_typed_frame() -> None:
    got = to_frame("sentences", [_Partial("s1", "Hello")])
    assert got["sentence_id"].to_list() == ["s1"] and got["text"].to_list() == ["Hello"]
    assert got["article_id"].to_list() == [None] and got.width == len(polars_schema(TABLES["sentences"]))
    empty = to_frame("sentences", [])
    assert empty.height == 0 and empty.schema == got.schema


def test_columns_give_the_rows_frame_a_missing_column_null_and_an_unknown_one_left_out() -> None:
    assert columns_frame("sentences", row_columns(ROWS)).equals(to_frame("sentences", ROWS))
    got = columns_frame("sentences", {"sentence_id": ["s1"], "text": ["Hello"], "not_in_contract": [1]})
    assert got.equals(to_frame("sentences", [_Partial("s1", "Hello")]))
    assert columns_frame("sentences", {}).equals(to_frame("sentences", []))

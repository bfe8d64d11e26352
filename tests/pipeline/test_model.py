"""pipeline.model.new_frozen and replace_frozen: the fast row builders give the objects the dataclass would;
row_columns: rows of one dataclass as columns; Sentence: frozen and pickled by its fields, compiled or not."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from pipeline.model import Article, Sentence, new_frozen, replace_frozen, row_columns

VALUES = ("s1", "a1", 0, 0, "body", 0, 5, "Hello")


# A plain frozen dataclass with a sentence's fields (Sentence itself is a compiled class when built: new_frozen
# is for the plain ones).
Row = dataclasses.make_dataclass("Row", [(f.name, f.type) for f in dataclasses.fields(Sentence)], frozen=True)


def test_new_frozen_by_position_or_name_equals_the_dataclass() -> None:
    want = Row(*VALUES)
    by_name = dict(zip([f.name for f in dataclasses.fields(Row)], VALUES, strict=True))
    for got in (new_frozen(Row, *VALUES), new_frozen(Row, **by_name)):
        assert got == want and hash(got) == hash(want)
        with pytest.raises(dataclasses.FrozenInstanceError):
            got.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("call", [
    pytest.param(lambda: new_frozen(Row, *VALUES[:-1]), id="a field missing by position"),
    pytest.param(lambda: new_frozen(Row, sentence_id="s1"), id="fields missing by name"),
    pytest.param(lambda: new_frozen(Row, "s1", article_id="a1"), id="position and name mixed"),
])
def test_new_frozen_refuses_an_incomplete_row(call) -> None:
    with pytest.raises((TypeError, ValueError)):
        call()


def test_replace_frozen_equals_dataclasses_replace_and_leaves_the_original() -> None:
    original = Row(*VALUES)
    got = replace_frozen(original, text="Hi", char_end=2)
    assert got == dataclasses.replace(original, text="Hi", char_end=2) and hash(got) == hash(Row(*VALUES[:-2], 2, "Hi"))
    assert original == Row(*VALUES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError, match="not fields"):
        replace_frozen(original, txt="typo")


def test_row_columns_transposes_rows_of_one_dataclass_field_by_field() -> None:
    rows = [Sentence(*VALUES), Sentence("s2", "a1", 0, 1, "caption", 6, 9, "Hi.")]
    got = row_columns(rows)
    assert list(got) == [f.name for f in dataclasses.fields(Sentence)]
    assert got["sentence_id"] == ["s1", "s2"] and got["char_end"] == [5, 9] and got["role"] == ["body", "caption"]
    assert [Sentence(*values) for values in zip(*got.values(), strict=True)] == rows  # nothing lost or reordered
    assert row_columns([]) == {}


def test_row_columns_refuses_rows_of_mixed_kinds() -> None:
    with pytest.raises(TypeError, match="not of one dataclass"):
        row_columns([Sentence(*VALUES), Article("a1", "f.txt", "h1", None, None, None, "Body")])


def test_sentence_is_frozen_and_pickles_to_an_equal_sentence() -> None:
    sentence = Sentence(*VALUES)
    assert sentence == Sentence(*VALUES) and sentence != Sentence(*VALUES[:-1], "Hi")
    assert [getattr(sentence, f.name) for f in dataclasses.fields(Sentence)] == list(VALUES)
    back = pickle.loads(pickle.dumps(sentence))
    assert back == sentence and hash(back) == hash(sentence) and back is not sentence
    with pytest.raises(dataclasses.FrozenInstanceError):
        sentence.text = "changed"  # type: ignore[misc]


def test_replace_frozen_builds_a_compiled_class_through_its_init() -> None:
    # Sentence is a native class when compiled (no instance dict): replace_frozen calls its __init__
    original = Sentence(*VALUES)
    got = replace_frozen(original, text="Hi", char_end=2)
    assert got == dataclasses.replace(original, text="Hi", char_end=2) and type(got) is Sentence
    assert original == Sentence(*VALUES)
    with pytest.raises(TypeError, match="not fields"):
        replace_frozen(original, txt="typo")

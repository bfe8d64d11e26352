"""Plain data shared by every stage: articles, sentences and the per-article document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar

from mypy_extensions import mypyc_attr

_T = TypeVar("_T")


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@cache
def _field_set(cls: type) -> frozenset[str]:
    return frozenset(_field_names(cls))


def new_frozen(cls: type[_T], *values: Any, **by_name: Any) -> _T:
    """cls(*values) or cls(**by_name) for a frozen dataclass without __post_init__, built without the
    generated __init__, whose object.__setattr__ per field makes it several times slower: for the hot
    row-building paths of the extractors. Every field must be given (in order, or each by its name);
    the object is equal to the one the dataclass would build."""
    obj = object.__new__(cls)
    kind: type = cls  # as the field-name caches' key
    if by_name:
        if values or by_name.keys() != _field_set(kind):
            raise TypeError(f"new_frozen({cls.__name__}): give every field, all by position or all by name")
        object.__setattr__(obj, "__dict__", by_name)
    else:
        names = _field_names(kind)
        if len(values) != len(names):
            raise TypeError(f"new_frozen({cls.__name__}): {len(values)} values for {len(names)} fields")
        state: dict[str, Any] = obj.__dict__  # filled in place: compiled, an indexed loop beats dict(zip())
        for i in range(len(names)):
            state[names[i]] = values[i]
    return obj


def field_values(obj: object) -> tuple[Any, ...]:
    """The values of a dataclass object's fields, in field order: what a frozen compiled class's __reduce__
    gives back to its __init__ (the default state of a compiled class is set field by field, which frozen
    refuses)."""
    kind: type = type(obj)
    return tuple([getattr(obj, name) for name in _field_names(kind)])


def replace_frozen(obj: _T, **changes: Any) -> _T:
    """dataclasses.replace(obj, **changes) for a frozen dataclass, without its generated __init__ (several
    times slower on hot paths); the object is equal to replace's. A plain class (new_frozen builds those)
    gets its state copied; a compiled class (written-out __init__, see model.Sentence) is built by it."""
    kind: type = type(obj)
    if not changes.keys() <= _field_set(kind):
        raise TypeError(f"replace_frozen({kind.__name__}): {sorted(changes.keys() - _field_set(kind))} are not fields")
    if not hasattr(obj, "__dict__"):
        return kind(*[changes[name] if name in changes else getattr(obj, name) for name in _field_names(kind)])
    new: _T = object.__new__(kind)
    object.__setattr__(new, "__dict__", {**obj.__dict__, **changes})
    return new


def row_columns(rows: list[Any]) -> dict[str, list[Any]]:
    """Rows of one dataclass as columns, field name -> values in row order ({} for no rows): each row's
    fields read by one attrgetter call, then transposed. A worker sends a batch's rows back this way:
    a column of values pickles and unpickles in a fraction of the time the row objects take, and a
    frame is built from columns directly (`pipeline.frames.columns_frame`)."""
    if not rows:
        return {}
    kind: type = type(rows[0])
    if any(type(row) is not kind for row in rows):
        raise TypeError(f"row_columns: rows of {sorted({type(r).__name__ for r in rows})}, not of one dataclass")
    names = _field_names(kind)
    if len(names) == 1:  # attrgetter of one name gives the value itself, not a tuple
        return {names[0]: [getattr(row, names[0]) for row in rows]}
    values = zip(*map(attrgetter(*names), rows), strict=True)
    return {name: list(column) for name, column in zip(names, values, strict=True)}


# CPython's own str.lower, called as a function: compiled, `text.lower()` is mypyc's, which lowers a text
# with any non-ASCII character (a curly quote) through a UCS-4 buffer, twice the time on an article body.
_str_lower: Callable[[str], str] = str.lower

# Paragraph / sentence roles. Facts come from body, caption and heading; never boilerplate.
ROLES = ("body", "caption", "heading", "boilerplate")
FACT_ROLES = frozenset({"body", "caption", "heading"})


@mypyc_attr(native_class=False)  # pickled to the workers, built by new_frozen
@dataclass(frozen=True)
class Article:
    """One distinct article as stored in the warehouse. `body` is the text every span points into."""

    article_id: str
    source_path: str
    content_hash: str
    published_date: date | None
    title: str | None
    lead_caption: str | None
    body: str
    language: str = "en"
    source: str | None = None
    url: str | None = None
    external_id: str | None = None


@mypyc_attr(native_class=False)  # a plain class like the other rows
@dataclass(frozen=True)
class Paragraph:
    article_id: str
    paragraph_index: int
    role: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence with its span on `Article.body`: body[char_start:char_end] == text.

    A native class when compiled: the extractors read a sentence's fields about 1,400 times an article,
    each a C struct read instead of an instance-dict lookup (measured, about 3% of an article's time)."""

    sentence_id: str
    article_id: str
    paragraph_index: int
    sentence_index: int
    role: str
    char_start: int
    char_end: int
    text: str

    def __init__(self, sentence_id: str, article_id: str, paragraph_index: int, sentence_index: int, role: str,
                 char_start: int, char_end: int, text: str) -> None:
        # Written out (dataclass keeps a class's own __init__): compiled, the generated one runs as Python.
        # Keep in step with the fields above.
        object.__setattr__(self, "sentence_id", sentence_id)
        object.__setattr__(self, "article_id", article_id)
        object.__setattr__(self, "paragraph_index", paragraph_index)
        object.__setattr__(self, "sentence_index", sentence_index)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)
        object.__setattr__(self, "text", text)

    def __reduce__(self) -> tuple[type[Sentence], tuple[Any, ...]]:
        return Sentence, field_values(self)


@dataclass
class Doc:
    """Everything the extractors read for one article.

    `places[sentence_id]` and `dates[sentence_id]` hold the place and date mentions found once per
    sentence by pipeline.places / pipeline.dates (body offsets), so no extractor re-scans for them.
    Only sentences whose role is in FACT_ROLES are in `sentences`' fact view `fact_sentences`.
    """

    article: Article
    sentences: list[Sentence]
    places: dict[str, list] = field(default_factory=dict)
    dates: dict[str, list] = field(default_factory=dict)
    lower_body: str | None = field(default=None, repr=False, compare=False)  # see lowered_body
    fact_cache: list[Sentence] | None = field(default=None, repr=False, compare=False)  # see fact_sentences

    def lowered_body(self) -> str:
        """`article.body.lower()`, computed once for the extractors that read it (events, attributions)."""
        if self.lower_body is None:
            self.lower_body = _str_lower(self.article.body)
        return self.lower_body

    @property
    def fact_sentences(self) -> list[Sentence]:
        """The sentences whose role is in FACT_ROLES, found once (the extractors read them about eight times
        an article); `sentences` is not to change after that."""
        if self.fact_cache is None:
            self.fact_cache = [s for s in self.sentences if s.role in FACT_ROLES]
        return self.fact_cache

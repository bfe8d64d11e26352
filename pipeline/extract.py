"""Articles in, every fact table's rows out: segmentation, shared parsers, extractors, claims (a batch step by step)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from mypy_extensions import mypyc_attr

from pipeline import attributions, events, figures
from pipeline.attributions import AttributionRow
from pipeline.dates import find_dates, sentence_gates
from pipeline.events import EventPlaceRow, EventRow
from pipeline.figures import FigureRow
from pipeline.model import Article, Doc, Sentence, replace_frozen
from pipeline.places import Gazetteer, load_gazetteer
from pipeline.text import segment

_Row = TypeVar("_Row", FigureRow, EventRow)

# Articles a worker takes through each step together (`extract_articles`).
STEP_CHUNK = 32


@mypyc_attr(native_class=False)  # pickled from the workers (test_native): a plain class
@dataclass(frozen=True)
class ArticleFacts:
    # the row classes by their own names: inside the class, "events" is the field above, not the module
    sentences: list[Sentence]
    figures: list[FigureRow]
    attributions: list[AttributionRow]
    events: list[EventRow]
    event_places: list[EventPlaceRow]


# A short article that sends every extractor down its usual path once.
WARM_UP = {
    "id": "warm-up", "date": "2022-09-19",
    "text": "Russian forces shelled Kharkiv on Monday, killing three civilians and wounding 12, the regional "
            "governor said.\n\n\"We will rebuild,\" Mayor Ihor Terekhov told reporters. Ukraine's army said it "
            "had retaken 20 villages.",
}


def warm_up_article() -> Article:
    """`WARM_UP` as an article."""
    from pipeline.parse import article_from_object

    return article_from_object(WARM_UP, "warm-up.json")


def warm_up() -> ArticleFacts:
    """Load the gazetteer and extract `WARM_UP`: what the extractors load or compile on first use
    (lexicons, regexes) is ready before the first real article."""
    return extract_article(warm_up_article(), load_gazetteer())


def build_doc(article: Article, gazetteer: Gazetteer | None = None) -> Doc:
    """Segment the article and find places and dates once per fact sentence."""
    doc = Doc(article=article, sentences=segment(article))
    add_places(doc, gazetteer or load_gazetteer())
    add_dates(doc)
    return doc


def add_places(doc: Doc, gazetteer: Gazetteer) -> Doc:
    """The place mentions of each fact sentence, in `doc.places`."""
    facts = doc.fact_sentences
    # One call for the whole article: a name shown to be a person's anywhere is no place elsewhere.
    found = gazetteer.find_all((s.text, s.char_start) for s in facts)
    for sentence, mentions in zip(facts, found, strict=True):
        doc.places[sentence.sentence_id] = mentions
    return doc


def add_dates(doc: Doc) -> Doc:
    """The date mentions of each fact sentence, in `doc.dates`."""
    published = doc.article.published_date
    facts = doc.fact_sentences
    gates = sentence_gates(doc.article.body, [(s.char_start, s.char_end) for s in facts])
    for sentence, open_ in zip(facts, gates, strict=True):
        doc.dates[sentence.sentence_id] = find_dates(sentence.text, sentence.char_start, published, open_)
    return doc


def _claim_of(start: int, end: int, claims: list[tuple[int, int, str]]) -> str | None:
    """The claim (content start, content end, attribution id) whose content contains [start, end), the
    innermost when nested."""
    best: tuple[int, int, str] | None = None
    for claim in claims:
        if claim[0] <= start and end <= claim[1] and (best is None or claim[1] - claim[0] < best[1] - best[0]):
            best = claim
    return best[2] if best else None


def link_claims(
    figure_rows: list[figures.FigureRow],
    event_rows: list[events.EventRow],
    attribution_rows: list[attributions.AttributionRow],
) -> tuple[list[figures.FigureRow], list[events.EventRow]]:
    """Give each figure and event the id of the attribution whose content holds its mention."""
    claims = [(a.content_start, a.content_end, a.attribution_id) for a in attribution_rows
              if a.content_start is not None and a.content_end is not None]

    def linked(row: _Row) -> _Row:
        claim = _claim_of(row.char_start, row.char_end, claims)
        return row if claim == row.attribution_id else replace_frozen(row, attribution_id=claim)

    return [linked(f) for f in figure_rows], [linked(e) for e in event_rows]


def extract_article(article: Article, gazetteer: Gazetteer | None = None) -> ArticleFacts:
    """All fact rows of one article, evidence spans on article.body."""
    outcome = extract_articles([article], gazetteer)[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def extract_articles(
    articles: Sequence[Article], gazetteer: Gazetteer | None = None
) -> list[ArticleFacts | Exception]:
    """Each article's rows as `extract_article` gives them, or the exception its extraction raised (one
    article's failure loses no other's).

    The articles go through each step together, `STEP_CHUNK` at a time: segmentation for all of them,
    then places, dates, figures, attributions, events. One article taken through every step in turn
    needs more code and lexicon data than a core's cache holds, and each step evicts the one before;
    one step over many articles keeps its own in cache (see README, "Measured speed"). Every step reads
    one article only, so the rows are the same in any order and any chunking.
    """
    gazetteer = gazetteer or load_gazetteer()
    outcomes: list[ArticleFacts | Exception] = []
    # The extractors make no reference cycles (a collection after extracting the bench's 458 articles
    # finds nothing to free): their objects go by reference counts alone, and the cyclic collector's
    # passes over the young objects free nothing (0.9% of the instructions of a batch of seed-sized
    # articles: 9.16 against 9.08 M an article, callgrind). Paused for the batch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for at in range(0, len(articles), STEP_CHUNK):
            outcomes += _extract_chunk(articles[at:at + STEP_CHUNK], gazetteer)
    finally:
        if collecting:
            gc.enable()
    return outcomes


class _InProgress:
    """One article on its way through the steps: what the steps so far made of it, or its error."""

    doc: Doc
    figure_rows: list[figures.FigureRow]
    attribution_rows: list[attributions.AttributionRow]
    facts: ArticleFacts

    def __init__(self, article: Article) -> None:
        self.article = article
        self.error: Exception | None = None


def _segment(item: _InProgress, gazetteer: Gazetteer) -> None:
    item.doc = Doc(article=item.article, sentences=segment(item.article))


def _places(item: _InProgress, gazetteer: Gazetteer) -> None:
    add_places(item.doc, gazetteer)


def _dates(item: _InProgress, gazetteer: Gazetteer) -> None:
    add_dates(item.doc)


def _figures(item: _InProgress, gazetteer: Gazetteer) -> None:
    item.figure_rows = figures.extract(item.doc)


def _attributions(item: _InProgress, gazetteer: Gazetteer) -> None:
    item.attribution_rows = attributions.extract(item.doc)


def _events_and_claims(item: _InProgress, gazetteer: Gazetteer) -> None:
    event_rows, event_place_rows = events.extract(item.doc, item.figure_rows)
    figure_rows, event_rows = link_claims(item.figure_rows, event_rows, item.attribution_rows)
    item.facts = ArticleFacts(item.doc.sentences, figure_rows, item.attribution_rows, event_rows, event_place_rows)


# In order; events read the article's figures, claims its attributions.
_STEPS: tuple[Callable[[_InProgress, Gazetteer], None], ...] = (
    _segment, _places, _dates, _figures, _attributions, _events_and_claims,
)


def _extract_chunk(articles: Sequence[Article], gazetteer: Gazetteer) -> list[ArticleFacts | Exception]:
    work = [_InProgress(article) for article in articles]
    for step in _STEPS:
        for item in work:
            if item.error is None:
                try:
                    step(item, gazetteer)
                except Exception as exc:  # noqa: BLE001 - this article's outcome; the others go on
                    item.error = exc
    return [item.facts if item.error is None else item.error for item in work]

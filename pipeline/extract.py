"""One article in, every fact table's rows out: segmentation, shared parsers, extractors, claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pipeline import attributions, events, figures
from pipeline.dates import find_dates
from pipeline.model import Article, Doc, Sentence, replace_frozen
from pipeline.places import Gazetteer, load_gazetteer
from pipeline.text import segment

_Row = TypeVar("_Row", "figures.FigureRow", "events.EventRow")


@dataclass(frozen=True)
class ArticleFacts:
    sentences: list[Sentence]
    figures: list[figures.FigureRow]
    attributions: list[attributions.AttributionRow]
    events: list[events.EventRow]
    event_places: list[events.EventPlaceRow]


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
    gazetteer = gazetteer or load_gazetteer()
    doc = Doc(article=article, sentences=segment(article))
    facts = doc.fact_sentences
    # One call for the whole article: a name shown to be a person's anywhere is no place elsewhere.
    found = gazetteer.find_all((s.text, s.char_start) for s in facts)
    for sentence, mentions in zip(facts, found, strict=True):
        doc.places[sentence.sentence_id] = mentions
        doc.dates[sentence.sentence_id] = find_dates(sentence.text, sentence.char_start, article.published_date)
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
    doc = build_doc(article, gazetteer)
    figure_rows = figures.extract(doc)
    attribution_rows = attributions.extract(doc)
    event_rows, event_place_rows = events.extract(doc, figure_rows)
    figure_rows, event_rows = link_claims(figure_rows, event_rows, attribution_rows)
    return ArticleFacts(doc.sentences, figure_rows, attribution_rows, event_rows, event_place_rows)

"""One article in, every fact table's rows out: segmentation, shared parsers, extractors, claims."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline import attributions, events, figures
from pipeline.dates import find_dates
from pipeline.model import Article, Doc, Sentence
from pipeline.places import Gazetteer, load_gazetteer
from pipeline.text import segment


@dataclass(frozen=True)
class ArticleFacts:
    sentences: list[Sentence]
    figures: list[figures.FigureRow]
    attributions: list[attributions.AttributionRow]
    events: list[events.EventRow]
    event_places: list[events.EventPlaceRow]


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


def _claim_of(start: int, end: int, claims: list[attributions.AttributionRow]) -> str | None:
    """The attribution whose content span contains [start, end), the innermost when nested."""
    best: attributions.AttributionRow | None = None
    for a in claims:
        if a.content_start is None or a.content_end is None:
            continue
        if a.content_start <= start and end <= a.content_end and (
            best is None or (a.content_end - a.content_start) < (best.content_end - best.content_start)  # type: ignore[operator]
        ):
            best = a
    return best.attribution_id if best else None


def link_claims(
    figure_rows: list[figures.FigureRow],
    event_rows: list[events.EventRow],
    attribution_rows: list[attributions.AttributionRow],
) -> tuple[list[figures.FigureRow], list[events.EventRow]]:
    """Give each figure and event the id of the attribution whose content holds its mention."""
    def claim(start: int, end: int) -> str | None:
        return _claim_of(start, end, attribution_rows)

    figures_out = [replace(f, attribution_id=claim(f.char_start, f.char_end)) for f in figure_rows]
    events_out = [replace(e, attribution_id=claim(e.char_start, e.char_end)) for e in event_rows]
    return figures_out, events_out


def extract_article(article: Article, gazetteer: Gazetteer | None = None) -> ArticleFacts:
    """All fact rows of one article, evidence spans on article.body."""
    doc = build_doc(article, gazetteer)
    figure_rows = figures.extract(doc)
    attribution_rows = attributions.extract(doc)
    event_rows, event_place_rows = events.extract(doc, figure_rows)
    figure_rows, event_rows = link_claims(figure_rows, event_rows, attribution_rows)
    return ArticleFacts(doc.sentences, figure_rows, attribution_rows, event_rows, event_place_rows)

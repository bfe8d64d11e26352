"""The seed's extraction steps as no-argument calls, shared by bench.py (milliseconds) and
instructions.py (instructions), so both measure the same thing."""

from __future__ import annotations

from collections.abc import Callable

from pipeline import attributions, events, figures
from pipeline.extract import build_doc, extract_article
from pipeline.model import Article, Doc
from pipeline.places import Gazetteer


def cold_calls(article: Article, gaz: Gazetteer) -> tuple[Doc, dict[str, Callable[[], object]]]:
    """The article's document and one call per step ("build_doc", "figures", "attributions",
    "events") and for the whole article ("all": one extract_article call, an article alone). Each
    call pays what a new article would: the body's lowering, and events' text-keyed cache is cleared."""
    doc = build_doc(article, gaz)
    fig = figures.extract(doc)

    def events_cold() -> object:
        events._names_air_weapon.cache_clear()  # keyed on sentence text: a repeated article must not hit it
        doc.lower_body = None  # computed once per article: each call pays for it, as a new article would
        return events.extract(doc, fig)

    def attributions_cold() -> object:
        doc.lower_body = None
        return attributions.extract(doc)

    def article_cold() -> object:
        events._names_air_weapon.cache_clear()
        return extract_article(article, gaz)

    return doc, {
        "build_doc": lambda: build_doc(article, gaz),
        "figures": lambda: figures.extract(doc),
        "attributions": attributions_cold,
        "events": events_cold,
        "all": article_cold,
    }

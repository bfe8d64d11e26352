"""Where an article is: the place of a mention in context and the article's focus places.

Shared by the extractors that need a place when a sentence names none (figures, events):
locative mentions ("in Chuhuiv") beat bare ones and possessives ("Ukraine's health minister"),
agents ("by Russia") are never where something happened, and a local story's lead city or the
article's dominant country stands in when the sentence is silent.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.model import Doc
from pipeline.places import Place, load_gazetteer

_KIND_RANK = {"city": 0, "other": 0, "admin1": 1, "country": 2}

_LOCATIVE = re.compile(
    r"\b(?:in|near|at|around|outside|across|inside|into|from|of|to|on|over)\s+(?:(?:the\s+)?(?:[a-z-]+\s+){0,3}(?:of\s+))?(?:the\s+)?$"
)


_AGENT_BEFORE = re.compile(r"\bby\s+(?:the\s+)?$")
_POSSESSIVE_AFTER = re.compile(r"^(?:'s|’s)\b")


def locative_rank(p: object, body: str) -> int:
    """0 for a place named where something happens ("in Chuhuiv", "near Izium", "the city of
    Vinnytsia"), 1 for a bare mention, 2 for a possessive ("Ukraine's health minister")."""
    start, end = p.char_start, p.char_end  # type: ignore[attr-defined]
    if _POSSESSIVE_AFTER.match(body[end:end + 3]):
        return 2
    return 0 if _LOCATIVE.search(body[max(0, start - 40):start]) else 1


def most_specific_place(mentions: list, pos: int, body: str = "") -> Place | None:
    """Of a sentence's place mentions: locative ones first, then the most specific, then the nearest.
    Agents ("detention by Russia") are not where the figure happened."""
    mentions = [p for p in mentions if not _AGENT_BEFORE.search(body[max(0, p.char_start - 10):p.char_start])]
    if not mentions:
        return None
    best = min(
        mentions,
        key=lambda p: (locative_rank(p, body), _KIND_RANK.get(p.place.kind, 0), abs(p.char_start - pos)),
    )
    return best.place  # type: ignore[no-any-return]


def dominant_country(doc: Doc) -> Place | None:
    """The country most of the article's place mentions lie in (for national tallies)."""
    counts: Counter[str] = Counter()
    for mentions in doc.places.values():
        for p in mentions:
            if p.place.country_code:
                counts[p.place.country_code] += 1
    if not counts:
        return None
    code = counts.most_common(1)[0][0]
    for mentions in doc.places.values():
        for p in mentions:
            if p.place.kind == "country" and p.place.country_code == code:
                return p.place  # type: ignore[no-any-return]
    import pycountry  # package data is read through places/numbers; this is only the name lookup

    country = pycountry.countries.get(alpha_2=code)
    return load_gazetteer().resolve(country.name) if country else None


def lead_city(doc: Doc) -> Place | None:
    """The city a local story is about: the first city named in a locative way in the lead paragraph
    ("The mayor of Sloviansk has called on ..."). None when the lead names no city."""
    body = doc.article.body
    for s in doc.fact_sentences:
        if s.role != "body":
            continue
        for p in doc.places.get(s.sentence_id, []):
            if p.place.kind == "city" and not getattr(p, "as_actor", False) and locative_rank(p, body) == 0:
                return p.place  # type: ignore[no-any-return]
        if s.paragraph_index != doc.fact_sentences[0].paragraph_index:
            return None
    return None


def article_focus(doc: Doc) -> Place | None:
    """The place a story is about when a sentence names none: the lead's city, else the dominant country."""
    return lead_city(doc) or dominant_country(doc)

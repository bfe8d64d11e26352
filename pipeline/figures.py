"""Figures: numbers that count or measure something that happened. (interface stub)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.model import Doc


@dataclass(frozen=True)
class FigureRow:
    figure_id: str
    article_id: str
    sentence_id: str
    char_start: int
    char_end: int
    mention: str
    value: float
    value_max: float | None
    qualifier: str
    unit: str
    category: str
    subject: str | None
    place: str | None
    place_id: str | None
    as_of: date | None
    since: date | None
    is_cumulative: bool
    in_caption: bool
    method: str
    attribution_id: str | None = None


def extract(doc: Doc) -> list[FigureRow]:
    return []

"""Events: what happened, where, when, by whom (ACLED-aligned types). (interface stub)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline.figures import FigureRow
from pipeline.model import Doc


@dataclass(frozen=True)
class EventRow:
    event_id: str
    article_id: str
    sentence_id: str
    char_start: int  # span of the trigger
    char_end: int
    trigger: str
    event_type: str
    actor: str | None
    target: str | None  # targets joined with "; "
    event_date: date | None
    date_precision: str  # day, week, month, year, unknown
    fatalities: float | None
    injured: float | None
    fatalities_figure_id: str | None
    injured_figure_id: str | None
    in_caption: bool
    method: str
    attribution_id: str | None = None


@dataclass(frozen=True)
class EventPlaceRow:
    event_id: str
    article_id: str
    place: str
    place_id: str | None
    mention: str | None
    char_start: int | None
    char_end: int | None


def extract(doc: Doc, figures: list[FigureRow]) -> tuple[list[EventRow], list[EventPlaceRow]]:
    return [], []

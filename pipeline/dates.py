"""Dates: "this Sunday", "February 24", "last week" resolved against the article date. (stub)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DateMention:
    """A date expression: body[char_start:char_end] == text."""

    char_start: int
    char_end: int
    text: str
    value: date | None  # resolved date (start of the week / month for coarser precisions)
    precision: str  # day, week, month, year, unknown
    relation: str | None = None  # since ("since February 24"), as_of ("to date", "so far"), or None


def find_dates(text: str, offset: int, article_date: date | None) -> list[DateMention]:
    """Date mentions in `text` (spans shifted by offset), resolved against article_date."""
    return []

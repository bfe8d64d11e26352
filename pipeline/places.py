"""Places: gazetteer lookup, aliases and transliterations, admin regions. (interface stub)"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Place:
    """A row of the places dimension."""

    place_id: str
    name: str  # canonical English, GeoNames style: "Izium", "Kharkiv Oblast", "Ukraine"
    kind: str  # country, admin1, city, other
    country_code: str | None
    admin1: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text: body[char_start:char_end] == text."""

    char_start: int
    char_end: int
    text: str
    place: Place


class Gazetteer:
    def find(self, text: str, offset: int = 0) -> list[PlaceMention]:
        """Place mentions in `text`; spans shifted by `offset`."""
        return []

    def resolve(self, name: str) -> Place | None:
        """The place a name (canonical or alias) refers to, or None."""
        return None

    def places(self) -> list[Place]:
        """Every place of the dimension (for the `places` table)."""
        return []


@cache
def load_gazetteer() -> Gazetteer:
    return Gazetteer()

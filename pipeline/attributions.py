"""Attributions: who said or claimed what. (interface stub)"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import Doc


@dataclass(frozen=True)
class AttributionRow:
    attribution_id: str
    article_id: str
    sentence_id: str
    char_start: int  # span of the cue as written ("said", "according to")
    char_end: int
    mention: str
    cue: str  # lemma: say, tell, according_to ...
    speaker: str | None  # resolved source, canonical
    speaker_mention: str | None  # as written in this sentence ("He", "the Ministry")
    speaker_start: int | None
    speaker_end: int | None
    speaker_kind: str | None  # person, government, organisation, media, document, unnamed, group
    speaker_role: str | None
    is_direct: bool
    content: str | None
    content_start: int | None
    content_end: int | None
    channel: str | None
    in_caption: bool
    method: str


def extract(doc: Doc) -> list[AttributionRow]:
    return []

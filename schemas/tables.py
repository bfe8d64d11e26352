"""One pandera (polars) DataFrameModel per warehouse table: the table contract.

Field descriptions become DuckDB `COMMENT ON COLUMN`s and the Dagster column schema.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.vocab import (
    DATE_PRECISIONS,
    EVENT_TYPES,
    FIGURE_CATEGORIES,
    PLACE_KINDS,
    QUALIFIERS,
    REJECT_STAGES,
    ROLES,
    SPEAKER_KINDS,
)


def _opt(description: str, **kw: object) -> object:
    return pa.Field(nullable=True, description=description, **kw)


def _req(description: str, **kw: object) -> object:
    return pa.Field(description=description, **kw)


class _Contract(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class _Evidence(_Contract):
    """Columns every fact row carries: where its evidence is."""

    article_id: pl.Utf8 = _req("article the row comes from (articles.article_id)")
    sentence_id: pl.Utf8 = _req("sentence holding the evidence (sentences.sentence_id)")
    char_start: pl.Int64 = _req("start of the evidence in articles.body (0-based)", ge=0)
    char_end: pl.Int64 = _req("end of the evidence in articles.body (exclusive)", ge=0)
    in_caption: pl.Boolean = _req("true when the evidence is in a photo caption")
    method: pl.Utf8 = _req("rule that produced the row: <module>.<rule function>")


class ArticleTable(_Contract):
    """One row per distinct article (same text delivered twice = one row; see article_sources)."""

    article_id: pl.Utf8 = _req("content-derived id of the article", unique=True)
    source_path: pl.Utf8 = _req("first raw file (relative to the raw folder; JSONL as file:line)")
    content_hash: pl.Utf8 = _req("hash of the normalised body")
    published_date: pl.Date = _opt("publication date from the file (null when not given)")
    title: pl.Utf8 = _opt("title when the delivery has one")
    lead_caption: pl.Utf8 = _opt("lead photo caption (plain-text header line)")
    body: pl.Utf8 = _req("article text; every char_start/char_end points into it")
    language: pl.Utf8 = _req("ISO 639-1 language code")
    source: pl.Utf8 = _opt("outlet as delivered")
    url: pl.Utf8 = _opt("URL as delivered")
    external_id: pl.Utf8 = _opt("id field of a JSON delivery")


class ArticleSourceTable(_Contract):
    """Every raw path an article was delivered under."""

    article_id: pl.Utf8 = _req("articles.article_id")
    source_path: pl.Utf8 = _req("raw file relative to the raw folder (JSONL: file:line)", unique=True)
    content_sha256: pl.Utf8 = _req("sha256 of the raw file's bytes")


class SentenceTable(_Contract):
    """Sentences with their paragraph's role and span on the body."""

    sentence_id: pl.Utf8 = _req("content-derived id", unique=True)
    article_id: pl.Utf8 = _req("articles.article_id")
    paragraph_index: pl.Int64 = _req("0-based paragraph number", ge=0)
    sentence_index: pl.Int64 = _req("0-based sentence number in the article", ge=0)
    role: pl.Utf8 = _req("body, caption, heading or boilerplate", isin=list(ROLES))
    char_start: pl.Int64 = _req("start in articles.body", ge=0)
    char_end: pl.Int64 = _req("end in articles.body (exclusive)", ge=0)
    text: pl.Utf8 = _req("the sentence: body[char_start:char_end]")


class FigureTable(_Evidence):
    """Numeric facts: a number that counts or measures something that happened or exists."""

    figure_id: pl.Utf8 = _req("content-derived id", unique=True)
    mention: pl.Utf8 = _req("the number phrase as written: body[char_start:char_end]", str_length={"min_value": 1})
    value: pl.Float64 = _req("the number")
    value_max: pl.Float64 = _opt("upper bound for ranges")
    qualifier: pl.Utf8 = _req("exact, approximate, more_than, at_least, up_to, less_than, range", isin=list(QUALIFIERS))
    unit: pl.Utf8 = _req("count, percent, an ISO 4217 code, or a measure as written")
    category: pl.Utf8 = _req("what happened to the counted thing (guide vocabulary)", isin=list(FIGURE_CATEGORIES))
    subject: pl.Utf8 = _opt("what is counted: children, civilians, educational institutions")
    place: pl.Utf8 = _opt("canonical place the figure is about (places.name)")
    place_id: pl.Utf8 = _opt("places.place_id")
    as_of: pl.Date = _opt("date the figure is valid at")
    since: pl.Date = _opt("date the figure is counted from")
    is_cumulative: pl.Boolean = _req("running total (so far, to date, since ...)")
    attribution_id: pl.Utf8 = _opt("attribution whose content holds the figure (who claims it)")


class AttributionTable(_Evidence):
    """Acts of saying: who said or claimed what, with cue, content and channel."""

    attribution_id: pl.Utf8 = _req("content-derived id", unique=True)
    mention: pl.Utf8 = _req("the cue as written: body[char_start:char_end]", str_length={"min_value": 1})
    cue: pl.Utf8 = _req("cue lemma: say, tell, according_to ...")
    speaker: pl.Utf8 = _opt("resolved source, canonical")
    speaker_mention: pl.Utf8 = _opt("how this sentence names the speaker (He, the Ministry)")
    speaker_start: pl.Int64 = _opt("start of speaker_mention in body")
    speaker_end: pl.Int64 = _opt("end of speaker_mention in body")
    speaker_kind: pl.Utf8 = _opt("person, government, organisation, media, document, unnamed, group",
                                 isin=list(SPEAKER_KINDS))
    speaker_role: pl.Utf8 = _opt("role as the text gives it")
    is_direct: pl.Boolean = _req("true for quoted words")
    content: pl.Utf8 = _opt("what was said: the quote's inside or the reported clause")
    content_start: pl.Int64 = _opt("start of content in body")
    content_end: pl.Int64 = _opt("end of content in body")
    channel: pl.Utf8 = _opt("where it was said: Telegram, statement, press conference ...")


class EventTable(_Evidence):
    """What happened, ACLED-aligned: type, trigger, actor, target, date, casualties."""

    event_id: pl.Utf8 = _req("content-derived id", unique=True)
    trigger: pl.Utf8 = _req("the word or phrase naming the event: body[char_start:char_end]",
                            str_length={"min_value": 1})
    event_type: pl.Utf8 = _req("ACLED-aligned type (guide vocabulary)", isin=list(EVENT_TYPES))
    actor: pl.Utf8 = _opt("who did it, canonical where known")
    target: pl.Utf8 = _opt("what or who was hit, '; '-separated")
    event_date: pl.Date = _opt("resolved date of the event")
    date_precision: pl.Utf8 = _req("day, week, month, year, unknown", isin=list(DATE_PRECISIONS))
    fatalities: pl.Float64 = _opt("people killed, from a figure of the same sentence")
    injured: pl.Float64 = _opt("people injured, from a figure of the same sentence")
    fatalities_figure_id: pl.Utf8 = _opt("figures.figure_id giving fatalities")
    injured_figure_id: pl.Utf8 = _opt("figures.figure_id giving injured")
    attribution_id: pl.Utf8 = _opt("attribution whose content holds the trigger")


class EventPlaceTable(_Contract):
    """Every place an event happened in (one row per event and place)."""

    event_id: pl.Utf8 = _req("events.event_id")
    article_id: pl.Utf8 = _req("articles.article_id")
    place: pl.Utf8 = _req("canonical place name (places.name)")
    place_id: pl.Utf8 = _opt("places.place_id")
    mention: pl.Utf8 = _opt("the place as written")
    char_start: pl.Int64 = _opt("start of the mention in body")
    char_end: pl.Int64 = _opt("end of the mention in body")


class PlaceTable(_Contract):
    """The places dimension: GeoNames-derived cities, ISO 3166 countries and subdivisions, curated aliases."""

    place_id: pl.Utf8 = _req("source-prefixed id: geonames:N, iso3166:UA, iso3166-2:UA-63", unique=True)
    name: pl.Utf8 = _req("canonical English name, GeoNames style")
    kind: pl.Utf8 = _req("country, admin1, city, other", isin=list(PLACE_KINDS))
    country_code: pl.Utf8 = _opt("ISO 3166-1 alpha-2")
    admin1: pl.Utf8 = _opt("canonical first-level region")
    latitude: pl.Float64 = _opt("WGS84 latitude")
    longitude: pl.Float64 = _opt("WGS84 longitude")


class RawFileTable(_Contract):
    """The night's inventory of the raw folder: every file ends up in article_sources or in rejects."""

    source_path: pl.Utf8 = _req("file relative to the raw folder", unique=True)
    size: pl.Int64 = _req("bytes", ge=0)
    mtime_ns: pl.Int64 = _req("modification time (ns) when hashed; size and mtime unchanged = hash reused")
    sha256: pl.Utf8 = _req("sha256 of the bytes (the incremental manifest)")


class RejectTable(_Contract):
    """Everything that did not make it into a table, with a specific reason: nothing is lost silently."""

    source_path: pl.Utf8 = _opt("raw file (JSONL: file:line) the reject comes from")
    article_id: pl.Utf8 = _opt("article of a rejected fact row (extract and validate stages)")
    stage: pl.Utf8 = _req("read, decode, parse, segment, extract, validate", isin=list(REJECT_STAGES))
    table: pl.Utf8 = _opt("table of the rejected row (validate stage)")
    check: pl.Utf8 = _opt("failed check")
    reason: pl.Utf8 = _req("specific, human-readable reason")
    row: pl.Utf8 = _opt("the rejected row as JSON")


TABLES: dict[str, type[_Contract]] = {
    "raw_files": RawFileTable,
    "articles": ArticleTable,
    "article_sources": ArticleSourceTable,
    "sentences": SentenceTable,
    "figures": FigureTable,
    "attributions": AttributionTable,
    "events": EventTable,
    "event_places": EventPlaceTable,
    "places": PlaceTable,
    "rejects": RejectTable,
}


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """Column name -> polars dtype, in contract order."""
    return {name: col.dtype.type for name, col in model.to_schema().columns.items()}


def descriptions(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """Column name -> description (the table contract)."""
    return {name: col.description or "" for name, col in model.to_schema().columns.items()}


def table_description(model: type[pa.DataFrameModel]) -> str:
    return " ".join((model.__doc__ or "").split())

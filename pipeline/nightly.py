"""The night's stages as plain functions over plain data (the Dagster assets call these)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path

import polars as pl

from pipeline import incremental
from pipeline.extract import extract_article
from pipeline.frames import to_frame
from pipeline.model import Article
from pipeline.parse import Reject, parse_file
from pipeline.places import load_gazetteer

FACT_TABLES = ("sentences", "figures", "attributions", "events", "event_places")


@dataclass(frozen=True)
class RawFile:
    source_path: str  # relative to the raw folder
    size: int
    sha256: str


def scan_raw(raw_dir: Path) -> list[RawFile]:
    """Every regular file under raw_dir (nested folders too; hidden files skipped), sorted by path."""
    files: list[RawFile] = []
    if not raw_dir.is_dir():
        return files
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        files.append(RawFile(rel.as_posix(), path.stat().st_size, digest.hexdigest()))
    return files


@dataclass(frozen=True)
class Loaded:
    articles: pl.DataFrame
    article_sources: pl.DataFrame
    rejects: pl.DataFrame


def load_articles(raw_dir: Path, files: list[RawFile], max_file_bytes: int) -> Loaded:
    """Parse every raw file; the same article under several paths is one article with all its paths."""
    by_id: dict[str, Article] = {}
    sources: list[dict] = []
    rejects: list[Reject] = []
    for raw in files:
        articles, file_rejects = parse_file(raw_dir / raw.source_path, raw_dir, max_file_bytes)
        rejects.extend(file_rejects)
        for article in articles:
            by_id.setdefault(article.article_id, article)
            sources.append(
                {"article_id": article.article_id, "source_path": article.source_path, "content_sha256": raw.sha256}
            )
    return Loaded(
        to_frame("articles", by_id.values()), to_frame("article_sources", sources), to_frame("rejects", rejects)
    )


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def articles_from_frame(df: pl.DataFrame) -> list[Article]:
    return [Article(**{k: row.get(k) for k in _ARTICLE_FIELDS}) for row in df.iter_rows(named=True)]


def extract_facts(articles: list[Article]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, Counter]:
    """Run every extractor on every article. An extractor crash rejects that article, not the night."""
    gazetteer = load_gazetteer()
    rows: dict[str, list] = {t: [] for t in FACT_TABLES}
    rejects: list[Reject] = []
    methods: Counter = Counter()
    for article in articles:
        try:
            facts = extract_article(article, gazetteer)
        except Exception as exc:  # one article's failure must not lose the others
            reason = f"extractor failed: {type(exc).__name__}: {exc}"
            rejects.append(Reject(article.source_path, "extract", reason, article_id=article.article_id))
            continue
        rows["sentences"].extend(facts.sentences)
        rows["figures"].extend(facts.figures)
        rows["attributions"].extend(facts.attributions)
        rows["events"].extend(facts.events)
        rows["event_places"].extend(facts.event_places)
        for table in ("figures", "attributions", "events"):
            methods.update(f"{r.method}" for r in getattr(facts, table))
    frames = {t: to_frame(t, r) for t, r in rows.items()}
    return frames, to_frame("rejects", rejects), methods


def places_frame() -> pl.DataFrame:
    """The places dimension."""
    return to_frame("places", load_gazetteer().places())


@dataclass(frozen=True)
class IngestResult:
    loaded: Loaded
    files_parsed: int
    files_unchanged: int


def ingest(
    raw_dir: Path, files: list[RawFile], max_file_bytes: int, previous: incremental.Previous | None
) -> IngestResult:
    """Parse only new or changed files; unchanged files keep what the last night made of them."""
    unchanged = incremental.unchanged_files({f.source_path: f.sha256 for f in files}, previous)
    fresh = load_articles(raw_dir, [f for f in files if f.source_path not in unchanged], max_file_bytes)
    if previous is None or not unchanged:
        return IngestResult(fresh, len(files), 0)
    kept = incremental.carried_ingest(previous, unchanged)
    articles = pl.concat([kept["articles"], fresh.articles]).unique("article_id", keep="first", maintain_order=True)
    sources = pl.concat([kept["article_sources"], fresh.article_sources])
    rejects = pl.concat([kept["rejects"], fresh.rejects])
    return IngestResult(Loaded(articles, sources, rejects), len(files) - len(unchanged), len(unchanged))


@dataclass(frozen=True)
class ExtractResult:
    frames: dict[str, pl.DataFrame]
    rejects: pl.DataFrame
    articles_extracted: int
    articles_unchanged: int


def extract_night(articles_df: pl.DataFrame, previous: incremental.Previous | None) -> ExtractResult:
    """Extract new or changed articles; keep the rows of articles the same extractor already read."""
    reuse = incremental.reusable_articles(previous, set(articles_df["article_id"].to_list()))
    todo = articles_df.filter(~pl.col("article_id").is_in(list(reuse)))
    frames, rejects, _ = extract_facts(articles_from_frame(todo))
    if previous is not None and reuse:
        kept = incremental.carried_facts(previous, reuse, FACT_TABLES)
        frames = {t: pl.concat([kept[t], frames[t]]) for t in FACT_TABLES}
        rejects = pl.concat([kept["rejects"], rejects])
    return ExtractResult(frames, rejects, todo.height, len(reuse))

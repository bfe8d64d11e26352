"""The night's stages as plain functions (the Dagster assets call these).

Ingest and extraction stream through batches, each written as Parquet parts, and spread over a
process pool; results do not depend on the number of workers (ids derive from content, parts are
written in canonical order). Unchanged inputs keep their rows from the last published version.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import incremental, staging
from pipeline.extract import extract_article
from pipeline.frames import to_frame
from pipeline.model import Article
from pipeline.parse import Reject, parse_file
from pipeline.places import load_gazetteer
from pipeline.validate import validate_table

FACT_TABLES = ("sentences", "figures", "attributions", "events", "event_places")
INGEST_TABLES = ("articles", "article_sources")
FILES_PER_BATCH = 1000
ARTICLES_PER_BATCH = 500


@dataclass(frozen=True)
class RawFile:
    source_path: str  # relative to the raw folder
    size: int
    mtime_ns: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(folder: Path, rel: str = "") -> Iterator[tuple[str, os.stat_result, str]]:
    """(relative path, stat, absolute path) of every regular file below folder; hidden names skipped."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), path + "/")
            elif entry.is_file():
                yield path, entry.stat(), entry.path


def scan_raw(raw_dir: Path, known: dict[str, tuple[int, int, str]] | None = None) -> list[RawFile]:
    """Every regular file under raw_dir (nested folders too; hidden files skipped), sorted by path.

    A file whose size and mtime equal the last night's record keeps its recorded hash (as git's
    index does); any other file is hashed.
    """
    known = known or {}
    if not raw_dir.is_dir():
        return []
    files: list[RawFile] = []
    for key, st, path in _walk(raw_dir):
        before = known.get(key)
        sha = before[2] if before and before[:2] == (st.st_size, st.st_mtime_ns) else _sha256(Path(path))
        files.append(RawFile(key, st.st_size, st.st_mtime_ns, sha))
    return sorted(files, key=lambda f: f.source_path)


def raw_files_frame(files: list[RawFile]) -> pl.DataFrame:
    """The raw_files table of a scan (columns built directly: a large folder has many rows)."""
    return pl.DataFrame(
        {"source_path": [f.source_path for f in files], "size": [f.size for f in files],
         "mtime_ns": [f.mtime_ns for f in files], "sha256": [f.sha256 for f in files]},
        schema={"source_path": pl.Utf8, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.Utf8},
    )


class _InProcess(Executor):
    """An executor that runs each call at once, for one worker or small nights."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def bounded_map(ex: Executor, fn: Callable, items: Iterable, window: int) -> Iterator[tuple[Any, Any]]:
    """(item, fn(item)) in input order, with at most `window` items in flight: memory stays bounded
    by the window, not by the night (Executor.map would submit every batch at once)."""
    pending: deque[tuple[Any, Future]] = deque()
    for item in items:
        pending.append((item, ex.submit(fn, item)))
        if len(pending) >= window:
            head, future = pending.popleft()
            yield head, future.result()
    while pending:
        head, future = pending.popleft()
        yield head, future.result()


@contextmanager
def pool(workers: int, jobs: int) -> Iterator[Executor]:
    """A process pool when there is work for more than one worker, else in process.

    Workers are spawned, not forked: polars' and Dagster's threads make fork deadlock-prone. Each
    worker loads the gazetteer and lexicons once, in parallel, before its first batch.
    """
    if workers <= 1 or jobs <= 1:
        yield _InProcess()
        return
    with ProcessPoolExecutor(
        max_workers=min(workers, jobs), mp_context=multiprocessing.get_context("spawn"), initializer=load_gazetteer
    ) as ex:
        yield ex


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _batch_name(keys: list[str]) -> str:
    """A part name derived from the batch's content keys: distinct across nights, stable across re-runs."""
    return "b" + hashlib.sha1("\n".join(keys).encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestStats:
    files_parsed: int
    files_unchanged: int
    articles: int
    articles_new: int
    rejected: int


def _parse_batch(args: tuple[Path, list[RawFile], int]) -> tuple[list[Article], list[dict], list[Reject]]:
    raw_dir, files, max_bytes = args
    articles: list[Article] = []
    sources: list[dict] = []
    rejects: list[Reject] = []
    for raw in files:
        parsed, file_rejects = parse_file(raw_dir / raw.source_path, raw_dir, max_bytes)
        rejects.extend(file_rejects)
        for article in parsed:
            articles.append(article)
            sources.append(
                {"article_id": article.article_id, "source_path": article.source_path, "content_sha256": raw.sha256}
            )
    return articles, sources, rejects


def ingest(
    raw_dir: Path,
    files: list[RawFile],
    max_file_bytes: int,
    previous: incremental.Previous | None,
    build: Path,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> IngestStats:
    """Write the articles, article_sources and ingest rejects parts of this night into build.

    Unchanged files keep what the last night made of them; new or changed files are parsed in
    batches over the pool. The same article under several paths is one article with all its paths.
    """
    for table in INGEST_TABLES:
        staging.reset(build, table)
    staging.reset(build, "rejects", "ingest")
    manifest = incremental.previous_manifest(previous)
    unchanged = {f.source_path for f in files if manifest.get(f.source_path, (None, None, None))[2] == f.sha256}
    seen: set[str] = set()
    if previous is not None and unchanged:
        gone_files = set(manifest) - unchanged  # changed or removed since the last night
        sources = previous.scan("article_sources").select(
            "article_id", incremental.file_of().alias("file")).collect()
        seen = set(sources.filter(pl.col("file").is_in(sorted(unchanged)))["article_id"].to_list())
        gone_ids = set(sources["article_id"].to_list()) - seen
        incremental.carry_parts(
            previous, "article_sources", build, incremental.in_set(incremental.file_of(), gone_files)
        )
        incremental.carry_parts(
            previous, "articles", build, incremental.in_set(pl.col("article_id"), gone_ids)
        )
        incremental.carry_parts(
            previous, "rejects", build, incremental.in_set(incremental.file_of(), gone_files), prefix="ingest"
        )
    todo = [f for f in files if f.source_path not in unchanged]
    batches = _batches(todo, FILES_PER_BATCH)
    new_articles = rejected = done = 0
    with pool(workers, len(batches)) as ex:
        jobs = ((raw_dir, b, max_file_bytes) for b in batches)
        for (_, batch, _), (articles, sources, rejects) in bounded_map(ex, _parse_batch, jobs, 2 * workers):
            fresh = []
            for article in articles:
                if article.article_id not in seen:
                    seen.add(article.article_id)
                    fresh.append(article)
            name = _batch_name([f.source_path + f.sha256 for f in batch])
            _write_validated(build, "articles", name, to_frame("articles", fresh), "ingest")
            _write_validated(build, "article_sources", name, to_frame("article_sources", sources), "ingest")
            staging.write_part(build, "rejects", f"ingest-{name}", to_frame("rejects", rejects))
            new_articles += len(fresh)
            rejected += len(rejects)
            done += len(batch)
            if progress:
                progress(f"parsed {done}/{len(todo)} files: {new_articles} new articles, {rejected} rejected")
    return IngestStats(len(todo), len(unchanged), len(seen), new_articles, rejected)


def _write_validated(
    build: Path, table: str, name: str, df: pl.DataFrame, stage: str, bodies: dict[str, str] | None = None
) -> pl.DataFrame:
    """Validate a batch; write its valid rows as a part and its rejects as a rejects part."""
    valid, rejects = validate_table(table, df, bodies)
    staging.write_part(build, table, name, valid)
    if rejects.height:
        staging.write_part(build, "rejects", f"{stage}-{table}-{name}", rejects)
    return rejects


# ----------------------------------------------------------------------------- extract

_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def articles_from_frame(df: pl.DataFrame) -> list[Article]:
    return [Article(**{k: row.get(k) for k in _ARTICLE_FIELDS}) for row in df.iter_rows(named=True)]


def extract_batch(articles: list[Article]) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """Extract and validate one batch: (valid rows per table, rejects per table).
    An extractor crash rejects that article, not the batch."""
    gazetteer = load_gazetteer()
    rows: dict[str, list] = {t: [] for t in FACT_TABLES}
    failures: list[Reject] = []
    for article in articles:
        try:
            facts = extract_article(article, gazetteer)
        except Exception as exc:  # one article's failure must not lose the others
            reason = f"extractor failed: {type(exc).__name__}: {exc}"
            failures.append(Reject(article.source_path, "extract", reason, article_id=article.article_id))
            continue
        for table in FACT_TABLES:
            rows[table].extend(getattr(facts, table))
    bodies = {a.article_id: a.body for a in articles}
    valid: dict[str, pl.DataFrame] = {}
    rejects: dict[str, pl.DataFrame] = {"extract": to_frame("rejects", failures)}
    for table in FACT_TABLES:
        valid[table], rejects[table] = validate_table(table, to_frame(table, rows[table]), bodies)
    return valid, rejects


def _article_batches(build: Path, todo: set[str]) -> Iterator[pl.DataFrame]:
    """The articles to extract, part by part (one part in memory at a time), in batches."""
    for part in staging.parts(build, "articles"):
        df = pl.read_parquet(part).filter(pl.col("article_id").is_in(sorted(todo))).sort("article_id")
        for i in range(0, df.height, ARTICLES_PER_BATCH):
            yield df.slice(i, ARTICLES_PER_BATCH)


def _extract_job(articles_df: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    return extract_batch(articles_from_frame(articles_df))


@dataclass(frozen=True)
class ExtractStats:
    articles_extracted: int
    articles_unchanged: int
    rows: dict[str, int]
    rejected: dict[str, int]


def extract(
    build: Path,
    previous: incremental.Previous | None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> ExtractStats:
    """Write the fact tables' parts: kept rows of unchanged articles, new rows of the others."""
    for table in FACT_TABLES:
        staging.reset(build, table)
    staging.reset(build, "rejects", "extract")
    ids = set(staging.scan(build, "articles").select("article_id").collect()["article_id"].to_list())
    reuse, gone = incremental.reusable_articles(previous, ids)
    if previous is not None and reuse:
        drop = incremental.in_set(pl.col("article_id"), gone)
        for table in FACT_TABLES:
            incremental.carry_parts(previous, table, build, drop)
        incremental.carry_parts(previous, "rejects", build, drop, prefix="extract")
    todo_ids = staging.scan(build, "articles").select("article_id").filter(
        ~pl.col("article_id").is_in(sorted(reuse))).collect()["article_id"].to_list()
    n_batches = -(-len(todo_ids) // ARTICLES_PER_BATCH)
    rows = dict.fromkeys(FACT_TABLES, 0)
    rejected = dict.fromkeys(["extract", *FACT_TABLES], 0)
    done = 0
    with pool(workers, n_batches) as ex:
        batches = _article_batches(build, set(todo_ids))
        for batch, (valid, rejects) in bounded_map(ex, _extract_job, batches, 2 * workers):
            name = _batch_name(batch["article_id"].to_list())
            for table, df in valid.items():
                staging.write_part(build, table, name, df)
                rows[table] += df.height
            for table, df in rejects.items():
                if df.height:
                    staging.write_part(build, "rejects", f"extract-{table}-{name}", df)
                    rejected[table] += df.height
            done += batch.height
            if progress:
                counts = ", ".join(f"{t} {n}" for t, n in rows.items())
                progress(f"extracted {done}/{len(todo_ids)} articles: {counts}")
    return ExtractStats(len(todo_ids), len(reuse), rows, rejected)


def places_frame() -> pl.DataFrame:
    """The places dimension."""
    return to_frame("places", load_gazetteer().places())


def write_places(build: Path, previous: incremental.Previous | None) -> tuple[int, pl.DataFrame, bool]:
    """Stage the places dimension: linked from the last version when the same extractor version
    (code and reference data) built it, else built from the gazetteer and validated.
    Returns (rows, rejects, reused)."""
    staging.reset(build, "places")
    staging.reset(build, "rejects", "places")
    kept = staging.parts(previous.root, "places") if previous is not None else []
    if kept and previous is not None and previous.extractor_version == incremental.extractor_version():
        for part in kept:
            staging.link_part(part, build, "places")
        return staging.count(build, "places"), to_frame("rejects", []), True
    valid, rejects = validate_table("places", places_frame())
    staging.write_part(build, "places", "all", valid)
    if rejects.height:
        staging.write_part(build, "rejects", "places", rejects)
    return valid.height, rejects, False

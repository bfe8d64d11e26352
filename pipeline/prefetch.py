"""What a small night's prestarted extraction workers run (`pipeline.nightly.prestart_extraction`): parse a
prefetch job's raw files, then extract their articles' rows.

Nothing here imports polars or pandera: a worker forked from the fork server (pipeline.warm: extractors and
gazetteer loaded, no polars) unpickles these tasks and runs them at once, where importing polars and pandera
would first cost it about 0.3 s of CPU, beside the run process's own start. The rows go back unvalidated,
as columns (`pipeline.model.row_columns`); the run process, which holds polars and pandera anyway, builds
and validates their frames once for the whole prefetch (`pipeline.nightly.validate_rows`), as
`extract_batch` does for a batch.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.model import Article, row_columns
from pipeline.parse import Reject, parse_file

# The fact tables, in the order of ArticleFacts' fields.
FACT_TABLES = ("sentences", "figures", "attributions", "events", "event_places")

# A prefetch job: (raw folder, raw files relative to it, largest file size read).
Job = tuple[Path, list[str], int]
# What parse_file made of each of a job's files.
Parsed = dict[str, tuple[list[Article], list[Reject]]]
# A table's rows as columns: field name -> values, in row order (`row_columns`).
Columns = dict[str, list]
# A batch's rows per fact table, and a reject per article whose extraction failed.
Rows = tuple[dict[str, Columns], list[Reject]]


def init_prestarted_worker() -> None:
    """A prestarted extraction worker's initializer, at a lower priority: until the facts step, such a
    worker runs beside the run process, whose start (the orchestrator's imports, instance and run) is the
    night's critical path; the worker takes the core the run process leaves. It is forked from the fork
    server, which loaded the gazetteer and warmed the extractors (`pipeline.warm`; loaded here if that
    failed)."""
    from pipeline.places import load_gazetteer

    os.nice(10)
    load_gazetteer()


def ready() -> None:
    """A task that only makes the pool start a worker."""


def extract_rows(articles: list[Article]) -> Rows:
    """Every fact table's rows of a batch of articles, unvalidated, as columns. An extractor crash
    rejects that article, not the batch."""
    from pipeline.extract import extract_articles
    from pipeline.places import load_gazetteer

    rows: dict[str, list] = {t: [] for t in FACT_TABLES}
    failures: list[Reject] = []
    for article, facts in zip(articles, extract_articles(articles, load_gazetteer()), strict=True):
        if isinstance(facts, Exception):  # one article's failure must not lose the others
            reason = f"extractor failed: {type(facts).__name__}: {facts}"
            failures.append(Reject(article.source_path, "extract", reason, article_id=article.article_id))
            continue
        for table in FACT_TABLES:
            rows[table].extend(getattr(facts, table))
    return {table: row_columns(found) for table, found in rows.items()}, failures


def parse_files(job: Job) -> Parsed:
    """A prefetch job's first task: parse its raw files, each as the articles step would."""
    raw_dir, paths, max_bytes = job
    return {path: parse_file(raw_dir / path, raw_dir, max_bytes) for path in paths}


def extract_parsed(articles: list[Article]) -> tuple[list[Article], dict[str, Columns], list[Reject]]:
    """A prefetch job's second task: its parsed articles and their rows (`extract_rows`)."""
    return articles, *extract_rows(articles)

"""Incremental nights: what the last published warehouse already holds and may be kept.

A raw file whose path and sha256 are unchanged keeps its articles, sources and ingest rejects; an
article already extracted by the same extractor version (code of pipeline/ and schemas/, and every
reference CSV) keeps its sentences and fact rows. Anything else is parsed or extracted again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from pipeline.config import PROJECT_ROOT
from pipeline.frames import empty_frame

META_FILE = "_meta.json"
INGEST_STAGES = ("read", "decode", "parse")
_LINE_SUFFIX = r":\d+$"  # JSONL rows are recorded as file:line


@cache
def extractor_version() -> str:
    """Hash of everything that decides the rows: core code, table contracts and reference data."""
    digest = hashlib.sha256()
    sources = sorted(
        [*(PROJECT_ROOT / "pipeline").glob("*.py"), *(PROJECT_ROOT / "schemas").glob("*.py"),
         *(PROJECT_ROOT / "seeds" / "reference").glob("*.csv")]
    )
    for path in sources:
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Previous:
    """The currently published warehouse version (Parquet files and its meta)."""

    parquet_dir: Path
    meta: dict

    @property
    def extractor_version(self) -> str | None:
        return self.meta.get("extractor_version")

    def table(self, name: str) -> pl.DataFrame:
        path = self.parquet_dir / f"{name}.parquet"
        return pl.read_parquet(path) if path.exists() else empty_frame(name)


def load_previous(warehouse_dir: Path) -> Previous | None:
    """The last good version, or None on a first night (or when it cannot be read)."""
    parquet_dir = warehouse_dir / "parquet"
    meta_path = parquet_dir / META_FILE
    if not meta_path.exists():
        return None
    try:
        return Previous(parquet_dir.resolve(), json.loads(meta_path.read_text()))
    except (OSError, ValueError):
        return None


def file_of(col: str = "source_path") -> pl.Expr:
    """The raw file a source path names (drops a JSONL line suffix)."""
    return pl.col(col).str.replace(_LINE_SUFFIX, "")


def unchanged_files(current: dict[str, str], previous: Previous | None) -> set[str]:
    """Paths whose content hash equals the one recorded by the last published night."""
    if previous is None:
        return set()
    before = dict(previous.table("raw_files").select("source_path", "sha256").iter_rows())
    return {path for path, sha in current.items() if before.get(path) == sha}


def carried_ingest(previous: Previous, unchanged: set[str]) -> dict[str, pl.DataFrame]:
    """Articles, sources and ingest rejects that unchanged files produced last time."""
    keep = list(unchanged)
    sources = previous.table("article_sources").filter(file_of().is_in(keep))
    articles = previous.table("articles").filter(pl.col("article_id").is_in(sources["article_id"].implode()))
    rejects = previous.table("rejects").filter(pl.col("stage").is_in(INGEST_STAGES) & file_of().is_in(keep))
    return {"articles": articles, "article_sources": sources, "rejects": rejects}


def reusable_articles(previous: Previous | None, article_ids: set[str]) -> set[str]:
    """Articles whose rows the last night extracted with the same extractor version."""
    if previous is None or previous.extractor_version != extractor_version():
        return set()
    return set(previous.table("articles")["article_id"].to_list()) & article_ids


def carried_facts(previous: Previous, article_ids: set[str], tables: tuple[str, ...]) -> dict[str, pl.DataFrame]:
    """Sentences, fact rows and extract/validate rejects of articles kept as they were."""
    ids = list(article_ids)
    out = {t: previous.table(t).filter(pl.col("article_id").is_in(ids)) for t in tables}
    out["rejects"] = previous.table("rejects").filter(
        pl.col("stage").is_in(["extract", "validate"]) & pl.col("article_id").is_in(ids)
    )
    return out

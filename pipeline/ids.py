"""Stable, content-derived ids: the same article and span always give the same id."""

from __future__ import annotations

import hashlib


def content_hash(text: str) -> str:
    """Hash of the normalised article text (whitespace folded), 16 hex chars."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def row_id(article_hash: str, table: str, *parts: object) -> str:
    """Id of a row: article content hash + table + span (and any disambiguating parts)."""
    key = "|".join([article_hash, table, *map(str, parts)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

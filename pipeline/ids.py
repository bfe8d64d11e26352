"""Stable, content-derived ids: the same article and span always give the same id."""

from __future__ import annotations

import hashlib

try:
    # CPython's own SHA-1 (the same digest): OpenSSL's constructor looks the algorithm up by name
    # on every call, which costs more than hashing a row's short key.
    from _sha1 import sha1 as _sha1  # type: ignore[import-not-found]  # (no stubs)
except ImportError:  # an interpreter built without it
    _sha1 = hashlib.sha1


def content_hash(text: str) -> str:
    """Hash of the normalised article text (whitespace folded), 16 hex chars."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def row_id(article_hash: str, table: str, start: int, end: int, label: str | None = None) -> str:
    """Id of a row: article content hash + table + span (and a disambiguating label), joined by "|"."""
    # One f-string of typed parts: compiled, a single string build (a list of str() parts and a join cost
    # a fifth of an id's time); the key is the same string the join made.
    key = f"{article_hash}|{table}|{start}|{end}"
    if label is not None:
        key = f"{key}|{label}"
    return _sha1(key.encode("utf-8")).hexdigest()[:16]

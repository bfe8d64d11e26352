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


def row_id(article_hash: str, table: str, *parts: object) -> str:
    """Id of a row: article content hash + table + span (and any disambiguating parts)."""
    # A typed list and one join: compiled, cheaper than unpacking map() into a list.
    fields = [article_hash, table]
    for part in parts:
        fields.append(str(part))
    return _sha1("|".join(fields).encode("utf-8")).hexdigest()[:16]

"""pipeline.nightly: how a night's extraction is cut into batches."""

from __future__ import annotations

import pytest

from pipeline.nightly import ARTICLES_PER_BATCH, articles_per_batch


@pytest.mark.parametrize(
    ("articles", "workers", "size"),
    [
        (100_000, 2, ARTICLES_PER_BATCH),  # a first night: the largest batches (validation costs per batch)
        (1_000, 2, 500),  # a 1% night of 100,000: one batch per worker
        (100, 2, ARTICLES_PER_BATCH // 4),  # a small night: one worker, not two half-empty ones
        (3, 1, ARTICLES_PER_BATCH // 4),
        (0, 2, ARTICLES_PER_BATCH // 4),
    ],
)
def test_batches_are_large_but_every_worker_gets_one(articles: int, workers: int, size: int) -> None:
    assert articles_per_batch(articles, workers) == size

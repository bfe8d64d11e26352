"""Extraction of a batch of articles (pipeline/extract.py): each step taken over many articles gives every
article the rows it gets alone, and one article's failure loses no other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import attributions, events, extract, figures
from pipeline.extract import ArticleFacts, build_doc, extract_article, extract_articles, link_claims
from pipeline.model import Article, replace_frozen
from pipeline.parse import parse_file
from pipeline.places import load_gazetteer
from pipeline.prefetch import extract_rows

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _articles(n: int) -> list[Article]:
    paths = sorted((SEEDS / "dev").iterdir())[:n] + sorted((SEEDS / "articles").iterdir())
    return [a for path in paths for a in parse_file(path, path.parent, 50_000_000)[0]]


def _one_article_at_a_time(article: Article) -> ArticleFacts:
    """The steps written out for one article: what a batch must give each of its articles."""
    doc = build_doc(article, load_gazetteer())
    figure_rows = figures.extract(doc)
    attribution_rows = attributions.extract(doc)
    event_rows, event_place_rows = events.extract(doc, figure_rows)
    figure_rows, event_rows = link_claims(figure_rows, event_rows, attribution_rows)
    return ArticleFacts(doc.sentences, figure_rows, attribution_rows, event_rows, event_place_rows)


def _broken(article: Article) -> Article:
    """An article no segmentation can read: a body that is not text."""
    return replace_frozen(article, body=None)


@pytest.mark.parametrize("chunk", [1, 3, 32])
def test_a_batch_gives_each_article_the_rows_it_gets_alone(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    articles = _articles(40)
    monkeypatch.setattr(extract, "STEP_CHUNK", chunk)
    got = extract_articles(articles)
    assert len(got) == len(articles)
    assert got == [_one_article_at_a_time(a) for a in articles]
    assert sum(len(f.figures) for f in got if isinstance(f, ArticleFacts)) > 40  # real rows compared


def test_an_article_that_fails_a_step_is_its_own_outcome_and_the_others_go_on() -> None:
    articles = _articles(6)
    batch = [*articles[:3], _broken(articles[3]), *articles[4:]]
    got = extract_articles(batch)
    assert isinstance(got[3], Exception)
    assert [g for i, g in enumerate(got) if i != 3] == [_one_article_at_a_time(a) for a in batch if a.body]


def test_a_failure_in_a_later_step_drops_that_article_only(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = _articles(4)
    unlucky = articles[1].article_id

    def fails_for_one(item: extract._InProgress, gazetteer: object) -> None:
        if item.article.article_id == unlucky:
            raise RuntimeError("attributions broke")
        extract._attributions(item, gazetteer)  # type: ignore[arg-type]

    steps = tuple(fails_for_one if s is extract._attributions else s for s in extract._STEPS)
    monkeypatch.setattr(extract, "_STEPS", steps)
    got = extract_articles(articles)
    assert isinstance(got[1], RuntimeError) and str(got[1]) == "attributions broke"
    assert [got[0], *got[2:]] == [_one_article_at_a_time(a) for a in (articles[0], *articles[2:])]


@pytest.mark.parametrize("collecting", [True, False])
def test_the_cyclic_collector_is_paused_for_a_batch_and_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch, collecting: bool
) -> None:
    """The extractors make no reference cycles: the collector is off while a batch is extracted, then
    as the caller had it, also when a step fails."""
    import gc

    seen: list[bool] = []

    def records(item: extract._InProgress, gazetteer: object) -> None:
        seen.append(gc.isenabled())
        raise RuntimeError("a step broke")

    monkeypatch.setattr(extract, "_STEPS", (records,))
    (gc.enable if collecting else gc.disable)()
    try:
        got = extract_articles(_articles(2))
        assert seen == [False] * len(got) and all(isinstance(g, RuntimeError) for g in got)
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


def test_extract_article_raises_what_its_extraction_raised() -> None:
    with pytest.raises((TypeError, AttributeError)):
        extract_article(_broken(_articles(1)[0]))


def test_a_worker_batch_rejects_the_failed_article_with_the_reason_and_keeps_the_rest() -> None:
    articles = _articles(3)
    broken = _broken(articles[0])
    rows, failures = extract_rows([broken, *articles[1:]])
    assert [(f.article_id, f.stage) for f in failures] == [(broken.article_id, "extract")]
    assert failures[0].reason.startswith("extractor failed: ")
    alone = {a.article_id: _one_article_at_a_time(a) for a in articles[1:]}
    assert set(rows["figures"]["article_id"]) == {a for a, f in alone.items() if f.figures}
    assert len(rows["sentences"]["article_id"]) == sum(len(f.sentences) for f in alone.values())

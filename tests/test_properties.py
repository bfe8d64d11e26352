"""Property-based tests: the segmenter and every extractor on arbitrary and mutated text.

Whatever the text, nothing raises, every span lies inside the body and equals its mention, and ids
are unique. Corpus sentences (seed and seeds/dev) are mutated by hypothesis to reach odd inputs
near real news prose.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract import extract_article
from pipeline.parse import article_from_object, parse_bytes
from pipeline.text import segment

DEV = Path(__file__).resolve().parent.parent / "seeds" / "dev"
SENTENCES = [
    s.strip()
    for path in sorted(DEV.glob("*.json"))[:12]
    for s in json.loads(path.read_text(encoding="utf-8"))["text"].split(". ")
    if 20 < len(s) < 300
][:200]

BUDGET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
news_text = st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6).map(". ".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """Real sentences with random insertions, deletions and odd characters."""
    text = draw(news_text)
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "break"]))
        if op == "insert":
            text = text[:i] + draw(st.text(min_size=1, max_size=5)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)) :]
        else:
            text = text[:i] + draw(st.sampled_from(["\n\n", "“", "”", "\"", ".", " 1,5 ", "(Reuters)\n\n"])) + text[i:]
    return text


def check_article(text: str, date: str | None) -> None:
    if not text.strip():
        return
    article = article_from_object({"text": text, "date": date}, "p.json")
    body = article.body
    sentences = segment(article)
    assert all(body[s.char_start : s.char_end] == s.text for s in sentences)
    assert len({s.sentence_id for s in sentences}) == len(sentences)
    facts = extract_article(article)
    for rows, column in ((facts.figures, "mention"), (facts.attributions, "mention"), (facts.events, "trigger")):
        for row in rows:
            assert 0 <= row.char_start <= row.char_end <= len(body)
            assert body[row.char_start : row.char_end] == getattr(row, column)
    for row in facts.attributions:
        for start, end, text_ in ((row.speaker_start, row.speaker_end, row.speaker_mention),
                                  (row.content_start, row.content_end, row.content)):
            if start is not None and text_ is not None:
                assert body[start:end] == text_
    for rows, key in ((facts.figures, "figure_id"), (facts.attributions, "attribution_id"), (facts.events, "event_id")):
        ids = [getattr(r, key) for r in rows]
        assert len(ids) == len(set(ids))


@BUDGET
@given(st.text(max_size=400), st.sampled_from([None, "2022-09-19"]))
def test_arbitrary_unicode_never_breaks_segmenter_or_extractors(text: str, date: str | None) -> None:
    check_article(text, date)


@BUDGET
@given(mutated(), st.sampled_from([None, "2022-02-24"]))
def test_mutated_corpus_sentences_keep_every_span_exact(text: str, date: str | None) -> None:
    check_article(text, date)


@BUDGET
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_reject_without_raising(data: bytes) -> None:
    articles, rejects = parse_bytes(data, "x.bin", ".json")
    assert len(articles) + len(rejects) >= 1
    for reject in rejects:
        assert reject.reason and reject.stage in {"read", "decode", "parse"}

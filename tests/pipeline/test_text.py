"""Segmentation: paragraph roles and sentence spans, checked against the seed's worked example."""

from __future__ import annotations

import json

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.parse import article_from_object, parse_file
from pipeline.text import is_caption, is_heading, paragraphs, segment, sentence_spans
from tests.conftest import LEE_005_TEXT, SEED

EXPECTED = json.loads((PROJECT_ROOT / "seeds" / "gold" / "000_34f58d2625e0538a.gold.json").read_text())[
    "article_fields"
] if (PROJECT_ROOT / "seeds" / "gold" / "000_34f58d2625e0538a.gold.json").exists() else None


@pytest.fixture(scope="module")
def seed():
    [article], _ = parse_file(SEED, SEED.parent, 10**7)
    return article


def test_seed_article_fields_match_the_worked_example(seed) -> None:
    paras = paragraphs(seed)
    text = {p.paragraph_index: seed.body[p.char_start : p.char_end] for p in paras}
    captions = [text[p.paragraph_index] for p in paras if p.role == "caption"]
    headings = [text[p.paragraph_index] for p in paras if p.role == "heading"]
    boiler = [text[p.paragraph_index] for p in paras if p.role == "boilerplate"]
    assert captions == [
        "The authorities recovered more than 400 bodies from the mass grave found in Izyum, the recently "
        "recovered territory (REUTERS / Umit Bektas)",
        "Experts work on a mass grave in the city of Izyum (Reuters)",
    ]
    assert headings == ["murdering children"]
    assert boiler[0] == "KEEP READING:" and len(boiler) == 3
    # body paragraphs = every paragraph before the related-links marker that is not a heading
    assert sum(p.role in ("body", "caption") for p in paras) == 17
    if EXPECTED:
        assert captions == EXPECTED["captions"] and headings == EXPECTED["headings"]
        assert EXPECTED["body_paragraphs"] == 17


def test_every_sentence_span_is_its_text(seed) -> None:
    sentences = segment(seed)
    assert all(seed.body[s.char_start : s.char_end] == s.text for s in sentences)
    assert len({s.sentence_id for s in sentences}) == len(sentences)


def test_sentences_do_not_break_after_abbreviations_or_initials() -> None:
    text = "Mr. Smith met U.S. officials at 4 p.m. on Monday. Lt. Gen. John F. Kennedy Jr. said so. It ended."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Smith met U.S. officials at 4 p.m. on Monday.",
        "Lt. Gen. John F. Kennedy Jr. said so.",
        "It ended.",
    ]


def test_text_without_paragraph_breaks_is_split_into_sentences() -> None:
    # lee-bg-005: the Lee corpus runs paragraphs together on one line.
    article = article_from_object({"id": "lee-bg-005", "text": LEE_005_TEXT}, "lee-bg-005.json")
    sentences = segment(article)
    assert len(sentences) == 2
    assert sentences[1].text.startswith("The Illawarra Area Health Service says")


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("Experts work on a mass grave in the city of Izyum (Reuters)", True),
        ("A destroyed tank near Kyiv. (AP Photo/Efrem Lukatsky)", True),
        ("Residents queue for water in Mariupol. Photograph: Alexander Ermochenko/Reuters", True),
        ("The Ukrainian government has ruled out any option for dialogue with Russia.", False),
    ],
)
def test_captions_end_in_a_photo_credit(text: str, caption: bool) -> None:
    assert is_caption(text) is caption


@pytest.mark.parametrize(
    ("text", "heading"),
    [("murdering children", True), ("What we know on day 40", True), ("He said it was over.", False),
     ("KEEP READING:", False)],
)
def test_headings_are_short_lines_without_final_punctuation(text: str, heading: bool) -> None:
    assert is_heading(text) is heading


def test_mid_article_links_box_excludes_only_its_own_lines() -> None:
    body = (
        "Shelling hit Kharkiv on Monday, officials said.\n\nOther Topics of Interest\n\n"
        "Putin visits troops\n\nBiden calls allies\n\nThe governor said three people were killed."
    )
    article = article_from_object({"text": body}, "a.json")
    roles = [p.role for p in paragraphs(article)]
    assert roles == ["body", "boilerplate", "boilerplate", "boilerplate", "body"]


def test_links_box_title_running_into_its_first_headline_is_boilerplate() -> None:
    # ua-0076 (Kyiv Post): the box title, a linked headline and its teaser in one paragraph.
    body = (
        "Podolyak on Wednesday called for the bridge to be \u201cdismantled.\u201d\n\n"
        "Other Topics of Interest Estonia\u2019s PM: NATO Troop Training in Ukraine Won't Trigger War With Russia "
        "Kallas said that training Ukraine\u2019s forces on their territory would not be escalatory.\n\n"
        "\u201cNot important how \u2013- voluntary or not,\u201d he said."
    )
    article = article_from_object({"text": body}, "a.json")
    assert [p.role for p in paragraphs(article)] == ["body", "boilerplate", "body"]


def test_boilerplate_markers_compiled_once() -> None:
    from pipeline.text import _boilerplate_markers

    assert _boilerplate_markers() is _boilerplate_markers()
    to_end, box = _boilerplate_markers()
    assert to_end.match("KEEP READING:") and box.match("Other Topics of Interest Estonia's PM")
    assert not to_end.match("Keep reading the report, officials said.")

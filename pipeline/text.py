"""Paragraphs and sentences with character spans on the stored body, and their roles.

Roles: `caption` (a photo caption ending in a credit), `heading` (a short line without final
punctuation), `boilerplate` (related-links lists from their marker on) and `body` (the rest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Final

from pipeline.ids import row_id
from pipeline.lexicons import load_csv
from pipeline.model import Article, Paragraph, Sentence

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")

# A photo credit closing a caption: "(REUTERS/Umit Bektas)", "(Reuters)", "(AP Photo/...)",
# "Photograph: X/Getty Images". Wire-photo captions end this way in most outlets.
_CREDIT = re.compile(
    r"""(?:\(\s*(?:REUTERS|Reuters|AP|AFP|EPA|EFE|Getty|ANADOLU|Anadolu|Xinhua|UPI|TASS|Sputnik|Photo|Foto)
           [^()]{0,80}\)
        |Photograph:\s[^.]{0,80}
        |/\s?(?:Getty\ Images|AFP|Reuters|AP|EPA|Shutterstock)
       )\s*\.?\s*$""",
    re.VERBOSE,
)
_FINAL_PUNCT = tuple('.!?:;"”’\')…')
_MAX_HEADING_WORDS = 14

# Abbreviations after which a full stop does not end a sentence (news style titles, months, U.S.).
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt cpl pte adm cmdr gov sen rep rev st mt ft jr sr
    co corp inc ltd bros no nos vs etc approx est dept univ fig jan feb mar apr jun jul aug sep sept
    oct nov dec u.s u.k u.n e.g i.e a.m p.m""".split()
)
# Candidate sentence end: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can start a sentence (capital, digit, opening quote or bracket).
# `[.!?…][.!?…]*` rather than `[.!?…]+`: a pattern opening with a character class lets the regex
# engine skip to the next candidate character; a repeat first makes it try a match at every position.
_SENT_END = re.compile(r"""([.!?…][.!?…]*)(["”’')\]]*)(\s+)(?=["“‘'(\[]?[A-Z0-9])""")
_SENT_PUNCT: Final = ".!?…"  # what _SENT_END opens with


@cache
def _boilerplate_markers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Compile (once) the related-links markers of seeds/reference/boilerplate_markers.csv.

    label `to_end`: the marker and everything after it is boilerplate ("KEEP READING:").
    label `box`: the marker and the headline-like lines after it, until a body paragraph.
    """
    rows = load_csv("boilerplate_markers", allowed_labels=frozenset({"to_end", "box"}))

    def alt(label: str, tail: str) -> re.Pattern[str]:
        terms = [re.escape(r["term"]) for r in rows if r["label"] == label]
        return re.compile(r"^\s*(?:" + "|".join(terms) + r")" + tail, re.IGNORECASE)

    # A to_end marker stands alone on its line; a box's title often runs into its first headline
    # ("Other Topics of Interest Estonia's PM: ..."), so a paragraph opening with it is the box.
    return alt("to_end", r"\s*:?\s*$"), alt("box", r"\b")


def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """Spans of paragraphs separated by blank lines, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _PARAGRAPH_BREAK.finditer(body):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(body)))
    out = []
    for start, end in spans:
        chunk = body[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if end - trail > start + lead:
            out.append((start + lead, end - trail))
    return out


def is_caption(text: str) -> bool:
    """A photo caption: a paragraph that ends in a photo credit."""
    # Every credit holds "(", "/" or "Photograph:": three fast substring tests spare most paragraphs
    # the search, which tries a match at every "(", "P" and "/".
    return (len(text) < 600 and ("(" in text or "/" in text or "Photograph:" in text)
            and _CREDIT.search(text) is not None)


def is_heading(text: str) -> bool:
    """A sub-heading: one short line with no final punctuation."""
    stripped = text.strip()
    # the cheap tests first: most paragraphs end in punctuation, and splitting into words costs the most
    return (
        not stripped.endswith(_FINAL_PUNCT)
        and "\n" not in stripped
        and len(stripped.split(None, _MAX_HEADING_WORDS)) <= _MAX_HEADING_WORDS
    )


def paragraph_roles(texts: list[str]) -> list[str]:
    """Role of each paragraph, in order."""
    to_end, box = _boilerplate_markers()
    roles: list[str] = []
    in_tail = False
    in_box = False
    for text in texts:
        if in_tail or to_end.match(text):
            in_tail = True
            roles.append("boilerplate")
            continue
        if box.match(text):
            in_box = True
            roles.append("boilerplate")
            continue
        if in_box and is_heading(text):
            roles.append("boilerplate")
            continue
        in_box = False
        if is_caption(text):
            roles.append("caption")
        elif is_heading(text):
            roles.append("heading")
        else:
            roles.append("body")
    return roles


def _is_abbreviation(text: str, dot_pos: int) -> bool:
    """True when the full stop at dot_pos closes an abbreviation or an initial, not a sentence."""
    start = dot_pos
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot_pos].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # Single initials ("John F. Kennedy") and dotted acronyms ("U.S.", "a.m.").
    return len(word) == 1 and text[dot_pos - 1].isupper() or "." in word


def positions(text: str, needles: Iterable[str], start: int = 0, end: int = -1) -> list[int]:
    """Where any of `needles` occurs in text[start:end] (end -1: the whole text), as offsets in
    `text`, ascending: one str.find scan per needle is several times cheaper than a regex scan
    (which tests its first item at every position)."""
    if end < 0:
        end = len(text)
    found: list[int] = []
    for needle in needles:
        i = text.find(needle, start, end)
        while i >= 0:
            found.append(i)
            i = text.find(needle, i + 1, end)
    found.sort()
    return found


def matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """pattern.finditer(text)'s matches, for a pattern whose every match starts at one of `starts`
    (ascending): it is tried only there, from the end of the last match on, as finditer goes."""
    out: list[re.Match[str]] = []
    searched_to = 0
    for pos in starts:
        if pos < searched_to:
            continue
        m = pattern.match(text, pos)
        if m is not None:
            out.append(m)
            searched_to = m.end()
    return out


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans within `text`, shifted by `offset` (the paragraph's start in the body)."""
    spans: list[tuple[int, int]] = []
    start = 0
    # _SENT_END opens with one of _SENT_PUNCT: tried only there (see matches_at)
    for m in matches_at(_SENT_END, text, positions(text, _SENT_PUNCT)):
        punct = m.group(1)
        if punct == "." and _is_abbreviation(text, m.start(1)):
            continue
        end = m.end(2)
        if end > start:
            spans.append((start, end))
        start = m.end(3)
    if start < len(text):
        tail = text[start:].rstrip()
        if tail:
            spans.append((start, start + len(tail)))
    return [(s + offset, e + offset) for s, e in spans]


def paragraphs(article: Article) -> list[Paragraph]:
    """The article's paragraphs with their roles."""
    spans = paragraph_spans(article.body)
    roles = paragraph_roles([article.body[s:e] for s, e in spans])
    return [
        Paragraph(article.article_id, i, role, s, e)
        for i, ((s, e), role) in enumerate(zip(spans, roles, strict=True))
    ]


def iter_sentences(article: Article) -> Iterator[Sentence]:
    """Every sentence of the article, in order, each with its paragraph's role (see segment)."""
    return iter(segment(article))


def segment(article: Article) -> list[Sentence]:
    """All sentences of an article, in order, each with its paragraph's role."""
    # A loop filling a list: compiled, a generator's resumptions cost more than the appends.
    body = article.body
    article_id, content_hash = article.article_id, article.content_hash
    spans = paragraph_spans(body)
    texts = [body[s:e] for s, e in spans]
    roles = paragraph_roles(texts)
    out: list[Sentence] = []
    for index in range(len(spans)):
        role = roles[index]
        for s, e in sentence_spans(texts[index], spans[index][0]):
            sentence_id = row_id(content_hash, "sentences", s, e)
            out.append(Sentence(sentence_id, article_id, index, len(out), role, s, e, body[s:e]))
    return out

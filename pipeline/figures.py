"""Figures: numbers that count or measure something that happened or exists.

`extract(doc)` reads each fact sentence's number mentions (pipeline.numbers), decides what each one
counts (category, subject) from the words around it, and where and when it holds (place, as_of,
since) from the sentence's place and date mentions, the paragraph and the article. Rules are the
module-level functions listed in RULES, tried in order; the first that returns a reading names the
row's method (`figures.<rule>`). Lexicons: seeds/reference/figure_categories.csv,
figure_subjects.csv and figure_cumulative.csv.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from pipeline.focus import (
    _KIND_RANK,
    BARE,
    LOCATIVE,
    OBLIQUE,
    ORIGIN,
    acting_authority,
    agencies,
    dominant_country,
    lead_city,
    lead_names,
    mention_ranks,
    most_specific_place,
    national_place,
    roles,
)
from pipeline.ids import row_id
from pipeline.lexicons import alternation, first_chars, load_csv
from pipeline.model import Doc, Sentence, field_values
from pipeline.numbers import NumberMention, ascii_lower, core_starts, find_numbers
from pipeline.places import Place, load_gazetteer
from pipeline.text import matches_at, positions

CATEGORIES = frozenset(
    {
        "killed", "injured", "killed_or_injured", "bodies_found", "missing", "detained", "displaced",
        "affected", "damaged", "destroyed", "seized", "attacks", "military_losses", "money", "percent", "other",
    }
)
CASUALTY = frozenset({"killed", "injured", "killed_or_injured", "bodies_found", "missing", "detained"})
_STATUS = frozenset({"detained", "displaced", "affected"})  # nouns naming people by status (prisoners, refugees)
_HARM = frozenset({"killed", "injured", "killed_or_injured", "missing"})
_DROP_UNITS = frozenset({"km", "mi", "m", "mm", "ft", "cent", "km2", "m2", "acre"})  # measures: optional at most

# Closed class: function words that end a noun phrase after a number ("two women have died").
_STOP_WORDS = frozenset(
    """a an the and or but nor of in on at from to by with for into onto over under near since during
    after before as than that which who whom whose where when while have has had having be been being
    was were is are am will would could should may might must can do does did not no this these those
    there here it its their his her them they he she we our us you your i me my according including
    across around about some all both each per inside outside""".split()
)
_AUX_WORDS = (
    r"have|has|had|were|was|are|is|been|be|being|reportedly|also|now|already|so\s+far|to\s+date|all|later|since|"
    r"then|allegedly|confirmed|officially|either|completely|partially|badly|seriously|critically|fatally|mostly|"
    r"(?:believed|thought|said|reported|feared|known|confirmed)\s+to\s+(?:have|be)|"
    r"[a-z]{3,}ly(?=\s+[a-z]+(?:ed|en|wn)\b)"  # any manner adverb before a participle: "being arbitrarily detained"
)
# Auxiliaries, adverbs and quote marks between a counted noun and its verb ("have been “completely destroyed").
_AUX = rf"""(?:[\s“"‘']+(?:{_AUX_WORDS}))*[\s“"‘']*"""
# `[;:.!?()\[\]]|—|–\s|,\s+(?:while|but|...)\b`, written to start with one character class so that a search
# skips to the marks (a pattern starting with alternatives of different kinds is tried at every position)
_CLAUSE_END = re.compile(
    r"[;:.!?()\[\]—–,](?:(?<=[;:.!?()\[\]—])|(?<=–)\s|(?<=,)\s+(?:while|but|and|as|which|who|after|before|with)\b)"
)
_WORD_RE = re.compile(r"[A-Za-z][\w’'-]*|\d[\d,.]*-[A-Za-z][\w-]*")
# `\bnumber\s+of\s+...` (ignoring case), starting with a character class so that a search skips to the n's
_NUMBER_OF = re.compile(r"[Nn](?<!\w.)(?i:umber\s+of\s+(?P<np>(?:[a-z-]+\s+){0,2}[a-z-]+))")
_WITH_BEFORE = re.compile(r"\bwith\s+$")
_THAT_OF = re.compile(r"\b(?:that|those)\s+of\s+(?P<name>[A-Za-zÀ-ÿ’'-]+(?:\s+[A-Z][\w’'-]+)?)", re.IGNORECASE)
_PARTICIPLE = re.compile(r"[a-z]+(?:ed|ing)")
_OF_PHRASE = re.compile(r"\s+of\s+((?:[\w’'-]+\s+){0,4}[\w’'-]+)")
_TOLL_OF = re.compile(
    r"\s+the\s+number\s+of\s+(?P<adj>dead|killed|injured|wounded|missing|displaced)\s+(?P<n>[a-z]+)", re.IGNORECASE
)
_TRAILING_QUAL = re.compile(
    r"(.*?)(?:\b(?:more|less|fewer)\s+than|\b(?:about|around|some|nearly|at\s+least|over|up\s+to))?\s*$", re.DOTALL
)
# "the death toll ... to 1,121", "the toll ... stood at 30": the toll's cue, then "to"/"at" right before the number
_TOLL_TO = re.compile(r"\b(?P<cue>death\s+toll|toll)\b[^;:]{0,160}?\b(?:to|at|reached|of)\s+$", re.IGNORECASE)
_DASH_JOINT = re.compile(r"[^.;]{0,60}?[–—:]\s*$")
_OF_THEM = re.compile(r"^\s*of\s+them\s+")
_NAMED_AFTER = re.compile(r"^(?:\s+of\s+[A-Z][\w’']+)?\s*(?:,\s+including|--|–|—|:)\s+[A-Z]")


@dataclass(frozen=True)
class FigureRow:
    """A figure row (a native class when compiled, as model.Sentence: built and read in C; pickled by its fields)."""

    figure_id: str
    article_id: str
    sentence_id: str
    char_start: int
    char_end: int
    mention: str
    value: float
    value_max: float | None
    qualifier: str
    unit: str
    category: str
    subject: str | None
    place: str | None
    place_id: str | None
    as_of: date | None
    since: date | None
    is_cumulative: bool
    in_caption: bool
    method: str
    attribution_id: str | None = None

    def __init__(
        self,
        figure_id: str,
        article_id: str,
        sentence_id: str,
        char_start: int,
        char_end: int,
        mention: str,
        value: float,
        value_max: float | None,
        qualifier: str,
        unit: str,
        category: str,
        subject: str | None,
        place: str | None,
        place_id: str | None,
        as_of: date | None,
        since: date | None,
        is_cumulative: bool,
        in_caption: bool,
        method: str,
        attribution_id: str | None = None,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "figure_id", figure_id)
        object.__setattr__(self, "article_id", article_id)
        object.__setattr__(self, "sentence_id", sentence_id)
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)
        object.__setattr__(self, "mention", mention)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "value_max", value_max)
        object.__setattr__(self, "qualifier", qualifier)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "subject", subject)
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "place_id", place_id)
        object.__setattr__(self, "as_of", as_of)
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "is_cumulative", is_cumulative)
        object.__setattr__(self, "in_caption", in_caption)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "attribution_id", attribution_id)

    def __reduce__(self) -> tuple[type[FigureRow], tuple[Any, ...]]:
        return FigureRow, field_values(self)


@dataclass(frozen=True)
class Lexicon:
    """Category cues by slot (noun after the number, cue after the noun phrase, cue before it)."""

    noun: dict[str, str]
    after: re.Pattern[str]
    after_label: dict[str, str]
    before: re.Pattern[str]
    before_label: dict[str, str]
    subjects: dict[str, str]
    cumulative: re.Pattern[str]
    cumulative_label: dict[str, str]
    destination: re.Pattern[str] | None = None  # "(were) taken to <...> hospital": being moved somewhere
    destination_label: dict[str, str] = field(default_factory=dict)
    after_at: re.Pattern[str] | None = None  # `after` without "^", for after_at.match(text, pos) (no slicing)


@cache
def load_lexicon() -> Lexicon:
    """figure_categories.csv, figure_subjects.csv and figure_cumulative.csv, loaded once."""
    rows = load_csv(
        "figure_categories",
        required=("term", "label", "slot"),
        allowed_labels=CATEGORIES | {"not_figure"},
        unique=("term", "label", "slot"),
    )
    by_slot: dict[str, dict[str, str]] = {"noun": {}, "after": {}, "before": {}}
    for r in rows:
        by_slot[r["slot"]][r["term"].lower()] = r["label"]
    subjects = {r["term"].lower(): r["label"] for r in load_csv("figure_subjects")}
    cum = {r["term"].lower(): r["label"] for r in load_csv("figure_cumulative")}
    dest_rows = load_csv("figure_destinations", allowed_labels=CATEGORIES | {"move"})
    moves = [r["term"] for r in dest_rows if r["label"] == "move"]
    dests = {r["term"].lower(): r["label"] for r in dest_rows if r["label"] != "move"}
    after = rf"{_AUX}\s*(?P<cue>{alternation(by_slot['after'], ignore_case=True)})\b"
    return Lexicon(
        noun=by_slot["noun"],
        after=re.compile(rf"^{after}", re.IGNORECASE),
        after_at=re.compile(after, re.IGNORECASE),
        after_label=by_slot["after"],
        before=re.compile(
            rf"{first_chars(by_slot['before'], True)}\b(?P<cue>{alternation(by_slot['before'], ignore_case=True)})\b",
            re.IGNORECASE,
        ),
        before_label=by_slot["before"],
        subjects=subjects,
        cumulative=re.compile(
            rf"{first_chars(cum, True)}\b(?P<cue>{alternation(cum, ignore_case=True)})\b", re.IGNORECASE
        ),
        cumulative_label=cum,
        destination=re.compile(
            rf"^{_AUX}\s*(?:{alternation(moves, ignore_case=True)})\s+(?:back\s+)?(?:to|into)\s+(?:[\w’'-]+\s+){{0,4}}?"
            rf"(?P<dest>{alternation(dests, ignore_case=True)})\b",
            re.IGNORECASE,
        ),
        destination_label=dests,
    )


@dataclass(slots=True)
class Cand:
    """A number mention in a sentence, with the words around it (sentence offsets)."""

    num: NumberMention
    sentence: Sentence
    index: int  # position among the sentence's numbers
    np: str  # the noun phrase right after the number ("educational institutions")
    np_end: int
    before: str  # the clause text before the number (from the previous number or clause start)
    prev: Cand | None = None
    reading: Reading | None = None
    following: NumberMention | None = None  # the sentence's next number mention
    after: str | None | bool = False  # _category_after's answer once asked (False: not asked yet)

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(
        self,
        num: NumberMention,
        sentence: Sentence,
        index: int,
        np: str,
        np_end: int,
        before: str,
        prev: Cand | None = None,
        reading: Reading | None = None,
        following: NumberMention | None = None,
        after: str | None | bool = False,
    ) -> None:
        self.num = num
        self.sentence = sentence
        self.index = index
        self.np = np
        self.np_end = np_end
        self.before = before
        self.prev = prev
        self.reading = reading
        self.following = following
        self.after = after


@dataclass(slots=True)
class Reading:
    category: str
    subject: str | None
    place: Place | None = None

    # Written out, as Cand's (a direct C call compiled). Keep in step with the fields above.
    def __init__(self, category: str, subject: str | None, place: Place | None = None) -> None:
        self.category = category
        self.subject = subject
        self.place = place


@dataclass(slots=True)
class Context:
    """What the rules read beyond the sentence: the lexicon, earlier rows, headings, places."""

    doc: Doc
    lex: Lexicon
    last: dict[int, tuple[Reading, int]] = field(default_factory=dict)  # paragraph -> (reading, sentence idx)
    heading_subject: dict[int, str] = field(default_factory=dict)  # paragraph -> subject from the heading above
    focus: tuple[Place | None] | None = None  # the article's fallback place, computed once
    seen: list[Sentence] = field(default_factory=list)  # earlier sentences with place mentions, in order
    lead_city: Place | None = None  # a local story's city: what "the city" points back at
    ranked: dict[str, list] = field(default_factory=dict)  # sentence id -> ranked mentions (computed once)
    cues: dict[str, dict[str, int]] = field(default_factory=dict)  # sentence id -> cumulative cues
    mentions: dict[str, list] = field(default_factory=dict)  # sentence id -> non-actor place mentions
    national: dict[str, Place | None] = field(default_factory=dict)  # sentence id -> national tally's country
    dominant: tuple[Place | None] | None = None  # the article's dominant country, computed once
    # sentence id -> its own ranked mentions (no anaphors)
    plain: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    when: dict[str, tuple[date | None, date | None, bool]] = field(default_factory=dict)  # sentence id -> _dates
    # (sentence id, origins kept) -> (ranked mentions, ids of coordinated ones), computed once
    listed: dict[tuple[str, bool], tuple[list, set[int]]] = field(default_factory=dict)
    # sentence id -> the place its figures took from a state body rather than a place name (a domestic force)
    virtual: dict[str, Place] = field(default_factory=dict)
    subject: dict[str, str] = field(default_factory=dict)  # sentence id -> _event_subject (computed once)
    wide: dict[str, bool] = field(default_factory=dict)  # sentence id -> whether _WIDE matches (computed once)
    bounds: dict[str, list[int]] = field(default_factory=dict)  # sentence id -> ends of its _SEGMENT_BOUND marks
    agency: dict[str, Place] | None = None  # pipeline.focus.agencies of the body, computed once when asked
    acronyms: frozenset[str] | None = None  # acronyms the body gives in brackets, found once when asked
    low: str | None = None  # the body's ASCII lowering, when it may stand for str.lower (see _lowered_body)
    facts: list[Sentence] | None = None  # doc.fact_sentences, read once


_OF = re.compile(r"\s+of\s+")
# "144 of its soldiers", "two of the four missiles": a count out of a set, the set's noun is what is counted
_PARTITIVE = re.compile(r"\s+of\s+(?:its|their|the|his|her|our|those|these)\s+(?=[a-z])")


def _noun_phrase(text: str, start: int, lex: Lexicon, vague: bool = False) -> tuple[str, int]:
    """Up to four content words after a number, stopping at function words and category cues.
    Vague multiples read through "of" ("hundreds of burns victims"), and so do container nouns
    ("75 cases of arbitrary detention") and partitives of a count ("144 of its soldiers", ua-0044;
    "two of the missiles")."""
    if vague:
        m = _OF.match(text, start)
        if m:
            start = m.end() - 1
    elif text.startswith(" of ", start):
        m = _PARTITIVE.match(text, start)
        if m:
            start = m.end() - 1
    np_, end = _noun_phrase_1(text, start, lex)
    if np_ and lex.subjects.get(np_.lower().split()[-1]) == "container":
        m = _OF.match(text, end)
        if m:
            more, end2 = _noun_phrase_1(text, m.end() - 1, lex)
            if more:
                return f"{np_} of {more}", end2
    return np_, end


def _after_at(lex: Lexicon) -> re.Pattern[str]:
    """`lex.after` without its "^", for `.match(text, pos)` (a Lexicon built without `after_at` gets one)."""
    return lex.after_at or _unanchored(lex.after.pattern, lex.after.flags)


@cache
def _unanchored(pattern: str, flags: int) -> re.Pattern[str]:
    return re.compile(pattern.removeprefix("^"), flags)


def _noun_phrase_1(text: str, start: int, lex: Lexicon) -> tuple[str, int]:
    words: list[str] = []
    first = text[start:start + 1]
    if (first.isspace() or first.isalpha() or first in _AFTER_FIRST) and _after_at(lex).match(text, start):
        return "", start
    pos = start
    end = start
    for m in _WORD_RE.finditer(text, start):
        gap = text[pos:m.start()]
        if gap.strip() not in ("", "-") or len(words) >= 4:
            break
        w = m.group(0)
        low = w.lower()
        acronym = len(w) > 1 and w.isupper()  # "US troops": not the pronoun "us"
        if (low in _STOP_WORDS and not acronym) or (low in lex.after_label and words) or (
            low in lex.after_label and low not in lex.noun
        ):
            break
        participle = (  # _PARTICIPLE ends in "ed" or "ing": a cheap gate first
            low.endswith(("ed", "ing")) and _PARTICIPLE.fullmatch(low)
            and low not in lex.noun and low not in lex.subjects
        )
        if participle and (words or low.endswith("ing")):
            break
        words.append(w)
        pos = end = m.end()
        if low in lex.noun or low in lex.subjects:
            # a head noun: stop unless a compound continues ("US troops", "tank projectiles")
            nxt = _WORD_RE.match(text, pos + 1) if text[pos:pos + 1] == " " else None
            if not nxt or nxt.group(0).lower() in _STOP_WORDS or nxt.group(0).lower() in lex.after_label:
                break
    return " ".join(words), end


def _noun_label(np: str, lex: Lexicon) -> str | None:
    """The category a counted noun names by itself ("deaths", "bodies", "missiles")."""
    if not np:
        return None
    words = np.lower().split()
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            key = " ".join(words[i:i + n])
            if key in lex.noun:
                return lex.noun[key]
    return None


def _person_subject(text: str, lex: Lexicon) -> str | None:
    """A person noun in `text` ("children" in "the number of dead children")."""
    m = _NUMBER_OF.search(text)
    if m:
        for w in reversed(m.group("np").lower().split()):
            if lex.subjects.get(w) == "person":
                return w
    return None


def _event_subject(c: Cand, ctx: Context) -> str:
    """Who the counted deaths/injuries happened to: the sentence's "number of X", the heading, people
    (once per sentence)."""
    sid = c.sentence.sentence_id
    got = ctx.subject.get(sid)
    if got is None:
        s0 = c.sentence.char_start
        # _NUMBER_OF needs "number": looked for in the lowered body first (see _lowered_body), a search is slow
        unnumbered = ctx.low is not None and ctx.low.find("number", s0, s0 + len(c.sentence.text)) < 0
        got = ctx.subject[sid] = (
            (None if unnumbered else _person_subject(c.sentence.text, ctx.lex))
            or ctx.heading_subject.get(c.sentence.paragraph_index) or "people"
        )
    return got


_INSERTION = re.compile(
    r"^(?:,\s+(?:including|among\s+them|mostly|mainly|many\s+of\s+them)\b.{0,80}?"
    r"(?=,?\s+(?:were|was|had|have|are|is|being|remain|remained|remains)\b),?"
    r"|\s+(?:a\s+day|on\s+average|in\s+total|each\s+day|every\s+day)(?=\s))+"
)


_AFTER_FIRST = frozenset(",“\"‘'")  # besides spaces and letters, what the cue patterns after a noun may start with
_PP_HEAD = re.compile(r"^\s+(?:of|in|inside|at|near|from|on|aboard)\s+")
_PP_WORD = re.compile(r"[\w’'-]+\s*")


def _category_after(c: Cand, ctx: Context) -> str | None:
    """The category cue after the noun phrase, past an insertion (", including three children,") or a
    prepositional phrase of up to five words: "53 Ukrainian prisoners of war were killed", "another
    2.25m tonnes of capacity in Ukrainian hands had been destroyed" (ua-0071, ua-0079). Asked by
    several rules: computed once per candidate."""
    if c.after is False:
        c.after = _category_after_1(c, ctx)
    return c.after  # type: ignore[return-value]


def _category_after_1(c: Cand, ctx: Context) -> str | None:
    rest = c.sentence.text[c.np_end:c.np_end + 160]
    first = rest[:1]
    if not (first.isspace() or first.isalpha() or first in _AFTER_FIRST):
        return None  # "; that of Kyiv, with 116": every pattern below starts with a space, a quote, "," or a letter
    ins = _INSERTION.match(rest)
    if ins:
        rest = rest[ins.end():]
    m = ctx.lex.after.match(rest)
    if m is None:
        pp = _PP_HEAD.match(rest)
        pos = pp.end() if pp else -1
        for _ in range(5 if pp else 0):
            w = _PP_WORD.match(rest, pos)
            if w is None:
                break
            pos = w.end()
            m = ctx.lex.after.match(" " + rest[pos:])
            if m is not None:
                break
    if m is None:
        m = _after_aside(rest, ctx.lex)
    if m is not None:
        return ctx.lex.after_label[m.group("cue").lower()]
    return _destination(rest, ctx) or _taken_prisoner(rest, ctx)


# "... after they surrendered", "after being captured": the reason clause of what happened to them
# within the clause of the count: no comma, no "and" (the next count's clause: "Two British nationals have been
# reported killed in the fighting and another two Britons are facing the death penalty after being captured")
_AFTER_REASON = re.compile(
    r"(?:(?!\band\b)[^.,;:()“”\"]){0,100}?\bafter\s+(?:they\s+(?:had\s+)?|being\s+|having\s+(?:been\s+)?)(?=[a-z])"
)


def _taken_prisoner(rest: str, ctx: Context) -> str | None:
    """detained when the counted people's clause says they were taken prisoner before what it reports:
    "More than a thousand Azovstal defenders were transferred to Russian-held territory in May after they
    surrendered to Moscow’s forces" (ua-0044), "another two Britons are facing the death penalty after being
    captured and convicted as mercenaries" (ua-0035). News gives the capture or surrender as the reason clause;
    soldiers who surrender or are captured are prisoners (guide: detained). Only detained cues count
    (figure_categories.csv, slot after, label detained)."""
    if "after" not in rest:
        return None
    m = _AFTER_REASON.match(rest)
    if m is None:
        return None
    cue = _after_at(ctx.lex).match(rest, m.end() - 1)
    if cue is None or ctx.lex.after_label[cue.group("cue").lower()] != "detained":
        return None
    return "detained"


# ", near the frontline in Donetsk oblast, were hit": an aside between commas before the verb
_ASIDE = re.compile(r"[^,;:.()“”\"]{3,60},")
# " who surrendered in the past day were being treated": a relative clause, then the main verb's auxiliary
_RELATIVE = re.compile(r"\s+(?:who|that|which)\s+[^,;:.()]{0,80}?(?=\s(?:were|was|are|is|have|has|had)\s)")
# "were engulfed in flames and destroyed": a first participle and its phrase, then the cue after "and"
_FIRST_PARTICIPLE = re.compile(rf"^{_AUX}\s*[a-z]+(?:ed|en)\b(?:\s+[a-z]+){{0,3}}?\s+and(?=\s)")


def _after_aside(rest: str, lex: Lexicon) -> re.Match[str] | None:
    """The category cue after what news puts between a counted noun and its verb: an aside between
    commas ("Two apartment buildings in Chasiv Yar, near the frontline in Donetsk oblast, were hit",
    ua-0050), a relative clause ("80 soldiers who surrendered in the past day were being treated for
    injuries", ua-0024), or a first participle coordinated with the cue ("two four-storey buildings
    inside the compound were engulfed in flames and destroyed", lee-bg-209)."""
    positions = [0]
    pp = _PP_HEAD.match(rest)
    if pp:  # or past each word of a prepositional phrase ("in Chasiv Yar", "inside the compound")
        w = _PP_WORD.match(rest, pp.end())
        while w is not None and len(positions) < 6:
            positions.append(w.end() - len(w.group(0)) + len(w.group(0).rstrip()))
            w = _PP_WORD.match(rest, w.end()) if w.group(0)[-1:].isspace() else None
    after = _after_at(lex).match  # at a position of rest, no slicing
    # cheap gates: the relative pronouns and the "and" that _RELATIVE and _FIRST_PARTICIPLE need literally
    relative = "who" in rest or "that" in rest or "which" in rest
    participle = "and" in rest
    for pos in positions:
        if rest.startswith(",", pos):
            a = _ASIDE.match(rest, pos + 1)
            m = after(rest, a.end()) if a is not None else None
            if m is not None:
                return m
        r = _RELATIVE.match(rest, pos) if relative else None
        m = after(rest, r.end()) if r is not None else None
        if m is not None:
            return m
        f = _FIRST_PARTICIPLE.match(rest[pos:]) if participle else None
        m = after(rest, pos + f.end()) if f is not None else None
        if m is not None:
            return m
    return None


def _destination(rest: str, ctx: Context) -> str | None:
    """The category of being moved somewhere, past a prepositional phrase: "Four victims were taken
    to Goshen General Hospital" (injured, lee-bg-212), "more than 900 troops from Azovstal had been
    sent to a former prison colony" (detained, ua-0024). Destinations: figure_destinations.csv."""
    dest = ctx.lex.destination
    if dest is None or " to " not in rest and " into " not in rest:
        return None
    low = rest.lower()
    if not any(d in low for d in ctx.lex.destination_label):  # a cheap gate: no destination noun, no match
        return None
    m = dest.match(rest)
    if m is None:
        pp = _PP_HEAD.match(rest)
        pos = pp.end() if pp else -1
        for _ in range(5 if pp else 0):
            w = _PP_WORD.match(rest, pos)
            if w is None:
                break
            pos = w.end()
            m = dest.match(" " + rest[pos:])
            if m is not None:
                break
    return ctx.lex.destination_label[m.group("dest").lower()] if m else None


def _equipment(category: str, np: str, ctx: Context) -> str:
    head = np.lower().split()[-1] if np else ""
    if category in ("destroyed", "damaged", "military_losses", "seized") and ctx.lex.subjects.get(head) == "equipment":
        return "military_losses"
    return category


# --- rules (RULES order is the precedence) -----------------------------------------------------
def money(c: Cand, ctx: Context) -> Reading | None:
    """Amounts with a currency: "$2.5 billion in gambling income", "50 million euros". Sets category money."""
    if c.num.unit in ("count", "percent", "t", "ha", "bbl", "kg", "l"):
        return None
    return Reading("money", c.np or None)


def percent(c: Cand, ctx: Context) -> Reading | None:
    """Shares: "80 per cent of its income", "12%". Sets category percent, subject the phrase after "of"."""
    if c.num.unit != "percent":
        return None
    if _noun_label(c.np, ctx.lex) == "not_figure":
        return Reading("not_figure", None)  # "a 10% chance": a hypothetical, not a measure
    m = _OF_PHRASE.match(c.sentence.text, c.num.end)
    return Reading("percent", m.group(1) if m else None)


def count_before_noun(c: Cand, ctx: Context) -> Reading | None:
    """A number before a noun that names what happened: "390 deaths", "more than 400 bodies",
    "35 airstrikes", "757 injuries". Sets category from the noun; subject the counted people."""
    label = _noun_label(c.np, ctx.lex)
    if label is None:
        return None
    after = _category_after(c, ctx)
    if label == "not_figure":
        return Reading("not_figure", None)
    if label == "killed_or_injured" and after in ("killed", "injured"):
        label = after  # "Four victims were taken to Goshen General Hospital": the verb narrows the noun
    if label in ("killed", "injured", "killed_or_injured"):
        head = c.np.lower().split()[-1]
        own = ctx.lex.subjects.get(head) in ("person", "person_generic")
        return Reading(label, c.np if own else _event_subject(c, ctx))
    if label == "attacks" and after in ("destroyed", "damaged"):
        return Reading(after, c.np)
    if label == "attacks" and _given(c):
        return Reading("other", c.np)  # weapons handed over are not attacks (rule 16)
    if label in _STATUS and after in _HARM:
        return Reading(after, c.np)  # "53 Ukrainian prisoners of war were killed": the harm is the news
    if label in _STATUS or label == "killed_or_injured":
        verb = verb_before_count(c, ctx)
        if verb is not None and verb.category in _HARM and verb.category != label:
            return Reading(verb.category, c.np)  # "strikes that have reportedly killed at least 40 prisoners"
        if label == "killed_or_injured" and after in ("killed", "injured"):
            return Reading(after, c.np)  # "Four victims were taken to hospital": the verb says which
    return Reading(label, c.np)


# "support Ukraine with millions of rounds", "supplying Ukraine with some 300,000 rounds": giving by "with"
_GIVE_WITH = re.compile(r"\b(?:support|suppl|equip|arm|provid)[a-z]*\s+(?:the\s+)?[A-Z][\w’'-]*\s+with\b")
_GIVE_BREAK = re.compile(r"[;.!?]\s|\b(?:but|while|whereas)\b")
_LAUNCHED_AT = re.compile(r"\s+(?:at|into|on|towards|against)\s")


def _given(c: Cand) -> bool:
    """Whether the counted weapons are being handed over: a verb of supply before them in the clause
    (roles' supply_verb: "The UK plans to give vital equipment to Kyiv including 400 vehicles, more than
    1,600 missiles", ua-0099) or "support/supply/equip <country> with" ("had the capacity to support Ukraine
    with millions of rounds of ammunition, thousands of drones", ua-0113). Weapons sent at a target ("sent
    20 missiles at Kyiv") are launched, not given."""
    text = c.sentence.text
    window = text[max(0, c.num.start - 120):c.num.start]
    supply = roles().supply_verb
    ends = [m.end() for m in supply.finditer(window)] if supply is not None else []
    if " with" in window:
        ends += [m.end() for m in _GIVE_WITH.finditer(window)]
    last = max(ends, default=-1)
    if last < 0 or _GIVE_BREAK.search(window, last):
        return False
    return not _LAUNCHED_AT.match(text, c.np_end)


def count_noun_verb(c: Cand, ctx: Context) -> Reading | None:
    """A number, its noun and the verb that says what happened: "two women have died",
    "2,500 educational institutions have suffered material damage", "144 people had been evacuated".
    Sets category from the verb, subject from the noun phrase."""
    if not c.np:
        return None
    label = _category_after(c, ctx)
    if label is None or label == "not_figure":
        return None
    if label == "bodies_found" and "bod" not in c.np.lower():
        return None
    return Reading(_equipment(label, c.np, ctx), c.np)


_AND_ONLY = re.compile(r"\s*,?\s+and\s+")


def coordinated_subject(c: Cand, ctx: Context) -> Reading | None:
    """Two counted subjects sharing one verb: "Three US troops and five members of the Afghan opposition
    were killed" (lee-bg-234), "two women and three children were injured". The first count takes the
    category of the verb after the second one; subject its own noun phrase."""
    nxt = c.following
    if nxt is None or not c.np or not _AND_ONLY.fullmatch(c.sentence.text, c.np_end, nxt.start):
        return None
    np2, end2 = _noun_phrase(c.sentence.text, nxt.end, ctx.lex, nxt.form == "vague")
    if not np2:
        return None
    label = _category_after(Cand(nxt, c.sentence, c.index + 1, np2, end2, ""), ctx)
    if label is None or label in ("not_figure", "bodies_found"):
        return None
    return Reading(_equipment(label, c.np, ctx), c.np)


def elliptical_coordination(c: Cand, ctx: Context) -> Reading | None:
    """A bare number followed by its participle, after a counted noun: "six people were killed and
    20 injured", "395 dead and wounded". Subject from the coordinated number or the context."""
    if c.np:
        return None
    label = _category_after(c, ctx)
    if label is None or label == "not_figure":
        return None
    if c.prev is not None and c.prev.np and _noun_label(c.prev.np, ctx.lex) is None:
        subject: str | None = c.prev.np
    else:
        subject = _event_subject(c, ctx) if label in CASUALTY else None
    return Reading(label, subject)


def verb_before_count(c: Cand, ctx: Context) -> Reading | None:
    """A verb of harm before the count: "killing at least three people", "wounding 20 officers",
    "police arrested three teenagers", "Russia has lost more than 1,000 tanks". Category from the verb."""
    ms = list(ctx.lex.before.finditer(c.before))
    if not ms:
        return None
    cue = ms[-1].group("cue").lower()
    label = ctx.lex.before_label[cue]
    gap = c.before[ms[-1].end():]
    if len(gap.split()) > 6:
        return None
    head = c.np.lower().split()[-1] if c.np else ""
    if cue == "lost" and ctx.lex.subjects.get(head) == "equipment":
        label = "military_losses"
    elif label in CASUALTY and ctx.lex.subjects.get(head) == "equipment":
        return None
    subject = c.np or (_event_subject(c, ctx) if label in CASUALTY else None)
    return Reading(_equipment(label, c.np, ctx), subject)


# "they surrendered alongside hundreds of", "was killed along with two": a participle, then a companion count
_ALONG = re.compile(r"\b(?P<cue>[a-z]+(?:ed|en|wn))\s+(?:alongside|along\s+with|together\s+with)\s+$")


def shared_fate(c: Cand, ctx: Context) -> Reading | None:
    """A count that shares what happened to the one named before it: "both men ... surrendered alongside
    hundreds of Ukrainian soldiers" (ua-0029: detained), "He was killed along with two of his guards".
    News tells one person's fate and adds the others who shared it after "alongside", "along with" or
    "together with"; the participle is a cue of the after-noun slot. A companion of a verb that is no cue
    ("massed close to Ukraine, alongside 1,200 tanks", ua-0005; "along with four other astronauts,
    landed", lee-bg-126) gets no category here."""
    before = c.before
    if "along" not in before and "together" not in before:
        return None
    m = _ALONG.search(before)
    if m is None:
        return None
    label = ctx.lex.after_label.get(m.group("cue").lower())
    if label is None or label == "not_figure":
        return None
    subject = c.np or (_event_subject(c, ctx) if label in CASUALTY else None)
    return Reading(_equipment(label, c.np, ctx), subject)


def death_toll(c: Cand, ctx: Context) -> Reading | None:
    """A toll raised to a number: with the counted people after it, "raised this Sunday to 390 the
    number of dead children" (category from the adjective, subject from its noun); or with the toll
    named earlier in the clause, "brings the death toll of 15 months of the uprising to 1,121 people"
    (lee-bg-015; category from the toll's cue)."""
    m = _TOLL_OF.match(c.sentence.text, c.num.end)
    if m:
        label = ctx.lex.after_label.get(m.group("adj").lower())
        return Reading(label, m.group("n")) if label else None
    t = _TOLL_TO.search(c.before) if "toll" in c.before.lower() else None  # a cheap gate: the cue's word
    if t is None:
        return None
    label = ctx.lex.before_label.get(t.group("cue").lower())
    if label not in CASUALTY:
        return None
    return Reading(label, c.np or _event_subject(c, ctx))


# "bringing the total number to 1,730", "taking the tally to": a running total of what the sentence counted
_TOTAL_TO = re.compile(
    r"\b(?:bring|brings|bringing|brought|take|takes|taking|took|raise|raises|raising|raised|push|pushes|"
    r"pushing|pushed)\s+(?:the|its|their)\s+(?:overall\s+|total\s+)?(?:total|tally|number|count)"
    r"(?:\s+(?:number|count))?\s+to\s+$",
    re.IGNORECASE,
)


def running_total(c: Cand, ctx: Context) -> Reading | None:
    """A running total after the news that adds to it: "a further 771 Ukrainian troops have surrendered
    ..., bringing the total number to 1,730 this week" (ua-0024). News states the increment, then the
    new total; the total counts the same thing, so it takes the category and subject of the count
    before it in the sentence."""
    p = c.prev
    if p is None or p.reading is None or p.reading.category in ("money", "percent", "not_figure", "other"):
        return None
    if not c.before.endswith("to ") or _TOTAL_TO.search(c.before) is None:
        return None
    if c.np and _noun_label(c.np, ctx.lex) is not None:
        return None
    return Reading(p.reading.category, c.np or p.reading.subject)


def list_carry(c: Cand, ctx: Context) -> Reading | None:
    """An elliptical list item after a counted head: "Behind are the Kharkiv region, with 219; that of
    Kyiv, with 116". Carries the head's category and subject; the place is the item's own."""
    if c.np or not _WITH_BEFORE.search(c.sentence.text, max(0, c.num.start - 12), c.num.start):
        return None
    head = ctx.last.get(c.sentence.paragraph_index)
    if head is None or head[0].category in ("money", "percent", "other", "not_figure"):
        return None
    item_start = max(c.sentence.text.rfind(";", 0, c.num.start), c.sentence.text.rfind(":", 0, c.num.start)) + 1
    item = c.sentence.text[item_start:c.num.start]
    place = _item_place(c, ctx, item_start, item)
    return Reading(head[0].category, head[0].subject, place)


_LIST_JOINT = re.compile(r"^(?:\s*(?:,|–|—|-|:)?\s*(?:and|including|among\s+them|of\s+whom|with)?\s*)$")


_INCLUDING_BEFORE = re.compile(r",\s+(?:including|among\s+them|of\s+whom)\s+$")
# "Of the 144 freed, 95 are Azovstal defenders" (ua-0044): a fronted total, then the subset and what it is
_OF_TOTAL_BEFORE = re.compile(r"(?:^|[“\"‘'(]\s*)of\s+(?:the|those|these)\s+$", re.IGNORECASE)
_SUBSET_JOINT = re.compile(r"[^,;:.()]{0,40},\s*$")
_IS_AFTER = re.compile(r"\s+(?:are|were|was|is)\s+")


def list_member(c: Cand, ctx: Context) -> Reading | None:
    """A count listed after a counted head in the same clause: "killed 23 people, including three
    children"; "lost 24,000 soldiers, more than 1,000 tanks"; "864 cases ... – 763 men, 94 women and
    seven boys". Takes the head's category (re-read for its own noun); subject its own noun.
    A subset introduced by ", including" takes the head's category however long the head's clause
    (rule 2): "Around 100,000 people have crossed into Poland ... since Russia launched its invasion,
    including 9,000 who have entered since 7am" (ua-0005), "securing the release of 144 of its
    soldiers, including 95 who defended the Azovstal steelworks" (ua-0044). So does the subset after a
    fronted total, "Of the 144 freed, 95 are Azovstal defenders" (ua-0044), its subject what it is said to be."""
    p = c.prev
    if p is None or p.reading is None or p.reading.category in ("money", "percent", "not_figure"):
        return None
    if _INCLUDING_BEFORE.search(c.before) and c.num.unit == p.num.unit:
        own = c.np if c.np and _noun_label(c.np, ctx.lex) is None else None
        return Reading(p.reading.category, own or p.reading.subject)
    if not c.np and c.num.unit == p.num.unit and p.before.endswith(" ") and _OF_TOTAL_BEFORE.search(p.before):
        text = c.sentence.text
        if _SUBSET_JOINT.match(text, p.num.end, c.num.start):
            m = _IS_AFTER.match(text, c.num.end)
            own = _noun_phrase_1(text, m.end() - 1, ctx.lex)[0] if m else ""
            return Reading(p.reading.category, own or p.reading.subject)
    if p.reading.category == "other":
        return None
    between = c.sentence.text[p.np_end:c.num.start]
    m = _TRAILING_QUAL.match(between)
    joint = m.group(1) if m else between
    if p.np and not _LIST_JOINT.match(joint) and not _DASH_JOINT.match(joint):
        return None
    if len(between) > 80:
        return None
    again = verb_before_count(Cand(c.num, c.sentence, c.index, c.np, c.np_end, p.before), ctx)
    if again is not None:
        return again
    own = _OF_THEM.sub("", c.sentence.text[c.num.end:c.num.end + 40]).split(",")[0].strip()  # "14 of them Australians"
    subject = c.np or own or p.reading.subject
    return Reading(p.reading.category, subject)


def other_count(c: Cand, ctx: Context) -> Reading | None:
    """A count of something with no word of harm near it: "150,000 troops", "20,000 employees".
    Sets category other (money-free, percent-free), subject the noun phrase."""
    if not c.np:
        return None
    if c.num.form == "words" and c.num.value == 1:
        return None
    return Reading("other", c.np)


_IN_BEFORE = re.compile(r"\b(?:in|across)\s+$", re.IGNORECASE)


def place_count(c: Cand, ctx: Context) -> Reading | None:
    """A count of places after "in"/"across" says where something happened, not what was counted:
    "Israeli soldiers have shot dead five Palestinians in two West Bank towns" (lee-bg-278),
    "referendums in two self-proclaimed pro-Russian territories" (ua-0083). Place nouns are
    label `place` in figure_subjects.csv. Sets category not_figure."""
    if not c.np or c.num.unit != "count" or ctx.lex.subjects.get(c.np.lower().split()[-1]) != "place":
        return None
    if _IN_BEFORE.search(c.sentence.text, max(0, c.num.start - 8), c.num.start) is None:
        return None
    return Reading("not_figure", None)


RULES: tuple[Callable[[Cand, Context], Reading | None], ...] = (
    money,
    percent,
    place_count,
    death_toll,
    running_total,
    count_before_noun,
    count_noun_verb,
    coordinated_subject,
    elliptical_coordination,
    verb_before_count,
    shared_fate,
    list_carry,
    list_member,
    other_count,
)


# --- places and dates -------------------------------------------------------------------------
def _mentions(ctx: Context, sentence: Sentence) -> list:
    """The sentence's place mentions that are not actors (computed once per sentence)."""
    sid = sentence.sentence_id
    got = ctx.mentions.get(sid)
    if got is None:
        got = ctx.mentions[sid] = [p for p in ctx.doc.places.get(sid, ()) if not getattr(p, "as_actor", False)]
    return got


def _item_place(c: Cand, ctx: Context, item_start: int, item: str) -> Place | None:
    """The place of a list item: a place mention inside it, or "that of X" read as X's region."""
    s0 = c.sentence.char_start
    lo, hi = s0 + item_start, s0 + c.num.start
    inside = [p for p in _mentions(ctx, c.sentence) if lo <= p.char_start < hi]
    m = _THAT_OF.search(item) if "of" in item else None
    if m:
        name = m.group("name")
        region = _region_named(name)
        if region is not None:
            return region
        place = inside[0].place if inside else load_gazetteer().resolve(name)
        return _admin1_of(place) if place is not None else None
    if not inside:
        return None
    if len(inside) == 1:  # most_specific_place of one mention: itself unless it is an agent
        ranked = ctx.ranked.get(c.sentence.sentence_id)
        if ranked is not None:
            return next((p.place for p, _ in ranked if p is inside[0]), None)
    return most_specific_place(inside, s0 + c.num.start, ctx.doc.article.body)


@cache
def _region_named(name: str) -> Place | None:
    """ "that of Kyiv" in a list of regions: the admin1 called "<name> region/Oblast/province" (cached)."""
    gaz = load_gazetteer()
    for probe in (f"{name} region", f"{name} Oblast", f"{name} province"):
        place = gaz.resolve(probe)
        if place is not None and place.kind == "admin1":
            return place
    return None


@cache
def _admin1_of(place: Place) -> Place:
    """The place's admin1 when it is a city (the region a list item names), else the place itself."""
    if place.kind != "admin1" and place.admin1:
        return load_gazetteer().resolve(place.admin1) or place
    return place


_SEGMENT_BOUND = re.compile(r"[;:()\[\]—–,](?:(?<!,)|\s)")  # `[;:()\[\]—–]|,\s`, one class first (see _CLAUSE_END)
_COORD = re.compile(r"^\s*(?:,|,?\s*(?:and|or|&))\s*(?:(?:either|both)\s+)?(?:the\s+)?$")


@dataclass(frozen=True)
class _Anaphor:
    """ "the city", "the state": a pointer back at the last place of that kind, read like a mention."""

    char_start: int
    char_end: int
    place: Place
    as_actor: bool = False


def _contains(outer: Place, inner: Place) -> bool:
    if outer.kind == "country":
        return inner.country_code == outer.country_code and inner.kind != "country"
    return outer.kind == "admin1" and inner.admin1 == outer.name


def _listed(ranked: list, body: str) -> set[int]:
    """Ids of mentions coordinated with another place ("in Crimea and Donbas", "Novoazovsk and
    Donetsk", "Australia, Britain and the United States"): a figure about them sums over places."""
    out: set[int] = set()
    body_ranked = [(p, r) for p, r in ranked if r <= BARE]
    for (a, _), (b, _) in zip(body_ranked, body_ranked[1:], strict=False):
        if a.place.place_id == b.place.place_id or _contains(a.place, b.place) or _contains(b.place, a.place):
            continue
        if _COORD.match(body[a.char_end:b.char_start]):
            out.add(id(a))
            out.add(id(b))
    return out


def sentence_mentions(ctx: Context, sentence: Sentence) -> list:
    """The sentence's place mentions plus its anaphors ("the city") resolved to the last place of that kind."""
    found = list(_mentions(ctx, sentence))
    r = roles()
    if not ctx.seen:
        return found
    if ctx.low is not None and all(t.isascii() for t in r.anaphor_kind):
        matches = _anaphor_matches(sentence.text, sentence.char_start, ctx.low)
    elif r.anaphor_noun is not None and r.anaphor_noun.search(sentence.text):
        matches = list(r.anaphor.finditer(sentence.text))
    else:
        matches = []
    for m in matches:
        kind = r.anaphor_kind[m.group("noun").lower()]
        place = _topic_city(ctx) if kind == "city" else _last_of_kind(ctx, kind)
        if place is not None:
            s0 = sentence.char_start
            found.append(_Anaphor(s0 + m.start("noun"), s0 + m.end("noun"), place))
    return found


def _anaphor_matches(text: str, s0: int, low: str) -> list[re.Match[str]]:
    """`roles().anaphor.finditer(text)` for the sentence `text` at body offset `s0`, read in the lowered body
    (see _lowered_body). A match ends in an anaphor noun ("the city") and starts at a word at most four words
    before it, with only letters and spaces in between ("in the city", "across the whole state"): the pattern
    is tried only at those word starts, leftmost first and from the end of the last match on, as finditer
    would find them (a search tries it at every position of the sentence, and a sentence without a noun
    needs no pattern at all)."""
    r = roles()
    starts: set[int] = set()
    for q in positions(low, r.anaphor_kind, s0, s0 + len(text)):
        k = q - s0  # back from the noun over at most four words ("the", two words, the preposition)
        for _ in range(4):
            j = k
            while j > 0 and text[j - 1].isspace():
                j -= 1
            w = j
            while w > 0 and "a" <= low[s0 + w - 1] <= "z":
                w -= 1
            if j == k or w == j:
                break
            starts.add(w)
            k = w
    return matches_at(r.anaphor, text, sorted(starts))


def _key(pr: tuple, pos: int) -> tuple[int, int, int]:
    return pr[1], _KIND_RANK.get(pr[0].place.kind, 0), abs(pr[0].char_start - pos)


def _sentence_place(c: Cand, ctx: Context, category: str) -> tuple[bool, Place | None]:
    """(decided, place) from the sentence alone. The number's own clause speaks first ("As more than
    100 blazes burn ... in New South Wales, fire crews ... at Gunning"); a place coordinated with
    another makes the figure a sum over places (null); agents and origins are never the place."""
    body = ctx.doc.article.body
    # origins ("imports from China", "missiles from the Black Sea") are where the counted came from;
    # only for people who fled is that the figure's place ("refugees from Mariupol")
    sid = c.sentence.sentence_id
    if sid not in ctx.ranked:
        ctx.ranked[sid] = _source_names(mention_ranks(sentence_mentions(ctx, c.sentence), body), body)
    # people who fled or were taken away are counted where they came from: "refugees from Mariupol",
    # "hundreds of Ukrainian prisoners of war ... from the Azovstal plant" (ua-0024), "police arrested
    # three 15-year-old boys from Shellharbour, Barrack Heights and Shell Cove" (lee-bg-034)
    moved = category in ("displaced", "detained")
    key = (sid, moved)
    got = ctx.listed.get(key)
    if got is None:
        kept = [pr for pr in ctx.ranked[sid] if pr[1] != ORIGIN or moved]
        got = ctx.listed[key] = (kept, _listed(kept, body))
    ranked, listed = got
    sub = _subset_start(c)
    if sub >= 0 and ranked:  # places named in the subset's clause are the subset's, not the total's
        end = _SEGMENT_BOUND.search(c.sentence.text, c.following.end)  # type: ignore[union-attr]
        s0_sub = c.sentence.char_start
        lo_sub, hi_sub = s0_sub + sub, s0_sub + (end.start() if end else len(c.sentence.text))
        ranked = [pr for pr in ranked if not lo_sub <= pr[0].char_start < hi_sub]
    if not ranked:
        nation = _national(c, ctx)
        if nation is None:
            return False, None
        ctx.virtual.setdefault(sid, nation)  # a national tally: the paragraph's place from here on
        return True, nation
    s0 = c.sentence.char_start
    pos = s0 + c.num.start
    text = c.sentence.text
    if category == "detained":
        home = _domestic_force(c, ctx, ranked)
        if home is not None:
            return True, home
    ends = ctx.bounds.get(sid)
    if ends is None:  # where the sentence's segments end, found once (the same as searching up to each number)
        ends = ctx.bounds[sid] = [m.end() for m in _SEGMENT_BOUND.finditer(text)]
    k = bisect_right(ends, c.num.start)
    lo = ends[k - 1] if k else 0
    hi_m = _SEGMENT_BOUND.search(text, c.num.end)
    hi = hi_m.start() if hi_m else len(text)
    own = [pr for pr in ranked if pr[1] <= BARE and s0 + lo <= pr[0].char_start < s0 + hi]
    if own:
        best = min(own, key=lambda pr: _key(pr, pos))
        # a list of origins is not a sum over places: the people were counted together
        return True, (None if id(best[0]) in listed and best[1] != ORIGIN else best[0].place)
    if not any(pr[1] == LOCATIVE for pr in ranked):
        nation = _national(c, ctx)
        if nation is not None:
            ctx.virtual.setdefault(sid, nation)
            return True, nation
    rest = [pr for pr in ranked if id(pr[0]) not in listed]
    if rest:
        return True, min(rest, key=lambda pr: _key(pr, pos))[0].place
    return True, None


# ", including 95 who ...", ", among them 20 children": what opens a subset after its total
_SUBSET_AFTER = re.compile(r"[^,;:.()“”\"]{0,80}?(,\s+(?:including|among\s+them|of\s+whom)\s+)$")


def _subset_start(c: Cand) -> int:
    """Where the clause of a subset given after the total starts (sentence offset), or -1. News names
    where a part of a total is from or was in inside the clause that singles the part out: "securing the
    release of 144 of its soldiers, including 95 who defended the Azovstal steelworks in Mariupol"
    (ua-0044: the 144 are Ukraine's, the 95 Mariupol's; the total's place comes from the rest of the
    sentence, here the national tally), "about 800 people were hiding in several bomb shelters underneath the
    Azot plant, including about 200 employees and 600 residents of Sievierodonetsk" (ua-0033: the residents are
    Sievierodonetsk's); and after a fronted total, "“Of the 144 freed, 95 are Azovstal defenders.”" (ua-0044:
    the clause after the comma is the 95's). Such places do not locate the total. A place before the subset
    still does: "Around 100,000 people have crossed into Poland ..., including 9,000 who ..." (ua-0005)."""
    f = c.following
    if f is None or f.unit != c.num.unit:
        return -1
    text = c.sentence.text
    if "," not in text[c.num.end:f.start]:
        return -1
    m = _SUBSET_AFTER.match(text, c.num.end, f.start)
    if m is not None:
        return m.start(1)
    if c.before.endswith(" ") and _OF_TOTAL_BEFORE.search(c.before) and _SUBSET_JOINT.match(text, c.num.end, f.start):
        return f.start
    return -1


# "The Press Trust of India says": a capitalised name that ends in "of <place>"
_NAME_OF = re.compile(r"(?<![.!?]\s)\b[A-Z][\w’'-]+\s+of\s+(?:the\s+)?$")


def _source_names(ranked: list, body: str) -> list:
    """A place that ends the name of the sentence's source is not where the figure happened: "The Press
    Trust of India says Razzak spent $212,000 on flying lessons in Australia, Britain and the United States"
    (lee-bg-218), "the Bank of Israel said". News names outlets and institutions "<Name> of <place>" and
    puts them before a speech verb; such a mention ranks as a possessive ("India's press trust") would."""
    out = ranked
    for i, (p, rank) in enumerate(ranked):
        if rank != LOCATIVE or not body.endswith(("of ", "of the "), max(0, p.char_start - 8), p.char_start):
            continue  # a cheap gate: the pattern ends in "of " or "of the "
        if not _NAME_OF.search(body, max(0, p.char_start - 40), p.char_start):
            continue
        speech = roles().speech_after
        if speech is not None and speech.match(body[p.char_end:p.char_end + 60]):
            out = out if out is not ranked else list(ranked)
            out[i] = (p, OBLIQUE)
    return out


def _domestic_force(c: Cand, ctx: Context, ranked: list) -> Place | None:
    """A state's own force making arrests acts at home: "Palestinian police have arrested three senior
    leaders ... in a crackdown that netted more than 75 Islamic militants following a wave of suicide
    attacks in Israel" (lee-bg-278: the Palestinian territories, not Israel), "Pakistani police arrested
    more than two dozen militants" (lee-bg-002). The force's country is the place of the arrests unless
    a place follows the count itself ("arrested three men in Jenin")."""
    text = c.sentence.text
    got = acting_authority(text, c.num.start)
    if got is None:
        return None
    place, end = got
    between = text[end:c.num.start]
    cue = ctx.lex.before.search(between)
    if cue is None or ctx.lex.before_label[cue.group("cue").lower()] != "detained":
        return None
    s0 = c.sentence.char_start
    near = s0 + c.np_end + 25
    if any(s0 + c.num.start <= pr[0].char_start <= near and pr[1] == LOCATIVE for pr in ranked):
        return None
    ctx.virtual[c.sentence.sentence_id] = place
    return place


def _dominant(ctx: Context) -> Place | None:
    """The article's dominant country (pipeline.focus.dominant_country), once per article."""
    if ctx.dominant is None:
        ctx.dominant = (dominant_country(ctx.doc),)
    return ctx.dominant[0]


def _national(c: Cand, ctx: Context) -> Place | None:
    """The nation a sentence's figures are a national tally of (pipeline.focus.national_place), once per sentence."""
    sid = c.sentence.sentence_id
    if sid not in ctx.national:
        ctx.national[sid] = national_place(
            c.sentence.text, ctx.doc.places.get(sid, []), ctx.doc.article.body, _dominant(ctx),
            ctx.low, c.sentence.char_start,
        )
    return ctx.national[sid]


def _plain_ranks(ctx: Context, sentence: Sentence) -> list[tuple[Any, int]]:
    """(mention, rank) of a sentence's own place mentions (no anaphors) that name where things happen
    (rank <= BARE), computed once and only when a later sentence needs them."""
    sid = sentence.sentence_id
    got = ctx.plain.get(sid)
    if got is None:
        full = ctx.ranked.get(sid)
        if full is not None:
            full = [pr for pr in full if not isinstance(pr[0], _Anaphor)]
        else:
            full = mention_ranks(_mentions(ctx, sentence), ctx.doc.article.body)
        got = ctx.plain[sid] = [pr for pr in full if pr[1] <= BARE]
    return got


def _last_of_kind(ctx: Context, kind: str) -> Place | None:
    """The last place of a kind named before the current sentence: what "the city", "the region" points at."""
    for sentence in reversed(ctx.seen):
        ranks = _plain_ranks(ctx, sentence)
        for j in range(len(ranks) - 1, -1, -1):
            p = ranks[j][0]
            if p.place.kind == kind:
                return p.place  # type: ignore[no-any-return]
    return None


def _topic_city(ctx: Context) -> Place | None:
    """What "the city" points back at: the first city named in the last earlier sentence that names one,
    the sentence's topic ("Neighbouring Lysychansk on the west bank was being shelled ... A police station in
    the city took a direct hit", ua-0039; "The mayor of Sloviansk has called on ... after the capture of
    Lysychansk ... in the city", ua-0046: Sloviansk); the lead city when no earlier sentence names one."""
    for sentence in reversed(ctx.seen):
        cities = [p for p, _ in _plain_ranks(ctx, sentence) if p.place.kind == "city"]
        if cities:
            return min(cities, key=lambda p: p.char_start).place  # type: ignore[no-any-return]
    return ctx.lead_city


# What may open a sentence before its subject: quotes or a bracket, an opening phrase and its comma ("Early
# this morning,"), "The"; the window from the sentence's start to the mention must be just that.
_SUBJECT_OPEN = re.compile(r"\s*[“\"‘'(]*\s*(?:[A-Z][^,;:.“”\"]{0,40},\s+)?(?:The\s+|the\s+)?\[?")
# or a clause inside the sentence, just before the mention: "found that Russia summarily executed", "but Ukraine has"
_CLAUSE_OPEN = re.compile(r"\s(?:that|but|and|while|as|because)\s+(?:The\s+|the\s+)?\[?\Z")
# the subject's verb ("[Ukraine] decided", "Ukraine has almost certainly suffered", "Russia summarily
# executed"): an auxiliary, an adverb in -ly or a past tense, after a closing bracket if one opened
_SUBJECT_VERB = re.compile(
    r"\]?\s+(?:(?:has|have|had|is|was|were|are|will|would|could|can|did|does|do|may|might|must|should)\b"
    r"|[a-z]+(?:ly|ed)\b)"
)


def _side_subject(p: object, sentence: Sentence, ctx: Context) -> bool:
    """Whether a country mention opens its sentence or a clause as the subject: a side of the conflict
    acting or suffering ("“Early this morning, [Ukraine] decided to spoil our Navy Day,” he posted",
    ua-0065, then "Five people were injured" at the Sevastopol headquarters; "The UN has previously found
    that Russia summarily executed Ukrainian prisoners", ua-0090, then "It documents 77 cases of civilians
    being executed" in Ukraine). News names the sides as the subjects of what they do; that is who, not
    where, so the sentences after it in the paragraph do not take it as their place. The figure's own
    sentence is left alone: there a subject country is often the figure's place ("Australia has linked
    $10 million of aid ...", lee-bg-181; "Germany has taken ... putting three refineries into a trusteeship")."""
    if p.place.kind != "country":  # type: ignore[attr-defined]
        return False
    body = ctx.doc.article.body
    start, end = p.char_start, p.char_end  # type: ignore[attr-defined]
    if not _SUBJECT_VERB.match(body, end, end + 40):
        return False
    before = body[max(sentence.char_start, start - 60):start]
    if start - sentence.char_start <= 60 and _SUBJECT_OPEN.fullmatch(before):
        return True
    return _CLAUSE_OPEN.search(before) is not None


def _paragraph_place(ctx: Context, paragraph: int) -> Place | None:
    """The place of the paragraph so far: of its last earlier sentence naming one, the place nearest its end;
    a sentence whose figures took a domestic force's country passes that on ("A Hamas official confirmed
    the arrests of two senior leaders" after "Palestinian police have arrested ...", lee-bg-278)."""
    for sentence in reversed(ctx.seen):
        if sentence.paragraph_index != paragraph:
            return None
        if sentence.sentence_id in ctx.virtual:
            return ctx.virtual[sentence.sentence_id]
        ranked = [pr for pr in _plain_ranks(ctx, sentence) if not _side_subject(pr[0], sentence, ctx)]
        if ranked:
            return min(ranked, key=lambda pr: _key(pr, sentence.char_end))[0].place  # type: ignore[no-any-return]
    return None


# Totals that span more than the story's place when the sentence names none: "A global food crisis has
# pushed 47 million people into acute hunger" (ua-0053); "brings the death toll of 15 months of the
# Palestinian uprising ... to 1,121 people" (lee-bg-015: a conflict over Israel and the territories).
_WIDE = re.compile(
    r"\b(?:global|worldwide|around\s+the\s+world|across\s+the\s+world|"
    r"toll\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:days|weeks|months|years)\s+of)\b",
    re.IGNORECASE,
)


# What str.lower or a case-insensitive pattern takes to or from an ASCII letter besides A-Z: the Kelvin sign
# ("k"), "İ" ("i" and a dot: two characters), the long s and the dotless i (matched by "s" and "i")
_ASCII_FOLDS = ("\u212a", "\u0130", "\u017f", "\u0131")


def _lowered_body(body: str, low: str, lex: Lexicon) -> str | None:
    """`low` (the body lowered with its offsets kept: ASCII letters as numbers.ascii_lower lowers them, see
    extract) when none of _ASCII_FOLDS is in the body and the cumulative cues are
    ASCII: then a lower-case ASCII term is at the same offsets in `low` as in str.lower of any sentence, and a
    case-insensitive pattern matches such a term only where `low` has it. The sentences' cues are found in it
    without lowering each sentence (str.lower reads the Unicode tables for every character of a text with
    curly quotes)."""
    if any(ch in body for ch in _ASCII_FOLDS) or not all(t.isascii() for t in lex.cumulative_label):
        return None
    return low


def _is_wide(sentence: Sentence, ctx: Context) -> bool:
    """Whether the sentence speaks of a worldwide or conflict-wide total (_WIDE), once per sentence; the
    search runs only when one of its key words is in the sentence (it is slow on long sentences)."""
    got = ctx.wide.get(sentence.sentence_id)
    if got is None:
        if ctx.low is not None:  # the key words in the lowered body (see _lowered_body)
            s0, s1 = sentence.char_start, sentence.char_end
            keyed = any(ctx.low.find(w, s0, s1) >= 0 for w in ("global", "world", "toll"))
        else:
            low = sentence.text.lower()
            keyed = "global" in low or "world" in low or "toll" in low
        got = ctx.wide[sentence.sentence_id] = keyed and bool(_WIDE.search(sentence.text))
    return got


def _place_for(c: Cand, reading: Reading, ctx: Context) -> Place | None:
    if reading.place is not None:
        return reading.place
    decided, here = _sentence_place(c, ctx, reading.category)
    if decided:
        return here
    if _is_wide(c.sentence, ctx):
        return None  # a worldwide or conflict-wide total: no place is implied, not even the paragraph's
    agency = _agency_place(c.sentence, ctx)
    if agency is not None:
        return agency
    prev = _paragraph_place(ctx, c.sentence.paragraph_index)
    if prev is not None:
        return prev
    if ctx.focus is None:
        ctx.focus = (ctx.lead_city or _dominant(ctx),)  # pipeline.focus.article_focus, from what ctx holds
        if ctx.focus[0] is not None and ctx.focus[0].kind == "country" and not lead_names(
            ctx.doc, ctx.focus[0], ctx.facts
        ):
            ctx.focus = (None,)  # the lead does not frame the story as national ("Traveland's travel centres ...")
    return ctx.focus[0]


_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_BRACKETED = re.compile(r"\(([A-Z]{2,6})\)")  # "(SES)": an acronym the article defines


def _agency_place(sentence: Sentence, ctx: Context) -> Place | None:
    """The jurisdiction of a state agency the sentence names, by its name or acronym, when the sentence
    names no place: "The New South Wales State Emergency Service (SES) says it has now received 5,000
    calls", "SES spokeswoman Laura Goodin says several hundred volunteers will be back in the field"
    (lee-bg-256: New South Wales, not the story's city Sydney). An agency's count of its own work is about
    the area it serves; the sentence passes the place on to the rest of its paragraph (the spokeswoman's
    quotes), as a domestic force does."""
    text = sentence.text
    if ctx.agency is None:
        # a cheap gate: the sentence names an agency by a head, or by an acronym the article gives in brackets
        if not any(h in text for h in roles().agency_heads):
            if ctx.acronyms is None:
                ctx.acronyms = frozenset(_BRACKETED.findall(ctx.doc.article.body))
            if not ctx.acronyms or ctx.acronyms.isdisjoint(_ACRONYM.findall(text)):
                return None
        ctx.agency = agencies(ctx.doc.article.body)
    if not ctx.agency:
        return None
    for name, place in ctx.agency.items():
        i = text.find(name)
        if i >= 0 and not text[i - 1:i].isalnum() and not text[i + len(name):i + len(name) + 1].isalnum():
            ctx.virtual[sentence.sentence_id] = place
            return place
    return None


def _cues(sentence: Sentence, ctx: Context) -> dict[str, int]:
    """Cumulative cues of a sentence ("so far", "since") with their offsets, found once per sentence."""
    got = ctx.cues.get(sentence.sentence_id)
    if got is None:
        text = sentence.text
        if ctx.low is not None:
            got = ctx.cues[sentence.sentence_id] = _lowered_cues(text, sentence.char_start, ctx.low, ctx.lex)
            return got
        low = text.lower()
        found = [i for i in map(low.find, ctx.lex.cumulative_label) if i >= 0]  # a cheap gate before the regex
        # no match starts before the first cue found in lower case, unless lowering moved offsets or the text
        # has a character the regex folds onto a letter that lower() does not ("ſ", "ı")
        start = min(found) if found and len(low) == len(text) and "ſ" not in text and "ı" not in text else 0
        got = ctx.cues[sentence.sentence_id] = (
            {m.group("cue").lower(): m.start() for m in ctx.lex.cumulative.finditer(text, start)} if found else {}
        )
    return got


def _lowered_cues(text: str, s0: int, low: str, lex: Lexicon) -> dict[str, int]:
    """_cues of the sentence `text` at body offset `s0`, read in the lowered body (see _lowered_body): a match
    of `cumulative` starts where the lowered body has a cue, so the pattern is tried only there, leftmost
    first and from the end of the last match on, as finditer would find them (a search tries it at every
    i, s and t of the sentence)."""
    starts = [i - s0 for i in positions(low, lex.cumulative_label, s0, s0 + len(text))]
    out: dict[str, int] = {}
    for m in matches_at(lex.cumulative, text, starts):
        out[m.group("cue").lower()] = m.start()
    return out


def _dates(c: Cand, ctx: Context) -> tuple[date | None, date | None, bool]:
    """as_of, since and is_cumulative from the sentence's date mentions and cumulative cues (once per sentence)."""
    got = ctx.when.get(c.sentence.sentence_id)
    if got is None:
        got = ctx.when[c.sentence.sentence_id] = _sentence_dates(c, ctx)
    return got


def _sentence_dates(c: Cand, ctx: Context) -> tuple[date | None, date | None, bool]:
    as_of = since = None
    cues = _cues(c.sentence, ctx)
    cumulative = any(ctx.lex.cumulative_label[k] == "cumulative" for k in cues) or "since" in cues
    since_pos = cues.get("since")
    for d in ctx.doc.dates.get(c.sentence.sentence_id, []):
        rel = getattr(d, "relation", None)
        start = d.char_start - c.sentence.char_start
        if rel == "since" or (since_pos is not None and since_pos < start and since is None and rel != "as_of"):
            since = since or d.value
            cumulative = True
        elif d.value is not None and getattr(d, "precision", "day") in ("day", "week", "month"):
            as_of = as_of or d.value
            if rel == "as_of":
                cumulative = True
    return as_of, since, cumulative


def _dollar(place: Place | None) -> str:
    """The currency of a bare "$": the dollar of the article's dominant country, else USD."""
    code = place.country_code if place else None
    return {"AU": "AUD", "CA": "CAD", "NZ": "NZD", "HK": "HKD", "SG": "SGD"}.get(code or "", "USD")


def _headings(doc: Doc, lex: Lexicon) -> dict[int, str]:
    """paragraph index -> the person noun of the nearest heading above it ("murdering children")."""
    out: dict[int, str] = {}
    current: str | None = None
    for s in doc.sentences:
        if s.role == "heading":
            words: list[str] = [w.lower() for w in _WORD_RE.findall(s.text)]
            current = next((w for w in reversed(words) if lex.subjects.get(w) == "person"), None)
        elif current:
            out[s.paragraph_index] = current
    return out


def _restatement_key(n: NumberMention, subject: str | None) -> tuple[float, str, str] | None:
    """What makes a later figure a restatement of an earlier one: the same exact value (10 or more, not
    "thousands": small and vague counts recur for unrelated things) of the same kind of thing (unit, head
    noun of the subject)."""
    if n.value < 10 or n.form == "vague" or not subject:
        return None
    return n.value, n.unit, subject.rsplit(None, 1)[-1].lower()


def extract(doc: Doc, lex: Lexicon | None = None) -> list[FigureRow]:
    """Figure rows of one article, in text order."""
    lex = lex or load_lexicon()
    facts = doc.fact_sentences  # a property that builds the list: read once
    ctx = Context(doc, lex, heading_subject=_headings(doc, lex), lead_city=lead_city(doc, facts))
    ctx.facts = facts
    art = doc.article
    # the fields of the plain classes (Article, Sentence, NumberMention: dict lookups compiled) are read once
    body, content_hash, article_id = art.body, art.content_hash, art.article_id
    dollar = _dollar(_dominant(ctx)) if "$" in body else "USD"
    # the body's lowering shared with attributions and events: at every ASCII character the same as
    # numbers.ascii_lower when it keeps the offsets (the only other characters str.lower takes to ASCII are the
    # Kelvin sign, to "k" as ascii_lower does, and "İ", to two characters)
    lowered = doc.lowered_body()
    low = lowered if len(lowered) == len(body) else ascii_lower(body)
    ctx.low = _lowered_body(body, low, lex)
    starts = core_starts(body, low)  # number starts of the whole body, found once
    n_starts = len(starts)
    k = 0
    rows: list[FigureRow] = []
    # News restates its key figures ("more than 400 staff are to lose their jobs at Australia's biggest
    # pay TV operator" ... "More than 400 staff will be made redundant", lee-bg-261; "a crackdown that
    # netted more than 75 Islamic militants" ... "more than 75 militants from Hamas ... were rounded",
    # lee-bg-278): a restatement that leaves the category or the place unsaid keeps the first statement's.
    stated: dict[tuple[float, str, str], tuple[str, Place | None]] = {}
    for sentence in facts:
        text = sentence.text
        s0 = sentence.char_start
        sid = sentence.sentence_id
        while k < n_starts and starts[k] < s0:
            k += 1
        k_end = k
        s1 = s0 + len(text)
        while k_end < n_starts and starts[k_end] < s1:
            k_end += 1
        nums: list[NumberMention] = []
        if k_end > k:
            found = doc.dates.get(sid)
            regions = (
                [(d.char_start - s0, d.char_end - s0) for d in found if d.method != "dates.days_ago"] if found else []
            )
            nums = find_numbers(text, dollar, regions, [p - s0 for p in starts[k:k_end]])
        prev: Cand | None = None
        last_end = 0
        for i, n in enumerate(nums):
            n_start, n_end, unit = n.start, n.end, n.unit
            # vague multiples and measures read through "of": "hundreds of people", "20m tonnes of grain"
            np_, np_end = _noun_phrase(text, n_end, lex, n.form == "vague" or unit not in ("count", "percent"))
            cut = last_end  # the clause starts after the last clause break between the previous number and this one
            for m in _CLAUSE_END.finditer(text, last_end, n_start):
                cut = m.end()
            following = nums[i + 1] if i + 1 < len(nums) else None
            c = Cand(n, sentence, i, np_, np_end, text[cut:n_start], prev, following=following)
            last_end = n_end
            prev = c
            reading, method = None, ""
            for rule in RULES:
                reading = rule(c, ctx)
                if reading is not None:
                    method = rule.__name__
                    break
            c.reading = reading
            if reading is None or reading.category == "not_figure":
                continue
            value = n.value
            if method == "other_count" and value <= 12 and _NAMED_AFTER.match(text[np_end:]):
                continue  # "three ports, including Odesa": points at named things
            if unit in _DROP_UNITS:
                continue
            if value == 1 and n.form == "words" and reading.category not in CASUALTY:
                continue
            ctx.last[sentence.paragraph_index] = (reading, sentence.sentence_index)
            place = _place_for(c, reading, ctx)
            category = reading.category
            key = _restatement_key(n, reading.subject)
            if key is not None:
                first = stated.setdefault(key, (category, place))
                if category == "other":
                    category = first[0]
                if place is None and not _is_wide(sentence, ctx):
                    place = first[1]
            as_of, since, cumulative = _dates(c, ctx)
            start, end = s0 + n_start, s0 + n_end
            rows.append(
                FigureRow(
                    row_id(content_hash, "figures", start, end, category),
                    article_id,
                    sid,
                    start,
                    end,
                    body[start:end],
                    value,
                    n.value_max,
                    n.qualifier,
                    unit,
                    category,
                    reading.subject,
                    place.name if place else None,
                    place.place_id if place else None,
                    as_of,
                    since,
                    cumulative,
                    sentence.role == "caption",
                    f"figures.{method}",
                    None,
                )
            )
        if doc.places.get(sid) and _mentions(ctx, sentence) or sid in ctx.virtual:
            ctx.seen.append(sentence)
    return rows

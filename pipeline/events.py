"""Events: what happened, where, when, by whom (ACLED-aligned types).

A trigger lexicon (seeds/reference/event_triggers.csv) finds candidate words; the ordered
`RULES` decide, per trigger, which event types it names (or that it names none: weapons fire,
background references, unspecified "attacks" without a target). Irrealis statements (future,
hypothetical, negated) are dropped. One event per sentence and type; weak triggers give way to a
stronger one of another violent type in the same sentence, and destruction caused by an attack in
the same sentence is the attack's target, not an event of its own. Places come from the sentence's
place mentions (actors and origins excluded), else from the previous sentence of the paragraph.
Within an article, a later event of the same type at the same places is the same happening.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any, Final

import ahocorasick_rs

from pipeline.figures import FigureRow
from pipeline.focus import article_focus, country_place, roles
from pipeline.ids import row_id
from pipeline.lexicons import alternation, load_csv, word_start_alternation
from pipeline.model import Doc, Sentence, field_values
from schemas import vocab

EVENT_TYPES = frozenset(vocab.EVENT_TYPES)  # one source of truth: the row contract's vocabulary
# Types that name a violent happening: they absorb a property_destruction of the same sentence.
_VIOLENT = frozenset(
    {"battle", "shelling_missile_attack", "air_drone_strike", "remote_explosive", "attack_on_civilians", "disaster"}
)
_ATTACKS = frozenset({"shelling_missile_attack", "air_drone_strike", "remote_explosive"})


@dataclass(frozen=True)
class EventRow:
    """An event row (a native class when compiled, as model.Sentence: built and read in C; pickled by its fields)."""

    event_id: str
    article_id: str
    sentence_id: str
    char_start: int  # span of the trigger
    char_end: int
    trigger: str
    event_type: str
    actor: str | None
    target: str | None  # targets joined with "; "
    event_date: date | None
    date_precision: str  # day, week, month, year, unknown
    fatalities: float | None
    injured: float | None
    fatalities_figure_id: str | None
    injured_figure_id: str | None
    in_caption: bool
    method: str
    attribution_id: str | None = None

    def __init__(
        self,
        event_id: str,
        article_id: str,
        sentence_id: str,
        char_start: int,
        char_end: int,
        trigger: str,
        event_type: str,
        actor: str | None,
        target: str | None,
        event_date: date | None,
        date_precision: str,
        fatalities: float | None,
        injured: float | None,
        fatalities_figure_id: str | None,
        injured_figure_id: str | None,
        in_caption: bool,
        method: str,
        attribution_id: str | None = None,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "event_id", event_id)
        object.__setattr__(self, "article_id", article_id)
        object.__setattr__(self, "sentence_id", sentence_id)
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)
        object.__setattr__(self, "trigger", trigger)
        object.__setattr__(self, "event_type", event_type)
        object.__setattr__(self, "actor", actor)
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "event_date", event_date)
        object.__setattr__(self, "date_precision", date_precision)
        object.__setattr__(self, "fatalities", fatalities)
        object.__setattr__(self, "injured", injured)
        object.__setattr__(self, "fatalities_figure_id", fatalities_figure_id)
        object.__setattr__(self, "injured_figure_id", injured_figure_id)
        object.__setattr__(self, "in_caption", in_caption)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "attribution_id", attribution_id)

    def __reduce__(self) -> tuple[type[EventRow], tuple[Any, ...]]:
        return EventRow, field_values(self)


@dataclass(frozen=True)
class EventPlaceRow:
    """A place of an event (a native class when compiled, as EventRow)."""

    event_id: str
    article_id: str
    place: str
    place_id: str | None
    mention: str | None
    char_start: int | None
    char_end: int | None

    def __init__(
        self,
        event_id: str,
        article_id: str,
        place: str,
        place_id: str | None,
        mention: str | None,
        char_start: int | None,
        char_end: int | None,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "event_id", event_id)
        object.__setattr__(self, "article_id", article_id)
        object.__setattr__(self, "place", place)
        object.__setattr__(self, "place_id", place_id)
        object.__setattr__(self, "mention", mention)
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)

    def __reduce__(self) -> tuple[type[EventPlaceRow], tuple[Any, ...]]:
        return EventPlaceRow, field_values(self)


# --------------------------------------------------------------------------- lexicons


@dataclass(frozen=True)
class Trigger:
    """One lexicon entry: the event type a term names and the context it needs."""

    term: str
    label: str
    context: str
    weak: bool


@dataclass(frozen=True)
class Lexicon:
    """Compiled trigger and actor lexicons."""

    triggers: dict[str, Trigger]
    trigger_re: re.Pattern[str]
    # first word of every trigger, as found in _marked text: a cheap pre-scan (see first_word_starts)
    first_words: ahocorasick_rs.BytesAhoCorasick
    actors: dict[str, str]
    actor_re: re.Pattern[str]
    people: dict[str, str]  # noun -> armed / person
    people_re: re.Pattern[str]
    air_weapon_re: re.Pattern[str]
    modifier_head_re: re.Pattern[str] = re.compile(r"(?!)")  # "air raid warnings": trigger as a modifier
    # first word -> the triggers starting with it (a small alternation instead of the whole lexicon's)
    by_first_word: dict[str, re.Pattern[str]] = field(default_factory=dict)
    # Lowercase first words of the air weapons, but those holding another: one occurs in every (ASCII)
    # text air_weapon_re matches.
    air_weapon_words: tuple[str, ...] = ()
    # per pattern of first_words (its index), the first words it stands for, each with whether the
    # text must be read to tell it ("cease-fire" and "cease fire" are one pattern)
    first_word_keys: tuple[tuple[tuple[str, bool], ...], ...] = ()


_CONTEXTS = frozenset(
    {
        "", "target", "natural_fire", "launched", "place_object", "also_missile", "passive", "agreement", "noun",
        "gerund", "defences",
    }
)


def _norm(term: str) -> str:
    return " ".join(term.lower().split())


_WORD_START = r"(?<![\w-])"


def _words_re(terms: Iterable[str], flags: int = re.IGNORECASE, before: str = _WORD_START) -> re.Pattern[str]:
    """Whole-word match of any term (spaces match any whitespace); an empty list never matches."""
    terms = list(terms)
    if before == _WORD_START and not flags & re.IGNORECASE and terms and all(t[:1].isalnum() for t in terms):
        # Searched case-sensitive lists (actors, over a clause): a pattern led by the lookbehind is tried
        # at every position, one led by a literal lets the engine skip to the terms' first characters.
        # Each first character opens a branch with the same lookbehind checked right after it (on the
        # character before it) and the prefix tree of the rest: the same matches, about twice as fast.
        return re.compile(word_start_alternation(terms, not_after=r"[\w-]", flexible_spaces=True) + r"(?![\w-])", flags)
    return re.compile(before + "(?:" + (alternation(terms, flexible_spaces=True) or "(?!)") + r")(?![\w-])", flags)


def build_lexicon(
    trigger_rows: tuple[dict[str, str], ...],
    actor_rows: tuple[dict[str, str], ...],
    target_rows: tuple[dict[str, str], ...] = (),
    weapon_rows: tuple[dict[str, str], ...] = (),
    modifier_rows: tuple[dict[str, str], ...] = (),
) -> Lexicon:
    """Compile lexicon rows (as pipeline.lexicons.load_csv returns them) into one regex each."""
    triggers: dict[str, Trigger] = {}
    for r in trigger_rows:
        context = r.get("context", "")
        if context not in _CONTEXTS:
            raise ValueError(f"event_triggers: unknown context {context!r} for {r['term']!r}")
        triggers[_norm(r["term"])] = Trigger(r["term"], r["label"], context, r.get("weak", "") == "yes")
    trigger_re = _words_re(triggers)
    actors = {r["term"]: r["label"] for r in actor_rows}
    # Actor words are case-sensitive ("US" is not "us"); possessive forms are matched by the caller.
    actor_re = _words_re(actors, flags=0)
    grouped: dict[str, list[str]] = {}
    for term in triggers:
        grouped.setdefault(term.split()[0], []).append(term)
    # Keyed as the words read in _marked text, after the space that stands for a word start; the
    # value is the words with that key ("cease-fire" is " cease fire"), each with whether the key
    # differs from it (then only a look at the text tells which word, if any, is there).
    keyed: dict[str, list[tuple[str, bool]]] = {}
    for first in grouped:
        key = " " + "".join(c if c.isascii() and c.isalnum() else " " for c in first)
        keyed.setdefault(key, []).append((first, key != " " + first))
    first_words = ahocorasick_rs.BytesAhoCorasick([key.encode("ascii") for key in keyed],
                                                  implementation=ahocorasick_rs.Implementation.DFA)
    first_word_keys = tuple(tuple(firsts) for firsts in keyed.values())
    by_first_word = {w: _words_re(ts) for w, ts in grouped.items()}
    people = {r["term"].lower(): r["label"] for r in target_rows}
    people_re = _words_re(people)
    air = [r["term"] for r in weapon_rows if r["label"] == "air_drone_strike"]
    air_weapon_re = _words_re(air)
    heads = [r["term"] for r in modifier_rows]
    modifier_head_re = _words_re(heads, before=r"\s+")
    # A first word holding another ("bombers", "bomber") is in the text only where that one is: the
    # substring gate tests the others alone.
    air_words = {t.split()[0].lower() for t in air}
    return Lexicon(
        triggers, trigger_re, first_words, actors, actor_re, people, people_re, air_weapon_re, modifier_head_re,
        by_first_word, tuple(sorted(w for w in air_words if not any(v != w and v in w for v in air_words))),
        first_word_keys,
    )


@cache
def load_lexicon() -> Lexicon:
    """The project lexicons from seeds/reference (loaded and compiled once)."""
    return build_lexicon(
        load_csv("event_triggers", required=("term", "label", "note", "context", "weak"), allowed_labels=EVENT_TYPES),
        load_csv("event_actors", required=("term", "label", "note")),
        load_csv("event_targets", required=("term", "label", "note"), allowed_labels=frozenset({"armed", "person"})),
        load_csv("event_weapons", required=("term", "label", "note"), allowed_labels=EVENT_TYPES),
        load_csv("event_modifier_heads", required=("term", "label", "note"), allowed_labels=frozenset({"head"})),
    )


# --------------------------------------------------------------------------- context tests
# Closed-class cue words (modals, negators, subordinators, determiners) stay in code.

# A clause break: a strong punctuation mark, or a comma before "but", "while", "although", "though".
# The last one of a window is found from the right with str.rfind: the last mark, then the commas
# after it, each tested for the conjunction (a regex giving back one character at a time from the
# window's end tried the break at every position, several times slower). No break starts inside
# another (a break is one mark, or a comma, spaces and a conjunction), so the last to start is the
# break the former search of the whole sentence found last.
_CLAUSE_MARKS: Final[tuple[str, ...]] = (";", ":", "“", "”", '"', "(", ")", "–", "—")  # all but the comma
_CONJUNCTION_AFTER_COMMA = re.compile(r"\s+(?:but|while|although|though)\b")
# Irrealis cues before a trigger (closed class): modals, negators, subordinators, intention and
# appeal words. Single words are looked up in a set, stems by prefix, phrases by a small regex
# (one large alternation searched at every position was the extractor's slowest step).
_IRREALIS_WORDS = frozenset(
    (
        "will would could might may shall can cannot if unless whether no not never without threat threats risk "
        "possible possibly likely ready plan plans planning aim aims expected stop halt chance deny denies denied "
        "threaten threatens threatened threatening fear fears feared fearing prepare prepares prepared preparing "
        "preparation preparations intend intends intended intending want wants wanted wanting vow vows vowed vowing "
        "prevent prevents prevented preventing avoid avoids avoided avoiding hope hopes hoped hoping warn warns "
        "warned warning warnings demand demands demanded demanding propose proposes proposed proposal proposals "
        "proposing resume resumes resumed resuming resumption restart restarts restarted restarting revive revives "
        "revived reviving revival"
    ).split()
)
_IRREALIS_PHRASE = re.compile(
    r"\bcall(?:s|ed)?\s+for\b|\bto\s+end\b|\b(?:desire|willingness|ability|capacity|readiness)\s+to\b|n't\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")
# Every byte but a-z to a space: in a window encoded to ASCII, _WORD's words are then the split() parts.
_LETTERS_ONLY: Final = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


def _words(lower: str) -> list[str]:
    """_WORD.findall(lower), the [a-z]+ runs of a lowercase window.

    The window is split after a translation instead: encoded to ASCII (a character beyond ASCII, no
    a-z letter, becomes one "?"), every byte but a-z made a space. No regex call, whose set-up (the
    matcher's stack is allocated and freed per call) cost more than the few words it finds, and a
    bytes table instead of str.translate, which looks up every distinct character in a dict."""
    return lower.encode("ascii", "replace").translate(_LETTERS_ONLY).decode("ascii").split()


# Typographic punctuation news text is full of (curly quotes, dashes, ellipsis, no-break space): no
# letter among them, so no case-insensitive pattern of ASCII words matches one of them.
_TYPOGRAPHIC = "‘’“”–—…\u00a0"
_NOT_PLAIN = re.compile(f"[^\\x00-\\x7f{_TYPOGRAPHIC}]")


# The last text _plain searched and its answer: find_hits and _names_air_weapon ask of one sentence.
_PLAIN_LAST: Final[list[tuple[str, bool]]] = [("", True)]


def _plain(text: str) -> bool:
    """Whether `text` is ASCII apart from typographic punctuation.

    In such text a case-insensitive regex of ASCII words can only match ASCII letters, so it matches
    where text.lower() holds the lowercase words: a substring test is an exact, cheap gate before
    the regex. Any other character outside ASCII (letters with accents, Unicode case oddities such
    as the dotless i or the long s) keeps the regex alone.

    The answer for the text last searched (the same object) is remembered: the search of a sentence
    costs about as much as the rest of a rule."""
    if text.isascii():
        return True
    last, answer = _PLAIN_LAST[0]
    if last is not text:
        answer = _NOT_PLAIN.search(text) is None
        _PLAIN_LAST[0] = (text, answer)
    return answer


# Words one of which _IRREALIS_PHRASE needs ("n't" is tested as a substring): a cheap gate.
_IRREALIS_PHRASE_WORDS = frozenset(
    "call calls called end desire willingness ability capacity readiness".split()
)


def _irrealis_cue(window: str, words: list[str] | None = None) -> bool:
    """An irrealis cue word or phrase in `window` ("is preparing more attacks", "would", "to end").

    `words` are the window's lowercased words when the caller has them already."""
    if words is None:
        words = _WORD.findall(window.lower())
    if not _IRREALIS_WORDS.isdisjoint(words):
        return True
    if _IRREALIS_PHRASE_WORDS.isdisjoint(words) and "n't" not in window:
        return False
    return _IRREALIS_PHRASE.search(window) is not None


_IRREALIS_AFTER = re.compile(
    r"^[^,;:.]{0,40}?\b(?:would|could|might|will|no\s+sense|not\s+possible|impossible)\b", re.IGNORECASE
)
_IRREALIS_AFTER_GATE = re.compile(r"would|could|might|will|sense|possible", re.IGNORECASE)  # in every match
_IRREALIS_AFTER_WORDS = ("would", "could", "might", "will", "sense", "possible")
# The same words searched in lowercase text: one case-sensitive literal alternation (the engine skips
# ahead to the letters that open one), a single call instead of a substring test per word.
_IRREALIS_AFTER_LOWER = re.compile("|".join(_IRREALIS_AFTER_WORDS))


def _irrealis_after_gate(text: str, end: int, lower: str | None) -> bool:
    """Whether one of the words every _IRREALIS_AFTER match holds occurs in the 80 characters after `end`.

    Plain text (nearly all, see _plain) is tested with substring search on its lowercase form, the
    same answer as the case-insensitive regex (searched at every position, it was the costliest filter
    step). `lower` is text.lower() when the text is plain (sliced, not lowercased again), else None."""
    if lower is None:
        return _IRREALIS_AFTER_GATE.search(text, end, end + 80) is not None
    return _IRREALIS_AFTER_LOWER.search(lower, end, end + 80) is not None


_BACKGROUND_BEFORE = re.compile(
    r"\b(?:since|during|throughout|before|start\s+of|beginning\s+of|outbreak\s+of|months\s+of|days\s+of|"
    r"weeks\s+of|years\s+of|signs\s+of|evidence\s+of|traces\s+of|marks\s+of|similar\s+to|reminiscent\s+of|"
    r"anniversary\s+of|compared\s+(?:to|with)|memor(?:y|ies)\s+of)\s+(?:the\s+|its\s+|their\s+|a\s+)?"
    r"(?:[\w’'-]+\s+){0,2}$",
    re.IGNORECASE,
)
# The same pattern, case-sensitive (its words are lowercase), searched in the lowercase form of plain
# text (see _plain): the same matches, without the case-insensitive engine's per-character folding.
_BACKGROUND_BEFORE_LOWER = re.compile(_BACKGROUND_BEFORE.pattern)
# The words the filters below need, one of which must occur before a regex is tried (cheap gates).
_BACKGROUND_WORDS = frozenset(
    (
        "since during throughout before start beginning outbreak months days weeks years signs evidence traces "
        "marks similar reminiscent anniversary compared memory memories"
    ).split()
)
_GENERIC_WORDS = frozenset("all any every each".split())
_DEPICTION_WORDS = frozenset(
    "footage video videos photo photos photograph photographs image images picture pictures".split()
)
_DETERMINERS = frozenset("the this that these those".split())
_LAUNCHED_BEFORE = re.compile(
    r"\b(?:launch\w*|order(?:s|ed)?|beg[ia]n\w*|start(?:s|ed)?|announc\w*)\b[^.;]{0,40}$", re.IGNORECASE
)
_WEAPON_FIRE_BEFORE = re.compile(
    r"\b(?:open|opened|opening|opens|return|returned|returning|under|cease|heavy|artillery|mortar|rocket|gun|"
    r"sniper|machine-gun|friendly|exchange\s+of|exchanged|set|on|caught|shell|tank|small-arms|gun)\s+$"
    r"|\b(?:play\w*\s+with|fan\w*|fuel\w*|stok\w*|add\w*\s+fuel\s+to)\s+(?:the\s+|this\s+|that\s+)?$",
    re.IGNORECASE,
)
_FIRE_SERVICE_AFTER = re.compile(
    r"^\s*(?:at|on|crews?|fighters?|service|services|brigades?|chief|commissioners?|officials?|authorities|"
    r"units?|engines?|trucks?|stations?|department|ban|danger|season|risk|hazard|alarms?|escape|exits?|"
    r"safety|extinguishers?|power|control|fighting)\b",
    re.IGNORECASE,
)
# "all airstrikes", "any of the hundred fires": a class of happenings, not one of them.
_GENERIC_BEFORE = re.compile(
    r"\b(?:all|any|every|each)\s+(?:of\s+)?(?:the\s+|its\s+|their\s+|our\s+)?(?:[\w-]+\s+){0,2}$", re.IGNORECASE
)
# "Drone footage shows artillery strikes on ...": the text describes a picture, not a report.
_DEPICTION_BEFORE = re.compile(
    r"\b(?:footage|video|videos|photos?|photographs?|images?|pictures?)\s+(?:\w+\s+)?(?:shows?|showing|of)\b",
    re.IGNORECASE,
)
# "She crouched and heard a massive explosion": a witness's perception of a happening told before.
_PERCEPTION_BEFORE = re.compile(
    r"\b(?:heard|hear|hears|saw|see|sees|felt|feel|witnessed)\s+(?:(?:a|an|the|two|several|more|[\w-]+)\s+){0,3}$",
    re.IGNORECASE,
)
# Substrings any perception verb holds, tested in lowercase text (one regex search of the alternation
# cost about three times these substring tests on a sentence with typographic quotes).
_PERCEPTION_STEMS = ("hear", "saw", "see", "felt", "feel", "witness")
# "the attack", "this strike": a definite reference, usually to a happening already told.
_DEFINITE_BEFORE = re.compile(
    r"\b(?:the|this|that|these|those)\s+(?:[\w’'-]+\s+){0,2}$", re.IGNORECASE
)
# The same for lowercase plain text (see _plain), led by its first letter: "\b" before a word
# character is a word character not after another, and a pattern led by a literal lets the engine
# skip to the t's where one led by "\b" tests the boundary at every position.
_DEFINITE_BEFORE_LOWER = re.compile(
    word_start_alternation(("the", "this", "that", "these", "those")) + r"\s+(?:[\w’'-]+\s+){0,2}$"
)
# Casualties "in the attack": an attack in which people were killed or hurt happened.
_CASUALTY_BEFORE = re.compile(
    r"\b(?:killed|injured|wounded|died|hurt|dead|victims)\s+(?:in|by|during)\s+(?:a|an|the|this|that)\s+"
    r"(?:[\w’'-]+\s+){0,3}$",
    re.IGNORECASE,
)
_CASUALTY_AFTER = re.compile(
    r"^\s+(?:that|which)\s+(?:had\s+|have\s+|has\s+)?(?:reportedly\s+|allegedly\s+)?"
    r"(?:killed|hit|destroyed|wounded|injured|damaged|left)\b",
    re.IGNORECASE,
)
_TARGET_AFTER = re.compile(r"^\s+(?:on|against|at|into|in|near)\s+\S", re.IGNORECASE)
_VERB_TRIGGER = re.compile(r"(?:ed|ing|struck|hit)$", re.IGNORECASE)
_OBJECT_AFTER = re.compile(r"^\s+(?:a|an|the|its|their|his|her|several|two|three|four|five|\d[\d,]*|[A-Z][\w’'-]+)\b")
_LAUNCHED_AFTER = re.compile(r"^\s+(?:begins|began|starts|started|was\s+launched)\b", re.IGNORECASE)
_AGREEMENT_BEFORE = re.compile(
    r"\b(?:sign\w*|reach\w*|agree\w*|struck|clinch\w*|broker\w*)\b[^.;]{0,40}$", re.IGNORECASE
)
_AGREEMENT_AFTER = re.compile(
    r"^\s+(?:on|to|for)\s+\S|^\s+(?:(?:had|has|have)\s+been\s+|was\s+|were\s+|been\s+)?agreed\b", re.IGNORECASE
)


def _clause_start(text: str, start: int, width: int = 60) -> int:
    """Where the text before `start` (where a word begins) starts: after the last clause break, at
    most `width` characters back.

    Only that window is searched (searching each whole sentence was a costly step): a break is found
    in it as in the whole sentence, since a break is one mark or a comma, spaces and a conjunction,
    and the window ends before a word, so the conjunction cannot run on past its end."""
    clause = start - width if start > width else 0
    mark = -1
    for c in _CLAUSE_MARKS:
        i = text.rfind(c, clause, start)
        if i > mark:
            mark = i
    lo = mark + 1 if mark >= 0 else clause
    comma = text.rfind(",", lo, start)
    while comma >= 0:
        # endpos `start`, as the window's search had: "\b" holds at the window's end
        m = _CONJUNCTION_AFTER_COMMA.match(text, comma + 1, start)
        if m:
            return m.end()
        comma = text.rfind(",", lo, comma)
    return lo


def _clause_before(text: str, start: int, width: int = 60) -> str:
    """The text before `start` back to the clause break or `width` characters."""
    return text[_clause_start(text, start, width) : start]


# A conditional clause runs from "if" to the next clause break: "if he feared there was a 10% chance
# that an independent-minded South African judge ordered his arrest" (ua-0090).
_CONDITIONAL_BEFORE = re.compile(r"\b(?:if|unless|whether)\b[^,;:–—.?!]*$", re.IGNORECASE)
_CONDITIONAL_ENDS = ",;:–—.?!"  # the characters a conditional clause runs up to (as in _CONDITIONAL_BEFORE)


def _conditional_before(window: str) -> bool:
    """A conditional clause open at the end of `window` (_CONDITIONAL_BEFORE).

    A match cannot hold a clause end, so only the text after the last one is searched: the regex,
    searched at every position of a long window, was a costly filter step."""
    cut = max(window.rfind(c) for c in _CONDITIONAL_ENDS) + 1
    return _CONDITIONAL_BEFORE.search(window[cut:]) is not None


def _is_irrealis(text: str, start: int, end: int, before: str, words: list[str], lower: str | None,
                 conditional: bool) -> bool:
    """A future, hypothetical or negated statement: 'is preparing more attacks', 'no sense'.

    The trigger is text[start:end]; `before` is the clause before it, `words` the lowercased words of
    before[-45:] (the cue window), `lower` as for _irrealis_after_gate, `conditional` whether the
    sentence may hold a conditional clause (one longer than the window: up to 160 characters back)."""
    return bool(
        _irrealis_cue(before[-45:], words)
        or (_irrealis_after_gate(text, end, lower) and _IRREALIS_AFTER.search(text[end:]))
        or (conditional and _conditional_before(text[max(0, start - 160) : start]))
    )


# --------------------------------------------------------------------------- rules
# A rule reads (sentence text, trigger match, lexicon entry, place spans of the sentence in
# sentence offsets) and returns the event types it assigns, [] to reject, None to pass.

RuleResult = list[str] | None


def compound_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'Air and missile strikes' / 'missile and drone strikes' name two events (guide).

    Reads: triggers with context also_missile. Assigns: air_drone_strike and shelling_missile_attack.
    Example: "repeated barrages of missile and drone strikes on energy infrastructure".
    """
    if entry.context != "also_missile":
        return None
    return [entry.label, "shelling_missile_attack"]


def launched_invasion(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A nominal 'invasion' is news only when launched, ordered or begun; else background.

    Reads: context launched. Assigns: territory_change.
    Example: "Putin ordered the invasion of Ukraine" (event) vs "during its invasion of Ukraine" (not).
    """
    if entry.context != "launched":
        return None
    if _LAUNCHED_BEFORE.search(_clause_before(text, m.start(), 60)) or _LAUNCHED_AFTER.match(text[m.end() :]):
        return [entry.label]
    return []


def natural_fire(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'fire' / 'blaze' as a disaster, not weapons fire nor the fire service.

    Reads: context natural_fire. Rejects 'opened fire', 'under fire', 'fire at', 'fire crews',
    'Rural Fire Service'. Example: "a new fire in Sydney's west is no longer threatening properties".
    """
    if entry.context != "natural_fire":
        return None
    before = text[max(0, m.start() - 25) : m.start()]
    if _WEAPON_FIRE_BEFORE.search(before) or _FIRE_SERVICE_AFTER.match(text[m.end() :]):
        return []
    if m.start() > 0 and text[m.start() - 1 : m.start()].isspace() and text[: m.start()].rstrip()[-4:] == "Fire":
        return []
    return [entry.label]


def armed_target(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """Killing armed men is a battle, not an attack on civilians (ACLED: armed vs armed).

    Reads: attack_on_civilians triggers followed (within 5 words) by an armed noun of
    event_targets.csv. Example: "Indian security forces have shot dead eight suspected militants".
    """
    if entry.label != "attack_on_civilians":
        return None
    lexicon = load_lexicon()
    after = text[m.end() : m.end() + 40]
    pm = lexicon.people_re.search(after)
    if pm and len(after[: pm.start()].split()) <= 4 and lexicon.people.get(pm.group(0).lower()) == "armed":
        return ["battle"]
    return None


_WHO_PASSIVE_BEFORE = re.compile(r"\bwho\s+(?:were|was|had\s+been|have\s+been|has\s+been)\s+(?:\w+ly\s+|also\s+)?$")
_IN_FIGHTING_AFTER = re.compile(r"^\s+(?:(?:in|during|while|after)\s+)?(?:fighting|combat|battle)\b", re.IGNORECASE)


_PASSIVE_AFTER = re.compile(r"^\s*(?:in|by|during|after|while|near|on|at|,|\.|and\b)")


def captured_person(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """People 'captured' or 'seized' are detained; places captured change hands.

    Reads: context place_object; a person or armed noun right before or after the verb, a
    relative 'who were captured' (only people are 'who'), or 'captured (in/during) fighting'
    (people are taken in combat; places are taken after it).
    Examples: "Two US volunteer soldiers captured in fighting north of Kharkiv"; "two Britons, ...,
    who were captured fighting alongside Ukrainian soldiers in Mariupol" (ua-0029).
    """
    if entry.context != "place_object":
        return None
    lexicon = load_lexicon()
    before = text[max(0, m.start() - 20) : m.start()]
    after = text[m.end() : m.end() + 30]
    near_before = lexicon.people_re.search(before)
    near_after = lexicon.people_re.search(after)
    passive = _PASSIVE_AFTER.match(after)
    if _WHO_PASSIVE_BEFORE.search(text[max(0, m.start() - 40) : m.start()]) or _IN_FIGHTING_AFTER.match(after):
        return ["abduction_detention"]
    if (near_before and not before[near_before.end() :].strip(" ,") and passive) or (
        near_after and len(after[: near_after.start()].split()) <= 3
    ):
        return ["abduction_detention"]
    return None


@lru_cache(maxsize=64)
def _names_air_weapon(text: str) -> bool:
    """The sentence names an aircraft or drone (searched once per sentence).

    Plain text (nearly all, see _plain) without any weapon's first word skips the search: the regex,
    with a lookbehind before a case-insensitive alternation, is tried at every position."""
    lexicon = load_lexicon()
    if _plain(text):
        # Plain text lowercased as ASCII bytes (bytes.lower, a table; the typographic marks become "?"):
        # the ASCII weapon words occur where they occur in text.lower(), whose Unicode case mapping
        # costs more per character.
        low = text.encode("ascii", "replace").lower().decode("ascii")
        if not any(w in low for w in lexicon.air_weapon_words):
            return False
    return lexicon.air_weapon_re.search(text) is not None


def air_weapon_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An unspecified strike by a named aircraft or drone is an air/drone strike.

    Reads: context target/passive and an air weapon of event_weapons.csv in the sentence.
    Example: "an Israeli F-16 fighter jet struck three buildings in ... Gaza City".
    """
    if entry.context not in ("target", "passive") or not _names_air_weapon(text):
        return None
    labels = unspecified_strike(text, m, entry, places) or passive_strike(text, m, entry, places)
    return ["air_drone_strike"] if labels else []


_VERB_OBJECT_AFTER = re.compile(r"\s+(?:a|an|the|to|against)\b", re.IGNORECASE)


def noun_trigger(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A trigger that is an event only as a noun: 'the battle for X', not 'firefighters battle a blaze'.

    Reads: context noun; rejects when an object or 'to' follows (verb use).
    """
    if entry.context != "noun":
        return None
    return [] if _VERB_OBJECT_AFTER.match(text, m.end()) else [entry.label]


_VERBAL_OBJECT_AFTER = re.compile(
    r"^\s+(?:the|a|an|as|alongside|with|them|him|her|their|his|its|for\s+(?:the|a|an)\s+[\w-]+\s+(?:regiment|battalion|brigade|army))\b",
    re.IGNORECASE,
)


_FOR_BEFORE = re.compile(r"\bfor\s+$")


def verbal_fighting(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'fighting' names a battle as a noun, not as a verb describing a person.

    Reads: context gerund. Rejects an object or role after it ("a leader currently fighting the
    Taliban", lee-bg-234; "fighting as mercenaries", ua-0029) and a charge before it ("for fighting
    in the Azov regiment", ua-0024). Keeps "heavy fighting in Sievierodonetsk", "fighting north of Kharkiv".
    """
    if entry.context != "gerund":
        return None
    if _VERBAL_OBJECT_AFTER.match(text[m.end() :]) or _FOR_BEFORE.search(text[max(0, m.start() - 5) : m.start()]):
        return []
    return [entry.label]


_DEFENCES_AFTER = re.compile(r"^[^.;,]{0,30}?\b(?:defen[cs]e|front|position|fortification|encirclement)", re.IGNORECASE)


def through_defences(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """'broke through' is a ground assault only when what it broke is a defence or a front.

    Reads: context defences. Example: "to break through our defenses west of Bakhmut" (ua-0098);
    not "a blaze ... which yesterday broke through containment lines" (lee-bg-034).
    """
    if entry.context != "defences":
        return None
    return [entry.label] if _DEFENCES_AFTER.match(text[m.end() :]) else []


def unspecified_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An unspecified 'strike' / 'attack' on a target is shelling_missile_attack (guide).

    Reads: context target. Needs 'on/against/at/in X' after the noun, or an object after the
    verb ('struck a market'), or casualties tied to it: "injured in the Zaporizhzhia double-tap
    attack" (ua-0097), "strikes that have reportedly killed at least 40" (ua-0064).
    Example: "Russian forces struck a market and a residential area".
    """
    if entry.context != "target":
        return None
    after = text[m.end() :]
    # Each test gives the same answer; the anchored ones after the trigger are tried first, the
    # casualty search before it (tried at every position of its window) last.
    if _TARGET_AFTER.match(after) or _CASUALTY_AFTER.match(after):
        return [entry.label]
    if _VERB_TRIGGER.search(m.group(0)) and _OBJECT_AFTER.match(after):
        return [entry.label]
    if _CASUALTY_BEFORE.search(text[max(0, m.start() - 60) : m.start()]):
        return [entry.label]
    return []


_PASSIVE_TIME_AFTER = re.compile(r"\s+(?:by|on|in|at|overnight|yesterday|today|early|late)\b", re.IGNORECASE)


def passive_strike(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A passive strike whose subject is the target: 'X was hit on 1 July'.

    Reads: context passive; needs a place in the sentence or an agent/time after.
    Example: "An apartment block and beach hotel in Serhiivka ... was hit on 1 July".
    """
    if entry.context != "passive":
        return None
    if places or _PASSIVE_TIME_AFTER.match(text, m.end()):
        return [entry.label]
    return []


def captured_place(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A change of control names the place taken right after the verb.

    Reads: context place_object; needs a place mention starting within 60 characters after.
    Example: "seizing the Black Sea port of Kherson", "the capture of Lysychansk on Sunday".
    """
    if entry.context != "place_object":
        return None
    if any(0 <= ps - m.end() <= 60 for ps, _ in places):
        return [entry.label]
    return []


def agreement_reached(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """An 'agreement' is a negotiations event when signed/reached or about a matter.

    Reads: context agreement. Example: "an agreement on a humanitarian corridor had failed".
    """
    if entry.context != "agreement":
        return None
    if _AGREEMENT_BEFORE.search(_clause_before(text, m.start(), 50)) or _AGREEMENT_AFTER.match(text[m.end() :]):
        return [entry.label]
    return []


def trigger_lexicon(text: str, m: re.Match[str], entry: Trigger, places: list[tuple[int, int]]) -> RuleResult:
    """A lexicon term that needs no context names its event type.

    Example: "missile attacks in Kharkiv, Izium and Chuhuiv" -> shelling_missile_attack.
    """
    return [entry.label] if entry.context == "" else []


Rule = Callable[[str, re.Match[str], Trigger, list[tuple[int, int]]], RuleResult]
RULES: tuple[Rule, ...] = (
    compound_strike,
    launched_invasion,
    natural_fire,
    noun_trigger,
    armed_target,
    air_weapon_strike,
    captured_person,
    verbal_fighting,
    through_defences,
    unspecified_strike,
    passive_strike,
    captured_place,
    agreement_reached,
    trigger_lexicon,
)


# The contexts each rule reads (None: any context). Only these rules are tried for an entry, in
# RULES order; the others would pass (return None) at their first line anyway.
_RULE_CONTEXTS: dict[str, frozenset[str] | None] = {
    "compound_strike": frozenset({"also_missile"}),
    "launched_invasion": frozenset({"launched"}),
    "natural_fire": frozenset({"natural_fire"}),
    "noun_trigger": frozenset({"noun"}),
    "armed_target": None,
    "air_weapon_strike": frozenset({"target", "passive"}),
    "captured_person": frozenset({"place_object"}),
    "verbal_fighting": frozenset({"gerund"}),
    "through_defences": frozenset({"defences"}),
    "unspecified_strike": frozenset({"target"}),
    "passive_strike": frozenset({"passive"}),
    "captured_place": frozenset({"place_object"}),
    "agreement_reached": frozenset({"agreement"}),
    "trigger_lexicon": None,
}


@cache
def _rules_for(context: str) -> tuple[Rule, ...]:
    """The rules that may decide an entry of this context (a rule not listed is tried everywhere)."""
    return tuple(r for r in RULES if (c := _RULE_CONTEXTS.get(r.__name__)) is None or context in c)


# --------------------------------------------------------------------------- sentence level


@dataclass
class _Hit:
    start: int  # sentence offsets
    end: int
    label: str
    weak: bool
    method: str
    anaphoric: str = ""  # "definite" ("the attack") or "perceived" ("heard an explosion"): may restate
    segment: tuple[int, int] | None = None  # set when a sentence tells two happenings of one type

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(
        self, start: int, end: int, label: str, weak: bool, method: str, anaphoric: str = "",
        segment: tuple[int, int] | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.label = label
        self.weak = weak
        self.method = method
        self.anaphoric = anaphoric
        self.segment = segment


# ASCII letters and digits stay, every other byte becomes a space (see _marked).
_ALNUM_ONLY: Final = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


def _marked(lower: str) -> bytes:
    """`lower` behind one space, every character but an ASCII letter or digit made a space, as ASCII
    bytes (one byte per character: offsets are the text's plus one).

    Every word start of `lower` (a character after none or after a non-alphanumeric one) then follows
    a space. Encoded to ASCII (a character beyond ASCII becomes one "?") and translated by a bytes
    table: a few C passes over the text."""
    return (b" " + lower.encode("ascii", "replace")).translate(_ALNUM_ONLY)


def first_word_starts(lower: str, lexicon: Lexicon) -> dict[int, list[str]]:
    """Where a trigger's first word begins (at a word start) in lowercased text: start -> words.

    The automaton reads the _marked text, its keys led by the space that marks a word start. A key
    found is a candidate: its place in `lower` (the key's space in the marked text is one to the left
    of the word) is checked as before, the word and the word start (a space of the marked text also
    stands for a letter beyond ASCII or a hyphen of the first word)."""
    starts: dict[int, list[str]] = {}
    keys = lexicon.first_word_keys
    for hit in lexicon.first_words.find_matches_as_indexes(_marked(lower), overlapping=True):
        key: int = hit[0]  # typed: native arithmetic on the automaton's untyped tuples
        start: int = hit[1]
        for word, check in keys[key]:
            if (start == 0 or not lower[start - 1].isalnum()) and (not check or lower.startswith(word, start)):
                if start in starts:
                    starts[start].append(word)
                else:
                    starts[start] = [word]
    return starts


def _trigger_matches(
    text: str, lexicon: Lexicon, starts: list[tuple[int, list[str]]] | None = None
) -> list[re.Match[str]]:
    """Trigger matches, trying only the triggers whose first word occurs there (fast path).

    `starts` are (sentence offset, first words) found by a scan of the whole article; None scans `text`."""
    if starts is None:
        lower = text.lower()
        if len(lower) != len(text):
            return list(lexicon.trigger_re.finditer(text))
        starts = sorted(first_word_starts(lower, lexicon).items())
    out: list[re.Match[str]] = []
    last = 0
    for start, words in starts:
        if start < last:
            continue
        best: re.Match[str] | None = None
        for w in words:
            # A first word ends its trigger ("(?![\w-])") or runs on after whitespace: a word character
            # or hyphen right after it ("bomb" in "bombardments") fails every trigger of by_first_word[w].
            end = start + len(w)
            if end < len(text) and (text[end].isalnum() or text[end] == "_" or text[end] == "-"):
                continue
            m = lexicon.by_first_word[w].match(text, start)
            if m and (best is None or len(_norm(m.group(0))) > len(_norm(best.group(0)))):
                best = m
        if best:
            out.append(best)
            last = best.end()
    return out


_QUOTES = re.compile(r"[“”\"‘’']")
_OBJECT_PLACE_GAP = re.compile(
    r"^\s+(?:(?:on|of|in|at|near|against|across|around|into|for)\s+)?(?:the\s+)?(?:[a-z][\w-]*\s+){0,3}$"
)


def _object_place(text: str, end: int, places: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The place a trigger's own phrase names right after it: "shelling of Kharkiv", "shelled the
    northern Chernihiv region", "attacks on Rafah"; None when no place follows that closely."""
    for ps, pe in places:
        if end <= ps <= end + 45 and _OBJECT_PLACE_GAP.match(text[end:ps]):
            return ps, pe
    return None


def _definite_reference(
    text: str, m: re.Match[str], before: str, places: list[tuple[int, int]], lower_before: str | None = None
) -> bool:
    """'the attack', 'this strike': a noun trigger after a definite determiner, with no place named
    inside its phrase ("the Zaporizhzhia double-tap attack", "the shelling of Kharkiv" name which one).
    Verb triggers ("the enemy's infantry advanced to") are not references.

    `lower_before` is before.lower() when the text is plain (see _plain), else None."""
    if m.group(0).split()[0].lower().endswith("ed"):
        return False
    if lower_before is None:
        d = _DEFINITE_BEFORE.search(before[-30:])
    else:
        d = _DEFINITE_BEFORE_LOWER.search(lower_before[-30:])
    if d is None:
        return False
    np_start = m.start() - (len(before[-30:]) - d.start())
    if any(np_start <= ps < m.start() for ps, _ in places):
        return False
    return _object_place(text, m.end(), places) is None


_CYBER_BEFORE = re.compile(r"\bcyber[\s-]?$", re.IGNORECASE)
_CYBER_AFTER = re.compile(r"\s+in\s+cyberspace\b", re.IGNORECASE)


def _cyber(text: str, m: re.Match[str]) -> bool:
    """A cyber attack is no armed event (ACLED counts physical violence only).

    News names it with a 'cyber' modifier or a virtual place: "Russia was behind cyber attacks this
    week that temporarily shut ... websites" (lee-bg), "periodic attacks in cyberspace continue" (ua-0016)."""
    return bool(_CYBER_BEFORE.search(text, max(0, m.start() - 7), m.start()) or _CYBER_AFTER.match(text, m.end()))


def find_hits(
    text: str, places: list[tuple[int, int]], lexicon: Lexicon, starts: list[tuple[int, list[str]]] | None = None,
    lower: str | None = None,
) -> list[_Hit]:
    """Trigger hits of one sentence that survive the rules and the irrealis/background filters.

    `lower` is text.lower() when the caller has it (a slice of the article's lowercase body); it is
    only searched for ASCII words. None: computed here."""
    hits: list[_Hit] = []
    matches = _trigger_matches(text, lexicon, starts)
    if not matches:
        return hits
    if lower is None:
        lower = text.lower()
    # Lowercase windows are sliced from `lower` when it keeps the text's offsets (one lowercase
    # character per character: nearly always), instead of lowercasing each window again; they are
    # only searched for ASCII words ([a-z]+ runs, cue substrings), the same in either lowercase form.
    aligned = len(lower) == len(text)
    # In plain text, substring tests on `lower` stand in for case-insensitive regexes of ASCII words.
    # Both cyber patterns hold "cyber" (any case): plain text without it skips them. Both are computed
    # when a trigger first gets past the rules (None until then): the rules reject many triggers.
    plain: bool | None = None
    maybe_cyber = True
    # Cheap substring gates for the conditional clause and the perception verbs, once per sentence
    # and only when a trigger gets that far: None until then.
    conditional: bool | None = None
    perceptive: bool | None = None
    for m in matches:
        g = m.group(0)
        entry = lexicon.triggers.get(g.lower()) or lexicon.triggers.get(_norm(g))
        if entry is None:
            continue
        for rule in _rules_for(entry.context):
            labels = rule(text, m, entry, places)
            if labels is not None:
                break
        if not labels:
            continue
        if lexicon.modifier_head_re.match(text, m.end()):
            continue  # "air raid warnings", "pre-trial detention centre"
        if plain is None:
            plain = _plain(text)
            maybe_cyber = not plain or "cyber" in lower
        if maybe_cyber and _cyber(text, m):
            continue
        start = m.start()
        clause = _clause_start(text, start, 60)
        before = text[clause:start]
        word_list = _words(lower[clause:start] if aligned else before.lower())
        refusal = labels == ["negotiations"] and bool(_REFUSAL.search(before))
        # The lowercase clause when the text is plain: its case-sensitive searches give the same answers.
        lower_before = lower[clause:start] if plain and aligned else None
        if not _BACKGROUND_WORDS.isdisjoint(word_list) and (
            _BACKGROUND_BEFORE.search(before[-50:]) if lower_before is None
            else _BACKGROUND_BEFORE_LOWER.search(lower_before[-50:])
        ):
            continue
        if not refusal and not _GENERIC_WORDS.isdisjoint(word_list) and _GENERIC_BEFORE.search(before[-40:]):
            continue
        if not _DEPICTION_WORDS.isdisjoint(word_list) and _DEPICTION_BEFORE.search(before):
            continue
        if len(before) <= 45:
            cue_words = word_list
        else:
            cue = max(clause, start - 45)
            cue_words = _words(lower[cue:start] if aligned else text[cue:start].lower())
        if conditional is None:
            conditional = "if " in lower or "unless" in lower or "whether" in lower
        if not refusal and _is_irrealis(text, start, m.end(), before, cue_words, lower if plain else None,
                                        conditional):
            continue
        anaphoric = ""
        if perceptive is None:
            perceptive = any([stem in lower for stem in _PERCEPTION_STEMS])
        if perceptive and _PERCEPTION_BEFORE.search(_QUOTES.sub("", text[max(0, start - 45) : start])):
            anaphoric = "perceived"
        elif not _DETERMINERS.isdisjoint(word_list) and _definite_reference(text, m, before, places, lower_before):
            anaphoric = "definite"
        for label in labels:
            hits.append(_Hit(m.start(), m.end(), label, entry.weak, rule.__name__, anaphoric))
    return _drop_agent_phrases(text, hits) if len(hits) > 1 else hits


_AGENT_GAP = re.compile(r"[^,;:.()]{0,30}")


def _drop_agent_phrases(text: str, hits: list[_Hit]) -> list[_Hit]:
    """'killed by' whose agent is itself an event trigger: the agent names the happening.

    News states the death first and the means as its agent: "Three US troops ... were killed by a
    stray US bomb near Kandahar" (lee-bg-234) is one air strike, not also an attack on civilians."""
    out = []
    for h in hits:
        if text[h.start : h.end].lower().endswith(" by") and any(
            o.label != h.label and o.start >= h.end and _AGENT_GAP.fullmatch(text, h.end, o.start) for o in hits
        ):
            continue
        out.append(h)
    return out


_REFUSAL = re.compile(r"\b(?:rul\w+\s+out|reject\w*|refus\w*|dismiss\w*)\b", re.IGNORECASE)


def select_hits(hits: list[_Hit]) -> list[_Hit]:
    """One hit per type (the first strong one, else the first); weak and absorbed types drop."""
    if len(hits) == 1:
        return list(hits)  # a lone hit is never absorbed
    strong_labels = {h.label for h in hits if not h.weak}
    by_label: dict[str, _Hit] = {}
    for h in hits:
        cur = by_label.get(h.label)
        if cur is None or (cur.weak and not h.weak):
            by_label[h.label] = h
    out = []
    violent = {lab for lab in by_label if lab in _VIOLENT}
    for label, h in by_label.items():
        if h.weak and (strong_labels & _VIOLENT) - {label}:
            continue
        if label == "property_destruction" and violent:
            continue
        if label == "disaster" and violent & _ATTACKS:
            continue  # a fire caused by a strike is part of the strike
        if label == "remote_explosive" and h.weak and (violent & _ATTACKS) - {label}:
            continue
        out.append(h)
    # A weak type can also be absorbed by another surviving weak violent type of attack.
    labels = {h.label for h in out}
    if "shelling_missile_attack" in labels or "air_drone_strike" in labels:
        out = [h for h in out if not (h.label == "remote_explosive" and h.weak)]
    return sorted(out, key=lambda h: h.start)


def split_same_type(chosen: list[_Hit], hits: list[_Hit], text: str, places: list[tuple[int, int]]) -> list[_Hit]:
    """Two triggers of one type, each naming its own place, are two happenings.

    News coordinates separate strikes in one sentence: "Russian forces has shelled the northern
    Chernihiv region, and intensified their shelling of Kharkiv" (ua-0039). Each trigger keeps the
    places of its own stretch of the sentence (from the trigger to the next one of the type)."""
    if len(hits) < 2:
        return chosen
    out: list[_Hit] = []
    for h in chosen:
        same = [x for x in hits if x.label == h.label and x.weak == h.weak]
        if len(same) < 2:
            out.append(h)
            continue
        owned = [(x, _object_place(text, x.end, places)) for x in same]
        named = [(x, op) for x, op in owned if op is not None]
        if len(named) < 2 or len({text[op[0] : op[1]] for _, op in named}) < 2:
            out.append(h)
            continue
        for i, (x, _op) in enumerate(named):
            start = 0 if i == 0 else x.start
            end = named[i + 1][0].start if i + 1 < len(named) else len(text)
            out.append(_Hit(x.start, x.end, x.label, x.weak, x.method, x.anaphoric, (start, end)))
    return sorted(out, key=lambda h: h.start)


# --------------------------------------------------------------------------- actor, target, places

_FORCE_NOUN = r"(?:forces|troops|army|military|soldiers|police|navy|air\s+force|authorities|government|invaders)"
_POSSESSIVE = re.compile(r"^(?:['’]s?)")
_ACTOR_VERB_AFTER = re.compile(
    r"^(?:['’]s?\s+" + _FORCE_NOUN + r"|\s+(?:has|have|had|is|was|were|will|would|did|does|said|says|"
    r"continues)\b|\s+(?:\w+ly\s+)?\w+ed\b(?!\s+by\b))",
)
# "US-made missiles", "Russian-held cities", "the US government-backed Conflict Observatory": a
# place fused into a compound modifier by a hyphenated participle names an affiliation, not a location.
_AFFILIATION_AFTER = re.compile(r"(?:\s+[a-z]+)?-(?:[a-z]+ed|made|run|held|built|grown)\b")
_POSSESSIVE_AFTER = re.compile(r"^['’]s?\s+(?:[\w-]+\s+){0,3}$")
_TARGET_NP = re.compile(
    r"\s+(?:on|against|at|into)?\s*((?:the|a|an|its|their)?\s*[^,.;:()]{2,80}?(?:,\s+[^,.;:()]{2,40}?)*)"
    r"(?=\s+(?:in|on|at|near|with|as|that|which|who|after|before|during|killing|leaving|injuring|wounding|"
    r"while|when|where|from|by|overnight|yesterday|today)\b|\s+\w+ed\s+by\b|[.;:()]|,\s+(?:killing|leaving|"
    r"injuring|wounding|according|the|a|he|she|it|they)\b|$)",
)
# Trigger endings that take their target as object ("airstrikes on", "damage to"): a closed class.
_TARGET_TRIGGER_ENDINGS = tuple(
    (
        "attack attacks strike strikes struck hit shelled shelling bombardment bombardments targeted targeting "
        "destroyed destroying damaged arrested arresting detained abducted kidnapped"
    ).split()
) + ("damage to",)
_NOT_A_TARGET = re.compile(r"(?:by|from|for|over|since|in|near|across|of|with|to)\b", re.IGNORECASE)
_LEADING_DET = re.compile(r"^(?:the|a|an|its|their|his|her)\s+", re.IGNORECASE)


_BY_AFTER = re.compile(r"\s+by\s+(?:the\s+|a\s+|an\s+)?")
_TARGET_SPLIT = re.compile(r",\s+(?:and\s+)?|\s+and\s+")


def find_actor(text: str, start: int, end: int, lexicon: Lexicon) -> str | None:
    """The agent: 'by Russian forces' after the trigger, else the nearest actor word before it."""
    after = text[end : end + 60]
    by = _BY_AFTER.match(after)
    if by:
        m = lexicon.actor_re.match(after, by.end())
        if m:
            return lexicon.actors[m.group(0)]
    before = _clause_before(text, start, 80)
    found = lexicon.actor_re.findall(before)  # the matched words (the pattern has no group), no match objects
    if found:
        return lexicon.actors[found[-1]]
    return None


def find_targets(text: str, hits: list[_Hit]) -> list[str]:
    """Targets as written after attack / destruction / arrest triggers of the sentence."""
    targets: list[str] = []
    for h in hits:
        if not _norm(text[h.start : h.end]).endswith(_TARGET_TRIGGER_ENDINGS):
            continue
        m = _TARGET_NP.match(text, h.end)
        if not m:
            continue
        phrase = m.group(1).strip()
        if not phrase or phrase[0].isdigit() or _NOT_A_TARGET.match(phrase):
            continue
        for part in _TARGET_SPLIT.split(phrase):
            part = _LEADING_DET.sub("", part.strip())
            if part and len(part.split()) <= 6 and part not in targets:
                targets.append(part)
    return targets


_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|near|at|outside|inside|around|across|throughout|over)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}$"
)


_WITH_BEFORE = re.compile(r"\b(?:with|between)\s+(?:the\s+)?$")
_VERB_ED_BEFORE = re.compile(r"\w+ed\s+$")
_FOR_OF_AFTER = re.compile(r"\s+(?:for|of)\b")
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:the\s+)?$")
_PARTY_BEFORE = re.compile(r"\b(?:with|between|and)\s+(?:the\s+)?$")


def _locative_before(window: str) -> bool:
    """_LOCATIVE_BEFORE.search(window), searched from the window's last four whitespace-separated words.

    A match is a preposition, "the" and two words, separated by whitespace and ending the window: it
    starts in one of those words (the regex, led by "\b", is tried at every position it is given)."""
    parts = window.rsplit(None, 4)
    return _LOCATIVE_BEFORE.search(window, len(parts[0]) if len(parts) == 5 else 0) is not None


def _actor_use(text: str, start: int, end: int, event_type: str, trigger_start: int | None) -> bool:
    """A place used as an agent ('Russia's forces', 'Moscow has', 'Russia's strikes'), an origin
    ('from Iran') or, for talks, a party ('dialogue with Russia').

    A place after a locative preposition is where something is, whatever verb follows:
    "its Black Sea fleet headquarters in Sevastopol have been hit" (ua-0065)."""
    if _locative_before(text[max(0, start - 40) : start]):
        return event_type == "negotiations" and bool(_WITH_BEFORE.search(text[max(0, start - 30) : start]))
    if _ACTOR_VERB_AFTER.match(text[end:]) or _AFFILIATION_AFTER.match(text, end):
        return True
    if trigger_start is not None and trigger_start >= end and _POSSESSIVE_AFTER.match(text[end:trigger_start]):
        return True
    before = text[max(0, start - 12) : start]
    if _VERB_ED_BEFORE.search(before) and _FOR_OF_AFTER.match(text, end):
        return True  # "blamed Kyiv for", "accused Russia of"
    if event_type not in ("territory_change", "abduction_detention") and _FROM_BEFORE.search(before):
        return True
    return event_type == "negotiations" and bool(_PARTY_BEFORE.search(before))


def event_places(doc: Doc, sentence: Sentence, hit: _Hit, previous: Sentence | None) -> list:
    """Place mentions where the event happened: this sentence's, else the previous sentence's."""
    event_type = hit.label
    for s in (sentence, previous):
        if s is None:
            continue
        found: list = []
        agents: list = []
        for pm in doc.places.get(s.sentence_id, []):
            a, b = pm.char_start - s.char_start, pm.char_end - s.char_start
            if s is sentence and hit.segment and not hit.segment[0] <= a < hit.segment[1]:
                continue
            trigger_start = hit.start if s is sentence else None
            if getattr(pm, "as_actor", False) or _actor_use(s.text, a, b, event_type, trigger_start):
                if all(pm.place.place_id != q.place.place_id for q in agents):
                    agents.append(pm)
                continue
            if all(pm.place.place_id != q.place.place_id for q in found):
                found.append(pm)
        if not found and event_type == "abduction_detention" and s is sentence and agents:
            # A state arrests on its own soil: "Pakistan announced it had arrested ..." (lee-bg-002).
            return [pm for pm in agents if pm.place.kind == "country"]
        if found or doc.places.get(s.sentence_id):
            return found
    return []


_DOMESTIC_FORCE = re.compile(r"(?:police|authorities|security\s+forces|security\s+service)$")
_SUBJECT_GAP = re.compile(r"^(?:\s+(?:have|has|had|also|reportedly|on\s+[A-Z][a-z]+day))*\s*$")


def domestic_arrest_place(text: str, hit: _Hit) -> object | None:
    """A nation's police arrest on that nation's soil: the country named by the force's nationality.

    News names the arresting force by nationality as the subject of the arrest verb: "Pakistani police
    arrested more than two dozen militants" (lee-bg-002), "Palestinian police have arrested three senior
    leaders ... following a wave of suicide attacks in Israel" (lee-bg-278), "Malaysian police have
    arrested a man" (lee-bg). Armies and governments act abroad too, so only police and security
    services count."""
    if hit.label != "abduction_detention":
        return None
    before = _clause_before(text, hit.start, 80)
    r = roles()
    if r.authority_noun is None or r.authority_noun.search(before) is None:
        return None
    found = list(r.authority.finditer(before))
    last = found[-1] if found else None
    if last is None or not _DOMESTIC_FORCE.search(last.group(0)) or not _SUBJECT_GAP.match(before[last.end() :]):
        return None
    return country_place(r.nation_code[last.group("nation")])


# --------------------------------------------------------------------------- entry point


_ANAPHOR = re.compile(
    r"\b(?:the|this|that)\s+(?:(?:[a-z-]+\s+){0,2})(city|town|village|port|settlement|region|province|oblast)\b"
    r"(?!\s+of\s+[A-Z])(?!\s+[A-Z])"
)
_ANAPHOR_KIND = {"region": "admin1", "province": "admin1", "oblast": "admin1"}
_ANAPHOR_NOUNS = ("city", "town", "village", "port", "settlement", "region", "province", "oblast")


@dataclass(frozen=True)
class _Fallback:
    """A place the sentence does not name: the article's place standing in (no mention, no span)."""

    place: Any
    text: str | None = None
    char_start: int | None = None
    char_end: int | None = None


def anaphoric_place(text: str, last_named: dict[str, object]) -> object | None:
    """'the city' / 'the region' with no name points back at the last city / region the article named.

    News writing names a place once and then calls it "the city": "A police station in the city
    took a direct hit" (ua-0039, after "Lysychansk")."""
    if not any(noun in text for noun in _ANAPHOR_NOUNS):
        return None  # every _ANAPHOR match holds one of the nouns (a cheap test first)
    m = _ANAPHOR.search(text)
    if m is None:
        return None
    return last_named.get(_ANAPHOR_KIND.get(m.group(1), "city"))


_NATION_WORD = re.compile(r"\b[A-Z][\w’'-]*")
_SPACE = re.compile(r"\s+")


def national_scope(text: str, offset: int, mentions: list, focus: object | None) -> object | None:
    """The focus city's country, for a sentence (body offset `offset`, its place `mentions`) that
    speaks of that country as a whole.

    A local story's events default to its city, but a sentence that names no place where the event
    happened and refers to the city's country only by name or nationality, with no place below it,
    tells a national happening: "Ukraine’s counterattack against Russian troops had been very
    effective" or "another 2.25m tonnes of capacity in Ukrainian hands had been destroyed" in a story
    about Bucha happened in Ukraine, not in Bucha. A country named only as the owner of a force or an
    authority ("Ukraine’s military declined to comment", "soldiers fighting in the Ukrainian military")
    names who acts, not where, and a nationality before a person noun of event_targets.csv ("Ukrainian
    prisoners were tortured") names who: the city stands in both cases. None when the rule does not apply.
    """
    if getattr(focus, "kind", None) != "city" or any(pm.place.kind != "country" for pm in mentions):
        return None
    code = getattr(focus, "country_code", None)
    if not code:
        return None
    r = roles()
    bodies = ([m.span() for m in r.authority.finditer(text)]
              if r.authority_noun is None or r.authority_noun.search(text) else [])

    def scope(start: int, end: int) -> bool:
        if any(a <= start < b for a, b in bodies):
            return False
        gap = _SPACE.match(text, end)  # "a Ukrainian prisoner": a person's nationality, not a scope
        return not (gap and people.match(text, gap.end()))

    people = load_lexicon().people_re
    if any(pm.place.country_code == code and scope(pm.char_start - offset, pm.char_end - offset)
           for pm in mentions) or any(
        r.nation_code.get(m.group(0)) == code and scope(m.start(), m.end()) for m in _NATION_WORD.finditer(text)
    ):
        return country_place(code)
    return None


def _date_of(doc: Doc, sentence: Sentence) -> tuple[date | None, str]:
    for dm in doc.dates.get(sentence.sentence_id, []):
        if getattr(dm, "relation", None) not in ("since", "as_of") and dm.value is not None:
            return dm.value, dm.precision
    return None, "unknown"


def _near_date(doc: Doc, sentence: Sentence, hit: _Hit) -> date | None:
    """The date written within 40 characters of the trigger ("which Russia annexed in 2014") or
    opening the sentence, where it governs every clause ("On February 20, 2014, Russia ...")."""
    for dm in doc.dates.get(sentence.sentence_id, []):
        a, b = dm.char_start - sentence.char_start, dm.char_end - sentence.char_start
        near = 0 <= hit.start - b <= 40 or 0 <= a - hit.end <= 40 or a <= hit.start < b
        if dm.value is not None and (a <= 10 or near):
            return dm.value  # type: ignore[no-any-return]
    return None


def _long_before(when: date | None, published: date | None) -> bool:
    """A happening dated more than a year before the article is a background reference (guide:
    optional): "On February 20, 2014, Russia ... destroyed the existing balance of power" (ua-0016)."""
    return when is not None and published is not None and (published - when).days > 366


def _figure(figures: list[FigureRow], category: str) -> FigureRow | None:
    return next((f for f in figures if f.category == category), None)


_STEM_ENDINGS = ("es", "s", "ed", "ing", "e")  # tried in this order, as the former regex alternation


def _stem(trigger: str) -> str:
    """The trigger's head word without plural or verb endings ("Explosions" -> "explosion")."""
    word = trigger.lower().split()[-1]
    if len(word) <= 4:
        return word
    for ending in _STEM_ENDINGS:
        if word.endswith(ending):
            return word[: -len(ending)]
    return word


def _restated(
    seen: dict[str, list[tuple[frozenset[str], str | None]]], event_type: str, place_ids: frozenset[str],
    anaphoric: str = "", heading: bool = False, repeated_word: bool = True, actor: str | None = None,
) -> bool:
    """The same happening told again.

    - an earlier event of the type had the same places, or this one names no place and repeats
      the trigger word of an earlier one of the type ("fire ... The fire began when ...");
    - a definite reference ("the attack", "the accord") to a type already reported, at no new place
      ("Brahimi recognised the accord was far from perfect", lee-bg-234);
    - a witness's perception ("heard a massive explosion", ua-0097) once any violent event is told;
    - a headline or crosshead, which summarises what the body tells (headings are read last).
    A known actor that differs from every earlier actor of the type is another side's act, a new
    happening: "those detained by Ukrainian forces also reported being tortured" after Russian
    torture (ua-0090)."""
    if anaphoric == "perceived" and any(seen.get(t) for t in _VIOLENT):
        return True
    earlier = seen.get(event_type)
    if not earlier:
        return False
    actors = {a for _, a in earlier}
    if actor and None not in actors and actor not in actors and not heading:
        return False
    if heading or any(place_ids == ids for ids, _ in earlier) or anaphoric == "definite":
        return True
    return not place_ids and repeated_word


def extract(doc: Doc, figures: list[FigureRow]) -> tuple[list[EventRow], list[EventPlaceRow]]:
    """Event rows and their place rows for one article (fact sentences only)."""
    lexicon = load_lexicon()
    art = doc.article
    by_sentence: dict[str, list[FigureRow]] = {}
    for f in figures:
        by_sentence.setdefault(f.sentence_id, []).append(f)
    events: list[EventRow] = []
    places: list[EventPlaceRow] = []
    seen: dict[str, list[tuple[frozenset[str], str | None]]] = {}
    words: set[tuple[str, str]] = set()  # (type, trigger stem) already told
    previous: Sentence | None = None
    last_named: dict[str, object] = {}  # kind -> the last non-agent place of that kind named so far
    focus: list[object | None] = []  # the article's focus place, computed on first need
    # Headings (titles, crossheads) are read after the body: they restate what the body tells.
    fact = doc.fact_sentences
    ordered = [s for s in fact if s.role != "heading"] + [s for s in fact if s.role == "heading"]
    body = art.body
    lower = doc.lowered_body()
    scan = len(lower) == len(body)
    found = sorted(first_word_starts(lower, lexicon).items()) if scan else []
    keys = [k for k, _ in found]
    for s in ordered:
        prev = previous if previous is not None and previous.paragraph_index == s.paragraph_index else None
        previous = s
        mentions = doc.places.get(s.sentence_id, [])
        starts = sentence_lower = None
        if scan and body[s.char_start : s.char_end] == s.text:
            lo, hi = bisect_left(keys, s.char_start), bisect_left(keys, s.char_end)
            if lo == hi:
                _remember(last_named, mentions)  # no trigger's first word in the sentence
                continue
            sentence_lower = lower[s.char_start : s.char_end]
            starts = [(k - s.char_start, w) for k, w in found[lo:hi]]
        spans = [(pm.char_start - s.char_start, pm.char_end - s.char_start) for pm in mentions]
        hits = find_hits(s.text, spans, lexicon, starts, sentence_lower)
        if not hits:
            _remember(last_named, mentions)
            continue
        chosen = split_same_type(select_hits(hits), hits, s.text, spans)
        targets: list[str] | None = None
        event_date, precision = _date_of(doc, s)
        chosen = [h for h in chosen if not _long_before(_near_date(doc, s, h), art.published_date)]
        figs = by_sentence.get(s.sentence_id, [])
        killed, injured = _figure(figs, "killed"), _figure(figs, "injured")
        for h in chosen:
            pms = event_places(doc, s, h, prev)
            home = domestic_arrest_place(s.text, h)
            if home is not None:
                code = getattr(home, "country_code", None)
                inside = [pm for pm in pms if pm.place.country_code == code and pm.place.kind != "country"]
                pms = inside or [_Fallback(home)]
            ids = frozenset(pm.place.place_id for pm in pms)
            word = _stem(s.text[h.start : h.end])
            heading = s.role == "heading"
            # The actor decides a restatement only against earlier events of the type that all have one.
            earlier = seen.get(h.label)
            decides = bool(earlier) and not heading and all(a is not None for _, a in earlier or ())
            actor = find_actor(s.text, h.start, h.end, lexicon) if decides else None
            if _restated(seen, h.label, ids, h.anaphoric, heading, (h.label, word) in words, actor):
                continue
            if not decides:
                actor = find_actor(s.text, h.start, h.end, lexicon)
            if not pms:
                implied = anaphoric_place(s.text, last_named)
                if implied is None and h.label != "negotiations":  # talks are held at a venue, not the story's place
                    if not focus:
                        focus.append(article_focus(doc))
                    implied = national_scope(s.text, s.char_start, mentions, focus[0]) or focus[0]
                # One row, the most specific implied place: its country is derivable (places.country_code),
                # and a second row would count the event twice per place.
                pms = [_Fallback(implied)] if implied is not None else []
            if targets is None:
                targets = find_targets(s.text, hits)
            seen.setdefault(h.label, []).append((ids, actor))
            words.add((h.label, word))
            start, end = s.char_start + h.start, s.char_start + h.end
            event_id = row_id(art.content_hash, "events", start, end, h.label)
            events.append(
                EventRow(  # fields in EventRow's order
                    event_id,
                    art.article_id,
                    s.sentence_id,
                    start,
                    end,
                    art.body[start:end],
                    h.label,
                    actor,
                    "; ".join(targets) or None,
                    event_date,
                    precision,
                    killed.value if killed else None,
                    injured.value if injured else None,
                    killed.figure_id if killed else None,
                    injured.figure_id if injured else None,
                    s.role == "caption",
                    f"events.{h.method}",
                    None,  # attribution_id
                )
            )
            for pm in pms:
                row = EventPlaceRow(  # fields in EventPlaceRow's order
                    event_id, art.article_id, pm.place.name, pm.place.place_id, pm.text, pm.char_start, pm.char_end,
                )
                places.append(row)
        _remember(last_named, mentions)
    return events, places


def _remember(last_named: dict[str, object], mentions: list) -> None:
    """Note the sentence's places named as locations (not as actors), the last of each kind winning."""
    for pm in mentions:
        if not getattr(pm, "as_actor", False):
            last_named[pm.place.kind] = pm.place

"""Attributions: who said or claimed what.

Works paragraph by paragraph (the sentence splitter cuts inside quotations): finds the quoted
passages of a paragraph, every reporting cue outside them (seeds/reference/reporting_cues.csv),
then the first rule of `RULES` that finds a speaker and a content for the cue makes the row.
A second pass resolves pronouns and descriptions ("he", "the Ministry") to the named speakers
of the article. Speakers are read with the lexicons seeds/reference/speaker_*.csv.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final, NamedTuple, final

import ahocorasick_rs

from pipeline.ids import row_id
from pipeline.lexicons import load_csv, word_automaton
from pipeline.model import Doc, Sentence, field_values
from pipeline.text import positions


@dataclass(frozen=True)
class AttributionRow:
    """An attribution row (a native class when compiled, as model.Sentence: built and read in C; pickled by
    its fields)."""

    attribution_id: str
    article_id: str
    sentence_id: str
    char_start: int  # span of the cue as written ("said", "according to")
    char_end: int
    mention: str
    cue: str  # lemma: say, tell, according_to ...
    speaker: str | None  # resolved source, canonical
    speaker_mention: str | None  # as written in this sentence ("He", "the Ministry")
    speaker_start: int | None
    speaker_end: int | None
    speaker_kind: str | None  # person, government, organisation, media, document, unnamed, group
    speaker_role: str | None
    is_direct: bool
    content: str | None
    content_start: int | None
    content_end: int | None
    channel: str | None
    in_caption: bool
    method: str

    def __init__(
        self,
        attribution_id: str,
        article_id: str,
        sentence_id: str,
        char_start: int,
        char_end: int,
        mention: str,
        cue: str,
        speaker: str | None,
        speaker_mention: str | None,
        speaker_start: int | None,
        speaker_end: int | None,
        speaker_kind: str | None,
        speaker_role: str | None,
        is_direct: bool,
        content: str | None,
        content_start: int | None,
        content_end: int | None,
        channel: str | None,
        in_caption: bool,
        method: str,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "attribution_id", attribution_id)
        object.__setattr__(self, "article_id", article_id)
        object.__setattr__(self, "sentence_id", sentence_id)
        object.__setattr__(self, "char_start", char_start)
        object.__setattr__(self, "char_end", char_end)
        object.__setattr__(self, "mention", mention)
        object.__setattr__(self, "cue", cue)
        object.__setattr__(self, "speaker", speaker)
        object.__setattr__(self, "speaker_mention", speaker_mention)
        object.__setattr__(self, "speaker_start", speaker_start)
        object.__setattr__(self, "speaker_end", speaker_end)
        object.__setattr__(self, "speaker_kind", speaker_kind)
        object.__setattr__(self, "speaker_role", speaker_role)
        object.__setattr__(self, "is_direct", is_direct)
        object.__setattr__(self, "content", content)
        object.__setattr__(self, "content_start", content_start)
        object.__setattr__(self, "content_end", content_end)
        object.__setattr__(self, "channel", channel)
        object.__setattr__(self, "in_caption", in_caption)
        object.__setattr__(self, "method", method)

    def __reduce__(self) -> tuple[type[AttributionRow], tuple[Any, ...]]:
        return AttributionRow, field_values(self)


# --------------------------------------------------------------------------------------------
# Lexicons (loaded once)

CUE_FORMS = frozenset({"finite", "participle", "phrase"})
NOUN_LABELS = frozenset({"role", "organisation", "unnamed", "media", "document", "modifier", "rank"})
NAME_LABELS = frozenset({"media", "organisation", "government"})
FUNCTION_LABELS = frozenset(
    {
        "pronoun_person",
        "pronoun_thing",
        "pronoun_plural",
        "skip",
        "boundary",
        "determiner",
        "connector",
        "passive",
        "particle",
    }
)
SPEAKER_KINDS = ("person", "government", "organisation", "media", "document", "unnamed", "group")

# Small closed classes: honorific abbreviations kept with their full stop, weekdays and months
# (time adverbs that may sit between a speaker and the cue: "Podoliak on Monday said").
_HONORIFIC_WORDS = frozenset("Mr Mrs Ms Dr Gen Lt Col Maj Capt Sgt Adm Gov Sen Rep Prof St Cmdr Brig".split())
_HONORIFICS = r"(?:" + "|".join(sorted(_HONORIFIC_WORDS)) + r")\."
_TIME_WORDS = frozenset("monday tuesday wednesday thursday friday saturday sunday today yesterday tonight".split())
# Heads of a time phrase between a speaker and the cue ("The CIA in the summer had warned", "Macron last
# week reaffirmed", "X earlier this month said"), with the words that may open such a phrase.
_TIME_NOUNS = frozenset(
    "week weekend month year summer winter spring autumn morning afternoon evening night january february"
    " march april may june july august september october november december".split()
)
_TIME_NOUNS_ANY_CASE = _TIME_NOUNS - {"may", "march"}  # read capitalised too: "May", "March" may be names or verbs
_TIME_OPENERS = frozenset("in on during last this earlier later late early over the that next past".split())
# Capitalised prepositions of headline case ("Won't Trigger War With Russia Kallas Said").
_CAP_STOP = frozenset("with from by after over against into amid about as at".split())
_COMPASS = frozenset("east west north south eastern western northern southern".split())
_OPEN_Q = '“‘"'
_CLOSE_Q = '”’"'
_QUOTE_CHARS = frozenset('“”"‘’')
_CAMEL = re.compile(r"[a-z]{1,3}[A-Z][a-z]")  # a surname with a glued particle: "duPlessis", "deMarco"
_FIRST_NAME_WORD = r"[A-Z][a-z]+(?:[-’'][A-Za-z][a-z]+)*"
_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-’'][A-Za-z][a-z]+)*|[a-z]{1,3}[A-Z][a-z]+)"  # also "duPlessis"


@dataclass(frozen=True)
class Lexicon:
    """Everything the rules read, built from the reference CSVs (tests may pass a smaller one)."""

    cues: dict[str, tuple[str, str, str]]  # form as written (lower) -> (lemma, form, strength)
    cue_first: frozenset[str]  # first words of the cues, for a cheap pre-filter
    nouns: dict[str, frozenset[str]]  # lower word -> labels
    names: dict[str, tuple[str, str]]  # lower name -> (kind, canonical)
    max_name_len: int
    channels: dict[str, str]  # lower term -> channel as named
    channel_re: re.Pattern[str]
    func: dict[str, str]  # lower word -> function label
    memo: dict[str, frozenset[str]] = field(default_factory=dict)  # word -> labels, filled lazily
    cue_terms: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # first word -> terms
    channel_words: frozenset[str] = frozenset()  # words of the channel terms but "a": a pre-check
    cue_ac: ahocorasick_rs.AhoCorasick | None = None  # first words of the cues: one pre-scan per article
    run_re: re.Pattern[str] | None = None  # capitalised runs + organisation head ("Illawarra police")
    stop_memo: dict[str, bool] = field(default_factory=dict)  # word -> not part of a name, lazily
    role_synonyms: dict[str, frozenset[str]] = field(default_factory=dict)  # description head -> role words
    channel_ac: ahocorasick_rs.AhoCorasick | None = None  # the channel terms: where channel_re may match


@cache
def load_lexicon() -> Lexicon:
    """Read reporting_cues.csv and the speaker_*.csv files once."""
    cue_rows = load_csv("reporting_cues", required=("term", "label", "form", "strength"))
    cues: dict[str, tuple[str, str, str]] = {}
    for r in cue_rows:
        if r["form"] not in CUE_FORMS:
            raise ValueError(f"reporting_cues.csv: bad form {r['form']!r} for {r['term']!r}")
        cues[r["term"].lower()] = (r["label"], r["form"], r["strength"])
    nouns: dict[str, set[str]] = {}
    for r in load_csv("speaker_nouns", allowed_labels=NOUN_LABELS):
        nouns.setdefault(r["term"].lower(), set()).add(r["label"])
    names = {
        r["term"].lower(): (r["label"], r["canonical"] or r["term"])
        for r in load_csv("speaker_names", required=("term", "label", "canonical"), allowed_labels=NAME_LABELS)
    }
    channels = {r["term"].lower(): r["label"] for r in load_csv("speaker_channels")}
    channel_re = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in sorted(channels, key=len, reverse=True)) + r")(?![\w-])",
        re.IGNORECASE,
    )
    func = {r["term"].lower(): r["label"] for r in load_csv("speaker_function_words", allowed_labels=FUNCTION_LABELS)}
    return Lexicon(
        cues=cues,
        cue_first=frozenset(t.split()[0] for t in cues),
        nouns={k: frozenset(v) for k, v in nouns.items()},
        names=names,
        max_name_len=max((len(k.split()) for k in names), default=1),
        channels=channels,
        channel_re=channel_re,
        func=func,
        cue_terms=_cue_terms(cues),
        channel_words=frozenset(w for t in channels for w in t.split()) - {"a", "an", "the"},
        cue_ac=word_automaton(sorted({t.split()[0] for t in cues})),
        run_re=_org_run_re(k for k, v in nouns.items() if "organisation" in v),
        role_synonyms=_role_synonyms(),
        channel_ac=word_automaton(sorted(set(channels))),
    )


def _role_synonyms() -> dict[str, frozenset[str]]:
    """speaker_role_synonyms.csv: a description's head (or whole phrase, "head of state") -> the role
    words of a named person it may stand for, the head itself included."""
    out: dict[str, set[str]] = {}
    for r in load_csv("speaker_role_synonyms"):
        term = r["term"].lower()
        out.setdefault(term, {term}).add(r["label"].lower())
    return {k: frozenset(v) for k, v in out.items()}


def _cue_terms(cues: Iterable[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The cue terms as word tuples by first word, longest first ("point out" before "point")."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for t in cues:
        words = tuple(t.split())
        by_first.setdefault(words[0], []).append(words)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


def cue_word_starts(low: str, lex: Lexicon) -> list[int]:
    """Start offsets of the whole words of `low` (lower-cased body) that begin a cue, by an
    Aho-Corasick scan for the cues' first words."""
    ac = lex.cue_ac
    assert ac is not None
    n = len(low)
    out = []
    for hit in ac.find_matches_as_indexes(low, overlapping=True):
        a: int = hit[1]
        b: int = hit[2]
        if (b >= n or not low[b].isalpha()) and (a == 0 or not low[a - 1].isalpha()):
            out.append(a)
    return out


def _org_run_re(heads: Iterable[str]) -> re.Pattern[str]:
    """A run of one to five capitalised words, with the organisation head noun that follows it
    when there is one (group 1: "Mumbai police", "Azov regiment"). The pattern opens with a
    capital letter so the regex engine skips ahead to capitals (a lookbehind would stop that)."""
    alts = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
    return re.compile(
        _FIRST_NAME_WORD + r"(?:[ \t]+" + _NAME_WORD + r"){0,4}(?![\w-])(?:[ \t]+(" + alts + r")(?:[’']s?)?(?![\w-]))?"
    )


# --------------------------------------------------------------------------------------------
# Paragraph view: tokens and quoted passages

# Abbreviations with full stops ("U.S.", "Mr.") are tried only at a capital letter (cheaper scan).
_TOKEN = re.compile(r"(?=[A-Z])(?:(?:[A-Z]\.){2,}|" + _HONORIFICS + r")|\w+(?:[’'\-]\w+)*|[^\w\s]")


@final
class Tok:
    """A word or punctuation mark of a paragraph, with its body span.

    A plain class, not a NamedTuple: compiled, it is a C struct (unboxed ints and bools) made by a
    direct call, where a tuple is built through tuple.__new__ with two boxed ints; several times
    cheaper to make, read and free for the hundreds of tokens of an article.
    """

    start: int
    end: int
    text: str
    low: str
    quoted: bool
    cap: bool

    def __init__(self, start: int, end: int, text: str, low: str, quoted: bool, cap: bool) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.low = low
        self.quoted = quoted
        self.cap = cap

    def __repr__(self) -> str:
        return f"Tok({self.start}, {self.end}, {self.text!r}, {self.low!r}, {self.quoted}, {self.cap})"


@dataclass
class Para:
    """A paragraph of fact sentences: body span, tokens and quote spans (opening, closing mark)."""

    index: int
    start: int
    end: int
    sentences: list[Sentence]
    toks: list[Tok] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)  # (open mark pos, close mark pos or para end)
    hits: list[int] = field(default_factory=list)  # body offsets of the words that may begin a cue
    hit_sents: list[tuple[Sentence, int, int]] = field(default_factory=list)  # per hit: sentence, lo, hi

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(
        self,
        index: int,
        start: int,
        end: int,
        sentences: list[Sentence],
        toks: list[Tok] | None = None,
        quotes: list[tuple[int, int]] | None = None,
        hits: list[int] | None = None,
        hit_sents: list[tuple[Sentence, int, int]] | None = None,
    ) -> None:
        self.index = index
        self.start = start
        self.end = end
        self.sentences = sentences
        self.toks = [] if toks is None else toks
        self.quotes = [] if quotes is None else quotes
        self.hits = [] if hits is None else hits
        self.hit_sents = [] if hit_sents is None else hit_sents


# The quotation marks a quote opens or closes with (curly double and single, straight double).
_QUOTE_MARKS: Final = '“”"‘’'


def find_quotes(text: str, offset: int) -> list[tuple[int, int]]:
    """Outermost quoted passages of a paragraph: (position of the opening mark, of the closing mark).

    Curly marks open and close by shape; a straight mark opens after a space or at the start and
    closes otherwise, so a straight opening with a curly closing pairs too. A single quotation
    mark opens only after a space (‘status quo’) so apostrophes (Putin’s) never open a quote. An
    opening mark without its closing one runs to the paragraph end (continued quotation).
    """
    out: list[tuple[int, int]] = []
    open_at: int | None = None
    single = False
    n = len(text)
    for i in positions(text, _QUOTE_MARKS):
        c = text[i]
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if open_at is None:
            if c == "“" or (c == '"' and (prev.isspace() or prev in "([—–-:" or i == 0)):
                open_at, single = i, False
            elif c == "‘" and (prev.isspace() or prev in '([—–-“"' or i == 0):
                open_at, single = i, True
        elif single:
            if c == "’" and not nxt.isalpha():
                out.append((open_at + offset, i + offset))
                open_at = None
        elif c in '”"':
            out.append((open_at + offset, i + offset))
            open_at = None
    if open_at is not None and not single:
        out.append((open_at + offset, n + offset))
    return out


def _lower(body: str, low: str | None = None) -> str:
    """Lower-cased body with the same offsets (a character whose lower case is longer stays). `low`:
    body.lower() when the caller has it."""
    if low is None:
        low = body.lower()
    if len(low) == len(body):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in body)


def build_paras(doc: Doc, lex: Lexicon) -> list[Para]:
    """Group the fact sentences by paragraph; tokenise the sentences that hold a cue word.

    One Aho-Corasick scan of the lower-cased body finds the words that may begin a cue; a
    paragraph without any keeps no tokens (every rule stays inside the cue's sentence).
    """
    paras: list[Para] = []
    for s in doc.fact_sentences:
        if paras and paras[-1].index == s.paragraph_index:
            paras[-1].sentences.append(s)
            paras[-1].end = s.char_end
        else:
            paras.append(Para(s.paragraph_index, s.char_start, s.char_end, [s]))
    body = doc.article.body
    low = _lower(body, doc.lowered_body())
    hits = cue_word_starts(low, lex)
    if not hits:
        return paras
    h = 0
    nh = len(hits)
    for p in paras:
        while h < nh and hits[h] < p.start:
            h += 1
        if h >= nh or hits[h] >= p.end:
            continue  # no cue: no tokens needed
        p.quotes = find_quotes(body[p.start : p.end], p.start)
        toks: list[Tok] = []
        for sent in p.sentences:
            a0, b0 = sent.char_start, sent.char_end
            while h < nh and hits[h] < a0:
                h += 1
            if h >= nh or hits[h] >= b0:
                continue
            lo = len(toks)
            x = a0
            for qa, qb in p.quotes:
                if qb <= a0 or qa >= b0:
                    continue
                if qa >= x:
                    _add_tokens(body, low, x, qa + 1, toks)
                # the inside of a quotation is one quoted token: no rule reads into it
                a, b = max(qa + 1, a0), min(qb, b0)
                while a < b and body[a].isspace():
                    a += 1
                while b > a and body[b - 1].isspace():
                    b -= 1
                if a < b:
                    toks.append(Tok(a, b, body[a:b], "", True, body[a].isupper()))
                x = max(x, min(qb, b0))
            _add_tokens(body, low, x, b0, toks)
            span = (sent, lo, len(toks))  # the sentence and its tokens [lo, hi)
            while h < nh and hits[h] < b0:
                p.hits.append(hits[h])
                p.hit_sents.append(span)
                h += 1
        p.toks = toks
    return paras


def _add_tokens(body: str, low: str, a: int, b: int, out: list[Tok]) -> None:
    """Append the tokens of body[a:b] (as `_TOKEN` cuts them) to `out`.

    No token spans a space, so the text is cut at spaces first (one C-level split of the body and
    one of its lower-cased copy, which has the same offsets) and the common pieces are read
    without the regex: a plain word (nine pieces in ten), a word with a trailing comma, full stop,
    colon or semicolon (not an honorific: "Mr." is one token), a possessive ("Russia’s"), a lone
    mark. Any other piece ("U.S.", "“We", "face-to-face") goes through `_TOKEN`.
    """
    # Compiled, the two lists are read by index (no zip iterator) and `out.append` is a direct
    # list append.
    x = a
    pieces = body[a:b].split(" ")
    low_pieces = low[a:b].split(" ")
    if len(pieces) != len(low_pieces):
        raise ValueError("body and its lower-cased copy differ in their spaces")
    for i in range(len(pieces)):
        w = pieces[i]
        lw = low_pieces[i]
        n = len(w)
        y = x + n  # the piece is body[x:y]
        if w.isalnum():  # str.isalnum is exactly the regex's \w minus "_"
            out.append(Tok(x, y, w, lw, False, _upper_at(w, 0)))
        elif n == 1:  # a lone mark ("“", "—"), unless it is a space other than " "
            if not w.isspace():
                out.append(Tok(x, y, w, lw, False, _upper_at(w, 0)))
        elif n > 1 and w[-1] in ",.;:" and w[:-1].isalnum() and not (w[-1] == "." and w[:-1] in _HONORIFIC_WORDS):
            out.append(Tok(x, y - 1, w[:-1], lw[:-1], False, _upper_at(w, 0)))
            out.append(Tok(y - 1, y, w[-1], w[-1], False, False))
        elif n > 2 and w[-2:] in ("’s", "'s") and w[:-2].isalnum():
            out.append(Tok(x, y, w, lw, False, _upper_at(w, 0)))
        elif n:
            for m in _TOKEN.finditer(body, x, y):
                p, q = m.span()
                out.append(Tok(p, q, body[p:q], low[p:q], False, _upper_at(body, p)))
        x = y + 1


def _upper_at(text: str, i: int) -> bool:
    """text[i].isupper(), an ASCII character read by its code (compiled, str.isupper is a method
    call by name)."""
    o = ord(text[i])
    if o < 128:
        return 65 <= o <= 90
    return text[i].isupper()


# --------------------------------------------------------------------------------------------
# Speaker phrases


@dataclass(frozen=True)
class SpeakerNP:
    """A speaker phrase as written and what it says about the source (a native class when compiled, as
    model.Sentence: its fields are read some 250 times an article, for 14 phrases made)."""

    start: int
    end: int
    text: str
    mtype: str  # pronoun, name, description, bare (unnamed plural as written)
    kind: str | None
    name: str  # canonical candidate (determiner stripped; the name part of "role Name")
    role: str | None
    head: str | None  # head noun of a description ("ministry", "president")
    pronoun: str | None = None

    def __init__(
        self,
        start: int,
        end: int,
        text: str,
        mtype: str,
        kind: str | None,
        name: str,
        role: str | None,
        head: str | None,
        pronoun: str | None = None,
    ) -> None:
        # Written out (dataclass keeps a class's own __init__): the generated frozen one runs as Python.
        # Keep in step with the fields above (a test checks).
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "mtype", mtype)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "head", head)
        object.__setattr__(self, "pronoun", pronoun)


_BASE_MEMO: dict[str, str] = {}


def _base(w: str) -> str:
    """Lower-case word without a possessive ending or trailing full stop."""
    got = _BASE_MEMO.get(w)
    if got is not None:
        return got
    b = w.lower().rstrip(".")
    for suf in ("’s", "'s", "’", "'"):
        if b.endswith(suf):
            b = b[: -len(suf)]
            break
    if len(_BASE_MEMO) < 50_000:
        _BASE_MEMO[w] = b
    return b


def _labels(lex: Lexicon, w: str) -> frozenset[str]:
    got = lex.memo.get(w)
    if got is None:
        got = lex.memo[w] = _labels_of(lex, w)
    return got


def _labels_of(lex: Lexicon, w: str) -> frozenset[str]:
    b = _base(w)
    got = lex.nouns.get(b)
    if got is None and "-" in b:
        got = lex.nouns.get(b.split("-")[0])
    return got or frozenset()


def _camel(t: Tok) -> bool:
    """A name word written with a lower-case particle glued to it ("One bystander, Marius duPlessis,
    said", lee-bg-080): capitalised for the speaker rules."""
    return not t.cap and not t.quoted and _CAMEL.match(t.text) is not None


def _is_word(t: Tok) -> bool:
    return t.text[0].isalnum()


def _is_demonym(t: Tok, lex: Lexicon, nxt: Tok | None = None) -> bool:
    """A capitalised adjective of nationality (Ukrainian, British): a modifier, not a name.

    A word ending like a demonym but followed by a capitalised name is a first name (Brian Bellis).
    """
    if "modifier" in _labels(lex, t.text):
        return True
    if t.cap and "-" in t.text and t.text.rsplit("-", 1)[1][:1].islower():
        return True  # "Geneva-based", "Kremlin-backed", "Russian-imposed": adjectives, not names
    if nxt is not None and nxt.cap and not _labels(lex, nxt.text):
        return False
    b = _base(t.text)
    return t.cap and b.endswith(("ian", "ese", "ish", "ean")) and len(b) > 4


def _particle_inside(toks: list[Tok], x: int, lo: int, hi: int, lex: Lexicon) -> bool:
    """Token x is a lower-case name particle between capitalised name words ("Ursula von der Leyen",
    "Fernando de la Rua", "Mohammed bin Salman"): a capitalised word before it and after it, with
    only particles in between."""
    if toks[x].cap or lex.func.get(toks[x].low) != "particle":
        return False
    a = x - 1
    while a >= lo and lex.func.get(toks[a].low) == "particle" and not toks[a].cap:
        a -= 1
    b = x + 1
    while b < hi and lex.func.get(toks[b].low) == "particle" and not toks[b].cap:
        b += 1
    return (
        a >= lo
        and b < hi
        and toks[a].cap
        and toks[b].cap
        and not toks[a].quoted
        and not toks[b].quoted
        and _is_word(toks[a])
        and _is_word(toks[b])
    )


def np_back(toks: list[Tok], k: int, lo: int, lex: Lexicon) -> int | None:
    """Start index of the speaker phrase that ends just before token k, or None."""
    s = k
    while s - 1 >= lo:
        t = toks[s - 1]
        if t.text == ")" and s - 3 >= lo and toks[s - 3].text == "(" and toks[s - 2].text.isupper() and s - 4 >= lo:
            s -= 3  # "The Central Intelligence Agency (CIA) had warned": skip the acronym
            continue
        if t.quoted or not _is_word(t):
            break
        fl = lex.func.get(t.low)
        if (
            t.cap
            and (fl in ("boundary", "skip", "passive", "connector") or t.low in _CAP_STOP)
            and t.low not in ("the", "a", "an")
        ):
            break  # sentence-initial "But", "In", "Also"; headline words "With", "From"
        if fl == "particle" and not t.cap:
            if _particle_inside(toks, s - 1, lo, k, lex):
                s -= 1  # "Ursula von der Leyen", "Fernando de la Rua"
                continue
            break
        if fl in ("pronoun_person", "pronoun_thing", "pronoun_plural"):
            if s == k:
                s -= 1
            break
        if fl == "connector":
            if s == k or s - 2 < lo:
                break
            left, right = toks[s - 2], toks[s]
            if t.low == "and":
                ok = (left.cap and right.cap) or (
                    {"unnamed", "organisation"} & _labels(lex, left.text)
                    and {"unnamed", "organisation"} & _labels(lex, right.text)
                )
                if not ok:
                    break
            elif (
                t.low in ("in", "at")
                and not (_labels(lex, left.text) & {"role", "organisation", "unnamed"})
                and not (left.cap and right.cap and lex.names.get(_base(right.text), ("",))[0] == "government")
            ):
                break
            elif not _is_word(left) or left.quoted:
                break
            s -= 1
            continue
        if fl == "determiner":
            s -= 1
            if s - 1 >= lo and lex.func.get(toks[s - 1].low) == "connector" and toks[s - 1].low != "and":
                continue
            break
        if t.low in _COMPASS and s < k and toks[s].cap and s - 2 >= lo and toks[s - 2].low == "in":
            s -= 1  # "fighters in east Ukraine"
            continue
        if t.low == "on" and s < k and s - 2 >= lo and toks[s].cap and "role" in _labels(lex, toks[s - 2].text):
            s -= 1  # "Labor's spokesman on Home Affairs, John Faulkner, says"
            continue
        if t.low == "in" and s < k and s - 2 >= lo and _in_place_ok(toks[s - 2], toks[s], lex):
            s -= 1  # "Police in Karachi say", "officials in Kyiv who said"
            continue
        if fl in ("boundary", "skip", "passive"):
            break
        if t.low in _TIME_WORDS:
            break
        if t.cap or _labels(lex, t.text) or t.low in lex.names or _camel(t):
            s -= 1
            continue
        # unknown lower-case words: at most two adjectives between a determiner/name and the head
        if s == k:
            # "ministry for economic affairs", "head of state": a complement after an org/role noun
            for c in range(s - 2, max(lo, s - 4) - 1, -1):
                if (
                    toks[c].low in ("of", "for", "in", "at")
                    and c - 1 >= lo
                    and _labels(lex, toks[c - 1].text) & {"organisation", "role", "unnamed"}
                ):
                    if all(
                        toks[x].text[0].islower()
                        and _is_word(toks[x])
                        and not toks[x].quoted
                        and lex.func.get(toks[x].low) in (None, "determiner")
                        for x in range(c + 1, s)
                    ):
                        s = c
                        break
                if not _is_word(toks[c]):
                    break
            if s < k:
                continue
            break
        j = s - 1
        while (
            j > s - 3
            and j >= lo
            and toks[j].text[0].islower()
            and not _labels(lex, toks[j].text)
            and toks[j].low not in lex.func
        ):
            j -= 1
        if (
            j >= lo
            and _is_word(toks[j])
            and not toks[j].quoted
            and (lex.func.get(toks[j].low) == "determiner" or (toks[j].cap and lex.func.get(toks[j].low) is None))
        ):
            s = j + 1
            continue
        if (j < lo or not _is_word(toks[j])) and "role" in _labels(lex, toks[s].text) and s - j <= 3:
            s = j + 1  # ", ice rink manager Brian Bellis told"
            continue
        break
    while s < k and lex.func.get(toks[s].low) == "connector":
        s += 1
    return s if s < k else None


def _in_place_ok(left: Tok, right: Tok, lex: Lexicon) -> bool:
    """Whether "left in right" continues a speaker phrase: a source noun located in a place."""
    return (
        _is_word(left)
        and not left.quoted
        and (bool(_labels(lex, left.text) & {"organisation", "unnamed", "role"}) or left.cap and right.cap)
        and (right.cap or right.low in _COMPASS)
    )


_MODIFIER = frozenset({"modifier"})


def np_fwd(toks: list[Tok], k: int, hi: int, lex: Lexicon) -> int | None:
    """End index (exclusive) of the speaker phrase starting at token k, or None."""
    e = k
    head_seen = False
    while e < hi:
        t = toks[e]
        if t.quoted or not _is_word(t):
            break
        fl = lex.func.get(t.low)
        if fl == "particle" and not t.cap:
            if e > k and _particle_inside(toks, e, k, hi, lex):
                e += 1  # "said Ursula von der Leyen"
                continue
            break
        if fl in ("pronoun_person", "pronoun_thing", "pronoun_plural"):
            if e == k:
                e += 1
            break
        if fl == "determiner" and not (t.low == "one" and e > k):
            if e > k and lex.func.get(toks[e - 1].low) != "connector":
                break
            e += 1
            continue
        if fl == "connector":
            if e == k or e + 1 >= hi or t.low in ("in", "at"):
                break
            nxt = toks[e + 1]
            if (
                not _is_word(nxt)
                or nxt.quoted
                or not (nxt.cap or lex.func.get(nxt.low) == "determiner" or _labels(lex, nxt.text))
            ):
                break
            e += 1
            continue
        if fl in ("boundary", "skip", "passive") or t.low in _TIME_WORDS:
            break
        labels = _labels(lex, t.text)
        if t.cap or labels or _camel(t):
            head_seen = head_seen or not labels <= _MODIFIER
            e += 1
            continue
        if not head_seen and e + 1 < hi and (toks[e + 1].cap or _labels(lex, toks[e + 1].text)):
            e += 1
            continue
        break
    while e > k and lex.func.get(toks[e - 1].low) in ("connector", "determiner"):
        e -= 1
    return e if e > k else None


_SOURCE_LABELS = frozenset({"role", "organisation", "unnamed", "media", "document"})


def classify(toks: list[Tok], s: int, e: int, body: str, doc: Doc, lex: Lexicon) -> SpeakerNP | None:
    """Read a speaker phrase: pronoun, name with role, organisation, unnamed source, description."""
    span = toks[s:e]
    text = body[span[0].start : span[-1].end]
    if len(span) == 1:
        fl = lex.func.get(span[0].low)
        if fl and fl.startswith("pronoun"):
            return SpeakerNP(span[0].start, span[0].end, text, "pronoun", None, text, None, None, span[0].low)
    i = 0
    while i < len(span) and lex.func.get(span[i].low) == "determiner":
        i += 1
    core = span[i:]
    if not core:
        return None
    det = span[0].low if i else None
    located = _located(toks, s + i, e, body, doc, lex)
    if located is not None:
        return located
    core_text = body[core[0].start : core[-1].end]
    named = lex.names.get(core_text.lower())
    if named:
        return SpeakerNP(span[0].start, span[-1].end, text, "name", named[0], named[1], None, None)
    place = _place_actor(doc, core[0].start, core[-1].end)
    if place:
        return SpeakerNP(span[0].start, span[-1].end, text, "name", "government", place, None, None)
    # "role Name": trailing capitalised run that is neither a role word nor a demonym
    j = len(core)
    while (
        j > 0
        and (
            core[j - 1].cap
            or _camel(core[j - 1])
            or j < len(core)
            and _particle_inside(core, j - 1, 0, len(core), lex)
        )
        and _labels(lex, core[j - 1].text).isdisjoint(_SOURCE_LABELS)
        and not (
            _is_demonym(core[j - 1], lex, core[j] if j < len(core) else None)
            # a surname that ends like a demonym closes a name: "Simon Crean", "Ivan Korean"
            and not (j == len(core) and j >= 2 and core[j - 2].cap and not _labels(lex, core[j - 1].text))
        )
        and core[j - 1].low not in lex.names
    ):
        j -= 1
    has_org = any("organisation" in (lb := _labels(lex, t.text)) and "role" not in lb for t in core)
    before = core[j - 1] if 0 < j < len(core) else None
    person_split = before is not None and (
        "role" in _labels(lex, before.text)
        or "organisation" in _labels(lex, before.text)
        and "role" in _labels(lex, core[0].text)
        and len(core) - j >= 2
        or not has_org
        and (
            _is_demonym(before, lex)
            or before.text[0].islower()
            and before.low not in lex.func
            and not _labels(lex, before.text)
        )
    )
    if j < len(core) and (j == 0 or person_split) and not (has_org and j == 0):
        name = body[core[j].start : core[-1].end]
        role = body[core[0].start : core[j - 1].end] if j else None
        if j == 0 and len(core) == 1 and core[0].low in lex.names:
            k2, c2 = lex.names[core[0].low]
            return SpeakerNP(span[0].start, span[-1].end, text, "name", k2, c2, None, None)
        return SpeakerNP(span[0].start, span[-1].end, text, "name", "person", name, role, None)
    # head noun: last word before "of"/"for"/"to" ("the head of state"), else the last word
    head_i = len(core) - 1
    for n, t in enumerate(core):
        if t.low in ("of", "for", "to", "at", "in", "on") and n:
            head_i = n - 1
            break
    head = _base(core[head_i].text)
    labels = _labels(lex, core[head_i].text)
    caps = [t for t in core if t.cap and not _is_demonym(t, lex) and not _labels(lex, t.text)]
    if "organisation" in labels or (has_org and caps and "role" not in labels):
        kind = "government" if head == "government" else "organisation"
        mtype = "name" if caps or (det is None and any(t.cap for t in core)) else "description"
        return SpeakerNP(
            span[0].start, span[-1].end, text, mtype, kind, _state_prefix(core, core_text, body, lex), None, head
        )
    if caps and not labels:
        # a name after its modifiers ("US Secretary" handled above): treat as an organisation/person name
        kind = (
            "organisation"
            if len(caps) < len(core) or any(t.text.isupper() and len(t.text) > 1 for t in caps)
            else "person"
        )
        return SpeakerNP(span[0].start, span[-1].end, text, "name", kind, core_text, None, None)
    if "unnamed" in labels:
        mtype = "description" if det in ("the", "these", "this") else "bare"
        return SpeakerNP(span[0].start, span[-1].end, text, mtype, "unnamed", core_text, None, head)
    if "media" in labels:
        return SpeakerNP(
            span[0].start, span[-1].end, text, "bare" if det is None else "description", "media", core_text, None, head
        )
    if "document" in labels:
        return SpeakerNP(span[0].start, span[-1].end, text, "description", "document", core_text, None, head)
    if "role" in labels:
        return SpeakerNP(span[0].start, span[-1].end, text, "description", "person", core_text, core_text, head)
    return None


def _located(toks: list[Tok], s: int, e: int, body: str, doc: Doc, lex: Lexicon) -> SpeakerNP | None:
    """A source placed by "in": "Police in Karachi" (the Karachi police), "The Institute for the
    Study of War in Washington" (the institute, not the city), "officials in Kyiv" (as written).

    News locates a generic source by its place ("Police in Karachi say ...") and a named one by
    its seat; the speaker is the source, never the place.
    """
    n = next((x for x in range(s + 1, e - 1) if toks[x].low == "in"), None)
    if n is None:
        return None
    pre, post = toks[s:n], toks[n + 1 : e]
    head = _labels(lex, pre[-1].text)
    names = [t for t in pre if t.cap and not _labels(lex, t.text) and not _is_demonym(t, lex)]
    text = body[toks[s].start : toks[e - 1].end]
    if "organisation" in head and not names:
        # keep the determiner-less place + generic head: "Karachi police"
        place = body[post[0].start : post[-1].end]
        noun = body[pre[0].start : pre[-1].end]
        name = place + " " + (noun.lower() if noun[:1].isupper() and len(pre) == 1 else noun)
        return SpeakerNP(toks[s].start, toks[e - 1].end, text, "name", "organisation", name, None, pre[-1].low)
    if head & {"unnamed", "role"}:
        return None  # "officials in Kyiv", "A Russian official in Ukraine": as written
    sp = classify(toks, s, n, body, doc, lex)
    if sp is None:
        return None
    return SpeakerNP(sp.start, toks[e - 1].end, text, sp.mtype, sp.kind, sp.name, sp.role, sp.head, sp.pronoun)


def _state_prefix(core: list[Tok], core_text: str, body: str, lex: Lexicon) -> str:
    """An organisation's leading state in canonical form: "U.K. Ministry of Defence" and
    "Britain’s defence ministry" -> "United Kingdom ...", so one body has one name."""
    first = _base(core[0].text)
    got = lex.names.get(first) or lex.names.get(core[0].text.lower())
    if got and got[0] == "government" and len(core) > 1:
        return got[1] + body[core[0].end : core[-1].end]
    return core_text


_PLACE_INDEX: ContextVar[dict[tuple[int, int], str | None] | None] = ContextVar("_PLACE_INDEX", default=None)


def _place_index(doc: Doc) -> dict[tuple[int, int], str | None]:
    """Span -> canonical name of the countries and capitals pipeline.places found (actors)."""
    out: dict[tuple[int, int], str | None] = {}
    for mentions in doc.places.values():
        for pm in mentions:
            key = (getattr(pm, "char_start", None), getattr(pm, "char_end", None))
            if key in out:
                continue
            place = getattr(pm, "place", None)
            if getattr(pm, "as_actor", False) or getattr(place, "kind", None) in ("country", "city"):
                out[key] = getattr(place, "name", None) or getattr(pm, "text", None)  # type: ignore[index]
    return out


def _place_actor(doc: Doc, start: int, end: int) -> str | None:
    """Canonical name of a country or capital found by pipeline.places exactly at [start, end)."""
    index = _PLACE_INDEX.get()
    if index is None:
        index = _place_index(doc)
    return index.get((start, end))


# --------------------------------------------------------------------------------------------
# Cue context and row drafts


@dataclass
class Cue:
    para: Para
    sent: Sentence
    i: int  # first token of the cue
    j: int  # token after the cue
    start: int
    end: int
    text: str
    lemma: str
    form: str
    strength: str
    lo: int  # first token of the sentence
    hi: int  # token after the sentence

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(
        self,
        para: Para,
        sent: Sentence,
        i: int,
        j: int,
        start: int,
        end: int,
        text: str,
        lemma: str,
        form: str,
        strength: str,
        lo: int,
        hi: int,
    ) -> None:
        self.para = para
        self.sent = sent
        self.i = i
        self.j = j
        self.start = start
        self.end = end
        self.text = text
        self.lemma = lemma
        self.form = form
        self.strength = strength
        self.lo = lo
        self.hi = hi


@dataclass
class Draft:
    cue: Cue
    speaker: SpeakerNP | None
    content: tuple[int, int] | None
    is_direct: bool
    method: str
    channel: str | None = None
    role: str | None = None
    inherit: bool = False

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(
        self,
        cue: Cue,
        speaker: SpeakerNP | None,
        content: tuple[int, int] | None,
        is_direct: bool,
        method: str,
        channel: str | None = None,
        role: str | None = None,
        inherit: bool = False,
    ) -> None:
        self.cue = cue
        self.speaker = speaker
        self.content = content
        self.is_direct = is_direct
        self.method = method
        self.channel = channel
        self.role = role
        self.inherit = inherit


def _skip_back(toks: list[Tok], k: int, lo: int, lex: Lexicon) -> int:
    """Step back over auxiliaries, adverbs, time words and a channel phrase ("in a briefing")
    between a speaker and its cue."""
    while k - 1 >= lo:
        t = toks[k - 1]
        if t.quoted:
            break
        if t.low in lex.channels:
            c = k - 2
            while c >= lo and c >= k - 4 and lex.func.get(toks[c].low) == "determiner":
                c -= 1
            if c >= lo and toks[c].low in ("in", "on", "at", "during"):
                k = c
                continue
        if (
            lex.func.get(t.low) == "skip"
            and not t.cap
            or t.low in _TIME_WORDS
            and k - 2 >= lo
            and toks[k - 2].low == "on"
        ):
            k -= 2 if t.low in _TIME_WORDS else 1
            continue
        if t.low in _TIME_WORDS:
            k -= 1
            continue
        if t.low in _TIME_NOUNS and not t.cap or t.low in _TIME_NOUNS_ANY_CASE:
            c = k - 2
            while c >= lo and c >= k - 4 and toks[c].low in _TIME_OPENERS and not toks[c].quoted:
                c -= 1
            if c < k - 2:
                k = c + 1  # "in the summer", "last week", "earlier this month"
                continue
        break
    return k


def _tok_index(toks: list[Tok], pos: int) -> int:
    """Index of the first token starting at or after `pos`."""
    return _first_at(toks, pos, 0, len(toks))


def _first_at(toks: list[Tok], pos: int, lo: int, hi: int) -> int:
    """Index of the first token of toks[lo:hi] starting at or after `pos` (hi if none): a binary
    search on the starts (tokens are in text order), with native int compares."""
    while lo < hi:
        mid = (lo + hi) // 2
        if toks[mid].start < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _quote_at(para: Para, pos: int) -> tuple[int, int] | None:
    for q in para.quotes:
        if q[0] == pos or q[1] == pos:
            return q
    return None


def _trim(body: str, a: int, b: int) -> tuple[int, int]:
    """Span without surrounding spaces, commas, dashes and final punctuation."""
    while a < b and body[a] in " \t\n,;:—–-":
        a += 1
    while b > a and body[b - 1] in " \t\n,;:—–-.":
        b -= 1
    return a, b


def content_before(body: str, para: Para, sent: Sentence, end: int) -> tuple[tuple[int, int] | None, bool]:
    """The clause or quotation before a postposed speaker: (span, is_direct)."""
    e = end
    while e > para.start and body[e - 1] in " ,\n—–":
        e -= 1
    if e > para.start and body[e - 1] in _CLOSE_Q:
        q = _quote_at(para, e - 1)
        if q:
            inner = _trim(body, q[0] + 1, q[1])
            lead = body[min(sent.char_start, q[0]) : q[0]].strip()
            if q[0] < sent.char_start or not lead or lead.endswith(":"):
                return (inner if inner[1] > inner[0] else None), True
    a = sent.char_start
    # the clause may open inside a quotation that began in an earlier sentence
    for q in para.quotes:
        if q[0] < a < q[1] <= e:
            a = q[0]
    span = _trim(body, a, e)
    return (span if span[1] > span[0] else None), False


def content_after(body: str, para: Para, cue: Cue, k: int, lex: Lexicon) -> tuple[tuple[int, int] | None, bool]:
    """The clause or quotation after a cue, from token k: (span, is_direct)."""
    toks = para.toks
    subj = None
    for n in range(k, min(k + 14, cue.hi)):
        t = toks[n]
        if t.quoted or t.text in ".;!?":
            break
        if t.low == "that":
            k = n + 1
            subj = None
            break
        if subj is None and n > k and toks[k].low in _ADJUNCT_OPENERS and _clause_subject(toks, n, lex):
            subj = n
    if subj is not None:
        k = subj  # "said on Friday it had imposed ...": the clause, not the adjunct
    if k >= len(toks) or toks[k].start >= cue.sent.char_end and not toks[k].quoted:
        return None, False
    a = toks[k].start if k < len(toks) else cue.sent.char_end
    while a > cue.end and body[a - 1] in _OPEN_Q:
        a -= 1
    while a < cue.sent.char_end and body[a] in " ,:":
        a += 1
    if body[a : a + 1] in _OPEN_Q and body[a : a + 1]:
        q = _quote_at(para, a)
        if q:
            inner = _trim(body, q[0] + 1, q[1])
            rest = body[q[1] + 1 : cue.sent.char_end].strip(' .,”"’')
            direct = q[1] >= cue.sent.char_end - 2 or not rest or q[1] + 1 >= para.end
            if direct:
                return inner, True
    b = cue.sent.char_end
    for q in para.quotes:
        if a <= q[0] < b < q[1]:
            b = min(q[1], para.end)
    span = _trim(body, a, b)
    return (span if span[1] > span[0] else None), False


_ADJUNCT_OPENERS = frozenset("in on at during via through late earlier last this after from".split())


def _after_is_empty(body: str, para: Para, cue: Cue, k: int, lex: Lexicon) -> bool:
    """True when nothing but an adjunct (time, channel, listener) follows token k in the sentence."""
    toks = para.toks
    if k >= cue.hi:
        return True
    t = toks[k]
    if t.text in ".!?":
        return True
    if t.text == ",":
        nxt = toks[k + 1] if k + 1 < cue.hi else None
        return (
            nxt is None
            or nxt.quoted
            or lex.cues.get(nxt.low, ("", "", ""))[1] == "participle"
            or nxt.low in ("but", "and", "as", "while", "citing", "although", "according", "a", "an")
        )
    if t.quoted:
        return False
    if (
        t.low
        in (
            "in",
            "on",
            "at",
            "during",
            "via",
            "through",
            "by",
            "late",
            "earlier",
            "last",
            "this",
            "after",
            "from",
            "when",
        )
        or t.low in _TIME_WORDS
    ):
        for n in range(k, cue.hi):
            if toks[n].low == "that" or toks[n].text in ":":
                return False
            if n > k and _clause_subject(toks, n, lex):
                return False  # "said on Friday it had imposed", "said at a conference he believed"
            if toks[n].text in ",.;" and not toks[n].quoted:
                return (
                    toks[n].text != ","
                    or n + 1 >= cue.hi
                    or toks[n + 1].quoted
                    or toks[n + 1].low in ("but", "and", "as", "adding", "saying", "citing")
                )
        return True
    return False


def _clause_subject(toks: list[Tok], n: int, lex: Lexicon) -> bool:
    """Token n is a subject pronoun opening a reported clause after an adjunct ("said on Friday
    it had imposed sanctions"): not after a preposition, and followed by a word."""
    t = toks[n]
    return (
        not t.quoted
        and lex.func.get(t.low) in ("pronoun_person", "pronoun_thing", "pronoun_plural")
        and toks[n - 1].low not in ("to", "by", "with", "for", "of", "from", "at", "on", "in", "about")
        and n + 1 < len(toks)
        and _is_word(toks[n + 1])
        and not toks[n + 1].quoted
    )


def _listener_end(para: Para, cue: Cue, lex: Lexicon) -> int:
    """Token after the listener of "told"/"urged"/"accused" (told CNN, told reporters)."""
    if cue.lemma not in ("tell", "urge", "call_on", "accuse", "blame", "advise", "assure", "warn", "quote", "remind"):
        return cue.j
    if cue.j < cue.hi and lex.func.get(para.toks[cue.j].low) == "pronoun_person":
        return cue.j
    e = np_fwd(para.toks, cue.j, cue.hi, lex)
    if (
        e is None
        and cue.j < cue.hi
        and para.toks[cue.j].low in ("reporters", "journalists", "him", "her", "them", "lawmakers", "parliament")
    ):
        e = cue.j + 1
    return e if e is not None and cue.lemma == "tell" or e is not None and e - cue.j <= 4 else cue.j


# --------------------------------------------------------------------------------------------
# Rules (ordered by precedence in RULES)

Rule = Callable[[str, Doc, Cue, Lexicon], "Draft | None"]


def according_to(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Source phrase "according to X": X is the speaker, the rest of the sentence the content.

    News writes "According to the United Kingdom Ministry of Defense, Putin's forces ... seek to
    hit key infrastructure" and "the troop buildup continues, according to the Pentagon".
    """
    if cue.lemma != "according_to":
        return None
    toks = cue.para.toks
    e = np_fwd(toks, cue.j, cue.hi, lex)
    if e is None:
        return None
    chan = None
    last = toks[e - 1]
    if e - 2 > cue.j and _is_possessive(toks[e - 2], lex) and (last.low in lex.channels or last.low == "website"):
        # "according to the Russian defence ministry’s website": the ministry, on its website
        chan = last.text
        sp = classify(toks, cue.j, e - 1, body, doc, lex)
        if sp is not None:
            sp = _without_possessive(sp)
    else:
        sp = classify(toks, cue.j, e, body, doc, lex)
    if sp is None or sp.mtype == "pronoun":
        return None
    app, e2 = _appositive(body, doc, toks, e, cue.hi, lex)
    sp, role = _combine(sp, app)
    lead = body[cue.sent.char_start : cue.start].strip(" ,")
    lead_is_intro = not lead or lead.lower() in ("but", "and", "yet", "however")
    if lead_is_intro:
        k = e2
        while k < cue.hi and toks[k].text != ",":
            k += 1
        content, direct = content_after(body, cue.para, cue, k + 1 if k < cue.hi else k, lex)
    else:
        content, direct = content_before(body, cue.para, cue.sent, cue.start)
    return Draft(cue, sp, content, direct, "attributions.according_to", channel=chan, role=role)


def _without_possessive(sp: SpeakerNP) -> SpeakerNP:
    """The speaker phrase without its possessive ending ("the ministry’s" -> "the ministry")."""
    cut = 0
    for suf in ("’s", "'s", "’", "'"):
        if sp.text.endswith(suf):
            cut = len(suf)
            break
    if not cut:
        return sp
    name = sp.name[:-cut] if sp.name.endswith(sp.text[-cut:]) else sp.name
    head = _base(sp.head) if sp.head else None
    return SpeakerNP(sp.start, sp.end - cut, sp.text[:-cut], sp.mtype, sp.kind, name, sp.role, head, sp.pronoun)


def quoted_as_saying(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Agency relays a speaker: "Tass quoted X as saying ..." (speaker X, channel Tass).

    News writes "RIA Novosti quoted the governor as saying that ..." and "South African
    Broadcasting Corporation radio quoted one witness as saying: ...".
    """
    if cue.lemma != "quote":
        return None
    toks = cue.para.toks
    e = np_fwd(toks, cue.j, cue.hi, lex)
    if e is None or e + 1 >= cue.hi or toks[e].low != "as" or toks[e + 1].low != "saying":
        return None
    sp = classify(toks, cue.j, e, body, doc, lex)
    if sp is None:
        return None
    chan = None
    k = _skip_back(toks, cue.i, cue.lo, lex)
    s = np_back(toks, k, cue.lo, lex)
    if s is not None:
        chan = body[toks[s].start : toks[k - 1].end]
        if chan.lower().startswith("the "):
            chan = chan[4:]
    if _after_is_empty(body, cue.para, cue, e + 2, lex):
        # 'There was "a lot of dust," the radio quoted one witness as saying.'
        content, direct = content_before(body, cue.para, cue.sent, toks[s].start if s is not None else cue.start)
    else:
        content, direct = content_after(body, cue.para, cue, e + 2, lex)
    return Draft(cue, sp, content, direct, "attributions.quoted_as_saying", channel=chan)


def passive_agent(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Passive cue with its agent: "... gas stations, as explained by the regional governor X".

    Translated wire copy writes "as explained by", "as reported by", "as confirmed by".
    """
    toks = cue.para.toks
    if cue.j >= cue.hi or toks[cue.j].low != "by" or cue.form != "finite":
        return None
    if cue.text.endswith("ed") and (
        cue.i - 1 < cue.lo
        or not (toks[cue.i - 1].low.endswith("as") or lex.func.get(toks[cue.i - 1].low) in ("passive", "skip"))
    ):
        return None  # "all seven howitzers promised by Berlin": a participle after a noun
    e = np_fwd(toks, cue.j + 1, cue.hi, lex)
    if e is None:
        return None
    sp = classify(toks, cue.j + 1, e, body, doc, lex)
    if sp is None or sp.mtype == "pronoun":
        return None
    end = cue.start
    if cue.i - 1 >= cue.lo and toks[cue.i - 1].low in ("as", "was", "were", "is", "been"):
        end = toks[cue.i - 1].start
    if cue.i - 1 >= cue.lo and toks[cue.i - 1].low.endswith("as") and toks[cue.i - 1].low != "as":
        end = toks[cue.i - 1].end - 2  # glued "stationsas" in careless copy
    content, direct = content_before(body, cue.para, cue.sent, end)
    app, _ = _appositive(body, doc, toks, e, cue.hi, lex)
    sp, role = _combine(sp, app)
    return Draft(cue, sp, content, direct, "attributions.passive_agent", role=role)


def _appositive(body: str, doc: Doc, toks: list[Tok], e: int, hi: int, lex: Lexicon) -> tuple[SpeakerNP | None, int]:
    """ ", the regional governor" or ", Christine Lambrecht" right after a speaker phrase ending at e.

    Returns the appositive phrase (or None) and the token index after it.
    """
    if e + 1 < hi and toks[e].text == "," and not toks[e + 1].quoted:
        e2 = np_fwd(toks, e + 1, hi, lex)
        if e2 is not None and (
            e2 >= hi or toks[e2].text in ",.;" or toks[e2].quoted or body[toks[e2].start] in _QUOTE_CHARS
        ):
            app = classify(toks, e + 1, e2, body, doc, lex)
            if app is not None and app.mtype in ("name", "description") and app.kind == "person":
                return app, e2
    return None, e


def _combine(sp: SpeakerNP, app: SpeakerNP | None) -> tuple[SpeakerNP, str | None]:
    """Speaker and role from a phrase and its appositive: the named person wins, the other is the role."""
    if app is None:
        return sp, sp.role
    if app.mtype == "name" and sp.mtype != "name":
        return app, _strip_det(sp.text)
    if sp.mtype == "name" and app.mtype == "description":
        return sp, sp.role or _strip_det(app.text)
    return sp, sp.role


def cue_then_speaker(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Inverted attribution after the content: "“...,” said Ukrainian presidential adviser X".

    News writes '"We will not give up," said the governor, Oleh Sinegubov.' and
    "..., said Bogner." The speaker follows the cue; the content is the quotation or clause before.
    """
    if cue.form != "finite" or cue.lemma == "tell":
        return None  # "..., X told CNN": the phrase after "told" is the listener
    toks = cue.para.toks
    k = cue.i - 1
    if k < cue.lo - 1 or k < 0:
        return None
    if not (toks[k].text == "," or body[toks[k].end - 1] in _CLOSE_Q):
        return None
    if cue.j >= cue.hi:
        return None
    e = np_fwd(toks, cue.j, cue.hi, lex)
    if e is None:
        return None
    sp = classify(toks, cue.j, e, body, doc, lex)
    if sp is None or sp.mtype == "pronoun" and sp.pronoun not in ("he", "she", "it", "they"):
        return None
    app, after = _appositive(body, doc, toks, e, cue.hi, lex)
    if not _after_is_empty(body, cue.para, cue, after, lex):
        return None
    sp, role = _combine(sp, app)
    content, direct = content_before(body, cue.para, cue.sent, cue.start)
    if content is None or cue.strength == "quote_only" and not direct:
        return None
    content = _continue_quote(body, cue.para, content, toks[after - 1].end, direct)
    return Draft(cue, sp, content, direct, "attributions.cue_then_speaker", role=role)


_QUOTE_RESUMES = re.compile(r"[^“\"‘\n]{0,60}?[,.:]\s*([“\"‘])")  # '," he said, "' up to the next opening mark


def _continue_quote(body: str, para: Para, content: tuple[int, int], pos: int, direct: bool) -> tuple[int, int]:
    """A quotation split by its cue ("...," he said, "...") is one row: extend to the second part."""
    if not direct:
        return content
    m = _QUOTE_RESUMES.match(body, pos, para.end)
    if m and not any(c in m.group(0)[:-1] for c in ".") or m and m.group(0).strip()[:1] in ",.:":
        q = _quote_at(para, m.start(1))
        if q and q[0] > content[1]:
            inner = _trim(body, q[0] + 1, q[1])
            return content[0], inner[1]
    return content


def speaker_then_cue(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Speaker before the cue, content before or after: "X said (that) ...", "..., X said".

    Covers "Sinegubov explained that some 60 bodies ...", "British intelligence, in fact,
    warned that ...", "Oleh Sinegubov, the regional governor, said ...", "“...,” he said."
    and "Only then could war reparations ... be negotiated, Podoliak said."
    """
    if cue.form not in ("finite", "phrase"):
        return None
    toks = cue.para.toks
    lo = cue.lo
    k = _skip_back(toks, cue.i, lo, lex)
    if k - 1 >= lo and lex.func.get(toks[k - 1].low) == "passive":
        return None
    if cue.j < cue.hi and toks[cue.j].low == "of" and cue.lemma == "accuse" and cue.text.lower().endswith("ed"):
        return None  # "Russians accused of war crimes"
    role: str | None = None
    sp: SpeakerNP | None = None
    k = _skip_age_origin(toks, k, lo)
    if k - 1 >= lo and toks[k - 1].text == "," and not toks[k - 1].quoted:
        # "A, B, said": B is an appositive (name or role) or a parenthetical adverbial
        c = k - 2
        while c >= lo and c > k - 20 and not (toks[c].text == "," and not toks[c].quoted) and toks[c].text not in ".;:":
            c -= 1
        if c < lo or toks[c].text != ",":
            return None
        a_s = np_back(toks, c, lo, lex)
        b_s = np_back(toks, k - 1, c + 1, lex)
        a = classify(toks, a_s, c, body, doc, lex) if a_s is not None else None
        b = classify(toks, b_s, k - 1, body, doc, lex) if b_s == c + 1 else None
        if a is None or a_s is None:
            return None
        head_start: int | None = a_s
        # "X, an adviser to the president, Volodymyr Zelenskiy, said" / "X, the mayor of M, a city ..., said"
        if a.mtype == "description" and a.kind == "person" and a_s - 1 > lo and toks[a_s - 1].text == ",":
            a0_s = np_back(toks, a_s - 1, lo, lex)
            a0 = classify(toks, a0_s, a_s - 1, body, doc, lex) if a0_s is not None else None
            if (
                a0 is not None
                and a0.mtype == "name"
                and a0.kind == "person"
                and a.text[:2].lower() in ("a ", "an", "th")
            ):
                sp, role = a0, _strip_det(a.text)
                head_start = a0_s
                b = None
                a = a0
        if sp is None:
            if (
                b is not None
                and b.mtype == "name"
                and b.kind == "person"
                and not (a.mtype == "name" and a.kind == "person")
            ):
                sp, role = b, _strip_det(a.text)
            else:
                sp = a
                if b is not None and b.mtype == "description":
                    role = _strip_det(b.text)
    else:
        s = np_back(toks, k, lo, lex)
        if s is None:
            return None
        if _prep_object(toks, s, lo, lex):
            # the object of a preposition is no subject ("an email sent to an address in Australia
            # had mentioned"), but the second of two conjuncts may be ("troops to Ukraine and
            # Cameron said")
            x = next((x for x in range(k - 1, s, -1) if toks[x].low == "and"), None)
            if x is None or x + 1 >= k or not toks[x + 1].cap:
                return None
            s = x + 1
        sp = classify(toks, s, k, body, doc, lex)
        if sp is None:
            return None
        head_start = s
        if s - 1 >= lo and toks[s - 1].text == "," and sp.mtype == "name":
            # "the governor, Serhiy Haidai said" / "Oleh Sinegubov, the regional governor" before
            pass
    assert head_start is not None
    if sp.mtype == "pronoun" and sp.pronoun not in ("he", "she", "it", "they", "we"):
        return None
    k2 = _listener_end(cue.para, cue, lex)
    if _after_is_empty(body, cue.para, cue, k2, lex):
        content, direct = content_before(body, cue.para, cue.sent, toks[head_start].start)
        if content is None or cue.strength == "quote_only" and not direct:
            return None
        content = _continue_quote(body, cue.para, content, cue.end, direct)
        method = "attributions.clause_then_speaker"
    else:
        if cue.strength == "quote_only":
            return None
        content, direct = content_after(body, cue.para, cue, k2, lex)
        method = "attributions.speaker_then_cue"
    if content is None:
        return None
    return Draft(cue, sp, content, direct, method, role=role or sp.role)


def _skip_age_origin(toks: list[Tok], k: int, lo: int) -> int:
    """Step back over the age and home-town appositives of a named person ("Shaun Pinner, 48, from
    Watford and Bedfordshire, also said", ua-0029): returns the index of the comma after the name,
    or k unchanged when there is no such appositive."""
    kk = k
    while kk - 1 >= lo and toks[kk - 1].text == "," and not toks[kk - 1].quoted:
        c = kk - 2
        while c >= lo and c > kk - 12 and toks[c].text not in ",.;:" and not toks[c].quoted:
            c -= 1
        seg = toks[c + 1 : kk - 1]
        if c < lo or toks[c].text != "," or not seg:
            break
        age = len(seg) == 1 and seg[0].text.isdigit() and len(seg[0].text) <= 3
        origin = seg[0].low == "from" and len(seg) >= 2 and seg[1].cap
        if not (age or origin):
            break
        kk = c + 1
    return kk - 1 if kk != k else k


def clause_then_speaker(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Postposed speaker and cue: "Only then could ... be negotiated, Podoliak said."

    Produced by speaker_then_cue (same speaker reading), registered for the method name.
    """
    return None


def coordinated_cue(body: str, doc: Doc, cue: Cue, lex: Lexicon) -> Draft | None:
    """Second main verb of the same speaker: "X conceded that ... and warned that ...".

    The speaker is inherited from the previous row of the sentence (resolved later).
    """
    if cue.form not in ("finite", "phrase"):
        return None
    toks = cue.para.toks
    k = _skip_back(toks, cue.i, cue.lo, lex)
    if k - 1 < cue.lo or toks[k - 1].low not in ("and", "but"):
        return None
    content, direct = content_after(body, cue.para, cue, _listener_end(cue.para, cue, lex), lex)
    if content is None:
        return None
    return Draft(cue, None, content, direct, "attributions.coordinated_cue", inherit=True)


def _strip_det(text: str) -> str:
    for d in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(d):
            return text[len(d) :]
    return text


RULES: tuple[Rule, ...] = (
    according_to,
    quoted_as_saying,
    passive_agent,
    cue_then_speaker,
    speaker_then_cue,
    clause_then_speaker,
    coordinated_cue,
)


# --------------------------------------------------------------------------------------------
# Driver


def find_cues(body: str, para: Para, lex: Lexicon) -> list[Cue]:
    """Reporting cues of a paragraph outside quotations."""
    out: list[Cue] = []
    toks = para.toks
    first = lex.cue_first
    for pos, (sent, lo, hi) in zip(para.hits, para.hit_sents, strict=True):
        i = _first_at(toks, pos, lo, hi)
        if i >= len(toks):
            continue
        t = toks[i]
        if t.start != pos or t.low not in first or t.quoted:
            continue
        term = _match_cue(toks, i, lex)
        if term is None:
            continue
        j = i + len(term)
        a, b = t.start, toks[j - 1].end
        if i > 0 and lex.func.get(toks[i - 1].low) == "determiner" and toks[i - 1].low not in ("one", "two"):
            continue  # a noun: "a report", "this report", "his remarks"
        if i > 0 and _is_possessive(toks[i - 1], lex):
            continue  # a noun after a possessive: "ignoring Russia's demands to block Ukraine"
        if j < len(toks) and term[-1][-1] == "s" and _match_cue(toks, j, lex) is not None:
            continue  # a plural noun subject: "Initial reports spoke of"
        key = " ".join(term)
        lemma, form, strength = lex.cues[key]
        present = key == lemma or key.endswith("s")
        if j < len(toks) and present and lex.func.get(toks[j].low) in ("skip", "passive") and toks[j].low != "being":
            continue  # a noun subject before its verb: "The UN report will be handed"
        if _not_saying(toks, lemma, j, lex):
            continue
        out.append(Cue(para, sent, i, j, a, b, body[a:b], lemma, form, strength, lo, hi))
    return out


def _prep_object(toks: list[Tok], s: int, lo: int, lex: Lexicon) -> bool:
    """The phrase starting at token s follows a preposition that makes it an object: "detained by
    Ukrainian forces", "an address in Australia". A source's document or affiliation keeps it a
    speaker: "A statement from Europol said", "The report issued by the Australia Institute says",
    "Marks Sullivan from the Rural Fire Service says"."""
    if s - 1 < lo or toks[s - 1].cap or toks[s - 1].low not in _OBJECT_PREPS:
        return False
    for b in (s - 2, s - 3):
        if b < lo or toks[b].quoted:
            break
        labels = _labels(lex, toks[b].text)
        if labels & {"document", "media"} or b == s - 2 and (
            toks[s - 1].low == "from" and (toks[b].cap or labels & {"role", "unnamed"})
        ):
            return False
    return True


_OBJECT_PREPS = frozenset("by to from with of for against about into than between among in at on".split())
_VERDICTS = frozenset("guilty innocent liable dead alive".split())


def _not_saying(toks: list[Tok], lemma: str, j: int, lex: Lexicon) -> bool:
    """Senses of a cue verb that report nothing, read from the words after it (token j):
    a toll ("has claimed about 14,000 lives", "claimed the lives of"), a possession ("the island
    Beijing claims as its own territory"), a discovery or a verdict with a noun object ("found a
    mass grave", "has found the six employees guilty"; "found that ..." is a finding)."""
    if j >= len(toks) or toks[j].quoted:
        return False
    nxt = toks[j]
    if lemma == "claim":
        if nxt.low == "as":
            return True
        for t in toks[j : j + 4]:
            if t.low in ("lives", "life") and not t.quoted:
                return True
            if not _is_word(t) or t.low == "that":
                break
        return False
    if lemma == "find":
        if nxt.low in ("a", "an", "no", "bodies") or nxt.text[0].isdigit():
            # "found a mass grave", "found 10 militia members guilty"; but a clause follows in
            # "found a growing number of children are working"
            return not any(
                lex.func.get(t.low) in ("passive", "skip") and not t.quoted for t in toks[j + 1 : j + 9]
            )
        if lex.func.get(nxt.low) == "determiner":  # "found the six employees guilty"
            return any(t.low in _VERDICTS for t in toks[j + 1 : j + 9] if not t.quoted)
    return False


def _is_possessive(t: Tok, lex: Lexicon) -> bool:
    """A possessive noun ("Russia's", "Kyiv’s"), not a contraction of a pronoun ("he's said")."""
    if not t.low.endswith(("'s", "’s")) or t.quoted:
        return False
    b = t.low[:-2]
    return b not in lex.func and b not in ("that", "there", "who", "what", "it", "he", "she")


def _match_cue(toks: list[Tok], i: int, lex: Lexicon) -> tuple[str, ...] | None:
    """The longest cue term whose words are the tokens from i ("according to", "said")."""
    terms = lex.cue_terms.get(toks[i].low)
    if terms is None:
        return None
    n = len(toks)
    for term in terms:
        if len(term) == 1:
            return term  # the first word is the whole term ("said"): nothing more to compare
        if i + len(term) <= n and all(toks[i + x].low == w for x, w in enumerate(term) if x):
            return term
    return None


def _channel(body: str, d: Draft, lex: Lexicon) -> str | None:
    """Where it was said: a named platform beats a generic one ("statement on its Telegram account")."""
    if d.channel:
        return d.channel
    s = d.cue.sent
    c0, c1 = d.content if d.content else (s.char_end, s.char_end)
    found: list[str] = []
    toks = d.cue.para.toks
    words = lex.channel_words
    scan = not words or any(toks[x].low in words for x in range(d.cue.lo, d.cue.hi))
    for m in _channel_matches(body, s.char_start, s.char_end, lex) if scan else ():
        if c0 <= m.start() < c1:
            continue
        found.append(lex.channels[m.group().lower()])
    if d.cue.lemma == "tell" and d.cue.j < d.cue.hi:
        e = np_fwd(d.cue.para.toks, d.cue.j, d.cue.hi, lex)
        if e is not None:
            t = _strip_det(body[d.cue.para.toks[d.cue.j].start : d.cue.para.toks[e - 1].end])
            if (
                t.lower() in lex.names
                and lex.names[t.lower()][0] == "media"
                or "media" in _labels(lex, d.cue.para.toks[e - 1].text)
            ):
                return t
    if not found:
        return None
    named = [f for f in found if f[:1].isupper()]
    return named[0] if named else found[0]


def _channel_matches(body: str, a: int, b: int, lex: Lexicon) -> list[re.Match[str]]:
    """What `lex.channel_re.finditer(body, a, b)` finds, for a fraction of the cost: one
    Aho-Corasick scan of the lower-cased text finds where a channel term is written, and the
    regex (word boundaries, case) is tried only there, left to right, as finditer would."""
    ac = lex.channel_ac
    if ac is None:
        return list(lex.channel_re.finditer(body, a, b))
    out: list[re.Match[str]] = []
    last = a
    for p in sorted({a + hit[1] for hit in ac.find_matches_as_indexes(_lower(body[a:b]), overlapping=True)}):
        if p >= last and (m := lex.channel_re.match(body, p, b)) is not None:
            out.append(m)
            last = m.end()
    return out


def drafts_for(doc: Doc, lex: Lexicon) -> list[Draft]:
    """Pass 1: one draft per cue that a rule reads, in text order."""
    body = doc.article.body
    drafts: list[Draft] = []
    for para in build_paras(doc, lex):
        cues = find_cues(body, para, lex)
        para_drafts: list[Draft] = []
        for cue in cues:
            for rule in RULES:
                d = rule(body, doc, cue, lex)
                if d is not None:
                    para_drafts.append(d)
                    break
        # participles only when their sentence has no finite cue; media relays become channels
        keep: list[Draft] = []
        for d in para_drafts:
            same = [o for o in para_drafts if o is not d and o.cue.sent is d.cue.sent]
            if d.cue.form == "participle" and same:
                continue
            if (
                d.speaker is not None
                and d.speaker.kind == "media"
                and same
                and (d.cue.lemma == "according_to" or d.method == "attributions.clause_then_speaker")
                and any(o.speaker is None or o.speaker.kind != "media" for o in same)
            ):
                for o in same:
                    if o.channel is None:
                        o.channel = _strip_det(d.speaker.text)
                continue
            keep.append(d)
        drafts.extend(keep)
    return drafts


# --------------------------------------------------------------------------------------------
# Pass 2: resolution


@dataclass
class Entity:
    name: str
    kind: str
    role: str | None
    words: frozenset[str]
    para: int
    pos: int = -1  # body offset of its latest mention

    # Written out (dataclass keeps a class's own __init__): compiled, the generated one is Python
    # code run through tp_init for every instance; this one is a direct C call. Keep in step with
    # the fields above.
    def __init__(self, name: str, kind: str, role: str | None, words: frozenset[str], para: int, pos: int = -1) -> None:
        self.name = name
        self.kind = kind
        self.role = role
        self.words = words
        self.para = para
        self.pos = pos


class Mention(NamedTuple):
    """A name written in the text outside any attribution: a person in subject position
    ("Kira Oves was one of the journalists injured") or an organisation ("Illawarra police")."""

    pos: int
    para: int
    name: str
    kind: str  # person, organisation
    head: str  # lower-case head noun of an organisation name, "" for a person


_POSSESSIVE = re.compile(r"[’']s ")
_HEAD_WORD = re.compile(r"[\w’'-]+")
_SPOKES = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople", "representative"})
_INDEFINITE = frozenset({"a", "an", "one", "another", "some", "several"})


def _words(text: str) -> frozenset[str]:
    """The capitalised words of a name, lower-cased, without name particles ("Von der Leyen" ->
    {"leyen"}, so it is the "Ursula von der Leyen" named before)."""
    got = _WORDS_MEMO.get(text)
    if got is None:
        func = load_lexicon().func
        got = frozenset(
            b
            for w in _HEAD_WORD.findall(text)
            if (w[:1].isupper() or w.isupper()) and func.get(b := _base(w)) != "particle"
        )
        if len(_WORDS_MEMO) < 50_000:
            _WORDS_MEMO[text] = got
    return got


_WORDS_MEMO: dict[str, frozenset[str]] = {}


def _full_name(body: str, surname: str, lex: Lexicon, memo: dict[str, str | None] | None = None) -> str | None:
    """First full form of a name given by its last word ("Podoliak" -> "Mikhailo Podoliak"):
    the capitalised words (not roles, not demonyms) right before an occurrence of it."""
    if memo is None:
        return _find_full_name(body, surname, lex)
    if surname not in memo:
        memo[surname] = _find_full_name(body, surname, lex)
    return memo[surname]


def _find_full_name(body: str, surname: str, lex: Lexicon) -> str | None:
    at = body.find(surname)
    n = len(surname)
    while at >= 0:
        start = at
        at = body.find(surname, at + 1)
        if start and (body[start - 1].isalnum() or body[start - 1] in "_’'-"):
            continue
        if start + n < len(body) and (body[start + n].isalnum() or body[start + n] in "_-"):
            continue
        words = body[max(0, start - 60) : start].split()
        parts: list[str] = []
        for w in reversed(words):
            low = _base(w)
            if (
                not w[:1].isupper()
                or _labels(lex, w)
                or low in lex.func
                or low in _CAP_STOP
                or low in lex.names
                or low in _TIME_WORDS
                or low.endswith(("ian", "ese", "ish"))
                or not w[-1:].isalpha()
            ):
                break
            parts.insert(0, w)
            if len(parts) == 3:
                break
        if parts:
            return " ".join([*parts, surname])
    return None


def _not_name(lex: Lexicon, w: str) -> bool:
    """A capitalised word that does not start a name: function word, role, demonym, known name."""
    got = lex.stop_memo.get(w)
    if got is None:
        b = _base(w)
        got = lex.stop_memo[w] = bool(
            b in lex.func or b in _CAP_STOP or b in _TIME_WORDS or b in lex.names or _labels(lex, w)
        )
    return got


def _same_source(kind: str, new: frozenset[str], old: frozenset[str]) -> bool:
    """A speaker is an earlier entity: a person by part of the name ("Podoliak"), an organisation
    by part or all of it plus descriptors ("The state-run news agency Tass" = "Tass news agency"),
    an anonymous group, outlet or document only by the same words ("officials" is not the "Danish
    officials" named before)."""
    if kind == "person":
        return new <= old
    if kind in ("organisation", "government"):
        return new <= old or old <= new
    return new == old


# a lower-case word that is no name particle: the speaker is a description ("military adviser to X")
_DESCRIPTIVE = re.compile(r"(?<![\w’'-])(?!(?:von|van|der|den|de|del|della|da|di|du|dos|la|le|al|bin|ibn)\b)[a-z]")
_NOT_HEAD = frozenset({"the", "a", "an", "of", "for", "in", "at", "and", "to"})


def _entity_words(name: str, kind: str) -> frozenset[str]:
    """Words that identify a source: a person's capitalised name words; for any other source its
    head noun too, so "the US embassy" is not the "US intelligence" named before."""
    if kind == "person" and not _DESCRIPTIVE.search(name):
        return _words(name) or frozenset({name.lower()})
    return frozenset(_base(w) for w in _HEAD_WORD.findall(name) if w.lower() not in _NOT_HEAD) or frozenset(
        {name.lower()}
    )


def _name_words(lex: Lexicon, body: str, start: int, words: list[str]) -> tuple[int, list[str]] | None:
    """Drop the leading words of a capitalised run that are not part of a name (function words,
    roles, demonyms, places): (start of the first name word in body, the name words), or None."""
    n0 = 0
    while n0 < len(words) and _not_name(lex, words[n0]):
        n0 += 1
    if n0 == len(words):
        return None
    if n0:
        start = body.index(words[n0], start + len(words[n0 - 1]))
    return start, words[n0:]


def text_mentions(
    doc: Doc, lex: Lexicon, sentences: list[Sentence] | None = None
) -> list[Mention]:
    """Names of the fact sentences that pronouns and descriptions may point back to.

    A person counts in subject position only (at the sentence start, after a comma or a role word:
    "A spokesperson for Ukraine’s southern command, Natalia Gumenyuk, did not confirm ..."); an
    organisation is a capitalised name followed by its head noun ("Illawarra police have arrested").
    One regex built at load time finds the capitalised runs and their organisation heads; single
    words without a head are dropped before any word is looked up.
    """
    body = doc.article.body
    out: list[Mention] = []
    run_re = lex.run_re
    assert run_re is not None
    for sent in doc.fact_sentences if sentences is None else sentences:
        for m in run_re.finditer(body, sent.char_start, sent.char_end):
            a = m.start()
            if a and (body[a - 1].isalnum() or body[a - 1] in "’'-_"):
                continue  # inside a word ("McDonald")
            head = m.group(1)
            end = m.start(1) if head else m.end()
            run = body[a:end].rstrip()
            if not head and " " not in run and "\t" not in run:
                continue
            named = _name_words(lex, body, a, run.split())
            if named is None:
                continue
            a, words = named
            if head and not _labels(lex, words[-1]) and len(words) <= 3:
                if not any(_base(w) in lex.names and lex.names[_base(w)][0] == "government" for w in words):
                    out.append(Mention(a, sent.paragraph_index, " ".join(words) + " " + head, "organisation", head))
                continue
            if len(words) < 2:
                continue
            if any(_labels(lex, w) or _base(w) in lex.names or w.endswith(("’s", "'s")) for w in words):
                continue
            end = m.start() + len(run)
            lead = body[sent.char_start : a].rstrip()
            prev = _base(lead.split()[-1]) if lead.split() else ""
            if not lead or lead.endswith(",") or "role" in _labels(lex, prev):
                if _place_actor(doc, a, end) is None:
                    out.append(Mention(a, sent.paragraph_index, " ".join(words), "person", ""))
    return out


_RUN_BEFORE = re.compile(r"(?:" + _NAME_WORD + r"[ \t]+){1,5}\Z")


def org_mentions(doc: Doc, lex: Lexicon, head: str, sents: list[Sentence]) -> list[Mention]:
    """Organisations named with a capitalised name before the head noun `head` ("Mumbai police",
    "Azov regiment"), found by looking for the head word only (the same reading as text_mentions)."""
    body = doc.article.body
    out: list[Mention] = []
    if not head:
        return out
    starts = [x.char_start for x in sents]
    n = len(head)
    i = body.find(head)
    while i >= 0:
        j = i
        i = body.find(head, j + 1)
        if not j or body[j - 1] not in " \t":
            continue
        k = j + n
        if body[k : k + 2] in ("’s", "'s"):
            k += 2
        elif body[k : k + 1] in ("’", "'"):
            k += 1
        if k < len(body) and (body[k].isalnum() or body[k] in "_-"):
            continue
        x = bisect_right(starts, j) - 1
        if x < 0 or sents[x].char_end <= j:
            continue
        sent = sents[x]
        m = _RUN_BEFORE.search(body, max(sent.char_start, j - 120), j)
        if m is None:
            continue
        a = m.start()
        if a and (body[a - 1].isalnum() or body[a - 1] in "’'-_"):
            continue
        named = _name_words(lex, body, a, m.group().split())
        if named is None:
            continue
        a, words = named
        if _labels(lex, words[-1]) or len(words) > 3:
            continue
        if not any(_base(w) in lex.names and lex.names[_base(w)][0] == "government" for w in words):
            out.append(Mention(a, sent.paragraph_index, " ".join(words) + " " + head, "organisation", head))
    return out


class LazyMentions:
    """text_mentions computed per paragraph on first need (most drafts never look at them)."""

    def __init__(self, doc: Doc, lex: Lexicon) -> None:
        self.doc, self.lex = doc, lex
        self.all_sents = doc.fact_sentences
        self.sents: dict[int, list[Sentence]] = {}
        for s in self.all_sents:
            self.sents.setdefault(s.paragraph_index, []).append(s)
        self.by_para: dict[int, list[Mention]] = {}
        self.org_by_head: dict[str, list[Mention]] = {}

    def _para(self, q: int) -> list[Mention]:
        got = self.by_para.get(q)
        if got is None:
            got = self.by_para[q] = text_mentions(self.doc, self.lex, sentences=self.sents.get(q, []))
        return got

    def near(self, para: int, back: int) -> list[Mention]:
        """Mentions of paragraphs para-back .. para."""
        return [m for q in range(max(0, para - back), para + 1) for m in self._para(q)]

    def orgs(self, head: str | None) -> list[Mention]:
        """Organisations of the whole article named with the head noun `head`."""
        head = (head or "").lower()
        got = self.org_by_head.get(head)
        if got is None:
            got = self.org_by_head[head] = org_mentions(self.doc, self.lex, head, self.all_sents)
        return got


def resolve(doc: Doc, drafts: list[Draft], lex: Lexicon) -> list[tuple[Draft, str | None, str | None]]:
    """Speaker and kind of every draft: names to their first full form, pronouns and descriptions
    to the nearest compatible speaker (or name written in subject position) before them, or to the
    name that follows a description in the same or the next paragraph with the same role words."""
    body = doc.article.body
    mentions = LazyMentions(doc, lex)

    memo: dict[str, str | None] = {}

    def full_name(word: str, default: str) -> str:
        return _full_name(body, default, lex, memo) or default

    ents: list[Entity] = []
    out: list[tuple[Draft, str | None, str | None]] = []
    first_sent = mentions.all_sents[0] if mentions.all_sents else None
    covered: list[tuple[int, int]] = []
    last_in_sentence: dict[str, Entity] = {}

    def register(name: str, kind: str, role: str | None, para: int, pos: int) -> Entity:
        w = _entity_words(name, kind)
        for e in reversed(ents):
            if e.kind == kind and _same_source(kind, w, e.words):
                e.para = para
                e.pos = pos
                if role and not e.role:
                    e.role = role
                return e
        e = Entity(name, kind, role, w, para, pos)
        ents.append(e)
        return e

    for n, d in enumerate(drafts):
        p = d.cue.para.index
        sp = d.speaker
        pos = sp.start if sp is not None else d.cue.start
        ent: Entity | None = None
        if d.inherit or sp is None:
            ent = last_in_sentence.get(d.cue.sent.sentence_id)
            if ent is None:
                ent = _sentence_subject(doc, d, lex, register)
            if ent is None:
                out.append((d, None, None))
                continue
        elif sp.mtype == "pronoun" and sp.pronoun == "it" and (
            ent := _sentence_subject(doc, d, lex, register, ("government", "organisation"))
        ):
            pass  # "Russia is accused of widespread war crimes, which it denies" (ua-0083)
        elif sp.mtype == "pronoun":
            # a name inside the quote the pronoun introduces is never its antecedent:
            # "“That Putin must lose this war ...,” she told" (ua-0079)
            c = d.content or (0, 0)
            near = [
                m
                for m in mentions.near(p, 1)
                if not c[0] <= m.pos < c[1] and not any(a <= m.pos < b for a, b in covered)
            ]
            ent = _antecedent(sp.pronoun or "", ents, p, pos, near, register)
        elif sp.mtype == "description" and sp.text.lower().startswith(("its ", "their ")):
            owner = _owner_state(doc, d.cue.para, sp.start)
            name = f"{owner} {sp.name}" if owner else _strip_det(sp.name)
            ent = register(name, sp.kind or "person", d.role, p, pos)
        elif (
            sp.mtype == "name"
            and sp.kind == "organisation"
            and all(_labels(lex, w) for w in sp.name.split())
            and (ent := _qualified(sp, mentions.orgs(sp.head), register, p, pos)) is not None
        ):
            pass  # "Police say": the one police force the article names
        elif sp.head in _SPOKES and (
            sp.mtype in ("description", "bare") or sp.kind != "person" and (" for " in sp.text or " of " in sp.text)
        ):
            ent = _spokesperson(body, sp, ents, p, pos, mentions.near(p, 1), doc, lex, register)
        elif sp.mtype == "name":
            name = sp.name
            split = _merged_person(body, sp, ents, lex, memo)
            if split is not None:
                name = split
            elif sp.kind == "person":
                w = _words(name)
                if len(w) == 1:
                    (only,) = tuple(w)
                    name = full_name(only, name)
                # an earlier person whose name holds these words
                for e in reversed(ents):
                    if e.kind == "person" and w and w <= e.words:
                        name = e.name
                        break
            ent = register(name, "person" if split else sp.kind or "person", d.role, p, pos)
        elif sp.mtype == "description":
            ent = _describe(
                body, sp, ents, p, pos, drafts[n + 1 :], mentions.orgs(sp.head), lex, d.cue.sent is first_sent
            )
            if ent is None:
                ent = register(_strip_det(sp.name), sp.kind or "person", d.role, p, pos)
        else:  # bare unnamed / media as written
            ent = None
            if sp.kind == "organisation" or sp.head in ("police", "authorities", "prosecutors"):
                ent = _qualified(sp, mentions.orgs(sp.head), register, p, pos)
            if ent is None:
                ent = register(sp.name, sp.kind or "unnamed", d.role, p, pos)
        if ent is None:
            # an unresolved pronoun names no source: no row ("they" with no group before it)
            keep = sp is not None and sp.mtype != "pronoun"
            out.append((d, sp.text if keep and sp else None, sp.kind if keep and sp else None))
            continue
        ent.para = p
        ent.pos = max(ent.pos, pos)
        last_in_sentence[d.cue.sent.sentence_id] = ent
        # names inside what was said or inside the speaker's appositive are no antecedents of a
        # later pronoun: "X, an adviser to the president, Volodymyr Zelenskiy, said ... “...,” he said"
        if d.content:
            covered.append(d.content)
        if sp is not None:
            covered.append((min(sp.start, d.cue.start), max(sp.end, d.cue.end)))
        out.append((d, ent.name, ent.kind))
    return out


def _merged_person(
    body: str, sp: SpeakerNP, ents: list[Entity], lex: Lexicon, memo: dict[str, str | None]
) -> str | None:
    """The person at the end of a run of capitalised words that merges two names: "According to a
    report in the South China Morning Post Zelenskiy said" (ua-0071), "President of the European
    Council Charles Michel said" (ua-0018), headline case "... War With Russia Kallas Said".

    The trailing words are the person when the article writes that surname elsewhere with another
    first name (Volodymyr Zelenskiy), or when they follow an organisation or role word and are two
    or more name words (Charles Michel).
    """
    words = sp.name.split()
    if len(words) < 2:
        return None
    last = words[-1]
    if _labels(lex, last) or _base(last) in lex.names or not last[:1].isupper() or not last.isalpha():
        return None
    prefix = words[:-1]
    if prefix[-1] in ("of", "for", "the"):
        return None  # "Institute for the Study of War": the last word closes an organisation's name
    if len(prefix) < 3 and not any(_labels(lex, w) or _base(w) in lex.names for w in prefix):
        return None  # "Joyce Blake": a plain name, whatever other Blakes the article names
    low = {w.lower() for w in words}
    cands = [e.name for e in reversed(ents) if e.kind == "person" and _base(last) in e.words]
    full = _full_name(body, last, lex, memo)
    if full:
        cands.append(full)
    for cand in cands:
        cw = cand.split()
        if len(cw) < 2 or cand == sp.name or not all(_name_like(w, lex) for w in cw):
            continue
        if cw[0].lower() not in low:
            return cand  # written elsewhere with another first name
        if sp.name.endswith(" " + cand):
            before = words[-len(cw) - 1]
            if _labels(lex, before) & {"organisation", "role", "media"} or _base(before) in lex.names:
                return cand
    return None


def _name_like(w: str, lex: Lexicon) -> bool:
    """A word that may be part of a person's name: no role or organisation word, not even inside a
    hyphenated word ("Vice-President")."""
    return not _labels(lex, w) and not any(lex.nouns.get(x) for x in _base(w).split("-"))


Register = Callable[[str, str, "str | None", int, int], Entity]


def _sentence_subject(
    doc: Doc, d: Draft, lex: Lexicon, register: Register, kinds: tuple[str, ...] | None = None
) -> Entity | None:
    """Subject of a coordinated cue whose first verb is no reporting cue: "Vladimir Putin thanked
    the Chinese leader ... and blasted Washington’s “ugly” policies" (speaker: the subject).
    With `kinds`, only a subject of those kinds that ends before the cue's speaker counts."""
    toks = d.cue.para.toks
    lo = d.cue.lo
    k = lo
    body = doc.article.body
    # skip a fronted adverbial ending in a comma ("In May", "Meanwhile,")
    while k < d.cue.i and (toks[k].low in _CAP_STOP or toks[k].low in ("in", "on", "meanwhile", "but", "and")):
        k += 1
        while k < d.cue.i and not toks[k].cap and toks[k].text != ",":
            k += 1
        if k < d.cue.i and toks[k].text == ",":
            k += 1
        elif k < d.cue.i and toks[k].cap and k - 1 >= lo and toks[k - 1].low in ("in", "on"):
            k += 1  # "In May the US ..."
    e = np_fwd(toks, k, d.cue.i, lex)
    if e is None:
        return None
    sp = classify(toks, k, e, body, doc, lex)
    if sp is None or sp.mtype != "name" and not (sp.mtype == "description" and sp.head in _SPOKES):
        return None
    if kinds is not None and (sp.kind not in kinds or d.speaker is None or sp.end >= d.speaker.start):
        return None
    if sp.head in _SPOKES and (
        ent := _spokesperson(body, sp, [], d.cue.para.index, sp.start, [], doc, lex, register)
    ):
        return ent  # "A spokesperson for the Black Sea fleet called ... and said" (ua-0065)
    return register(sp.name, sp.kind or "person", sp.role, d.cue.para.index, sp.start)


def _owner_state(doc: Doc, para: Para, pos: int) -> str | None:
    """The state a possessive "its"/"their" points to: the country that is the subject of its
    sentence ("North Macedonia plans to donate ... tanks to Ukraine ..., its defence ministry
    said"), else the nearest country named before it in the paragraph ("Ukraine has not commented
    ..., when its deputy defence minister said")."""
    best: tuple[int, str] | None = None
    for sent in para.sentences:
        if sent.char_start > pos:
            break
        for pm in doc.places.get(sent.sentence_id, ()):
            place = getattr(pm, "place", None)
            start = getattr(pm, "char_start", pos)
            if start < pos and getattr(place, "kind", None) == "country":
                name: str = getattr(place, "name", "") or getattr(pm, "text", "")
                if sent.char_end > pos and start == sent.char_start:
                    return name  # the subject of the sentence that holds the possessive
                if best is None or start > best[0]:
                    best = (start, name)
    return best[1] if best else None


def _qualified(sp: SpeakerNP, mentions: list[Mention], register: Register, para: int, pos: int) -> Entity | None:
    """A bare generic source ("Police say") is the one force of that kind the article names
    ("Mumbai police"), when it names exactly one (extraction-rules 27)."""
    head = (sp.head or "").lower()
    names = {m.name for m in mentions if m.kind == "organisation" and m.head == head}
    if len(names) != 1:
        return None
    return register(names.pop(), "organisation", None, para, pos)


def _antecedent(
    pronoun: str, ents: list[Entity], para: int, pos: int, mentions: list[Mention], register: Register
) -> Entity | None:
    """Nearest compatible named speaker before a pronoun; for "he"/"she" also a person named in
    subject position after the latest speaker ("Kira Oves was one of the journalists injured. She
    told the BBC ...")."""
    if not ents and not mentions:
        return None
    if pronoun in ("he", "she"):
        persons = [e for e in ents if e.kind == "person" and e.pos < pos]
        best = max(persons, key=lambda e: e.pos) if persons else None
        cand = [m for m in mentions if m.kind == "person" and m.pos < pos and para - m.para <= 1]
        if cand:
            m = max(cand, key=lambda m: m.pos)
            if best is None or m.pos > best.pos and not (_words(m.name) <= best.words):
                return register(m.name, "person", None, m.para, m.pos)
        if not ents:
            return None
        last = max(reversed(ents), key=lambda e: e.para)
        if last.kind == "person":
            return last
        recent = [e for e in ents if e.kind == "person" and para - e.para <= 1]
        if recent:
            return max(recent, key=lambda e: e.para)
        if last.kind in ("organisation", "government"):
            return last  # translated copy: "he" for an office that spoke just before
        return best
    if not ents:
        return None
    kinds = (
        ("organisation", "government", "document", "media")
        if pronoun == "it"
        else ("unnamed", "organisation", "group", "government", "media")
    )
    if pronoun == "it":
        cands = [e for e in ents if e.kind in kinds]
        return max(cands, key=lambda e: (e.para, e.pos)) if cands else None
    if pronoun == "we":  # a statement's "we": the body that issued it
        cands = [e for e in ents if e.kind in kinds]
        return max(cands, key=lambda e: e.para) if cands else max(ents, key=lambda e: e.para)
    # "they": the latest group or body of the last two paragraphs, never one person
    cands = [e for e in ents if e.kind in kinds and para - e.para <= 2]
    return max(cands, key=lambda e: e.pos) if cands else None


def _spokesperson(
    body: str,
    sp: SpeakerNP,
    ents: list[Entity],
    para: int,
    pos: int,
    mentions: list[Mention],
    doc: Doc,
    lex: Lexicon,
    register: Register,
) -> Entity | None:
    """An unnamed spokesperson speaks for the organisation (extraction-rules 29): "A spokesperson
    for the Black Sea fleet said" -> Black Sea Fleet; "A spokesman says" after "Illawarra police
    have arrested" -> Illawarra police; "the ministry's spokesman" -> the ministry."""
    text = sp.text
    low = text.lower()
    for prep in (" for ", " of ", " at "):
        if prep in low:
            org = _strip_det(text[low.index(prep) + len(prep) :])
            return register(org, "organisation", "spokesperson", para, pos)
    if "’s " in text or "'s " in text:
        owner = _POSSESSIVE.split(text)[0]
        return register(_strip_det(owner), "organisation", "spokesperson", para, pos)
    words = _strip_det(text).split()
    if len(words) > 1 and any("organisation" in _labels(lex, w) for w in words[:-1]) and words[0][:1].isupper():
        # "An Israeli Defence Ministry spokesman": the organisation named before the head
        return register(" ".join(words[:-1]), "organisation", "spokesperson", para, pos)
    orgs = [e for e in ents if e.kind in ("organisation", "government") and para - e.para <= 1 and e.pos < pos]
    best = max(orgs, key=lambda e: e.pos) if orgs else None
    cand = [m for m in mentions if m.kind == "organisation" and m.pos < pos and para - m.para <= 1]
    if cand:
        m = max(cand, key=lambda m: m.pos)
        if best is None or m.pos > best.pos:
            return register(m.name, "organisation", "spokesperson", m.para, m.pos)
    return best


_ORG_KINDS = ("organisation", "government", "media", "document")


def _describe(
    body: str,
    sp: SpeakerNP,
    ents: list[Entity],
    para: int,
    pos: int,
    later: list[Draft],
    mentions: list[Mention],
    lex: Lexicon,
    lede: bool = False,
) -> Entity | None:
    """A description ("the Ministry", "the president") to the nearest speaker of its kind whose
    name or role holds its head noun, or a role the head stands for ("the Belarusian leader" = the
    Belarusian President; speaker_role_synonyms.csv), and its modifiers ("Germany’s economy
    minister" is not the Ukrainian foreign minister); else to the name that follows with the same
    role words; else, for a person, to the person the next paragraph introduces (a lede, see
    `_lede_name`); else to an organisation named in the text with that head noun ("the regiment"
    -> Azov regiment). An indefinite description ("A top Ukrainian official") introduces a new
    source: it never points back."""
    head = (sp.head or "").lower()
    if not head:
        return None
    stem = head[:-1] if head.endswith("s") and len(head) > 4 else head
    first = sp.text.split()[0].lower()
    indefinite = first in _INDEFINITE
    org = sp.kind in _ORG_KINDS
    phrase = _strip_det(sp.name).lower()
    syn = lex.role_synonyms.get(phrase) if " " in phrase else None
    if syn is not None:  # "the head of state": the whole phrase stands for a role
        stem, stems, mods = phrase, syn - {"*"}, []
    else:
        stems = (lex.role_synonyms.get(head, frozenset()) | {stem}) - {"*"}
        mods = [
            _base(w)
            for w in _HEAD_WORD.findall(sp.name)
            if _base(w) not in lex.func
            and _base(w) != head
            and _base(w) not in ("of", "for", "the")
            and "rank" not in _labels(lex, w)
        ]
    # a definite plural ("the officials") points back to the group or body of that head noun
    # ("Two senior Biden administration officials ... the officials said", ua-0096)
    group = sp.kind in ("unnamed", "group") and sp.text.lower().startswith(("the ", "these "))
    if not indefinite:
        for e in sorted(ents, key=lambda e: e.pos, reverse=True):
            if para - e.para > 6 or (e.kind in _ORG_KINDS) != org and not (group and e.kind != "person"):
                continue
            hay = (e.name + " " + (e.role or "")).lower()
            if (stem in hay or _title_fits(e.role or "", stems, lex)) and all(m[:4] in hay for m in mods):
                return e
    for d in later:
        if d.cue.para.index > para + 6:
            break
        o = d.speaker
        if org or o is None or o.mtype != "name" or o.kind != "person":
            continue
        role = ((d.role or "") + " " + (o.role or "")).lower()
        if stem not in role and not _title_fits(role, stems, lex):
            continue
        # the same or the next paragraph; further on only with every role word ("the Ukrainian
        # Deputy Prime Minister" ... "Ukrainian Deputy Prime Minister Iryna Vereshchuk said")
        if d.cue.para.index <= para + 1 or mods and all(m[:4] in role for m in mods):
            return Entity(o.name, "person", d.role or o.role, _words(o.name), para, pos)
    if not org and sp.kind == "person":
        got = _lede_name(sp, head, stems, ents, para, pos, later, lex, lede)
        if got is not None:
            return got
    if org and not indefinite:
        named = [m for m in mentions if m.head == head and m.pos < pos and para - 6 <= m.para <= para]
        if named:
            m = max(named, key=lambda m: m.pos)
            return Entity(m.name, "organisation", None, _entity_words(m.name, "organisation"), para, pos)
        if head in ("agency", "organisation", "organization", "group", "body"):
            recent = [e for e in ents if e.kind in ("organisation", "media") and para - e.para <= 2]
            if recent:
                return max(recent, key=lambda e: e.pos)
    if sp.kind == "person" and not indefinite and sp.text.lower().startswith(("the ", "this ")) and not mods:
        recent = [e for e in ents if e.kind == "person" and para - e.para <= 2]
        if recent:
            return max(recent, key=lambda e: e.pos)
    return None


def _title_fits(role: str, stems: frozenset[str] | set[str], lex: Lexicon) -> bool:
    """A person's title holds one of `stems` as a title word ("NATO Secretary-General", "Adm Sir")
    or phrase ("Deputy Prime Minister"); adjectives that are also titles do not count ("Chief
    Palestinian negotiator" is no chief)."""
    low = role.lower()
    for x in stems:
        if " " in x:
            if x in low:
                return True
            continue
        for w in _HEAD_WORD.findall(role):
            labels = _labels(lex, w)
            if _base(w) == x and "role" in labels and "modifier" not in labels:
                return True
    return False


def _lede_name(
    sp: SpeakerNP,
    head: str,
    stems: frozenset[str] | set[str],
    ents: list[Entity],
    para: int,
    pos: int,
    later: list[Draft],
    lex: Lexicon,
    lede: bool,
) -> Entity | None:
    """A lede describes, the next paragraph names: "The mayor of Sloviansk has called on its
    remaining residents to evacuate ... / Vadim Lyakh said 40 houses had been shelled", "NATO’s top
    official has stressed ... / ... NATO Secretary-General Jens Stoltenberg said".

    The next speaker after the description, in its paragraph or the next, when it is a person named
    in full for the first time and its title fits the description's head ("commander" = "Adm").
    A title that does not say (none, or a generic head: "A top Ukrainian official ... Oleksiy
    Danilov, the secretary of ...") is trusted only when the description is in the article's first
    sentence (`lede`).
    """
    if head.endswith("s") and head[:-1] in lex.nouns:
        return None  # a plural ("members", "ministers") is a group, not the next person
    nxt = next((d for d in later if d.speaker is not None and d.speaker.start > pos), None)
    if nxt is None or nxt.cue.para.index > para + 1:
        return None
    o = nxt.speaker
    assert o is not None
    if o.mtype != "name" or o.kind != "person":
        return None
    words = _words(o.name)
    if len(words) < 2 or any(words & e.words for e in ents if e.kind == "person"):
        return None  # a surname alone, or a person named before: not introduced here
    role = ((nxt.role or "") + " " + (o.role or "")).strip()
    fits = bool(role) and _title_fits(role, stems, lex)
    generic = "*" in lex.role_synonyms.get(head, frozenset())
    if not fits and not (lede and (generic or not role)):
        return None
    return Entity(o.name, "person", nxt.role or o.role, words, para, pos)


def extract(doc: Doc, lex: Lexicon | None = None) -> list[AttributionRow]:
    """Attribution rows of one article (fact sentences only: body, captions, headings)."""
    lex = lex or load_lexicon()
    body = doc.article.body
    rows: list[AttributionRow] = []
    token = _PLACE_INDEX.set(_place_index(doc))
    try:
        resolved = resolve(doc, drafts_for(doc, lex), lex)
    finally:
        _PLACE_INDEX.reset(token)
    for d, speaker, kind in resolved:
        if speaker is None:
            continue
        sp = d.speaker
        c = d.content
        cue = d.cue
        rows.append(
            AttributionRow(
                row_id(doc.article.content_hash, "attributions", cue.start, cue.end),  # attribution_id
                doc.article.article_id,  # article_id
                cue.sent.sentence_id,  # sentence_id
                cue.start,  # char_start
                cue.end,  # char_end
                body[cue.start : cue.end],  # mention
                cue.lemma,  # cue
                speaker,  # speaker
                sp.text if sp else None,  # speaker_mention
                sp.start if sp else None,  # speaker_start
                sp.end if sp else None,  # speaker_end
                kind if kind in SPEAKER_KINDS else None,  # speaker_kind
                d.role,  # speaker_role
                d.is_direct,  # is_direct
                body[c[0] : c[1]] if c else None,  # content
                c[0] if c else None,  # content_start
                c[1] if c else None,  # content_end
                _channel(body, d, lex),  # channel
                cue.sent.role == "caption",  # in_caption
                d.method,  # method
            )
        )
    return rows


__all__ = ["RULES", "AttributionRow", "Lexicon", "extract", "load_lexicon"]

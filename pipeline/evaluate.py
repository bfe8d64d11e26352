"""Score the warehouse against gold annotations: the scorer behind `factwire eval`.

Gold files (`*.json`, format of shared/examples/seed_expected.json) give, per article and per
table (figures, attributions, events), `required` rows, `optional` rows (neither rewarded nor
penalised) and `forbidden` mentions (must not become rows).

Matching, per article, table and mode:
1. Predictions that hit a forbidden mention are false positives: they stay in the precision
   denominator and never match anything.
2. A maximum bipartite matching (augmenting paths) pairs required gold rows with predictions.
3. The matching is then extended from the optional gold rows (augmenting paths keep every
   matched required row matched): predictions it absorbs leave the precision denominator.
   Both counts are sizes of maximum matchings, so the order of rows never changes a score.

precision = matched / (predicted - absorbed), recall = matched / required, F1 harmonic; counts
are summed over articles (micro average). Modes:
- strict: figures value + category + place; attributions speaker + cue lemma; events type + a
  place in common (only when the gold row lists places).
- loose: figures value; attributions speaker; events type.
A gold key that is absent is not checked (optional rows often omit `place` or `cue`); a gold
`"place": null` requires a predicted place that is null too.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pipeline.lexicons import load_csv

TABLES = ("figures", "attributions", "events")
MODES = ("strict", "loose")

# A resolver maps a place name to a place id, or to an object with a `place_id`, or None.
PlaceResolver = Callable[[str], Any]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldTable:
    """One table of a gold article: required and optional rows, forbidden mentions."""

    required: tuple[dict[str, Any], ...] = ()
    optional: tuple[dict[str, Any], ...] = ()
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoldArticle:
    """A gold file: `article` is the raw file name ("ua-0016.json", "000_34f58d2625e0538a.txt")."""

    article: str
    figures: GoldTable = GoldTable()
    attributions: GoldTable = GoldTable()
    events: GoldTable = GoldTable()
    path: str | None = None

    def table(self, name: str) -> GoldTable:
        return getattr(self, name)


@dataclass(frozen=True)
class PredRow:
    """A warehouse row: its columns in `data`; events carry their `(place, place_id)` pairs."""

    row_id: str
    data: Mapping[str, Any]
    places: tuple[tuple[str | None, str | None], ...] = ()
    sentence: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def mention(self) -> str | None:
        """The evidence text: figures and attributions `mention`, events `trigger`."""
        return self.data.get("mention") or self.data.get("trigger")


@dataclass
class ArticlePredictions:
    """Every predicted row of one article, with the body and sentences to show evidence."""

    article_id: str
    figures: list[PredRow] = field(default_factory=list)
    attributions: list[PredRow] = field(default_factory=list)
    events: list[PredRow] = field(default_factory=list)
    body: str | None = None
    sentences: tuple[tuple[int, int, str], ...] = ()

    def table(self, name: str) -> list[PredRow]:
        return getattr(self, name)

    def sentence_containing(self, fragments: Sequence[str]) -> str | None:
        """The first sentence holding the most of `fragments` (to show a missed gold row)."""
        best, best_n = None, 0
        for _start, _end, text in self.sentences:
            n = sum(1 for f in fragments if f and f in text)
            if n > best_n:
                best, best_n = text, n
        return best


@dataclass
class Counts:
    """Counts of one table x mode (one article or summed)."""

    required: int = 0
    predicted: int = 0
    matched: int = 0
    absorbed: int = 0  # predictions matched by optional gold rows: out of precision's denominator
    forbidden_hits: int = 0

    def add(self, other: Counts) -> None:
        self.required += other.required
        self.predicted += other.predicted
        self.matched += other.matched
        self.absorbed += other.absorbed
        self.forbidden_hits += other.forbidden_hits

    @property
    def precision(self) -> float:
        denom = self.predicted - self.absorbed
        if denom:
            return self.matched / denom
        return 1.0 if self.required == 0 else 0.0

    @property
    def recall(self) -> float:
        if self.required:
            return self.matched / self.required
        return 1.0 if self.predicted - self.absorbed == 0 else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "predicted": self.predicted,
            "matched": self.matched,
            "absorbed_by_optional": self.absorbed,
            "forbidden_hits": self.forbidden_hits,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class TableResult:
    """One article x table x mode: counts, missed required gold rows, unmatched predictions."""

    counts: Counts
    missed: list[dict[str, Any]] = field(default_factory=list)  # {"gold": row, "sentence": text}
    unmatched: list[dict[str, Any]] = field(default_factory=list)  # {"row": data, "sentence", ...}


@dataclass
class ArticleResult:
    article: str
    article_id: str | None
    found: bool
    results: dict[tuple[str, str], TableResult] = field(default_factory=dict)


@dataclass
class Report:
    """Scores of a whole gold set: per article and summed per (table, mode)."""

    articles: list[ArticleResult]
    totals: dict[tuple[str, str], Counts]

    @property
    def missing(self) -> list[str]:
        """Gold articles the warehouse does not hold."""
        return [a.article for a in self.articles if not a.found]

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles_scored": len(self.articles),
            "articles_missing": self.missing,
            "totals": {t: {m: self.totals[(t, m)].to_dict() for m in MODES} for t in TABLES},
            "articles": [
                {
                    "article": a.article,
                    "article_id": a.article_id,
                    "found": a.found,
                    "tables": {
                        t: {
                            m: {
                                **a.results[(t, m)].counts.to_dict(),
                                "missed": a.results[(t, m)].missed,
                                "unmatched": a.results[(t, m)].unmatched,
                            }
                            for m in MODES
                        }
                        for t in TABLES
                    },
                }
                for a in self.articles
            ],
        }


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _gold_table(section: Mapping[str, Any] | None) -> GoldTable:
    section = section or {}
    return GoldTable(
        required=tuple(dict(r) for r in section.get("required") or ()),
        optional=tuple(dict(r) for r in section.get("optional") or ()),
        forbidden=tuple(str(r["mention"]) for r in section.get("forbidden") or () if r.get("mention")),
    )


def load_gold(gold_dir: Path) -> list[GoldArticle]:
    """Every `*.json` gold file of `gold_dir` (sorted by name), or the one gold file it names."""
    out: list[GoldArticle] = []
    gold_dir = Path(gold_dir)
    for path in [gold_dir] if gold_dir.is_file() else sorted(gold_dir.glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(obj, dict) or "article" not in obj:
            continue
        out.append(
            GoldArticle(
                article=str(obj["article"]),
                figures=_gold_table(obj.get("figures")),
                attributions=_gold_table(obj.get("attributions")),
                events=_gold_table(obj.get("events")),
                path=str(path),
            )
        )
    return out


def _fetch(con: Any, table: str, existing: set[str], article_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of a table, only those of `article_ids` when given (a large warehouse, a small gold set)."""
    if table not in existing:
        return []
    if article_ids is None:
        cur = con.execute(f'SELECT * FROM "{table}"')
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS article_id", [article_ids])
        cur = con.execute(f'SELECT t.* FROM "{table}" t SEMI JOIN wanted USING (article_id)')
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _path_key(source_path: str | None) -> str | None:
    """"dir/file.jsonl:12" -> "file.jsonl"; "raw/ua-0016.json" -> "ua-0016.json"."""
    if not source_path:
        return None
    path = re.sub(r":\d+$", "", str(source_path))
    return re.split(r"[\\/]", path)[-1] or None


def _article_keys(
    deliveries: Iterable[tuple[str, str | None, str | None]], names: Collection[str] | None = None
) -> dict[str, set[str]]:
    """Raw file name (and external_id + ".json") -> the article ids delivered under it, from
    (article_id, source_path, external_id) rows; with `names`, only those keys."""
    keys: dict[str, set[str]] = {}
    for article_id, source_path, external_id in deliveries:
        for k in (_path_key(source_path), f"{external_id}.json" if external_id else None):
            if k and (names is None or k in names):
                keys.setdefault(k, set()).add(article_id)
    return keys


# Every article's deliveries: its own source path and external id, and its other sources' paths.
_DELIVERIES = ("SELECT article_id, source_path, external_id FROM articles UNION ALL "
               "SELECT article_id, source_path, NULL FROM article_sources SEMI JOIN articles USING (article_id)")


def _fetched(cursor: Any, size: int = 10_000) -> Iterator[tuple]:
    """A query's rows, fetched `size` at a time (not all of a large warehouse's at once)."""
    while chunk := cursor.fetchmany(size):
        yield from chunk


def load_predictions(db_path: Path, names: set[str] | None = None) -> dict[str, ArticlePredictions]:
    """Predicted rows of the warehouse, keyed by raw file name (and by `external_id` + ".json").

    A file name shared by several articles (a JSONL delivery) is ambiguous and left out; its
    articles are still found through `external_id`. With `names`, only the articles delivered under
    those file names are read (the nightly check on a large warehouse).
    """
    import duckdb  # local: the scorer's pure parts need no database

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        ids: list[str] | None = None
        if names is not None and {"articles", "article_sources"} <= existing:
            # only unambiguous names (one article each), as in the result below
            wanted = _article_keys(_fetched(con.execute(_DELIVERIES)), names)
            ids = sorted({next(iter(v)) for v in wanted.values() if len(v) == 1})
        articles = _fetch(con, "articles", existing, ids)
        sources = _fetch(con, "article_sources", existing, ids)
        sentences = _fetch(con, "sentences", existing, ids)
        tables = {t: _fetch(con, t, existing, ids) for t in TABLES}
        event_places = _fetch(con, "event_places", existing, ids)
    finally:
        con.close()

    sent_text: dict[str, str] = {}
    by_article: dict[str, ArticlePredictions] = {}
    for a in articles:
        by_article[a["article_id"]] = ArticlePredictions(article_id=a["article_id"], body=a.get("body"))
    sents: dict[str, list[tuple[int, int, str]]] = {}
    for s in sentences:
        sent_text[s["sentence_id"]] = s.get("text") or ""
        sents.setdefault(s["article_id"], []).append((s["char_start"], s["char_end"], s.get("text") or ""))
    for aid, lst in sents.items():
        if aid in by_article:
            by_article[aid].sentences = tuple(sorted(lst))

    places: dict[str, list[tuple[str | None, str | None]]] = {}
    for ep in event_places:
        places.setdefault(ep["event_id"], []).append((ep.get("place"), ep.get("place_id")))
    id_col = {"figures": "figure_id", "attributions": "attribution_id", "events": "event_id"}
    for t in TABLES:
        for row in tables[t]:
            preds = by_article.get(row["article_id"])
            if preds is None:
                continue
            rid = str(row.get(id_col[t]))
            preds.table(t).append(
                PredRow(
                    row_id=rid,
                    data=row,
                    places=tuple(sorted(places.get(rid, ()), key=lambda p: (p[0] or "", p[1] or ""))),
                    sentence=sent_text.get(row.get("sentence_id") or ""),
                )
            )

    keys = _article_keys([
        *((a["article_id"], a.get("source_path"), a.get("external_id")) for a in articles),
        *((s["article_id"], s.get("source_path"), None) for s in sources if s["article_id"] in by_article),
    ])
    return {k: by_article[next(iter(v))] for k, v in keys.items() if len(v) == 1}


def evaluate_warehouse(
    db_path: Path, gold_dir: Path, resolve_place: PlaceResolver | None = None, present_only: bool = False
) -> Report:
    """Load both sides and score them (places resolved by the gazetteer unless told otherwise).

    present_only scores only the gold articles the warehouse holds (the nightly quality check);
    otherwise a gold article missing from the warehouse counts as all its rows missed.
    """
    gold = load_gold(gold_dir)
    preds = load_predictions(db_path, {g.article for g in gold} if present_only else None)
    gold = [g for g in gold if not present_only or g.article in preds]
    return score(gold, preds, resolve_place=resolve_place)


# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _norm(text: str | None) -> str:
    """Casefolded, whitespace-normalised, typographic quotes made plain."""
    return _WS.sub(" ", (text or "").translate(_QUOTES)).strip().casefold()


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --------------------------------------------------------------------------------------------
# Cue lemmas
# --------------------------------------------------------------------------------------------

# Irregular and protected forms of reporting verbs: a small closed class.
_IRREGULAR = {
    "said": "say", "says": "say", "told": "tell", "wrote": "write", "written": "write",
    "spoke": "speak", "spoken": "speak", "gave": "give", "given": "give", "made": "make",
    "took": "take", "taken": "take", "thought": "think", "found": "find", "held": "hold",
    "knew": "know", "known": "know", "saw": "see", "seen": "see", "went": "go", "goes": "go",
    "got": "get", "felt": "feel", "kept": "keep", "left": "leave", "meant": "mean",
    "put": "put", "read": "read", "reads": "read", "set": "set", "led": "lead", "sought": "seek",
    "brought": "bring", "came": "come", "began": "begin", "begun": "begin", "swore": "swear",
    "sworn": "swear", "forecast": "forecast", "broadcast": "broadcast", "has": "have", "had": "have",
    "does": "do", "did": "do", "is": "be", "are": "be", "was": "be", "were": "be", "been": "be",
    "according": "according", "died": "die", "lied": "lie", "tied": "tie", "dying": "die",
    "lying": "lie", "news": "news", "focus": "focus", "focused": "focus", "focuses": "focus",
    "reportedly": "reportedly", "this": "this", "its": "its", "his": "his", "us": "us",
}
_AUX = frozenset({"have", "be", "will", "would", "do", "can", "could", "may", "might", "shall", "should"})
_DROP = frozenset({"...", "…", "his", "her", "its", "their", "the", "a", "an", "our", "my", "your"})
# Stems that regain a final "e" once -ed/-ing is stripped (not after an undoubled consonant).
_E_RESTORE = re.compile(
    r"(?:[^aeiou]at|[aeiouy]s|[^z]z|v|c|u|ib|[^aeiou]in|[^aeiou]{2}or|[^aeiou][ui]r|[^aeiou]ar|"
    r"[^aeiou]ot|[^aeiou]ut|[^aeiou]ed|[^aeiou]id|[^aeiou]ud|[^aeiou]od|[^aeiou]ok|rg|dg|[^aeiouwlr]l)$"
)
_CVC_MONO = re.compile(r"^[^aeiou]*[aeiou][^aeiouwxy]$")
_DOUBLED = re.compile(r"([b-df-hj-km-np-rtv-xz])\1$")
_KEEP_DOUBLE = frozenset("lsz")


def _restore(stem: str) -> str:
    """Undo -ed/-ing stripping: undouble a final consonant, or restore a silent e."""
    m = _DOUBLED.search(stem)
    if m and m.group(1) not in _KEEP_DOUBLE and len(stem) > 3:  # admitted -> admit, added -> add
        return stem[:-1]
    if stem.endswith("e") and len(stem) > 2:  # agreed -> agre -> agree
        return stem + "e"
    probe = stem.replace("qu", "kw")  # the u of "qu" is no vowel: quoted -> quote
    if _E_RESTORE.search(probe) or _CVC_MONO.match(probe):
        return stem + "e"
    return stem


@lru_cache(maxsize=4096)
def lemma(word: str) -> str:
    """Lemma of one (reporting) verb or noun form: said -> say, denied -> deny, notes -> note."""
    w = _ascii(word.translate(_QUOTES)).casefold().strip(".,;:!?\"'()")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ied") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ing") and len(w) > 5:
        return _restore(w[:-3])
    if w.endswith("ed") and len(w) > 4:
        return _restore(w[:-2])
    if re.search(r"(?:ss|sh|ch|x)es$", w):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@lru_cache(maxsize=4096)
def cue_lemma(cue: str | None) -> str:
    """A cue as lemma words joined by "_": "According to" -> according_to, "called on" -> call_on,
    "had documented" -> document, "was told" -> tell, "raised his concerns" -> raise_concern.
    A discontinuous cue keeps its head: "quoted ... as saying" -> quote."""
    head = (cue or "").split("...")[0].split("…")[0]
    words = [w for w in re.split(r"[\s_]+", _norm(head)) if w and w not in _DROP]
    lemmas = [lemma(w) for w in words]
    lemmas = [x for x in lemmas if x not in _DROP]
    while len(lemmas) > 1 and lemmas[0] in _AUX:
        lemmas = lemmas[1:]
    return "_".join(lemmas)


# --------------------------------------------------------------------------------------------
# Speakers
# --------------------------------------------------------------------------------------------

# Small closed classes: function words, pronouns, titles and generic organisation words.
_STOP = frozenset({"the", "a", "an", "of", "for", "and", "in", "on", "at", "to", "by", "from", "with", "s", "de"})
_PRONOUNS = frozenset(
    {"he", "she", "it", "they", "we", "i", "you", "him", "her", "them", "us", "me", "our", "this", "that",
     "who", "which", "one", "someone", "somebody", "these", "those", "his", "its", "their"}
)
# Generic words name a kind of source, not a source; synonyms map to one canonical word.
_GENERIC = {
    "ministry": "ministry", "office": "office", "department": "department", "agency": "agency",
    "government": "", "state": "", "council": "council", "force": "military", "forces": "military",
    "military": "military", "army": "military", "armed": "military", "troops": "military",
    "police": "police", "service": "service", "services": "service", "intelligence": "intelligence",
    "authority": "authority", "authorities": "authority", "administration": "administration",
    "command": "command", "staff": "staff", "committee": "committee", "commission": "commission",
    "bureau": "bureau", "court": "court", "prosecutor": "prosecutor", "prosecutors": "prosecutor",
    "parliament": "parliament", "cabinet": "cabinet", "embassy": "embassy", "bank": "bank",
    "defence": "defence", "defense": "defence", "foreign": "foreign", "affairs": "affairs",
    "interior": "interior", "health": "health", "security": "security", "emergency": "emergency",
    "emergencies": "emergency", "national": "national", "federal": "federal",
    "regional": "regional", "local": "local", "central": "central", "general": "general",
    "spokesperson": "spokesperson", "spokesman": "spokesperson", "spokeswoman": "spokesperson",
    "official": "official", "officials": "official", "president": "president", "minister": "minister",
    "deputy": "deputy", "prime": "prime", "vice": "vice", "secretary": "secretary", "chief": "chief",
    "head": "head", "director": "director", "commander": "commander", "governor": "governor",
    "mayor": "mayor", "ambassador": "ambassador", "adviser": "adviser", "advisor": "adviser",
    "senior": "senior", "source": "source", "sources": "source", "report": "report",
    "reports": "report", "statement": "statement", "spokespeople": "spokesperson", "company": "company",
    "firm": "company", "group": "group", "organisation": "organisation", "organization": "organisation",
    "diplomat": "diplomat", "diplomats": "diplomat",
    "mr": "", "mrs": "", "ms": "", "dr": "", "sir": "", "gen": "general", "col": "", "lt": "",
    "maj": "", "capt": "", "sen": "", "rep": "", "gov": "governor", "pope": "", "king": "",
    "queen": "", "prince": "", "presidential": "president", "ministerial": "minister",
}
# Heads naming people or units attached to a named source ("Zelensky's office", "NATO's top
# official", "Karachi police"): they are not that source.
_DEPENDENT_HEADS = frozenset(
    {"official", "source", "spokesperson", "administration", "office", "staff", "adviser", "police",
     "minister", "president", "commander", "government"}
)
_NAME_MIN_SIMILARITY = 0.8
_TOKEN = re.compile(r"[A-Za-z0-9\u00C0-\u024F\u0400-\u04FF.]+")


@cache
def _country_terms() -> dict[tuple[str, ...], tuple[str, bool]]:
    """eval_countries.csv: term tokens -> (ISO code, case-sensitive). All-caps terms (US, UK)
    match only as written, so the pronoun "us" is no country."""
    out: dict[tuple[str, ...], tuple[str, bool]] = {}
    for row in load_csv("eval_countries", required=("term", "label", "note")):
        term = row["term"]
        exact = term.replace(".", "").isupper()
        toks = tuple(t if exact else t.casefold() for t in _raw_tokens(term))
        out[toks] = (row["label"], exact)
    return out


def _raw_tokens(text: str) -> list[str]:
    """Word tokens with dots inside abbreviations dropped ("U.S." -> "US"), possessive 's cut."""
    text = _ascii(text.translate(_QUOTES)).replace("'s ", " ").replace("-", " ")
    text = re.sub(r"'s$", "", text)
    toks = []
    for t in _TOKEN.findall(text):
        t = t.strip(".")
        if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]?", t + "."):
            t = t.replace(".", "")
        else:
            t = t.replace(".", "")
        if t:
            toks.append(t)
    return toks


@dataclass(frozen=True)
class SpeakerSignature:
    """A speaker reduced to what identifies it: name tokens (in order), generic words, countries."""

    names: tuple[str, ...]
    generic: frozenset[str]
    countries: frozenset[str]
    acronym_tokens: tuple[str, ...]  # every content token in order, for acronyms (ISW, AFP, MFA)
    acronym_noncountry: tuple[str, ...]  # the same without country words
    acronyms: frozenset[str]  # all-caps tokens as written
    pronoun: bool
    unnamed: bool
    head: str = ""  # last content word (canonical generic word or name token), countries aside
    head_is_name: bool = False


# A noun phrase's head comes before its prepositional modifiers (English is head-initial there).
_HEAD_ENDING_PREPOSITIONS = frozenset({"of", "in", "for", "at", "from", "on"})


@lru_cache(maxsize=8192)
def speaker_signature(speaker: str | None) -> SpeakerSignature:
    """Split a speaker into name tokens, generic words and country codes (eval_countries.csv)."""
    raw = _raw_tokens(speaker or "")
    terms = _country_terms()
    names: list[str] = []
    generic: set[str] = set()
    countries: set[str] = set()
    content: list[str] = []
    noncountry: list[str] = []
    acronyms: set[str] = set()
    head, head_is_name, head_locked = "", False, False
    low = [t.casefold() for t in raw]
    i = 0
    while i < len(raw):
        hit = None
        for n in (4, 3, 2, 1):
            if i + n > len(raw):
                continue
            for key in (tuple(raw[i : i + n]), tuple(low[i : i + n])):
                code = terms.get(key)
                if code and (not code[1] or key == tuple(raw[i : i + n])):
                    hit = (n, code[0])
                    break
            if hit:
                break
        if hit:
            countries.add(hit[1])
            content.extend(low[i : i + hit[0]])
            i += hit[0]
            continue
        t, lt = raw[i], low[i]
        i += 1
        if lt in _HEAD_ENDING_PREPOSITIONS and content:
            head_locked = True  # "Police in Karachi", "Ministry of Defence": the head precedes the PP
        if lt in _STOP:
            continue
        content.append(lt)
        noncountry.append(lt)
        if lt in _GENERIC:
            if _GENERIC[lt]:
                generic.add(_GENERIC[lt])
                if not head_locked:
                    head, head_is_name = _GENERIC[lt], False
            continue
        if lt in _PRONOUNS:
            generic.add(lt)
            continue
        # Any other word names the source, whatever its case: "Witnesses" at a sentence start,
        # "economic affairs" in lower case ("witness" = "witnesses" through names_similar).
        if t.isupper() and 2 <= len(t) <= 6:
            acronyms.add(t)
        names.append(lt)
        if not head_locked:
            head, head_is_name = lt, True
    pronoun = bool(low) and all(t in _PRONOUNS or t in _STOP for t in low)
    unnamed = not low or low == ["unnamed"]
    return SpeakerSignature(
        names=tuple(names),
        generic=frozenset(generic),
        countries=frozenset(countries),
        acronym_tokens=tuple(content),
        acronym_noncountry=tuple(noncountry),
        acronyms=frozenset(acronyms),
        pronoun=pronoun,
        unnamed=unnamed,
        head=head,
        head_is_name=head_is_name,
    )


_SKELETON_STEPS = (
    ("shch", "S"), ("sch", "S"), ("sh", "S"), ("ch", "C"), ("zh", "Z"), ("kh", "X"), ("ts", "C"),
    ("th", "T"), ("ph", "f"), ("x", "ks"), ("h", "g"), ("y", "i"), ("j", "i"), ("w", "v"),
    ("ck", "k"), ("c", "k"), ("ie", "i"),
)


@lru_cache(maxsize=8192)
def name_skeleton(name: str) -> str:
    """A transliteration-insensitive key: Synehubov -> sinegubov, Zelenskyy -> zelenski."""
    s = "".join(c for c in _ascii(name).casefold() if c.isalpha())
    for a, b in _SKELETON_STEPS:
        s = s.replace(a, b)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s.lower()


@lru_cache(maxsize=8192)
def names_similar(a: str, b: str) -> bool:
    """Two name tokens are the same name up to transliteration."""
    if a == b:
        return True
    sa, sb = name_skeleton(a), name_skeleton(b)
    if sa == sb:
        return True
    if min(len(sa), len(sb)) < 4:
        return False
    return difflib.SequenceMatcher(None, sa, sb).ratio() >= _NAME_MIN_SIMILARITY


def _acronym_of(acr: str, sig: SpeakerSignature) -> bool:
    """`acr` spells the initials of the other side, with or without its country words
    (AFP = Agence France-Presse, MFA = Ministry of Foreign Affairs of Ukraine)."""
    for toks in (sig.acronym_tokens, sig.acronym_noncountry):
        toks = tuple(t for t in toks if t != acr.casefold())
        if len(toks) >= 2 and "".join(t[0] for t in toks).upper() == acr:
            return True
    return False


def _spell_out(x: SpeakerSignature, y: SpeakerSignature) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """x's names without an acronym and y's names without the words it abbreviates, when x holds an
    acronym whose letters are the initials of a run of y's words; else None."""
    toks = y.acronym_tokens
    for acr in sorted(x.acronyms):
        n = len(acr)
        for i in range(len(toks) - n + 1):
            run = toks[i : i + n]
            if n >= 2 and "".join(t[0] for t in run).upper() == acr:
                return tuple(t for t in x.names if t != acr.casefold()), tuple(t for t in y.names if t not in run)
    return None


def _names_contained(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Every name token of the shorter side matches a distinct token of the longer one, so the
    surname is always among them: Putin ~ Vladimir Putin, Interfax ~ Interfax news agency,
    Tayyip Erdogan ~ Recep Tayyip Erdoğan; but Joe Biden !~ Hunter Biden."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    free = list(long_)
    for tok in short:
        hit = next((x for x in free if names_similar(tok, x)), None)
        if hit is None:
            return False
        free.remove(hit)
    return True


@lru_cache(maxsize=16384)
def speakers_agree(gold: str | None, pred: str | None) -> bool:
    """Whether two speaker strings name the same resolved source.

    Name tokens of the shorter side must all be found, up to transliteration, among the other
    side's (so the surname always is); countries must not conflict. A side without names (a generic source: "Russian
    Defence Ministry", "officials") agrees only with a side of the same country whose generic
    words include or are included in its own. Pronouns and bare descriptions never match a named
    source; "unnamed" matches only an empty or "unnamed" speaker.
    """
    a, b = speaker_signature(gold), speaker_signature(pred)
    if a.unnamed or b.unnamed:
        return a.unnamed and b.unnamed
    if a.pronoun or b.pronoun:
        return False
    if a.countries and b.countries and not (a.countries & b.countries):
        return False
    for x, y in ((a, b), (b, a)):
        if len(x.names) == 1 and x.acronyms and _acronym_of(next(iter(x.acronyms)), y):
            return True
    if a.names and b.names:
        for x, y in ((a, b), (b, a)):  # "senior Biden administration officials" is not Biden
            if x.head_is_name and y.head in _DEPENDENT_HEADS:
                return False
        if _names_contained(a.names, b.names):
            return True
        # An acronym inside a longer name stands for a run of the other side's words:
        # "UN Office for ..." ~ "United Nations Office for ...".
        for x, y in ((a, b), (b, a)):
            spelled = _spell_out(x, y)
            if spelled is not None:
                xs, ys = spelled
                return (not xs and not ys) or (bool(xs) and bool(ys) and _names_contained(xs, ys))
        return False
    if a.names or b.names:
        return False
    if a.countries != b.countries:
        return False
    if not a.generic and not b.generic:
        return bool(a.countries)
    return bool(a.generic and b.generic) and (a.generic <= b.generic or b.generic <= a.generic)


# --------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------


def _no_place(name: str) -> None:
    return None


class _GazetteerResolver:
    """The gazetteer's `resolve`, loaded on first use only (names that are equal as strings never
    need it); if the gazetteer cannot load, places compare as strings."""

    def __init__(self) -> None:
        self._resolve: PlaceResolver | None = None

    def __call__(self, name: str) -> Any:
        if self._resolve is None:
            try:
                from pipeline.places import load_gazetteer

                self._resolve = load_gazetteer().resolve
            except Exception as exc:  # the scorer must still run while the gazetteer is broken
                warnings.warn(f"places gazetteer unavailable ({exc!r}); comparing place names as strings",
                              stacklevel=2)
                self._resolve = _no_place
        return self._resolve(name)


def _default_resolver() -> PlaceResolver:
    return _GazetteerResolver()


class _PlaceMatcher:
    """Place agreement through the places dimension, with string equality as the fallback."""

    def __init__(self, resolve: PlaceResolver) -> None:
        self._resolve = resolve
        self._cache: dict[str, str | None] = {}

    def place_id(self, name: str | None) -> str | None:
        if not name:
            return None
        if name not in self._cache:
            try:
                got = self._resolve(name)
            except Exception:  # a broken resolver must not stop the evaluation
                got = None
            pid = getattr(got, "place_id", got)
            self._cache[name] = str(pid) if pid not in (None, "") else None
        return self._cache[name]

    def agree(self, gold: str, pred: str | None, pred_id: str | None = None) -> bool:
        if pred and _norm(gold) == _norm(pred):
            return True
        gid = self.place_id(gold)
        pid = pred_id or self.place_id(pred)
        return bool(gid and pid and gid == pid)


# --------------------------------------------------------------------------------------------
# Compatibility of a gold row with a prediction
# --------------------------------------------------------------------------------------------


def _values_equal(a: Any, b: Any) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9)


def _figure_ok(gold: Mapping[str, Any], pred: PredRow, strict: bool, places: _PlaceMatcher) -> bool:
    if "value" in gold and not _values_equal(gold["value"], pred.get("value")):
        return False
    if not strict:
        return True
    if gold.get("category") is not None and gold["category"] != pred.get("category"):
        return False
    if "place" not in gold:
        return True
    want = gold["place"]
    if want is None or want == []:
        return not pred.get("place") and not pred.get("place_id")
    options = want if isinstance(want, list) else [want]
    return any(places.agree(str(o), pred.get("place"), pred.get("place_id")) for o in options if o)


def _attribution_ok(gold: Mapping[str, Any], pred: PredRow, strict: bool, places: _PlaceMatcher) -> bool:
    speaker = pred.get("speaker") or pred.get("speaker_mention")
    if "speaker" in gold and not speakers_agree(gold.get("speaker"), speaker):
        return False
    if strict and gold.get("cue") and cue_lemma(gold["cue"]) != cue_lemma(pred.get("cue")):
        return False
    return True


def _event_ok(gold: Mapping[str, Any], pred: PredRow, strict: bool, places: _PlaceMatcher) -> bool:
    if gold.get("type") is not None and gold["type"] != pred.get("event_type"):
        return False
    if not strict:
        return True
    wanted = gold.get("places") or []
    if not wanted:
        return True
    return any(places.agree(str(g), p, pid) for g in wanted if g for p, pid in pred.places)


_COMPATIBLE = {"figures": _figure_ok, "attributions": _attribution_ok, "events": _event_ok}


# --------------------------------------------------------------------------------------------
# Forbidden mentions
# --------------------------------------------------------------------------------------------


def _word_pattern(inner: str) -> re.Pattern[str]:
    """`inner` as whole words; a number is whole too ("14" is not inside "14,000")."""
    return re.compile(r"(?<!\w)(?<!\d[.,])" + re.escape(inner) + r"(?!\w)(?![.,]\d)")


def _contains_word(outer: str, inner: str) -> bool:
    """`inner` occurs in `outer` as whole words (both already normalised)."""
    if not inner or not outer:
        return False
    return _word_pattern(inner).search(outer) is not None


def _overlaps_text(a: str | None, b: str) -> bool:
    na, nb = _norm(a), _norm(b)
    return bool(na) and (na == nb or _contains_word(na, nb) or _contains_word(nb, na))


def _spans(pred: PredRow, table: str) -> list[tuple[int, int]]:
    out = []
    keys = [("char_start", "char_end")] + ([("speaker_start", "speaker_end")] if table == "attributions" else [])
    for ks, ke in keys:
        s, e = pred.get(ks), pred.get(ke)
        if isinstance(s, int) and isinstance(e, int) and e > s:
            out.append((s, e))
    return out


_BARE_NUMBER = re.compile(r"[\d.,]+|[a-z]+")  # "13", "2,500", "two": one number or one word


def _text_hit(table: str, pred: PredRow, forbidden: str) -> bool:
    """Text test: figures, the mention equals or lies inside the forbidden mention ("seven" in
    "seven days") or holds a forbidden phrase ("eleven-year-old"); events, the trigger equals,
    holds or lies inside it; attributions, the cue mention equals or
    holds it, or the speaker mention and the cue (as lemma) both lie inside it."""
    if table == "figures":
        nf, nm = _norm(forbidden), _norm(pred.mention)
        if not nm:
            return False
        if nm == nf or _contains_word(nf, nm):
            return True
        # A prediction holding a bare forbidden number ("two" in "two dozen") is another number.
        return not _BARE_NUMBER.fullmatch(nf) and _contains_word(nm, nf)
    if table != "attributions":
        return _overlaps_text(pred.mention, forbidden)
    nf, nm = _norm(forbidden), _norm(pred.mention)
    if nm and (nm == nf or _contains_word(nm, nf)):
        return True
    sm, cue = _norm(pred.get("speaker_mention")), pred.get("cue") or pred.mention
    if not sm or not _contains_word(nf, sm):
        return False
    if nm and _contains_word(nf, nm):
        return True
    want = cue_lemma(cue)
    words = nf.split()
    return bool(want) and any(
        cue_lemma(" ".join(words[i : i + n])) == want for n in (1, 2, 3) for i in range(len(words))
    )


def _occurrences(body: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _word_pattern(text).finditer(body)]


def _forbidden_hit(table: str, pred: PredRow, forbidden: Sequence[str], body: str | None) -> bool:
    """A prediction whose text equals or overlaps a forbidden mention; with the body at hand, the
    prediction's span must also overlap an occurrence of that mention (so "8" killed elsewhere
    is not hit by a forbidden "8 years")."""
    for f in forbidden:
        if not _text_hit(table, pred, f):
            continue
        occ = _occurrences(body, f) if body else []
        spans = _spans(pred, table)
        if not occ or not spans:
            return True
        if any(s < oe and os_ < e for s, e in spans for os_, oe in occ):
            return True
    return False


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _augment(u: int, adj: list[list[int]], match_right: list[int], match_left: list[int], seen: list[bool]) -> bool:
    for v in adj[u]:
        if seen[v]:
            continue
        seen[v] = True
        if match_right[v] < 0 or _augment(match_right[v], adj, match_right, match_left, seen):
            match_right[v] = u
            match_left[u] = v
            return True
    return False


def max_matching(adj: list[list[int]], n_right: int, phases: Iterable[Iterable[int]]) -> list[int]:
    """Kuhn's augmenting-path maximum bipartite matching; left vertices are tried phase by phase.

    An augmenting path never unmatches a matched left vertex, so after phase k the matching is
    maximum for the left vertices of phases 1..k, and stays so as later phases augment it.
    Returns, per left vertex, its matched right vertex or -1.
    """
    match_right = [-1] * n_right
    match_left = [-1] * len(adj)
    for phase in phases:
        for u in phase:
            _augment(u, adj, match_right, match_left, [False] * n_right)
    return match_left


def _gold_fragments(row: Mapping[str, Any]) -> list[str]:
    """Text of a gold row that appears in its sentence: mention, trigger, content, cue, surname."""
    out = [str(row[k]) for k in ("mention", "trigger", "speaker_mention", "via_pronoun", "content_starts", "cue")
           if isinstance(row.get(k), str) and row.get(k)]
    speaker = row.get("speaker")
    if isinstance(speaker, str) and speaker.split():
        out.append(speaker.split()[-1])
    return out


def _score_table(
    table: str, mode: str, gold: GoldTable, preds: ArticlePredictions | None, places: _PlaceMatcher
) -> TableResult:
    rows = sorted(
        preds.table(table) if preds else [],
        key=lambda p: (_int(p.get("char_start")), _int(p.get("char_end")), p.row_id),
    )
    strict = mode == "strict"
    ok = _COMPATIBLE[table]
    body = preds.body if preds else None
    hits = [_forbidden_hit(table, p, gold.forbidden, body) for p in rows]
    gold_rows = list(gold.required) + list(gold.optional)
    n_req = len(gold.required)
    adj = [[j for j, p in enumerate(rows) if not hits[j] and ok(g, p, strict, places)] for g in gold_rows]
    match_left = max_matching(adj, len(rows), (range(n_req), range(n_req, len(gold_rows))))
    matched = sum(1 for u in range(n_req) if match_left[u] >= 0)
    absorbed = sum(1 for u in range(n_req, len(gold_rows)) if match_left[u] >= 0)
    counts = Counts(
        required=n_req, predicted=len(rows), matched=matched, absorbed=absorbed, forbidden_hits=sum(hits)
    )
    used = {v for v in match_left if v >= 0}
    missed = [
        {"gold": dict(g), "sentence": preds.sentence_containing(_gold_fragments(g)) if preds else None}
        for u, g in enumerate(gold.required)
        if match_left[u] < 0
    ]
    unmatched = [
        {"row": _jsonable(p), "forbidden": hits[j], "sentence": p.sentence}
        for j, p in enumerate(rows)
        if j not in used
    ]
    return TableResult(counts=counts, missed=missed, unmatched=unmatched)


def _int(x: Any) -> int:
    return x if isinstance(x, int) else -1


_SHOW = {
    "figures": ("mention", "value", "qualifier", "category", "subject", "place", "method"),
    "attributions": ("mention", "cue", "speaker", "speaker_mention", "is_direct", "method"),
    "events": ("trigger", "event_type", "actor", "target", "method"),
}


def _jsonable(p: PredRow) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.row_id}
    for k, v in p.data.items():
        out[k] = v if v is None or isinstance(v, str | int | float | bool) else str(v)
    if p.places:
        out["places"] = [pl for pl, _ in p.places]
    return out


def score(
    gold: list[GoldArticle],
    preds: Mapping[str, ArticlePredictions],
    resolve_place: PlaceResolver | None = None,
) -> Report:
    """Score every gold article against the predictions keyed by raw file name."""
    places = _PlaceMatcher(resolve_place if resolve_place is not None else _default_resolver())
    totals = {(t, m): Counts() for t in TABLES for m in MODES}
    articles: list[ArticleResult] = []
    for g in gold:
        p = preds.get(g.article)
        res = ArticleResult(article=g.article, article_id=p.article_id if p else None, found=p is not None)
        for t in TABLES:
            for m in MODES:
                tr = _score_table(t, m, g.table(t), p, places)
                res.results[(t, m)] = tr
                totals[(t, m)].add(tr.counts)
        articles.append(res)
    return Report(articles=articles, totals=totals)


# --------------------------------------------------------------------------------------------
# Text report
# --------------------------------------------------------------------------------------------


def _fmt_gold(table: str, row: Mapping[str, Any]) -> str:
    keys = {
        "figures": ("mention", "value", "qualifier", "category", "subject", "place"),
        "attributions": ("speaker", "cue", "via_pronoun", "speaker_mention", "content_starts"),
        "events": ("type", "trigger", "places", "actor"),
    }[table]
    return ", ".join(f"{k}={row[k]!r}" for k in keys if k in row)


def _fmt_pred(table: str, row: Mapping[str, Any]) -> str:
    parts = [f"{k}={row[k]!r}" for k in _SHOW[table] if row.get(k) is not None]
    if row.get("places"):
        parts.append(f"places={row['places']!r}")
    return ", ".join(parts)


def format_report(report: Report, verbose: bool = False) -> str:
    """An aligned text table per table x mode; with `verbose`, every miss and false positive."""
    header = ("table", "mode", "gold", "pred", "matched", "absorbed", "P", "R", "F1", "forbidden")
    lines_: list[tuple[str, ...]] = [header]
    for t in TABLES:
        for m in MODES:
            c = report.totals[(t, m)]
            lines_.append(
                (t, m, str(c.required), str(c.predicted), str(c.matched), str(c.absorbed),
                 f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", str(c.forbidden_hits))
            )
    widths = [max(len(r[i]) for r in lines_) for i in range(len(header))]
    out = [
        "  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(r))
        for r in lines_
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    found = sum(1 for a in report.articles if a.found)
    out.append("")
    out.append(f"articles scored: {len(report.articles)} (in warehouse: {found})")
    missing = report.missing
    out.append(f"articles missing from the warehouse: {', '.join(missing) if missing else 'none'}")
    if verbose:
        for a in report.articles:
            block: list[str] = []
            for t in TABLES:
                strict, loose = a.results[(t, "strict")], a.results[(t, "loose")]
                loose_missed = {json.dumps(x["gold"], sort_keys=True, default=str) for x in loose.missed}
                loose_unmatched = {x["row"].get("id") for x in loose.unmatched}
                for x in strict.missed:
                    key = json.dumps(x["gold"], sort_keys=True, default=str)
                    tag = "missed" if key in loose_missed else "missed (strict only)"
                    block.append(f"  {t} {tag}: {_fmt_gold(t, x['gold'])}")
                    if x["sentence"]:
                        block.append(f"      | {x['sentence']}")
                for x in strict.unmatched:
                    tag = "forbidden" if x["forbidden"] else (
                        "unmatched" if x["row"].get("id") in loose_unmatched else "unmatched (strict only)"
                    )
                    block.append(f"  {t} {tag}: {_fmt_pred(t, x['row'])}")
                    if x["sentence"]:
                        block.append(f"      | {x['sentence']}")
            if block or not a.found:
                out.append("")
                out.append(f"== {a.article}" + ("" if a.found else " (not in the warehouse)"))
                out.extend(block)
    return "\n".join(out)

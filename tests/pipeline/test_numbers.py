"""pipeline.numbers: one case per number form and per kind of non-figure, on corpus sentences.

Sentences are quoted from /work/shared/corpus (article id in the case id) or the seed article.
"""

from __future__ import annotations

import pytest

from pipeline.numbers import NumberMention, core_starts, find_numbers, scan


def _one(text: str, mention: str, dollar: str = "USD") -> NumberMention:
    hits = [n for n in scan(text, dollar) if n.text == mention]
    assert hits, f"{mention!r} not found in {[n.text for n in scan(text, dollar)]}"
    return hits[0]


FORMS = [
    # (case id, sentence, mention, value, value_max, qualifier, unit)
    ("digits_separator-seed", "Finally, he stressed that 2,500 educational institutions have suffered material damage",
     "2,500", 2500, None, "exact", "count"),
    ("decimal_scale-ua-0016", "and forced more than 1.5 million people to flee their homes in Crimea and Donbas",
     "more than 1.5 million", 1_500_000, None, "more_than", "count"),
    ("scale_attached-ua-0053", "allow the export of 20m tonnes of grain", "20m tonnes", 20_000_000, None, "exact", "t"),
    ("words-ua-0046", "other officials later said two people were killed and seven injured",
     "two", 2, None, "exact", "count"),
    ("words_dozen-lee-bg-002", "Police have arrested more than two dozen militants", "more than two dozen", 24, None,
     "more_than", "count"),
    ("vague-lee-bg-012", "Hospitals have urged the public to donate medicine for the hundreds of burns victims.",
     "hundreds", 100, None, "approximate", "count"),
    ("vague_compound-ua-0090", "Van Schaack in a briefing said tens of thousands of individual allegations of war crimes",
     "tens of thousands", 10_000, None, "approximate", "count"),
    ("vague_capital-lee-bg-080", "Dozens of people were injured, some seriously", "Dozens", 12, None, "approximate",
     "count"),
    ("range_to-lee-bg-285", '"We have got 1,500 to 2,000 people," he said.', "1,500 to 2,000", 1500, 2000, "range",
     "count"),
    ("currency_dollar-ua-0113", "the $61bn (£49bn) package", "$61bn", 61e9, None, "exact", "USD"),
    ("currency_pound-ua-0099", "taking the total to £3bn this financial year", "£3bn", 3e9, None, "exact", "GBP"),
    ("currency_word-ua-0081", "to offer five million roubles (£58,250) to the first Russian soldier",
     "five million roubles", 5e6, None, "exact", "RUB"),
    ("percent_words-lee-bg-206", "with 80 per cent of that coming from gambling", "80 per cent", 80, None, "exact",
     "percent"),
    ("percent_sign-ua-0046", "Russia had concentrated 60% of its forces in the east", "60%", 60, None, "exact", "percent"),
    ("qualifier_more_than-seed", "The authorities recovered more than 400 bodies from the mass grave found in Izyum",
     "more than 400", 400, None, "more_than", "count"),
    ("qualifier_approximate-seed", "Sinegubov explained that some 60 bodies have been recovered from mass graves",
     "some 60", 60, None, "approximate", "count"),
    ("qualifier_at_least-lee-bg-209", "injuring at least 18 people.", "at least 18", 18, None, "at_least", "count"),
    ("qualifier_up_to-lee-bg-080", "Initial reports spoke of up to 50 people trapped", "up to 50", 50, None, "up_to",
     "count"),
    ("qualifier_as_many_as-ua-0005", "as many as 190,000 Russian troops massed close to Ukraine",
     "as many as 190,000", 190_000, None, "up_to", "count"),
    ("qualifier_estimated-lee-bg-001", "An estimated 500 residents have left their homes for nearby Mittagong.",
     "An estimated 500", 500, None, "approximate", "count"),
    ("currency_after_scale-ua-0071", "sentencing her to nine years in prison and a 1m rouble fine", "1m rouble", 1e6,
     None, "exact", "RUB"),
]


@pytest.mark.parametrize(
    ("text", "mention", "value", "value_max", "qualifier", "unit"),
    [pytest.param(*case[1:], id=case[0]) for case in FORMS],
)
def test_number_forms(text: str, mention: str, value: float, value_max: float | None, qualifier: str, unit: str) -> None:
    n = _one(text, mention)
    assert n.skip is None
    assert n.value == pytest.approx(value)
    assert n.value_max == (pytest.approx(value_max) if value_max is not None else None)
    assert n.qualifier == qualifier
    assert n.unit == unit
    assert text[n.start:n.end] == mention


def test_dollar_of_the_article() -> None:
    """lee-bg-206 (ABC): a bare "$" takes the dollar the caller passes (AUD for Australian articles)."""
    n = _one("Crown's casino earned $3.1 billion in revenue", "$3.1 billion", dollar="AUD")
    assert (n.value, n.unit) == (3.1e9, "AUD")


NON_FIGURES = [
    # (case id, sentence, the number token, expected skip reason)
    ("date_day-seed", "the Russian invasion, unleashed on February 24 by order of the president", "24", "date"),
    ("date_year-lee-bg-214", "the canyoning disaster on July 27, 1999, in which 21 people died", "1999", "date"),
    ("date_range-ua-0016", "during the Revolution of Dignity on 13-19 February", "13", "date"),
    ("date_decade-ua-0050", "a Soviet-era missile designed in the 1960s", "1960", "date"),
    ("time-lee-bg-001", "At about 4:00pm AEDT, a marked deterioration in the weather", "4", "time|date"),
    ("time_am-ua-0005", "including 9,000 who have entered since 7am on Saturday", "7", None),
    ("video_time-ua-0039", "00:38 Drone footage shows artillery strikes on Ukrainian town", "00", "time|date"),
    ("age_compound-seed", "In addition, an eleven-year-old girl has died in the bombings.", "eleven", "age"),
    ("age_apposition-ua-0039", "Alexander Drueke, 39, and Andy Tai Ngoc Huynh, 27, both from Alabama", "39", "age"),
    ("age_boys-lee-bg-034", "police arrested three 15-year-old boys from Shellharbour", "15", "age"),
    ("duration_days-seed", "In the last seven days, Russia has increased its attacks on civilian infrastructure", "seven",
     "duration"),
    ("duration_later-ua-0016", "two days later, on February 27", "two", "duration"),
    ("duration_years-ua-0016", "The war began 8 years ago", "8", "duration"),
    ("duration_range-ua-0089", "This is punishable with between 12 and 20 years in prison.", "between 12 and 20",
     "duration"),
    ("multiplier-ua-0095", "the response will come 10 times harder", "10", "multiplier"),
    ("ordinal_unit-ua-0018", "Ukraine's 36th Separate Marine Brigade", "36", "ordinal"),
    ("compound_storey-lee-bg-012", "as they raced through surrounding markets and four-storey apartment buildings",
     "four", "compound"),
    ("compound_blaze-lee-bg-034", "the 30-kilometre long blaze in the lower Blue Mountains", "30", "compound"),
    ("compound_bomb-lee-bg-234", "a 2,000-pound bomb", "2,000", "compound"),
    ("compound_pronged-ua-0083", "allowing it to stage a two-pronged fightback", "two", "compound"),
    ("calibre-ua-0039", "Panzerhaubitze 2000 are finally part of 155 mm howitzer arsenal", "155 mm", "calibre"),
    ("model_dash-ua-0039", "the S-500 surface-to-air missile system", "500", "model"),
    ("model_su-ua-0108", "a Su-25 ground attack jet", "25", "model"),
    ("model_f16-lee-bg-209", "an Israeli F-16 fighter jet struck three buildings", "16", "model"),
    ("id_law-ua-0016", "Law No. 685-VIII", "685", "model"),
    ("name_number-ua-0080", "The Nord Stream 1 and 2 pipeline systems", "1", "name"),
    ("name_second_number-ua-0080", "The Nord Stream 1 and 2 pipeline systems", "2", "name"),
    ("name_group_of-ua-0096", "foreign ministers of the Group of 7 said", "7", "name"),
    ("pointer_the_two-ua-0039", "Luhansk oblast, one of the two regions of the Donbas", "two", "pointer"),
    ("pointer_possessive-ua-0108", "the world’s two largest nuclear arsenals", "two", "pointer"),
    ("pointer_latter-ua-0046", "the latter two countries’ relationship with Turkey", "two", "pointer"),
    ("partitive_one-ua-0053", "showed one of the missiles exploding close to the seafront", "one", "partitive"),
    ("named_set_all-ua-0071", "All 30 Nato members must ratify the accession before Finland and Sweden can become "
     "members.", "30", "pointer"),
]


@pytest.mark.parametrize(
    ("text", "token", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in NON_FIGURES],
)
def test_non_figures(text: str, token: str, reason: str | None) -> None:
    """Each kind of non-figure is recognised (skip reason) and left out of find_numbers."""
    found = [n for n in scan(text) if text[n.num_start:n.num_end].startswith(token) or n.text == token]
    if reason is None:  # times the fallback/date module removes entirely or marks: never a candidate
        assert not [n for n in find_numbers(text) if n.text.startswith(token) and n.value == float(token)]
        return
    assert found, f"{token!r} not scanned: {[n.text for n in scan(text)]}"
    assert found[0].skip in reason.split("|")  # times may be claimed by pipeline.dates as date spans
    assert found[0] not in find_numbers(text)


def test_count_before_compound_is_kept() -> None:
    """lee-bg-209: in "two four-storey buildings" the count stays and the compound does not."""
    got = find_numbers("Palestinian officials say two four-storey buildings inside the compound were engulfed")
    assert [(n.text, n.value) for n in got] == [("two", 2)]


def test_ordinal_words_are_not_numbers() -> None:
    """ua-0039 "Ukraine’s second-largest city", seed "The first is that ...": ordinals never scan."""
    assert scan("Ukraine’s second-largest city") == []
    assert scan("The first is that Russia would try to resist") == []


def test_spans_point_into_text() -> None:
    text = "to date 390 deaths and 757 injuries have been confirmed"  # seed
    got = find_numbers(text)
    assert [(n.text, n.value) for n in got] == [("390", 390), ("757", 757)]
    assert all(text[n.start:n.end] == n.text for n in got)


@pytest.mark.parametrize(
    ("text", "regions", "kept"),
    [
        # ua-0050: the date parser's region "9 July" is passed in; "48" outside it stays a figure
        pytest.param("were hit on 9 July: 48 people are believed to have been killed", [(12, 18)], ["48"],
                     id="date_regions_given-ua-0050"),
        # ua-0010: a price with cents is no time of day once the date mentions come from pipeline.dates
        pytest.param("Brent crude soared 1% to a seven-year high of $95.46 over worries", [], ["1%", "$95.46"],
                     id="price_with_cents_not_time-ua-0010"),
        # ua-0011: a video timestamp "0:59" is a time
        pytest.param("0:59 Liz Truss 'very worried' about possible Russian invasion of Ukraine – video", [], [],
                     id="video_timestamp_is_time-ua-0011"),
        # without regions the date parser is asked: same answer
        pytest.param("were hit on 9 July: 48 people are believed to have been killed", None, ["48"],
                     id="date_regions_asked-ua-0050"),
    ],
)
def test_date_regions(text: str, regions: list[tuple[int, int]] | None, kept: list[str]) -> None:
    """Date regions from pipeline.dates (figures passes the sentence's date mentions) mark digits as dates."""
    assert [n.text for n in find_numbers(text, "USD", regions)] == kept


def test_number_words_found_through_the_prefilter() -> None:
    """ua-0046 / lee-bg-001: "a dozen", "a hundred" and capitalised words are found by the fast start pattern."""
    text = "More than a dozen wounded; Twenty-five homes and a hundred cars; almost 11,000 machines"
    assert [n.text for n in find_numbers(text)] == ["More than a dozen", "Twenty-five", "a hundred", "almost 11,000"]


@pytest.mark.parametrize("text", [
    pytest.param("The shelling killed a dozen people and injured two hundred, 2,500 in total.", id="words_and_digits"),
    pytest.param("Someone often gave attention to tens of thousands; an hundred-fold 3.5% rise.", id="inside_words"),
    pytest.param("Three US troops and five members of the Afghan opposition were killed.", id="lee-bg-234"),
])
def test_core_starts_equal_per_sentence_scan(text: str) -> None:
    """core_starts (one pass over a body) gives scan the same numbers as scanning the text alone."""
    assert scan(text, starts=core_starts(text)) == scan(text)
    body = "Intro line.\n\n" + text
    shifted = [p - 13 for p in core_starts(body) if p >= 13]
    assert scan(text, starts=shifted) == scan(text)


def test_all_before_a_plain_noun_is_a_count() -> None:
    """lee-bg-179: "All 540 detainees" counts people; only a named set ("All 30 Nato members") is a pointer."""
    text = ("All 540 detainees on Christmas island are being monitored by a health team for signs of fever or "
            "abdominal pains.")
    assert [n.value for n in find_numbers(text)] == [540]


def test_several_hundred_is_vague() -> None:
    """lee-bg-256: "several hundred volunteers" is approximate 100 with the whole phrase as the mention."""
    text = "SES spokeswoman Laura Goodin says several hundred volunteers will be back in the field this morning."
    (n,) = find_numbers(text)
    assert (n.text, n.value, n.qualifier) == ("several hundred", 100, "approximate")


# Cue lists shaped like the lexicons: terms that are prefixes of others ("dead", "dead and wounded"), case
# variants, and symbols (seeds/reference/figure_categories.csv, number_currencies.csv).
_TRIE_TERMS = ["dead", "dead and wounded", "dead or wounded", "died", "displaced", "Kyiv", "kyiv region", "$", "US$"]


@pytest.mark.parametrize("text", [
    pytest.param("two people were dead and wounded, others displaced", id="longest_term_first"),
    pytest.param("the dead or wounded died in the Kyiv region", id="prefix_terms"),
    pytest.param("a US$5 loan and $3 more for KYIV REGION", id="symbols_and_case"),
    pytest.param("deadline and dyed cloth", id="must_not_match_inside_words"),
])
def test_alternation_matches_like_longest_first_list(text: str) -> None:
    """The prefix-tree alternation finds the same matches as the plain longest-first list of terms,
    with and without re.IGNORECASE, and the first_chars lookahead changes none of them."""
    import re

    from pipeline.lexicons import alternation, first_chars

    longest_first = "|".join(re.escape(t) for t in sorted(_TRIE_TERMS, key=len, reverse=True))
    for flags in (0, re.IGNORECASE):
        plain = re.compile(rf"(?<!\w)(?:{longest_first})(?!\w)", flags)
        trie = re.compile(
            rf"{first_chars(_TRIE_TERMS, bool(flags))}(?<!\w)(?:{alternation(_TRIE_TERMS, ignore_case=bool(flags))})(?!\w)",
            flags,
        )
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]
        for i in range(len(text)):
            a, b = plain.match(text, i), trie.match(text, i)
            assert (a and a.group()) == (b and b.group())


@pytest.mark.parametrize(("text", "spans"), [
    pytest.param("They have been given suspended jail sentences of up to five-months and fined between $5,000 and "
                 "$7,000.", [("between $5,000 and $7,000", 5000, 7000, "range", "USD")], id="between_money-lee-bg-162"),
    pytest.param("The US, UK and Germany have promised to send 10 rocket artillery systems, but Ukrainian advisers "
                 "have called for 60 or even 300.", [("10", 10, None, "exact", "count"), ("60", 60, None, "exact", "count"),
                                                     ("300", 300, None, "exact", "count")], id="no_range-ua-0037"),
    pytest.param("It cost between 10 and $20 each.", [("10", 10, None, "exact", "count"),
                                                       ("$20", 20, None, "exact", "USD")], id="money_only_second"),
])
def test_range_with_currency_symbols(text: str, spans: list[tuple]) -> None:
    """A currency symbol may open both ends of a range ("fined between $5,000 and $7,000", lee-bg-162); a
    symbol only on the second number makes no range."""
    got = [(text[n.start:n.end], n.value, n.value_max, n.qualifier, n.unit) for n in find_numbers(text, "USD")]
    assert got == spans


@pytest.mark.parametrize(("text", "qualifier"), [
    pytest.param("up\xa0to 40 people were killed", "up_to", id="no_break_space_before"),
    pytest.param("at\tleast 7 were hurt", "at_least", id="tab_before"),
    pytest.param("more  than 30 people", "more_than", id="double_space_before"),
    pytest.param("40 or\xa0more people", "at_least", id="no_break_space_after"),
])
def test_qualifier_across_any_whitespace(text: str, qualifier: str) -> None:
    """Typeset and pasted news puts no-break spaces and line breaks inside "up to": same qualifier,
    never a crash (a lexicon lookup of the phrase as written once raised KeyError)."""
    (n,) = find_numbers(text)
    assert n.qualifier == qualifier


@pytest.mark.parametrize("text", [
    "“Kharkiv” ŁÓDŹ Łódź İstanbul ſ ı Ａ TWELVE Twelve 1,500",  # Ł is U+0141: its low byte is "A"
    "a 10 \u212a kelvin sign: the slow way",
    "lone \ud800 surrogate, then ONE \ud800\udc00",
])
def test_ascii_lower_agrees_with_lower_on_every_ascii_character(text: str) -> None:
    """core_starts reads the body through numbers.ascii_lower (bytes lowered, much cheaper than str.lower on
    text with curly quotes): wherever either lowering gives an ASCII character, both give the same one."""
    from pipeline.numbers import _lower, ascii_lower

    fast, slow = ascii_lower(text), _lower(text)
    assert len(fast) == len(slow) == len(text)
    assert [(i, f) for i, (f, s) in enumerate(zip(fast, slow, strict=True)) if (f.isascii() or s.isascii()) and f != s] == []

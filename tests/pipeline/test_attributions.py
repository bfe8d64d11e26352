"""Attribution rules on real sentences of the seed and /work/shared/corpus (ids cited per case)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from pipeline import attributions
from pipeline.config import PROJECT_ROOT
from pipeline.model import Doc
from pipeline.parse import article_from_object, parse_text
from pipeline.text import segment

SEED = Path(__file__).resolve().parents[2] / "seeds" / "articles" / "000_34f58d2625e0538a.txt"


def doc_of(text: str) -> Doc:
    """A Doc from raw text, segmented only (attributions read places through getattr guards)."""
    art = article_from_object({"text": text, "date": "2022-09-19"}, "t.json")
    return Doc(article=art, sentences=segment(art))


def rows_of(text: str) -> list[attributions.AttributionRow]:
    return attributions.extract(doc_of(text))


def check_spans(doc: Doc, rows: list[attributions.AttributionRow]) -> None:
    body = doc.article.body
    for r in rows:
        assert body[r.char_start : r.char_end] == r.mention
        if r.speaker_start is not None:
            assert body[r.speaker_start : r.speaker_end] == r.speaker_mention
        if r.content_start is not None:
            assert body[r.content_start : r.content_end] == r.content


# (case id, text, expected: cue, speaker, is_direct, content start, method)
CASES = [
    (
        "according_to-seed",
        "According to the United Kingdom Ministry of Defense, Putin’s forces, cornered by the advance of "
        "Ukrainian troops, seek to hit key infrastructure for the functioning of the country.",
        ("according_to", "United Kingdom Ministry of Defense", False, "Putin’s forces", "attributions.according_to"),
    ),
    (
        "according_to-ua-0001",
        "While diplomatic efforts to defuse the crisis are ramping up, the Russian troop buildup also continues, "
        "according to the Pentagon.",
        ("according_to", "Pentagon", False, "While diplomatic efforts", "attributions.according_to"),
    ),
    (
        "quoted_as_saying-lee-bg-080",
        'There was "a lot of dust and smoke and then people were just running and screaming, running away from '
        'where it happened," the South African Broadcasting Corporation radio quoted one witness as saying.',
        ("quote", "witness", False, "There was", "attributions.quoted_as_saying"),
    ),
    (
        "passive_agent-seed",
        "Specifically, they refer to missile attacks in Kharkiv, Izium and Chuhuiv that have destroyed residential "
        "buildings, commercial buildings, factories and gas stationsas explained by the regional governor Oleh "
        "Sinegubov on his Telegram channel.",
        ("explain", "Oleh Sinegubov", False, "Specifically, they refer", "attributions.passive_agent"),
    ),
    (
        "cue_then_speaker-seed",
        "“To put it quickly. The negotiation process itself and a face-to-face meeting between the presidents make "
        "no sense at this time,” said Ukrainian presidential adviser Mikhailo Podoliak, according to the Ukrainian press.",
        ("say", "Mikhailo Podoliak", True, "To put it quickly", "attributions.cue_then_speaker"),
    ),
    (
        "cue_then_speaker-ua-0053",
        "“Outrageous,” tweeted the US ambassador to Kyiv, Bridget Brink. “Russia strikes the port city of Odesa "
        "less than 24 hours after signing an agreement to allow shipments of agricultural exports.”",
        ("tweet", "Bridget Brink", True, "Outrageous", "attributions.cue_then_speaker"),
    ),
    (
        "speaker_then_cue-seed",
        "Sinegubov explained that some 60 bodies have been recovered from mass graves recently found in a forest near Izium.",
        ("explain", "Sinegubov", False, "some 60 bodies", "attributions.speaker_then_cue"),
    ),
    (
        "speaker_then_cue-parenthetical-seed",
        "British intelligence, in fact, warned that Russia is preparing more attacks against civilian targets in Ukraine.",
        ("warn", "British intelligence", False, "Russia is preparing", "attributions.speaker_then_cue"),
    ),
    (
        "speaker_then_cue-appositive-scare-quotes-ua-0053",
        "The British foreign secretary, Liz Truss, said the “appalling” attack hours after the deal was signed was "
        "“completely unwarranted” and proof that the Russian president, Vladimir Putin, could not be trusted.",
        ("say", "Liz Truss", False, "the “appalling” attack", "attributions.speaker_then_cue"),
    ),
    (
        "speaker_then_cue-colon-quote-ua-0090",
        "The head of the UN human rights office in Ukraine, Matilda Bogner, said: “Torture was used to force victims "
        "to confess to helping Ukrainian armed forces.”",
        ("say", "Matilda Bogner", True, "Torture was used", "attributions.speaker_then_cue"),
    ),
    (
        "clause_then_speaker-seed",
        "Only then could war reparations and the surrender of war criminals be negotiated, Podoliak said.",
        ("say", "Podoliak", False, "Only then could", "attributions.clause_then_speaker"),
    ),
    (
        "clause_then_speaker-quote-ua-0090",
        "“The Russian Federation did not grant us such access, despite our requests,” Bogner said.",
        ("say", "Bogner", True, "The Russian Federation", "attributions.clause_then_speaker"),
    ),
    (
        "clause_then_speaker-told-lee-bg-278",
        "Meanwhile, Palestinian police have arrested three senior leaders of the hardline Hamas group, a Palestinian "
        "security source told the AFP news agency.",
        (
            "tell",
            "Palestinian security source",
            False,
            "Meanwhile, Palestinian police",
            "attributions.clause_then_speaker",
        ),
    ),
    (
        "speaker_then_cue-government-seed",
        "On the other hand, kyiv denounced new “regular” Russian bombardments against the areas recently recovered.",
        ("denounce", "Kyiv", False, "new “regular”", "attributions.speaker_then_cue"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_rule(text: str, expected: tuple[str, str, bool, str, str]) -> None:
    cue, speaker, direct, content_start, method = expected
    doc = doc_of(text)
    rows = attributions.extract(doc)
    check_spans(doc, rows)
    hits = [r for r in rows if r.cue == cue]
    assert hits, rows
    r = hits[0]
    assert r.speaker == speaker
    assert r.is_direct is direct
    assert r.content is not None and r.content.startswith(content_start)
    assert r.method == method


def test_coordinated_cue_lee_bg_278() -> None:
    """'confirmed ... and said ...': two main verbs, two rows with the same speaker."""
    text = (
        "A Hamas official confirmed the arrests of two senior leaders, Ismail Abu Shanab and Ismail Haniya, and "
        "said police have issued arrest warrants for another two, but he refused to name them."
    )
    rows = rows_of(text)
    assert [(r.cue, r.speaker) for r in rows] == [("confirm", "Hamas official"), ("say", "Hamas official")]
    assert rows[1].method == "attributions.coordinated_cue"
    assert rows[1].content is not None and rows[1].content.startswith("police have issued")


def test_split_quote_is_one_row_ua_0095() -> None:
    """A quotation split by its cue ('...?” the president said. “...') is one direct row."""
    text = (
        "Belarusian President Aleksandr Lukashenko spoke to journalists.\n\n"
        "“We are ‘co-aggressors’, right?” the president said. “Everyone does their own thing. But I say it bluntly.”"
    )
    rows = rows_of(text)
    said = [r for r in rows if r.mention == "said"]
    assert len(said) == 1
    r = said[0]
    assert r.is_direct and r.speaker_mention == "the president"
    assert r.content is not None and r.content.startswith("We are") and r.content.endswith("I say it bluntly")


def test_seed_article() -> None:
    """All twelve required rows of seed_expected.json: speaker, cue, direct, role, channel."""
    art = parse_text(SEED.read_text(encoding="utf-8"), SEED.name)
    doc = Doc(article=art, sentences=segment(art))
    rows = attributions.extract(doc)
    check_spans(doc, rows)
    got = [(r.speaker, r.cue, r.is_direct) for r in rows]
    assert got == [
        ("Mikhailo Podoliak", "say", True),
        ("Mikhailo Podoliak", "mention", False),
        ("Mikhailo Podoliak", "say", False),
        ("Kyiv", "denounce", False),
        ("Oleh Sinegubov", "explain", False),
        ("Oleh Sinegubov", "explain", False),
        ("British intelligence", "warn", False),
        ("United Kingdom Ministry of Defense", "according_to", False),
        ("United Kingdom Ministry of Defense", "indicate", True),
        ("Ukrainian Prosecutor’s Office", "indicate", False),
        ("Ukrainian Prosecutor’s Office", "say", False),
        ("Ukrainian Prosecutor’s Office", "stress", False),
    ]
    by_cue = {(r.speaker, r.cue, r.is_direct): r for r in rows}
    first = rows[0]
    assert (first.speaker_role, first.speaker_kind, first.channel) == (
        "Ukrainian presidential adviser",
        "person",
        "Ukrainian press",
    )
    assert rows[1].speaker_mention == "He"
    assert rows[3].speaker_kind == "government"
    assert (rows[4].speaker_role, rows[4].channel) == ("regional governor", "Telegram")
    assert rows[8].speaker_mention == "the Ministry" and rows[8].channel == "statement"
    assert rows[9].channel == "Telegram"
    assert by_cue[("Ukrainian Prosecutor’s Office", "say", False)].speaker_mention == "he"
    assert not any("Umit" in (r.content or "") + (r.speaker or "") for r in rows)
    assert len({r.attribution_id for r in rows}) == len(rows)


NOT_ATTRIBUTIONS = [
    pytest.param(
        "Kharkiv, Ukraine, September 18, 2022 (REUTERS/Umit Bektas)\n\nThe city was calm.", id="photo-credit-seed"
    ),
    pytest.param(
        "The UN report will be handed to the ICC as it assembles evidence against individual Russians accused of "
        "war crimes during the invasion of Ukraine.",
        id="reduced-relative-accused-ua-0090",
    ),
    pytest.param(
        "The officials discussed the findings as Secretary of State Antony Blinken is expected to travel to China "
        "this month for talks.",
        id="expectation-ua-0096",
    ),
    pytest.param(
        "It interviewed hundreds of victims and witnesses for a report detailing more than 900 cases of civilians.",
        id="noun-report-ua-0090",
    ),
    pytest.param(
        "Russia is accused of widespread war crimes during the occupation.",
        id="passive-ua-0083",
    ),
]


@pytest.mark.parametrize("text", NOT_ATTRIBUTIONS)
def test_not_attributions(text: str) -> None:
    assert rows_of(text) == []


def test_cue_inside_quote_is_not_a_row_lee_bg_080() -> None:
    """'according to us' inside Brian Bellis's quote is his own side, not a separate source."""
    text = (
        'A new floor had recently been added, and "the roof had leaked, but according to us everything was fine," '
        "ice rink manager Brian Bellis told the AFP news agency."
    )
    rows = rows_of(text)
    assert [(r.cue, r.speaker, r.channel) for r in rows] == [("tell", "Brian Bellis", "AFP news agency")]
    assert rows[0].speaker_role == "ice rink manager"


@pytest.mark.xfail(strict=True, reason="a spokesperson relaying an appositive speaker after 'According to' is not read")
def test_according_to_spokesperson_relay_ua_0053() -> None:
    text = (
        "According to a spokesperson, the UN secretary general, António Guterres, “unequivocally condemns” the strikes."
    )
    assert [r.speaker for r in rows_of(text)] == ["António Guterres"]


def test_cataphora_other_role_words_ua_0046() -> None:
    """'One western analyst' is the expert named in the next sentence (analyst ~ expert)."""
    text = (
        "One western analyst said he believed that assessment was optimistic. Nick Reynolds, a land warfare "
        "expert at the Rusi thinktank, said: “The loss of Lysychansk is a bad sign.”"
    )
    assert [r.speaker for r in rows_of(text)] == ["Nick Reynolds", "Nick Reynolds"]


def test_rules_registry_matches_methods() -> None:
    """Every registered rule is named after a method; every emitted method is registered."""
    names = {f"attributions.{rule.__name__}" for rule in attributions.RULES}
    art = parse_text(SEED.read_text(encoding="utf-8"), SEED.name)
    rows = attributions.extract(Doc(article=art, sentences=segment(art)))
    assert {r.method for r in rows} <= names
    # Each rule's docstring says which way of writing news it covers (read from the source: the
    # compiled module keeps no docstrings).
    source = ast.parse((PROJECT_ROOT / "pipeline" / "attributions.py").read_text(encoding="utf-8"))
    docs = {f.name: ast.get_docstring(f) for f in source.body if isinstance(f, ast.FunctionDef)}
    for rule in attributions.RULES:
        doc = docs[rule.__name__]
        assert doc and "\n" in doc


def test_lexicon_loads_once() -> None:
    lex = attributions.load_lexicon()
    assert lex is attributions.load_lexicon()
    assert lex.cues["said"][0] == "say"
    assert lex.cues["according to"][0] == "according_to"


# Resolution rules: (case id, text, cue, expected speaker). Texts are corpus sentences (ids cited);
# where a rule needs an antecedent, the earlier corpus sentence of the same article is kept.
RESOLUTION_CASES = [
    (
        "located_source-lee-bg-002",  # a generic source placed by "in" is that place's force
        "Police in Karachi say it is likely more raids will be launched against the two groups.",
        "say",
        "Karachi police",
    ),
    (
        "located_source_named-ua-0076",  # a named source's seat is not the speaker
        "The Institute for the Study of War in Washington pointed out that Tuesday’s attack was on a key "
        "supply hub for Russian forces in southern Ukraine.",
        "point_out",
        "Institute for the Study of War",
    ),
    (
        "told_listener_not_speaker-ua-0018",  # "..., X, chief of ..., told CNN": CNN is the listener
        "An estimated 1,000 civilians, including women, children and the elderly were sheltering inside the "
        "plant, Myhailo Vershynin, chief of the Mariupol patrol police, told CNN earlier this week.",
        "tell",
        "Myhailo Vershynin",
    ),
    (
        "pronoun_to_subject_name-ua-0065",  # a name in subject position outside any row is an antecedent
        "“Crimea is Ukraine,” Mikhail Razvozhayev said.\n\nA spokesperson for Ukraine’s southern command, "
        "Natalia Gumenyuk, did not confirm Ukrainian involvement in the strike. But she said Ukraine was "
        "conducting operations to liberate Russian-occupied areas.",
        "say",
        "Natalia Gumenyuk",
    ),
    (
        "spokesperson_for_org-ua-0065",  # an unnamed spokesperson speaks for the organisation
        "A spokesperson for the Black Sea fleet said it was carrying a small explosive onboard.",
        "say",
        "Black Sea fleet",
    ),
    (
        "spokesperson_context_org-lee-bg-034",  # "A spokesman says" after the organisation acted
        "Meanwhile, Illawarra police have arrested three teenagers in relation to bushfires at Shellharbour, on "
        "the south coast of New South Wales. A spokesman says three small fires were extinguished around 7:30pm "
        "AEDT yesterday.",
        "say",
        "Illawarra police",
    ),
    (
        "org_description_to_text_name-ua-0024",  # "the regiment" is the named regiment of the text
        "They were fighting in the Azov regiment, one of the main forces defending the steelworks.\n\n"
        "Since then, the unit has been integrated into the Ukrainian national guard and the regiment now "
        "denies being fascist, racist or neo-Nazi.",
        "deny",
        "Azov regiment",
    ),
    (
        "generic_agency_description-ua-0024",  # "the Geneva-based humanitarian agency" = the ICRC
        "Meanwhile, the ICRC said it had registered “hundreds of Ukrainian prisoners of war” this week.\n\n"
        "“The ICRC is not transporting PoWs to the places where they are held,” the Geneva-based humanitarian "
        "agency said in a statement.",
        "say",
        "ICRC",
    ),
    (
        "coordinated_subject-ua-0079",  # "X thanked ... and blasted ...": the subject speaks
        "Vladimir Putin thanked the Chinese leader, Xi Jinping, for his “balanced” approach to the Ukraine "
        "crisis and blasted Washington’s “ugly” policies, at a meeting.",
        "blast",
        "Vladimir Putin",
    ),
    (
        "definite_plural_to_group-ua-0096",  # "the officials" points back to the named group
        "Two senior Biden administration officials, who discussed the sensitive findings Friday on the condition "
        "of anonymity, said that in 2023 about 90% of Russia’s microelectronics came from China.\n\n"
        "The officials said Russia has received military optics for use in tanks and armored vehicles.",
        "say",
        "senior Biden administration officials",
    ),
    (
        "coordinated_spokesperson-ua-0065",  # "A spokesperson for X called ... and said": X speaks
        "A spokesperson for the Black Sea fleet called the drone “homemade” and said it was carrying a small "
        "explosive onboard.",
        "say",
        "Black Sea fleet",
    ),
    (
        "pronoun_not_name_in_own_quote-lee-bg-213",  # a name inside the quote is not "she"
        "New Zealand Prime Minister Helen Clark says she feels devastated by Mr Blake's death. \"I think he is "
        "to the waters what Sir Edmund Hillary has been to the mountains. You couldn't find a more "
        "public-spirited man than this,\" she said.",
        "say",
        "Helen Clark",
    ),
]


@pytest.mark.parametrize(
    ("text", "cue", "speaker"), [pytest.param(t, c, s, id=i) for i, t, c, s in RESOLUTION_CASES]
)
def test_resolution_rule(text: str, cue: str, speaker: str) -> None:
    doc = doc_of(text)
    rows = attributions.extract(doc)
    check_spans(doc, rows)
    assert [r.speaker for r in rows if r.cue == cue][-1:] == [speaker], rows


def test_possessive_its_takes_the_state_ua_0024() -> None:
    """'Ukraine has not commented ..., when its deputy defence minister said': the minister is Ukraine's."""
    from pipeline.extract import build_doc

    text = (
        "Ukraine has not commented on the evacuation of the soldiers since Tuesday, when its deputy defence "
        "minister said the soldiers would be swapped in a prisoner exchange, without providing further details."
    )
    doc = build_doc(article_from_object({"text": text, "date": "2022-05-19"}, "t.json"))
    rows = attributions.extract(doc)
    assert [(r.cue, r.speaker) for r in rows] == [("say", "Ukraine deputy defence minister")]


def test_description_modifiers_must_agree_ua_0064() -> None:
    """Must not match: 'Germany’s economy minister' is not the Ukrainian foreign minister named before."""
    text = (
        "Ukraine’s foreign minister, Dmytro Kuleba, said the talks had failed.\n\n"  # ua-0064 style antecedent
        "Germany’s economy minister said on Friday that putting the Nord Stream 2 gas pipeline into operation "
        "was not an option."
    )
    rows = rows_of(text)
    assert [r.speaker for r in rows] == ["Dmytro Kuleba", "Germany’s economy minister"]


def test_indefinite_description_is_new_source_ua_0071() -> None:
    """Must not match: 'A Russian official in Ukraine' introduces a new source, never an earlier one."""
    text = (
        "Ukraine’s deputy defence minister, Hanna Maliar, accused Amnesty of “distorting the real picture”.\n\n"
        "A Russian official in Ukraine has claimed Ukrainian forces are using western arms to attack the "
        "Zaporizhzhia nuclear power plant."
    )
    rows = rows_of(text)
    assert [r.speaker for r in rows if r.cue == "claim"] == ["Russian official in Ukraine"]


# Third pass: general speaker and cue patterns (case id names the rule; sentences from the corpus).
# (case id, text, expected (cue, speaker) rows)
PASS3_CASES = [
    (
        "cue_remind-lee-bg-256",
        "Mr Aquilina has reminded householders that the SES is a volunteer organisation and does not charge "
        "for its work or employ sub-contractors.",
        [("remind", "Aquilina")],
    ),
    (
        "camel_surname-lee-bg-080",
        "One bystander, Marius duPlessis, said he was searching for his 20-year-old son who had been working "
        "at the centre.",
        [("say", "Marius duPlessis")],
    ),
    (
        "age_origin_appositive-ua-0029",
        "Shaun Pinner, 48, from Watford and Bedfordshire, also said he understood the charges against him.",
        [("say", "Shaun Pinner")],
    ),
    (
        "merged_person_after_org-ua-0018",
        "On Wednesday, President of the European Council Charles Michel said that \"history will not forget "
        "the war crimes\" committed in Ukraine.",
        [("say", "Charles Michel")],
    ),
    (
        "merged_person_after_media-ua-0071",
        "Volodymyr Zelenskiy said Ukraine would export more grain.\n\n"  # ua-0071 style antecedent
        "According to a report in the South China Morning Post Zelenskiy said: “It’s a very powerful state.”",
        [("say", "Volodymyr Zelenskiy"), ("say", "Volodymyr Zelenskiy")],
    ),
    (
        "it_relative_clause_subject-ua-0083",
        "Russia is accused of widespread war crimes, which it denies.",
        [("deny", "Russia")],
    ),
    (
        "possessive_noun_not_cue-ua-0005",  # must not match: "Russia's demands" is a noun
        "The Russian president accused the US and its allies of ignoring Russia's demands to block Ukraine "
        "from ever joining Nato and offer Moscow security guarantees.",
        [],
    ),
    (
        "plain_name_not_merged-lee-bg",  # must not match: two people share a surname
        "Peter Blake said the crew had worked hard.\n\nJoyce Blake told reporters the family was proud.",
        [("say", "Peter Blake"), ("tell", "Joyce Blake")],
    ),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in PASS3_CASES], ids=[c[0] for c in PASS3_CASES])
def test_pass3_patterns(text: str, expected: list[tuple[str, str]]) -> None:
    doc = doc_of(text)
    rows = attributions.extract(doc)
    check_spans(doc, rows)
    got = [(r.cue, r.speaker) for r in rows if r.cue != "accuse"]
    assert len(got) == len(expected)
    for (cue, speaker), (want_cue, want_speaker) in zip(got, expected, strict=True):
        assert cue == want_cue
        assert speaker is not None and (speaker == want_speaker or speaker.endswith(" " + want_speaker))


def test_reply_after_quote_is_direct_ua_0029() -> None:
    """A quote-only cue: '“Tak tochno,” he replied, a military response ...' is a direct row."""
    text = (
        "Aiden Aslin said he was a serving soldier.\n\n"  # antecedent for "he"
        "“Tak tochno,” he replied, a military response meaning “affirmative”."
    )
    rows = rows_of(text)
    reply = [r for r in rows if r.cue == "reply"]
    assert len(reply) == 1
    assert reply[0].is_direct and reply[0].content == "Tak tochno"
    assert reply[0].speaker == "Aiden Aslin"


# Fourth pass (issue #5): resolution by role synonyms and ledes, name particles, pronoun antecedents,
# time phrases, senses of cue verbs that report nothing. (case id names the rule; corpus ids cited)
PASS4_CASES = [
    (
        "role_synonym_leader-ua-0095",
        "There is no need for Belarus to participate in the hostilities, Belarusian President Aleksandr "
        "Lukashenko said at a media scrum in the Kremlin.\n\n“If we were to join the hostilities, it would "
        "not help,” the Belarusian leader said.",
        [("say", "Aleksandr Lukashenko"), ("say", "Aleksandr Lukashenko")],
    ),
    (
        "role_synonym_head_of_state-ua-0095",
        "Belarusian President Aleksandr Lukashenko said the front was calm.\n\n“We are standing face to "
        "face there,” the head of state said.",
        [("say", "Aleksandr Lukashenko"), ("say", "Aleksandr Lukashenko")],
    ),
    (
        "lede_name_no_title-ua-0046",
        "The mayor of Sloviansk has called on its remaining residents to evacuate as the Russian invaders "
        "stepped up their shelling.\n\nVadim Lyakh said 40 houses had been shelled on Monday.",
        [("call_on", "Vadim Lyakh"), ("say", "Vadim Lyakh")],
    ),
    (
        "lede_name_generic_head-ua-0080",
        "NATO’s top official has stressed that the organization believes a major pipeline suffered damage "
        "as a result of sabotage.\n\n\"All evidence points again that this is sabotage,\" NATO "
        "Secretary-General Jens Stoltenberg said during an appearance on NBC.",
        [("stress", "Jens Stoltenberg"), ("say", "Jens Stoltenberg")],
    ),
    (
        "lede_name_title_fits-ua-0113",
        "Britain’s most senior military commander has called on the US to “stay strong” as he appealed "
        "against future American isolationism.\n\nAdm Sir Tony Radakin said at a conference he believed "
        "“the world is undeniably becoming more dangerous”.",
        [("call_on", "Tony Radakin"), ("say", "Tony Radakin")],
    ),
    (
        "lede_not_past_first_sentence-lee-bg-091",  # must not match: a later description, another person
        "Peter Hollingworth has faced calls to resign. The Governor-General says he relied on advice from "
        "church officials at the time. Hetty Johnston, from the People's Alliance Against Child Sexual Abuse, "
        "says the Governor Generals version of events is hard to believe.",
        [("say", "Governor-General"), ("say", "Hetty Johnston")],
    ),
    (
        "title_adjective_is_no_title-lee-bg-251",  # must not match: "Chief ... negotiator" is no leader
        "Chief Palestinian negotiator Saeb Erakat said the words amounted to a declaration of war. \"He "
        "doesn't want me to succeed,\" the Palestinian leader said.",
        [("say", "Saeb Erakat"), ("say", "Palestinian leader")],
    ),
    (
        "name_particles-ua-0079",
        "Ursula von der Leyen said she wanted the Russian president, Vladimir Putin, to be held to "
        "account.\n\n“That Putin must lose this war, that is important to me,” she told the TV channel of "
        "the German news outlet Bild on Thursday.",
        [("say", "Ursula von der Leyen"), ("tell", "Ursula von der Leyen")],
    ),
    (
        "name_particles_de_la-lee-bg-077",
        "President Fernando de la Rua has called on the opposition to join a government of national unity.",
        [("call_on", "Fernando de la Rua")],
    ),
    (
        "appositive_name_not_antecedent-ua-0046",
        "“This is the last victory for Russia on Ukrainian territory,” Oleksiy Arestovych, an adviser to the "
        "president, Volodymyr Zelenskiy, said in a video posted online. “Taking the cities in the east meant "
        "that 60% of Russian forces are now concentrated in the east,” he said.",
        [("say", "Oleksiy Arestovych"), ("say", "Oleksiy Arestovych")],
    ),
    (
        "they_is_never_one_person-ua-0091",  # must not match: "They" after a person makes no row
        "Rishi Sunak said the UK would send more aid.\n\nThey claim the aid is not enough.",
        [("say", "Rishi Sunak")],
    ),
    (
        "time_phrase_before_cue-ua-0080",
        "The Central Intelligence Agency (CIA) in the summer had warned counterparts in Berlin of a "
        "possible attack on the pipeline.",
        [("warn", "Central Intelligence Agency (CIA)")],
    ),
    (
        "time_phrase_before_cue-ua-0108",
        "French President Emmanuel Macron last week reaffirmed that he would not rule out sending Western "
        "troops to Ukraine.",
        [("reaffirm", "Emmanuel Macron")],
    ),
    (
        "adjunct_then_clause-ua-0064",
        "The US treasury department said on Friday it had imposed sanctions on another individual alongside "
        "Ionov.",
        [("say", "United States treasury department")],
    ),
    (
        "toll_not_claim-ua-0016",  # must not match: "claimed ... lives" is a toll
        "Since 2014, Russia's aggression in Ukraine has claimed about 14,000 lives.",
        [],
    ),
    (
        "possession_not_claim-ua-0096",  # must not match: "claims as its own"
        "China announced sanctions over arms sales to Taiwan, the island democracy Beijing claims as its own "
        "territory.",
        [("announce", "China")],
    ),
    (
        "verdict_not_finding-lee-bg-162",  # must not match: "found the six ... guilty" is a verdict
        "A Swiss court has found the six of the eight employees guilty of culpable manslaughter.",
        [],
    ),
    (
        "finding_with_clause-lee-bg-203",  # "found a growing number ... are working": a finding
        "An International study has found thousands of Australians are involved in the child sex industry. "
        "It also found a growing number of children are working as prostitutes in order to survive.",
        [("find", "International study"), ("find", "International study")],
    ),
    (
        "participle_after_noun-ua-0039",  # must not match: "howitzers promised by Berlin"
        "Kyiv’s defence ministry also said it had deployed an advanced German artillery system after all "
        "seven howitzers promised by Berlin arrived.",
        [("say", "Kyiv defence ministry")],
    ),
    (
        "prepositional_object-lee-bg-218",  # must not match: "an address in Australia" is no subject
        "An email sent by Afroz to an address in Australia had mentioned plans to attack Britain's House of "
        "Commons.",
        [],
    ),
    (
        "document_of_source-ua-0054",  # "A new statement from Europol said": Europol speaks
        "A new statement from Europol said the organisation had no records of the group.",
        [("say", "Europol")],
    ),
    (
        "conjunct_after_preposition-ua-0109",
        "Macron has said he would not rule out the possibility of sending troops to Ukraine and Cameron "
        "said it was up to Kyiv how it used British weapons.",
        [("say", "Macron"), ("say", "Cameron")],
    ),
    (
        "according_to_owner_website-ua-0019",
        "The defence institute is engaged in aerospace research, according to the Russian defence ministry’s "
        "website.",
        [("according_to", "Russian defence ministry")],
    ),
    (
        "surname_like_demonym-lee-bg-084",
        "The Opposition leader, Simon Crean, says a child abuse scandal in Brisbane has damaged the Office.",
        [("say", "Simon Crean")],
    ),
    (
        "role_on_portfolio-lee-bg-107",
        "But Labor's spokesman on Home Affairs, John Faulkner, says the Opposition does not want to delay.",
        [("say", "John Faulkner")],
    ),
    (
        "spokesman_of_named_body-lee-bg-236",
        "An Israeli Foreign Ministry spokesman said the talks had failed.",
        [("say", "Israeli Foreign Ministry")],
    ),
    (
        "org_name_not_headline_person-ua-0076",  # must not match: "... of War" closes an institute's name
        "Other Topics of Interest NATO Training Won't Trigger War With Russia Kallas said it would not be "
        "escalatory.\n\nThe Institute for the Study of War in Washington pointed out that Tuesday’s attack "
        "was on a key supply hub. It said attacks of the past week were part of a counter-offensive.",
        [("point_out", "Institute for the Study of War"), ("say", "Institute for the Study of War")],
    ),
    (
        "bare_plural_not_named_group-ua-0080",  # must not match: "officials" is not "Danish officials"
        "Danish officials said the leaking had stopped.\n\nThe pipeline shut down in August when officials "
        "insisted that sanctions made it impossible to maintain the system.",
        [("say", "Danish officials"), ("insist", "officials")],
    ),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in PASS4_CASES], ids=[c[0] for c in PASS4_CASES])
def test_pass4_patterns(text: str, expected: list[tuple[str, str]]) -> None:
    doc = doc_of(text)
    rows = attributions.extract(doc)
    check_spans(doc, rows)
    got = [(r.cue, r.speaker) for r in rows]
    assert len(got) == len(expected), got
    for (cue, speaker), (want_cue, want_speaker) in zip(got, expected, strict=True):
        assert cue == want_cue
        assert speaker is not None and (speaker == want_speaker or speaker.endswith(" " + want_speaker)), got


def test_possessive_its_takes_the_subject_state_ua_0064() -> None:
    """'North Macedonia plans to donate ... to Ukraine as it seeks ..., its defence ministry said':
    the ministry is the subject's, not the nearest country's."""
    from pipeline.extract import build_doc

    text = (
        "North Macedonia plans to donate an unspecified number of Soviet-era tanks to Ukraine as it seeks to "
        "modernise its own military to meet Nato standards, its defence ministry said on Friday."
    )
    doc = build_doc(article_from_object({"text": text, "date": "2022-07-31"}, "t.json"))
    rows = attributions.extract(doc)
    assert [(r.cue, r.speaker) for r in rows] == [("say", "North Macedonia defence ministry")]


def test_according_to_website_is_channel_ua_0019() -> None:
    rows = rows_of(
        "The defence institute is engaged in aerospace research, according to the Russian defence ministry’s "
        "website."
    )
    assert [(r.speaker, r.channel) for r in rows] == [("Russian defence ministry", "website")]


# Fast paths of the tokeniser, the channel scan and the frozen records must give exactly what the
# plain regex / dataclass reading gives (texts: the seed and corner cases of the fast paths).
FAST_PATH_TEXTS = [
    SEED.read_text(encoding="utf-8"),
    "Mr. Smith, Mrs.Jones and Dr. Lee (U.S.) said: “We won’t,” Russia’s face-to-face talks — 2,500 x_y.",
    "St. Louis  Gen.,\ttwo\u00a0spaces \u200b A. B. Sen.: Maj’s ‘quo’ \"x\" ΟΔΟΣ. İstanbul,",
    "In a Statement on its Telegram-channel, the TELEGRAM CHANNEL xpost posted a  statement; press conferences.",
]


@pytest.mark.parametrize("text", FAST_PATH_TEXTS)
def test_add_tokens_matches_token_regex(text: str) -> None:
    low = attributions._lower(text)
    for a, b in [(0, len(text)), (1, len(text) - 1), (5, 60), (len(text) // 2, len(text))]:
        got: list[attributions.Tok] = []
        attributions._add_tokens(text, low, a, b, got)
        want = [
            (m.start(), m.end(), m.group(), low[m.start() : m.end()], False, text[m.start()].isupper())
            for m in attributions._TOKEN.finditer(text, a, b)
        ]
        assert [(t.start, t.end, t.text, t.low, t.quoted, t.cap) for t in got] == want
        assert all(type(t) is attributions.Tok for t in got)


@pytest.mark.parametrize("text", FAST_PATH_TEXTS)
def test_channel_matches_equal_finditer(text: str) -> None:
    lex = attributions.load_lexicon()
    for a, b in [(0, len(text)), (3, len(text) - 2), (10, 80)]:
        want = [m.span() for m in lex.channel_re.finditer(text, a, b)]
        assert [m.span() for m in attributions._channel_matches(text, a, b, lex)] == want


def test_frozen_records_equal_dataclass_construction() -> None:
    sp = attributions.SpeakerNP(1, 5, "text", "name", "person", "Text", None, "head")
    assert [getattr(sp, f.name) for f in dataclasses.fields(sp)] == [1, 5, "text", "name", "person", "Text", None, "head", None]
    assert sp.pronoun is None and sp == attributions.SpeakerNP(1, 5, "text", "name", "person", "Text", None, "head")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sp.start = 2  # type: ignore[misc]
    art = parse_text(SEED.read_text(encoding="utf-8"), SEED.name)
    rows = attributions.extract(Doc(article=art, sentences=segment(art)))
    assert rows
    for r in rows:
        assert r == attributions.AttributionRow(**dataclasses.asdict(r))
        assert hash(r) == hash(attributions.AttributionRow(**dataclasses.asdict(r)))


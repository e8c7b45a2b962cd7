"""Golden tests of the French analysis chain: sentence → exact terms."""

import pickle

import pytest

from search.analysis import french_analyzer, load_stopwords, tokens

GOLDEN = [
    ("’‘ʼ′`´ l’’OIM", ["oim"]),  # a run of apostrophes is no word (it used to crash the chain)
    ("sécurité", ["securit"]),
    ("activité", ["activit"]),
    ("réfugiés", ["refug"]),
    ("réfugiées", ["refug"]),
    ("Guinée", ["guin"]),
    ("frontières", ["frontier"]),
    ("été", ["ete"]),
    ("l’OIM", ["oim"]),
    ("L'OIM", ["oim"]),
    ("OIM", ["oim"]),
    ("œuvre", ["oeuvr"]),
    ("cœur", ["coeur"]),
    ("socio-économique", ["socio", "econom", "socioeconom"]),
    ("ODD 5", ["odd", "5"]),
    ("phase 2", ["phas", "2"]),
    ("jusqu'à Bichkek", ["bichkek"]),
    ("JUSQU’OÙ", []),
    ("aujourd'hui", ["aujourdhui"]),
    ("Bichkek", ["bichkek"]),
    ("COVID-19", ["covid", "19"]),
    ("300000.00", ["300000.00"]),
    ("O.I.M.", ["oim"]),
    ("13ème mois", ["13", "mois"]),
    ("13 eme mois", ["13", "mois"]),
    ("lorsqu’il puisqu'elle quoiqu'on", []),
    ("l’Afrique de l’Est", ["afriqu", "est"]),
    ("nous sommes en été, les avions et le son", ["somm", "ete", "avion", "son"]),
    ("or us an", ["or", "us", "an"]),
    ("Ville-santé", ["vill", "sant", "villes"]),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("sécurité", "securite"),
        ("activité", "activite"),
        ("réfugiés", "refugies"),
        ("réfugiées", "refugiees"),
        ("Guinée", "guinee"),
        ("frontières", "frontieres"),
        ("été", "ete"),
        ("œuvre", "oeuvre"),
        ("cœur", "coeur"),
        ("socio-économique", "socio-economique"),
        ("santé des migrants en Guinée", "sante des migrants en guinee"),
        ("Kirghizistan : pollution atmosphérique", "kirghizistan pollution atmospherique"),
    ],
)
def test_accented_and_unaccented_give_identical_terms(accented, plain):
    assert tokens(accented) == tokens(plain)


def test_feminine_and_masculine_plural_meet():
    assert tokens("réfugiées") == tokens("réfugiés") == tokens("refugiees")


def test_no_stop_word_survives_folding():
    # 'à' folds to 'a', 'où' to 'ou': typed without accents they must still be dropped.
    assert tokens("a ou à où") == []
    for word in load_stopwords():
        assert tokens(word) == [], word


def test_meaningful_words_are_not_stop_words():
    for word in ("été", "est", "sommes", "avions", "son", "or", "us", "an"):
        assert tokens(word), word


def test_single_digits_are_kept_and_numbers_are_not_stemmed():
    assert tokens("ODD 5 et 17") == ["odd", "5", "17"]
    assert tokens("300000.00 USD") == ["300000.00", "usd"]


def test_compound_parts_and_joined_form_share_positions():
    positions = [(t.text, t.pos) for t in french_analyzer()("projet socio-économique local", positions=True)]
    assert positions == [("projet", 0), ("socio", 1), ("econom", 2), ("socioeconom", 1), ("local", 3)]


def test_elision_moves_the_highlight_start_to_the_word():
    [token] = list(french_analyzer()("l’OIM", chars=True))
    assert (token.startchar, token.endchar) == (2, 5)


def test_analyzer_pickles_and_works_after_unpickling():
    # Whoosh stores the schema (and so the analyzer) inside the index.
    clone = pickle.loads(pickle.dumps(french_analyzer()))
    assert [t.text for t in clone("Les réfugiées à Conakry")] == ["refug", "conakry"]


def test_odd_input_does_not_break_the_chain():
    assert tokens("") == []
    assert tokens("''' --- ... ’’") == []
    assert tokens("\x00\ufffd 🙂") == []
    assert tokens("a" * 10_000) == [tokens("a" * 10_000)[0]]


def test_memoised_analyzer_yields_exactly_what_the_filter_chain_yields():
    from search.analysis import FrenchAnalyzer
    from search.analysis.chain import french_chain

    text = (
        "L’OIM et le PNUD, aujourd'hui à Bichkek : 13ème réunion socio-économique sur la COVID-19 "
        "(300000.00 USD, ODD 5). Qu’elles soient réfugiées ou déplacées, jusqu'à e-mail 13 e-mail."
    )
    for removestops in (True, False):
        expected = [
            (t.text, t.pos, t.startchar, t.endchar, t.stopped)
            for t in french_chain()(text, positions=True, chars=True, removestops=removestops)
        ]
        got = [
            (t.text, t.pos, t.startchar, t.endchar, t.stopped)
            for t in FrenchAnalyzer()(text, positions=True, chars=True, removestops=removestops)
        ]
        assert got == expected


def test_the_inspector_shows_each_stage_and_agrees_with_the_index_terms():
    from search.analysis import inspect

    text = "L’OIM aide les réfugiées socio-économiques depuis le 13ème mois, jusqu'à aujourd'hui."
    steps = inspect(text)
    assert [s.term for s in steps if s.term] == tokens(text)
    oim = steps[0]
    assert (oim.raw, oim.typed, oim.word, oim.term) == ("L’OIM", "OIM", "oim", "oim")
    refugiees = next(s for s in steps if s.typed == "réfugiées")
    assert (refugiees.folded, refugiees.term) == ("refugiees", "refug")
    assert next(s for s in steps if s.typed == "les").stop
    assert next(s for s in steps if s.typed == "ème").ordinal
    positions = [(t.text, t.pos) for t in french_analyzer()(text, positions=True)]
    assert [(s.term, s.position) for s in steps if s.term] == positions


def test_words_unidecode_cannot_transliterate_are_kept_as_written():
    # Found by schemathesis: such a word once crashed the stemmer (an empty folded form).
    assert tokens("\U000176a6 migrants") == ["\U000176a6", "migr"]
    from search.analysis import inspect

    assert [t.term for t in inspect("\U000176a6")] == ["\U000176a6"]


def test_fast_token_pattern_finds_the_same_tokens() -> None:
    """WORD (one leading character class) against TOKEN_PATTERN, span by span: tricky text and
    random strings over the characters the branches care about."""
    import random
    import re

    from search.analysis.chain import TOKEN_PATTERN
    from search.analysis.fast import WORD

    reference = re.compile(TOKEN_PATTERN)
    texts = [
        "U.S.A. a.b c.d. 12,5.3 l'état-major 3e 1er aujourd’hui x_y __ a-b- 1.2.3. é.t.é. 4a a4 ,5 ½ ² ٣ ß",
        "_a1 a._b. 1.a.b. O.I.M COVID-19 300000.00 3,5 socio-économique",
    ]
    rng = random.Random(3)
    alphabet = "aZé1٣²½_ .,'’‘ʼ′-ß\u0301\n"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(20_000)]
    for text in texts:
        assert [m.span() for m in WORD.finditer(text)] == [m.span() for m in reference.finditer(text)], text

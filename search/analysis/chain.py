"""The French analysis chain: one analyzer, used identically at index and query time.

It reads like whoosh's own analysis module: a tokenizer followed by small filters composed
with ``|``, each doing one thing. Every piece is a plain class with no closures so the
analyzer pickles (Whoosh stores the schema, analyzer included, inside the index).

    l’Organisation socio-économique du 13ème Sécurité  →  organis socio econom socioeconom 13 securit

The expensive per-token steps (accent folding, stemming) are memoised with ``lru_cache``:
a real vocabulary is small next to the number of tokens, and PyStemmer's own cache thrashes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from unidecode import unidecode
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

# A token is a dotted acronym (O.I.M.), a number (300000.00, 3,5), or a word that may carry
# internal apostrophes and hyphens (l'OIM, socio-économique, COVID-19): filters split those.
TOKEN_PATTERN = r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)*|[^\W_]+(?:['’‘ʼ′-][^\W_]+)*"

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'"})
ELISION = re.compile(r"^(?:l|m|t|qu|n|s|j|d|c|jusqu|quoiqu|lorsqu|puisqu)'", re.IGNORECASE)
# Words whose apostrophe is part of the word, not an elision: kept whole, apostrophe dropped.
WHOLE_WORDS = frozenset({"aujourd'hui", "quelqu'un", "quelqu'une", "presqu'île", "presqu'îles"})
ORDINAL_SUFFIXES = frozenset({"e", "er", "re", "ere", "ère", "eme", "ème", "ieme", "ième", "è", "nd", "nde"})
NUMBER = re.compile(r"\d+(?:[.,]\d+)*$")


def fold(text: str) -> str:
    """Accent and ligature folding (é→e, œ→oe); lower-case input stays lower-case."""
    return _fold(text)


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    # Unidecode has no ASCII for some scripts and returns "": keep such a word as written.
    return text if text.isascii() else (unidecode(text) or text)


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """The cited French list (see data/stopwords_fr.txt), plus the folded form of each word.

    Folded forms are added so that a query typed without accents (``a`` for *à*, ``ou`` for
    *où*) drops the same words as the accented text did.
    """
    text = resources.files("search").joinpath("data/stopwords_fr.txt").read_text("utf-8")
    words = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(words | {fold(w) for w in words})


class ApostropheFilter(Filter):
    """Unify the apostrophes French text uses (’ ‘ ʼ ′) into '."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = t.text.translate(APOSTROPHES)
            yield t


class ElisionFilter(Filter):
    """Strip an elided article or conjunction: l'OIM → OIM, jusqu'à → à, Qu'elle → elle.

    The token's start offset moves past the article so a highlight marks the word itself.
    """

    def __call__(self, tokens):
        for t in tokens:
            match = ELISION.match(t.text)
            if match and len(t.text) > match.end():
                t.text = t.text[match.end() :]
                if t.chars:
                    t.startchar += match.end()
            yield t


class CompoundFilter(Filter):
    """Split hyphenated and apostrophe compounds into their parts, plus the joined form.

    socio-économique → socio, économique, socioéconomique (the joined form shares the first
    part's position, so both a phrase of the parts and the glued word match). Mixed letters and
    digits (COVID-19) are only split. Later positions shift to make room for the extra parts.
    """

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            if t.positions:
                t.pos += shift
            if "-" not in t.text and "'" not in t.text:
                yield t
                continue
            if t.text in WHOLE_WORDS:
                t.text = t.text.replace("'", "")
                yield t
                continue
            start_pos = t.pos if t.positions else 0
            start_char = t.startchar if t.chars else 0
            parts = list(_parts(t.text))
            for index, (offset, part) in enumerate(parts):
                t.text = part
                if t.positions:
                    t.pos = start_pos + index
                if t.chars:
                    t.startchar = start_char + offset
                    t.endchar = t.startchar + len(part)
                yield t
            if parts and all(part.isalpha() for _, part in parts):  # "’’" alone has no parts
                t.text = "".join(part for _, part in parts)
                if t.positions:
                    t.pos = start_pos
                if t.chars:
                    t.startchar = start_char
                    t.endchar = start_char + parts[-1][0] + len(parts[-1][1])
                yield t
            shift += len(parts) - 1


def _parts(text: str):
    """(offset, part) for each piece of a compound, each piece stripped of its own elision."""
    for match in re.finditer(r"[^'\-]+(?:'[^'\-]+)?", text):
        piece, offset = match.group(0), match.start()
        elided = ELISION.match(piece)
        if elided and len(piece) > elided.end():
            piece, offset = piece[elided.end() :], offset + elided.end()
        for sub in re.finditer(r"[^']+", piece):
            yield offset + sub.start(), sub.group(0)


class AcronymFilter(Filter):
    """Dotted acronyms become plain words: o.i.m. → oim."""

    def __call__(self, tokens):
        for t in tokens:
            if "." in t.text and not t.text[0].isdigit():
                t.text = t.text.replace(".", "")
            yield t


class OrdinalFilter(Filter):
    """Drop an ordinal suffix written after a number: 13e, 13ème, 13 eme → 13."""

    def __call__(self, tokens):
        after_number = False
        for t in tokens:
            if after_number and t.text in ORDINAL_SUFFIXES:
                after_number = False
                continue
            after_number = bool(NUMBER.match(t.text))
            yield t


class FrenchStopFilter(Filter):
    """Remove French stop words, after folding so that none slips through (où → ou, à → a).

    Positions are left with gaps so phrases stay honest.
    """

    def __init__(self, stops: frozenset[str] | None = None):
        self.stops = stops if stops is not None else load_stopwords()

    def __call__(self, tokens):
        stops = self.stops
        for t in tokens:
            if t.text not in stops:
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


class FoldFilter(Filter):
    """Fold accents and ligatures with Unidecode before stemming (é→e, œ→oe, æ→ae).

    Stemming first breaks unaccented queries: sécurité→secur but securite→securit.
    """

    def __call__(self, tokens):
        for t in tokens:
            t.text = _fold(t.text)
            yield t


class FemininePluralFilter(Filter):
    """Réfugiées and réfugiés must meet: after folding, a final -ee/-ees loses its e/es.

    The Snowball stemmer leaves refugiees→refugie but refugies→refug.
    """

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            if len(text) > 4:
                if text.endswith("ees"):
                    t.text = text[:-2]
                elif text.endswith("ee"):
                    t.text = text[:-1]
            yield t


class FrenchStemFilter(Filter):
    """Snowball French stemming (PyStemmer), memoised; numbers pass unchanged."""

    def __call__(self, tokens):
        for t in tokens:
            if t.text and not t.text[0].isdigit():
                t.text = stem(t.text)
            yield t


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    # A Stemmer object does not pickle: create it on first use, never store it on a filter.
    import Stemmer

    return Stemmer.Stemmer("french", 0)


def word_chain():
    """The stages that shape a word: apostrophes, case, elision, compounds, acronyms."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | ApostropheFilter()
        | LowercaseFilter()
        | ElisionFilter()
        | CompoundFilter()
        | AcronymFilter()
    )


def term_filters(stem_words: bool = True) -> list[Filter]:
    """The stages that turn one word into its index term, or drop it (stop word)."""
    filters: list[Filter] = [FoldFilter(), FrenchStopFilter()]
    if stem_words:
        filters += [FemininePluralFilter(), FrenchStemFilter()]
    return filters


def french_chain(stem_words: bool = True):
    """The whole chain as Whoosh filters composed with ``|``: the reference definition."""
    chain = word_chain() | OrdinalFilter()
    for stage in term_filters(stem_words):
        chain = chain | stage
    return chain

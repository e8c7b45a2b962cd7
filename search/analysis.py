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
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

from unidecode import unidecode
from whoosh.analysis import Composable, Filter, LowercaseFilter, RegexTokenizer, Token

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


class FrenchAnalyzer(Composable):
    """`french_chain()` with each stage memoised per distinct word: same tokens, ~4x faster.

    A corpus has far fewer distinct words than tokens, so the word stages run once per raw word
    and the term stages once per part; only the ordinal rule, which looks at the previous
    token, runs per token. Tests check it yields exactly what the chain yields.
    """

    def __init__(self, stem_words: bool = True):
        self.stem_words = stem_words

    def __eq__(self, other):
        return type(other) is type(self) and other.stem_words == self.stem_words

    def has_morph(self) -> bool:
        # Whoosh then also indexes the unstemmed words (``no_morph=True``) into a ``spell_*``
        # field: the whole folded words did-you-mean and prefix search need.
        return self.stem_words

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        no_morph=False,
        **kwargs,
    ):
        if not tokenize:
            yield from french_chain(self.stem_words and not no_morph)(
                value,
                positions=positions,
                chars=chars,
                keeporiginal=keeporiginal,
                removestops=removestops,
                start_pos=start_pos,
                start_char=start_char,
                tokenize=False,
                mode=mode,
                **kwargs,
            )
            return
        stem_words = self.stem_words and not no_morph
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        after_number = False
        for match in WORD.finditer(value):
            parts, width = _word_entry(match.group(0), stem_words)
            for term, stopped, is_suffix, is_number, rel, start, end in parts:
                if after_number and is_suffix:
                    after_number = False
                    continue
                after_number = is_number
                if stopped and removestops:
                    continue
                token.text = term
                token.stopped = stopped
                token.boost = 1.0
                if keeporiginal:
                    token.original = token.text
                if positions:
                    token.pos = pos + rel
                if chars:
                    token.startchar = start_char + match.start() + start
                    token.endchar = start_char + match.start() + end
                yield token
            pos += width


# The tokens of TOKEN_PATTERN (a test compares the two), written as one character class and the
# rest of each branch: every token starts with a letter or a digit, so `re` scans to the next
# one with its character-set prefix instead of trying three branches at every space and comma
# (~18% less time in the tokenizer). The lookbehinds keep the branches' order: a dotted
# acronym before a word, a number for a token starting with a digit.
FAST_TOKEN_PATTERN = r"[^\W_](?:(?<=[^\W\d_])\.(?:[^\W\d_]\.)+|(?<=\d)\d*(?:[.,]\d+)*|[^\W_]*(?:['’‘ʼ′-][^\W_]+)*)"
WORD = re.compile(FAST_TOKEN_PATTERN)


def _word_parts(word: str) -> tuple[tuple[str, int, int, int], ...]:
    """(text, position offset, start, end) of each part the word stages make of one raw word."""
    return tuple(
        (t.text, t.pos, t.startchar, t.endchar) for t in _cached_word_chain()(word, positions=True, chars=True)
    )


@lru_cache(maxsize=1)
def _cached_word_chain():
    return word_chain()


@lru_cache(maxsize=2)
def _cached_term_filters(stem_words: bool) -> tuple[Filter, ...]:
    return tuple(term_filters(stem_words))


@lru_cache(maxsize=200_000)
def _word_entry(word: str, stem_words: bool):
    """Everything the analyzer needs about one raw word, computed once per distinct word.

    Each part: (term, is a stop word, is an ordinal suffix, is a number, position
    offset, start, end); and how many positions the word takes (one per compound part, the
    joined form sharing the first).
    """
    parts = tuple(
        (*_term(text, stem_words), text in ORDINAL_SUFFIXES, bool(NUMBER.match(text)), rel, start, end)
        for text, rel, start, end in _word_parts(word)
    )
    width = max((part[4] for part in parts), default=0) + 1
    return parts, width


@lru_cache(maxsize=400_000)
def _term(text: str, stem_words: bool) -> tuple[str, bool]:
    """The index term of one word part, and whether it is a stop word."""
    stream = iter([Token(text=text, removestops=False, stopped=False)])
    for stage in _cached_term_filters(stem_words):
        stream = stage(stream)
    token = next(stream)
    return token.text, bool(token.stopped)


@lru_cache(maxsize=200_000)
def index_entry(word: str) -> tuple[tuple[tuple[bytes, bytes, bool, bool, bool, int, int, int], ...], int]:
    """`_word_entry` for the index writer: both index forms of each part of one raw word.

    Each part: (index term, whole folded word for the ``spell_*`` field, is a stop word, is an
    ordinal suffix, is a number, position offset, start, end), the terms as UTF-8 bytes; and
    the word's width in positions. The stop word test runs on the folded word in both chains,
    so one flag serves both (tests compare the writer with Whoosh's own).
    """
    stemmed, width = _word_entry(word, True)
    whole, _ = _word_entry(word, False)
    parts = tuple(
        (term.encode("utf-8"), folded[0].encode("utf-8"), stopped, is_suffix, is_number, rel, start, end)
        for (term, stopped, is_suffix, is_number, rel, start, end), folded in zip(stemmed, whole, strict=True)
    )
    return parts, width


class IndexEntries(dict):
    """Raw word → `index_entry` in the compact form the writer's token loop reads.

    A plain dict filled on first sight: one subscript per token, where ``lru_cache`` costs a
    call and a key tuple. Most words are one part that is neither a number nor an ordinal
    suffix; their entry is ``(term, whole word, start, end)`` (the offsets relative to the raw
    word: an elision moves the start). A stop word of that kind is ``(None, None, 0, 0)``.
    Anything else (compounds, numbers, suffixes) is ``(None, (parts, width), 0, 0)``, with
    `index_entry`'s parts and width.
    """

    def __missing__(self, word: str):
        parts, width = index_entry(word)
        entry = (None, (parts, width), 0, 0)
        if len(parts) == 1 and width == 1:
            term, whole, stopped, is_suffix, is_number, _rel, start, end = parts[0]
            if not is_suffix and not is_number:
                entry = (None, None, 0, 0) if stopped else (term, whole, start, end)
        self[word] = entry
        return entry


def french_analyzer(stem_words: bool = True) -> FrenchAnalyzer:
    """The analyzer for title and body, at index and query time; ``stem_words=False`` keeps words whole."""
    return FrenchAnalyzer(stem_words)


def tokens(text: str, stem_words: bool = True) -> list[str]:
    """The terms the chain produces for ``text``: handy for tests and the query side."""
    return [t.text for t in _analyzer(stem_words)(text)]


@lru_cache(maxsize=2)
def _analyzer(stem_words: bool):
    return french_analyzer(stem_words)


MAX_INSPECTED_CHARS = 2_000


@dataclass(frozen=True)
class TokenSteps:
    """One word through the chain, stage by stage (the analysis inspector).

    raw: the whole word as written; typed: the part of it this token comes from;
    word: after apostrophes, case, elision, compounds and acronyms;
    folded: after accent folding; stop: dropped as a stop word; term: the index term (None when
    dropped); ordinal: dropped as the suffix of a number (13ème).
    """

    raw: str
    typed: str
    word: str
    folded: str
    stop: bool
    ordinal: bool
    term: str | None
    position: int
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def inspect(text: str) -> list[TokenSteps]:
    """Every word of ``text`` through each stage of the chain, as indexing and search see it."""
    text = text[:MAX_INSPECTED_CHARS]
    steps: list[TokenSteps] = []
    after_number = False
    base = 0
    for match in WORD.finditer(text):
        parts, width = _word_entry(match.group(0), True)
        for (term, stopped, is_suffix, is_number, rel, start, end), (word, *_) in zip(
            parts, _word_parts(match.group(0)), strict=True
        ):
            ordinal = after_number and is_suffix
            after_number = False if ordinal else is_number
            steps.append(
                TokenSteps(
                    raw=match.group(0),
                    typed=text[match.start() + start : match.start() + end],
                    word=word,
                    folded=fold(word),
                    stop=stopped,
                    ordinal=ordinal,
                    term=None if stopped or ordinal else term,
                    position=base + rel,
                    start=match.start() + start,
                    end=match.start() + end,
                )
            )
        base += width
    return steps

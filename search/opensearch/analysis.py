"""Our French analysis chain as OpenSearch index settings, generated from the Python chain's own data.

The Python chain (`search.analysis`) is the reference; this module writes the same stages as
OpenSearch char filters, a tokenizer and token filters, in the same order:

    apostrophes unified (mapping) → other scripts transliterated as Unidecode does (mapping)
    → ordinal suffix after a number dropped (pattern_replace)
    → tokens (pattern: dotted acronyms, numbers, words with inner ' and -)
    → lowercase → elision (our article list) → whole words keep their apostrophe-less form
    → articles elided inside compounds → dotted acronyms glued (o.i.m. → oim)
    → compounds: parts, plus the joined form when all parts are letters (word_delimiter_graph,
      the joining one under a Painless `condition`) → ASCII folding (before stemming)
    → our stop list (folded) → the -ée/-ées rule → numbers marked unstemmable → Snowball French

The query-time analyzer adds our acronym pairs (OIM ↔ IOM ↔ the long forms) as a synonym graph
over the analysed terms. Word lists (articles, apostrophes, whole words, stop words, acronyms) are
read from the Python settings, never copied; the few regular expressions are written for Java's
regex engine and the token-parity test (tests/test_opensearch_analysis.py) holds them to the
Python chain. ``python -m search.opensearch.analysis --url URL --corpus FILE`` prints the parity,
and with ``--ablation`` what each emulated step buys.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from search.analysis import APOSTROPHES, ELISION, WHOLE_WORDS, fold, load_stopwords, tokens
from search.analysis.acronyms import curated

INDEX_ANALYZER = "french_index"
SEARCH_ANALYZER = "french_search"

# The Python tokenizer's three kinds of token, in Java syntax: letters are \p{L} plus the letter-like
# numerals Python's [^\W\d_] accepts (Nl, No), digits are \p{Nd}, word characters are \p{L}\p{N}.
LETTER = r"[\p{L}\p{Nl}\p{No}]"
WORD_CHAR = r"[\p{L}\p{N}]"
NUMBER = r"\p{Nd}+(?:[.,]\p{Nd}+)*"
TOKEN_PATTERN = rf"(?:{LETTER}\.){{2,}}|{NUMBER}|{WORD_CHAR}+(?:['-]{WORD_CHAR}+)*"

# Written after a number, these are ordinal suffixes (13e, 13ème, 1er, 2nd): the Python chain drops
# them. OpenSearch has no filter that looks at the previous token, so a char filter removes them
# from the text, with the same token boundaries (a test checks each one against the Python chain).
ORDINAL_SUFFIXES = ("e", "er", "re", "ere", "ère", "eme", "ème", "ieme", "ième", "è", "nd", "nde")


# The condition filter's predicate: the token (still holding its ' and -) has only letters otherwise.
ALL_LETTERS_SCRIPT = (
    "String t = token.getTerm().toString(); "
    "for (int i = 0; i < t.length(); ++i) { char c = t.charAt(i); "
    "if (c != (char) 39 && c != (char) 45 && !Character.isLetter(c)) { return false; } } "
    "return true;"
)


@dataclass(frozen=True)
class Steps:
    """Which of our extra steps to emulate (all by default; the ablation turns them off one by one)."""

    ordinals: bool = True
    transliteration: bool = True
    whole_words: bool = True
    inner_elisions: bool = True
    acronym_dots: bool = True
    compounds: bool = True
    joined_only_for_words: bool = True
    feminine_plural: bool = True
    numbers_unstemmed: bool = True
    synonyms: bool = True
    skip: frozenset[str] = field(default_factory=frozenset)


def elision_articles() -> list[str]:
    """The article list of `search.analysis.ELISION` (``^(?:l|m|...)'``), in its order."""
    match = re.search(r"\(\?:([^()]*)\)", ELISION.pattern)
    if not match:
        raise ValueError(f"unexpected elision pattern: {ELISION.pattern!r}")
    return match.group(1).split("|")


# Letters ASCII folding leaves alone but Unidecode transliterates (Greek, Cyrillic, º, µ): mapped
# before tokenizing, letter to letters, so token boundaries do not move. Accented Latin letters
# (a canonical decomposition) are left to the asciifolding filter, in the chain's place.
TRANSLITERATED = range(0x00A0, 0x0530)


def transliteration_mappings() -> list[str]:
    """``λ=>l``, ``Ж=>Zh``, ``º=>o``: our folding (`search.analysis.fold`) of the letters above."""
    mappings = []
    for code in TRANSLITERATED:
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if not char.isalpha() or (decomposition and not decomposition.startswith("<")):
            continue
        folded = fold(char)
        if folded != char and folded.isascii() and folded.isalpha():
            mappings.append(f"{char}=>{folded}")
    return mappings


def apostrophe_mappings() -> list[str]:
    return [f"{chr(code)}=>{target}" for code, target in sorted(APOSTROPHES.items())]


def folded_stopwords() -> list[str]:
    """Our stop list as the chain applies it: after folding."""
    return sorted({fold(word) for word in load_stopwords()})


def _java_escape(text: str) -> str:
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


def whole_words_pattern() -> str:
    """Matches the apostrophe of each whole word (aujourd'hui): removed, the word kept in one piece."""
    alternatives = []
    for word in sorted(WHOLE_WORDS):
        before, _, after = word.partition("'")
        alternatives.append(f"(?<=^{_java_escape(before)})'(?={_java_escape(after)}$)")
    return "|".join(alternatives)


def inner_elision_pattern() -> str:
    """An elided article starting a compound's part (main-d'œuvre → main-œuvre), as Python's `_parts` drops it.

    At the start of the token too: the elision filter strips one article, Python's parts a second (l'l'Union).
    """
    return rf"(?:^|(?<=-))(?:{'|'.join(elision_articles())})'(?=[^'-])"


def ordinal_pattern() -> str:
    """A number, what separates it from the next token, and an ordinal suffix as a whole token."""
    suffixes = "|".join(sorted(ORDINAL_SUFFIXES, key=len, reverse=True))
    return (
        rf"(?iu)(?<!{WORD_CHAR})({NUMBER})[^\p{{L}}\p{{N}}]*(?:{suffixes})"
        rf"(?!{WORD_CHAR}|['-]{WORD_CHAR})"
    )


def acronym_pairs() -> list[str]:
    """Our acronym pairs as synonym rules over analysed terms: ``oim, iom, organis international migrat``."""
    groups: dict[str, set[str]] = {}
    for key, equivalents in curated().items():
        names = {key} | {" ".join(e.terms) for e in equivalents}
        merged = set(names)
        for name in names:
            merged |= groups.get(name, set())
        for name in merged:
            groups[name] = merged
    seen, rules = set(), []
    for group in groups.values():
        if id(group) not in seen:
            seen.add(id(group))
            rules.append(", ".join(sorted(group)))
    return sorted(rules)


def analysis_settings(steps: Steps | None = None) -> dict:
    """The ``settings.analysis`` object of an index: both analyzers and everything they use."""
    steps = steps or Steps()
    filters_extra: dict[str, dict] = {}
    char_filter: dict[str, dict] = {
        "fr_apostrophes": {"type": "mapping", "mappings": apostrophe_mappings()},
    }
    if steps.transliteration:
        char_filter["fr_transliteration"] = {"type": "mapping", "mappings": transliteration_mappings()}
    if steps.ordinals:
        char_filter["fr_ordinals"] = {"type": "pattern_replace", "pattern": ordinal_pattern(), "replacement": "$1"}
    word_filters: dict[str, dict] = {
        "fr_elision": {"type": "elision", "articles": elision_articles(), "articles_case": True},
    }
    if steps.whole_words:
        word_filters["fr_whole_words"] = {
            "type": "pattern_replace",
            "pattern": whole_words_pattern(),
            "replacement": "",
        }
    if steps.inner_elisions:
        word_filters["fr_inner_elisions"] = {
            "type": "pattern_replace",
            "pattern": inner_elision_pattern(),
            "replacement": "",
        }
    if steps.acronym_dots:
        # Only the dots of a dotted acronym follow a letter; a number's (300.000,50) follow digits.
        word_filters["fr_acronym_dots"] = {"type": "pattern_replace", "pattern": r"(?<=\p{L})\.", "replacement": ""}
    if steps.compounds:
        split = {
            "type": "word_delimiter_graph",
            # Split on ' and - only: a number's . and , count as digits, so 3,5 stays whole.
            "type_table": [". => DIGIT", ", => DIGIT"],
            "generate_word_parts": True,
            "generate_number_parts": True,
            "catenate_words": False,
            "catenate_numbers": False,
            "catenate_all": False,
            "split_on_case_change": False,
            "split_on_numerics": False,
            "stem_english_possessive": False,
            "preserve_original": False,
        }
        if steps.joined_only_for_words:
            # Python adds the joined form only when every part is letters (socioéconomique, never
            # covid19 nor coronaviruscovid): such compounds get the joining splitter, the rest the
            # plain one (a Painless predicate; needs analysis-common's Painless extension).
            filters_extra["fr_compounds_join"] = {**split, "catenate_words": True}
            word_filters["fr_compounds_words"] = {
                "type": "condition",
                "filter": ["fr_compounds_join"],
                "script": {"source": ALL_LETTERS_SCRIPT},
            }
        else:
            split["catenate_words"] = True
        word_filters["fr_compounds"] = split
    term_filters: dict[str, dict] = {
        "fr_stop": {"type": "stop", "stopwords": folded_stopwords(), "ignore_case": False},
    }
    if steps.feminine_plural:
        # Two rules in this order give exactly the Python rule (a word longer than 4 letters
        # ending in -ee loses its last e, in -ees its last es): the first never feeds the second.
        term_filters["fr_feminine_e"] = {"type": "pattern_replace", "pattern": r"^(.{3,}e)e$", "replacement": "$1"}
        term_filters["fr_feminine_es"] = {"type": "pattern_replace", "pattern": r"^(.{2,}e)es$", "replacement": "$1"}
    if steps.numbers_unstemmed:
        # Python never stems a term starting with a digit (²visite → 2visite, 1er stays 1er).
        term_filters["fr_numbers"] = {"type": "keyword_marker", "keywords_pattern": r"\p{Nd}.*"}
    term_filters["fr_stem"] = {"type": "snowball", "language": "French"}
    filters = {**filters_extra, **word_filters, **term_filters}
    chain = ["lowercase", *word_filters, "asciifolding", *term_filters]
    chain = [name for name in chain if name not in steps.skip]
    analyzer = {
        INDEX_ANALYZER: {
            "type": "custom",
            "char_filter": list(char_filter),
            "tokenizer": "fr_tokens",
            # An index cannot store a token graph: the compounds' joined forms are flattened.
            "filter": [*chain, "flatten_graph"] if steps.compounds else chain,
        },
    }
    if steps.synonyms:
        filters["fr_acronyms"] = {
            "type": "synonym_graph",
            "synonyms": acronym_pairs(),
            # The rules are written in analysed terms: parsed by whitespace only, never re-stemmed.
            "synonym_analyzer": "whitespace",
        }
        analyzer[SEARCH_ANALYZER] = {**analyzer[INDEX_ANALYZER], "filter": [*chain, "fr_acronyms"]}
    else:
        analyzer[SEARCH_ANALYZER] = {**analyzer[INDEX_ANALYZER], "filter": chain}
    return {
        "char_filter": char_filter,
        "tokenizer": {"fr_tokens": {"type": "pattern", "pattern": TOKEN_PATTERN, "group": 0}},
        "filter": filters,
        "analyzer": analyzer,
    }


# Token parity ------------------------------------------------------------------------------------

PARITY_INDEX = "oim-analysis-parity"
BATCH_CHARS = 40_000


def corpus_words(path: Path | str) -> list[str]:
    """Every distinct word of a corpus (JSON lines with title and text), outer punctuation stripped."""
    words: set[str] = set()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for chunk in f"{record.get('title', '')} {record.get('text', '')}".split():
                word = chunk.strip(".,;:!?()[]{}«»\"“”'’‘*…/<>|")
                if word:
                    words.add(word)
    return sorted(words)


def _request(url: str, method: str, path: str, body: dict | None = None, timeout: float = 120.0) -> dict:
    data = json.dumps(body).encode("utf-8") if body is not None else None
    node = url.split(",")[0].strip().rstrip("/")  # OPENSEARCH_URL may list every node: one will do
    request = urllib.request.Request(
        f"{node}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {path}: HTTP {error.code}: {error.read().decode('utf-8', 'replace')}") from None


def create_parity_index(url: str, steps: Steps | None = None, name: str = PARITY_INDEX) -> str:
    """A field-less index carrying only the analysis settings, recreated each time."""
    try:
        _request(url, "DELETE", f"/{name}")
    except RuntimeError:
        pass
    settings = {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        # A batch of words yields more than the default 10,000 tokens per _analyze call.
        "analyze": {"max_token_count": 100_000},
        "analysis": analysis_settings(steps),
    }
    _request(url, "PUT", f"/{name}", {"settings": settings})
    return name


def analyze(url: str, words: list[str], index: str = PARITY_INDEX, analyzer: str = INDEX_ANALYZER) -> list[list[str]]:
    """The terms OpenSearch makes of each word, batched: one ``_analyze`` with a text array per batch.

    Each value's offsets follow the previous value's end plus one, so a token's start offset
    tells which word it came from (positions do not: a word of stop words leaves none).
    """
    results: list[list[str]] = []
    for batch in _batches(words):
        answer = _request(url, "POST", f"/{index}/_analyze", {"analyzer": analyzer, "text": batch})
        starts, base = [], 0
        for word in batch:
            starts.append(base)
            base += len(word) + 1
        terms: list[list[str]] = [[] for _ in batch]
        slot = 0
        for token in answer["tokens"]:
            while slot + 1 < len(starts) and token["start_offset"] >= starts[slot + 1]:
                slot += 1
            terms[slot].append(token["token"])
        results.extend(terms)
    return results


def _batches(words: list[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for word in words:
        if batch and size + len(word) > BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(word)
        size += len(word) + 1
    if batch:
        yield batch


@dataclass
class Parity:
    words: int
    differences: list[tuple[str, list[str], list[str]]]

    @property
    def share(self) -> float:
        return 1 - len(self.differences) / self.words if self.words else 1.0

    def report(self, limit: int = 30) -> str:
        lines = [f"{self.words - len(self.differences)}/{self.words} words alike ({self.share:.4%}); "]
        lines[0] += f"{len(self.differences)} differ" + (f", first {limit}:" if self.differences else "")
        for word, python, opensearch in self.differences[:limit]:
            lines.append(f"  {word!r}: python {python} / opensearch {opensearch}")
        return "\n".join(lines)


def parity(url: str, words: Iterable[str], steps: Steps | None = None) -> Parity:
    """Compare, word by word, the index terms of the Python chain and of OpenSearch (as multisets)."""
    words = list(words)
    index = create_parity_index(url, steps)
    try:
        theirs = analyze(url, words, index)
    finally:
        _request(url, "DELETE", f"/{index}")
    differences = []
    for word, opensearch in zip(words, theirs, strict=True):
        python = tokens(word)
        if sorted(python) != sorted(opensearch):
            differences.append((word, python, opensearch))
    return Parity(len(words), differences)


ABLATION = {
    "all steps": Steps(),
    "without the ordinal char filter": Steps(ordinals=False),
    "without the whole words": Steps(whole_words=False),
    "without gluing dotted acronyms": Steps(acronym_dots=False),
    "without elisions inside compounds": Steps(inner_elisions=False),
    "without compounds (word_delimiter_graph)": Steps(compounds=False),
    "joined form for every compound": Steps(joined_only_for_words=False),
    "stemming numbers too": Steps(numbers_unstemmed=False),
    "without the -ée/-ées rule": Steps(feminine_plural=False),
    "without ASCII folding": Steps(skip=frozenset({"asciifolding"})),
    "without transliterating other scripts": Steps(transliteration=False),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.opensearch.analysis", description="Token parity")
    parser.add_argument("--url", required=True)
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--ablation", action="store_true", help="also each emulated step turned off")
    parser.add_argument("--show", type=int, default=30)
    parser.add_argument("--settings", action="store_true", help="print the generated settings and exit")
    args = parser.parse_args(argv)
    if args.settings:
        print(json.dumps(analysis_settings(), indent=2, ensure_ascii=False))
        return 0
    words = corpus_words(args.corpus)
    variants = ABLATION if args.ablation else {"all steps": Steps()}
    for label, steps in variants.items():
        result = parity(args.url, words, steps)
        print(f"{label}: {result.report(args.show if label == 'all steps' else 0)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

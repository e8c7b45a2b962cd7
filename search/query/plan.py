"""From the text a user typed to a query plan: what to look for, and how to rank it.

The text goes through the same French chain as the documents. Terms the chain puts at one
position (socio-économique → socio, socioeconom) are alternatives: a `Group`. Each group may
gain equivalents: acronyms and their long forms (curated, or learned from the pages), and,
for a word of five letters or more that the index has never seen, its closest spellings.
How groups combine and score is a `Ranking`, chosen by measurement (README, "Ranking quality").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from search.analysis import fold, french_analyzer, tokens
from search.analysis.acronyms import Equivalent, curated
from search.query.syntax import Clause, ParsedQuery, parse

Operator = Literal["and", "or", "coord"]
TYPO_MIN_LETTERS = 5
TYPO_TWO_EDITS_LETTERS = 9
TYPO_CANDIDATES = 3
GLUED_ELISIONS = ("qu", "l", "d", "j", "m", "n", "s", "t", "c")
QUESTION_WORDS = "comment pourquoi combien quoi quand quel quelle quels quelles est peut peuvent faut doit dois puis"
QUESTION_TERMS = frozenset(t for w in QUESTION_WORDS.split() for t in tokens(w))


@dataclass(frozen=True)
class Ranking:
    """BM25F parameters and how query words combine.

    operator: ``and`` needs every word, ``or`` any word, ``coord`` any word, scaled by the
    share of words matched to the power ``coord``.
    proximity: weight of a bonus for consecutive query words close together in the body.
    expansion_weight: how much a match through an acronym's long form counts next to the word.
    typos: match unknown words of 5+ letters within one edit (9+ letters: two).
    exact_weight: weight of a second BM25 over the words as typed (folded, not stemmed), added
    to the stemmed one: ``formation`` ranks pages saying *formation* above pages saying *formé*.
    fields: ``bm25f`` adds title and body frequencies before saturation; ``dismax`` saturates each
    field on its own and takes the best plus ``tie`` times the other.
    meaning_weight: the best ``meaning_candidates`` matches gain this times the best score times
    the cosine of their sentence vector with the query's (`semantic`); 0 ranks by words alone.
    """

    k1: float = 2.0
    b: float = 0.4
    title_b: float = 0.3
    title_boost: float = 8.0
    operator: Operator = "coord"
    coord: float = 0.0
    proximity: float = 0.0
    slop: int = 2
    expansion_weight: float = 0.8
    expansions: bool = True
    typos: bool = True
    question_weight: float = 0.2
    exact_weight: float = 0.3
    fields: Literal["bm25f", "dismax"] = "dismax"
    tie: float = 0.3
    meaning_weight: float = 0.8
    meaning_candidates: int = 1000

    def changed(self, **changes) -> Ranking:
        """This ranking with some settings changed (the ablation and tests try variants)."""
        return replace(self, **changes)


DEFAULT_RANKING = Ranking()


class Vocabulary(Protocol):
    """What the planner asks of an index (implemented by `scoring.PostingStore`)."""

    def has_term(self, term: str) -> bool: ...

    def near_words(self, word: str, max_edits: int) -> list[str]: ...

    def is_word(self, word: str) -> bool: ...

    def learned_equivalents(self, term: str) -> list[Equivalent]: ...

    def learned_acronym(self, terms: tuple[str, ...]) -> Equivalent | None: ...

    def prefix_terms(self, prefix: str) -> list[str]: ...


@dataclass
class Group:
    """One position of the query: terms any of which match, and multi-word equivalents."""

    text: str
    terms: list[str]
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # folded, unstemmed: the exact-word bonus
    weight: float = 1.0
    exact: bool = False  # from a quoted phrase or a prefix: no typo correction


Phrase = tuple[tuple[str, int], ...]  # (term, position offset) — stop words leave gaps


@dataclass
class QueryPlan:
    """What to look for: scored groups, phrases every match must contain, phrases none may."""

    groups: list[Group]
    required: list[Phrase] = field(default_factory=list)
    excluded: list[Phrase] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def terms(self) -> set[str]:
        """Every index term the plan looks for (for highlighting)."""
        found = {t for g in self.groups for t in g.terms}
        return found | {t for g in self.groups for phrase in g.phrases for t in phrase}


def analyse(text: str) -> list[Group]:
    """The analysed query: one group of alternative terms per position, duplicates dropped."""
    groups: dict[int, Group] = {}
    seen: set[str] = set()
    # Stemming changes a token's text, never how many tokens there are: the two runs line up.
    stemmed = [(t.text, t.pos, t.startchar, t.endchar) for t in french_analyzer()(text, positions=True, chars=True)]
    whole = [t.text for t in french_analyzer()(text, no_morph=True)]
    for (term, pos, start, end), word in zip(stemmed, whole, strict=True):
        group = groups.get(pos)
        if group is not None and word not in group.words:
            group.words.append(word)
        if term in seen:
            continue
        seen.add(term)
        group = groups.setdefault(pos, Group(text=text[start:end], terms=[]))
        group.terms.append(term)
        if word not in group.words:
            group.words.append(word)
    return [groups[pos] for pos in sorted(groups)]


def phrase(text: str) -> Phrase:
    """The analysed words of ``text`` with their offsets from the first one."""
    tokens_ = [(t.text, t.pos) for t in french_analyzer()(text, positions=True)]
    if not tokens_:
        return ()
    first: dict[int, str] = {}
    for term, pos in tokens_:
        first.setdefault(pos, term)  # one term per position: the compound's first part
    start = min(first)
    return tuple((term, pos - start) for pos, term in sorted(first.items()))


def plan(
    query: str | ParsedQuery, vocabulary: Vocabulary | None = None, ranking: Ranking = DEFAULT_RANKING
) -> QueryPlan:
    """Read the query syntax, analyse each part, add the equivalents and corrections ``ranking`` allows."""
    parsed = parse(query) if isinstance(query, str) else query
    result = QueryPlan(groups=[])
    for clause in parsed.clauses:
        _add_clause(result, clause, vocabulary)
    _soften_question_words(result, ranking)
    if ranking.expansions:
        _expand(result, vocabulary)
    if ranking.typos and vocabulary is not None:
        _correct(result, vocabulary)
    return result


def _add_clause(plan_: QueryPlan, clause: Clause, vocabulary: Vocabulary | None) -> None:
    if clause.negated:
        words = phrase(clause.text)
        if words:
            plan_.excluded.append(words)
        return
    if clause.kind == "prefix" and vocabulary is not None:
        terms = vocabulary.prefix_terms(clause.text)
        if not terms:
            plan_.warnings.append(f"aucun mot de l'index ne commence par « {clause.text} »")
        groups = [Group(text=clause.text + "*", terms=terms, exact=True)] if terms else []
    else:
        groups = analyse(clause.text)
    if clause.kind == "phrase":
        words = phrase(clause.text)
        if len(words) > 1:
            plan_.required.append(words)
        for group in groups:
            group.exact = True
    if clause.or_previous and plan_.groups and groups:
        merged = plan_.groups[-1]
        merged.terms += [t for g in groups for t in g.terms if t not in merged.terms]
        merged.words += [w for g in groups for w in g.words if w not in merged.words]
        merged.text = f"{merged.text} OR {clause.text}"
        return
    plan_.groups += groups


def _soften_question_words(plan_: QueryPlan, ranking: Ranking) -> None:
    """ "Comment est-on payé ?": the question words say how it was asked, not what about."""
    if ranking.question_weight == 1.0:
        return
    content = [g for g in plan_.groups if not set(g.terms) <= QUESTION_TERMS]
    if not content:
        return
    for group in plan_.groups:
        if set(group.terms) <= QUESTION_TERMS:
            group.weight = ranking.question_weight


def _expand(plan_: QueryPlan, vocabulary: Vocabulary | None) -> None:
    for group in plan_.groups:
        if len(group.terms) != 1 or group.exact:
            continue
        equivalents = list(curated().get(group.terms[0], []))
        if vocabulary is not None:
            equivalents += vocabulary.learned_equivalents(group.terms[0])
        for equivalent in equivalents:
            _add_equivalent(plan_, group, equivalent)
    if vocabulary is not None:
        _contract(plan_, vocabulary)


def _add_equivalent(plan_: QueryPlan, group: Group, equivalent: Equivalent) -> None:
    if len(equivalent.terms) == 1:
        if equivalent.terms[0] not in group.terms:
            group.terms.append(equivalent.terms[0])
            plan_.expansions.append(equivalent.label)
    elif equivalent.terms not in group.phrases:
        group.phrases.append(equivalent.terms)
        plan_.expansions.append(equivalent.label)


def _contract(plan_: QueryPlan, vocabulary: Vocabulary) -> None:
    """A long form typed in full also looks for its acronym (contrat à durée déterminée → cdd)."""
    firsts = [g.terms[0] for g in plan_.groups]
    for start in range(len(firsts)):
        for end in range(len(firsts), start + 1, -1):
            acronym = vocabulary.learned_acronym(tuple(firsts[start:end]))
            if acronym and acronym.terms[0] not in plan_.groups[start].terms:
                plan_.groups[start].terms.append(acronym.terms[0])
                plan_.expansions.append(acronym.label)
                break


def _correct(plan_: QueryPlan, vocabulary: Vocabulary) -> None:
    """An unknown word of 5+ letters matches the closest whole words of the index instead."""
    for group in plan_.groups:
        word = group.text
        if len(word) < TYPO_MIN_LETTERS or not word.isalpha() or group.phrases or group.exact:
            continue
        if any(vocabulary.has_term(term) for term in group.terms):
            continue
        folded = fold(word).lower()
        words = _unglued(folded, vocabulary) or vocabulary.near_words(folded, _edits(word))[:TYPO_CANDIDATES]
        terms = list(dict.fromkeys(term for w in words for term in tokens(w)))
        if terms:
            group.terms = terms
            group.words = list(words)
            plan_.corrections[word] = words[0]


def _edits(word: str) -> int:
    return 2 if len(word) >= TYPO_TWO_EDITS_LETTERS else 1


def _unglued(word: str, vocabulary: Vocabulary) -> list[str]:
    """An elision typed without its apostrophe: ``dessai`` → ``essai``, ``lentreprise`` → ``entreprise``."""
    for article in GLUED_ELISIONS:
        rest = word[len(article) :]
        if word.startswith(article) and len(rest) >= 3 and rest[0] in "aeiouyh" and vocabulary.is_word(rest):
            return [rest]
    return []

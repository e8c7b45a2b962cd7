"""Why a document is (or is not) in the results of a query: « Pourquoi ce résultat ? ».

An `Explainer` is made once per request (query, filters, ranking, sort, page) over one open
generation; `Explainer.explain(docnum, doc_id)` then says, for one document:

- for each query word as typed (each plan `Group`), which index terms it looked for, how often
  the document has them in its title and body, the words of the document that matched (as
  written: body forms from the character offsets stored in the index, title forms by running
  the French chain over the title again) and through which transformation (`MATCH_KINDS`);
- its score, split per query word, each word's share split between title and body, plus the
  proximity bonus and the closeness of meaning (`semantic`); the total is the score the ranking
  gives the document;
- which filters kept it (the document's value that satisfies each one) or which one left it out;
- why it is not shown, when it is not: no such document, a filter, no query word, a missing
  "phrase", an excluded -word, or a rank past the page (« classé 37e sur 120 »).

The score is recomputed by the same steps as `ranking.rank` (`scoring.score`, the phrase
checks, `scoring.add_proximity`, `semantic.add_meaning`), over every document, so the total and
the rank are exactly the ranking's. The per-word parts mirror `scoring.score` (term part, acronym long forms counted
at ``expansion_weight`` and kept when better, group weight, coordination factor). The title/body
split of a word's part is a convention, not something BM25F defines: BM25F saturates the *sum*
of the field-weighted, length-normalised frequencies, so the part is shared between title and
body in proportion to each field's share of that sum (``title_boost · tf_title / norm_title``
against ``tf_body / norm_body``).

Nothing here knows about HTTP; French sentences for a person are in `Explanation.sentences`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from search.analysis import fold, french_analyzer, inspect, tokens
from search.query import DEFAULT_RANKING, Group, ParsedQuery, QueryPlan, Ranking, plan
from search.query.plan import phrase
from search.rank import FIELDS, PostingStore, Scored, add_meaning, query_text, score_plan
from search.rank.bm25f import top
from search.rank.proximity import add_proximity, phrase_mask
from search.results import facets as facets_module
from search.results.facets import FACETS, FacetIndex, Filters

#: How a word of the document matched a query word, strongest first (`Form.how` is the first that applies).
MATCH_KINDS = ("acronym", "typo", "prefix", "stem", "elision", "accent", "exact")
MATCH_KIND_LABELS = {
    "exact": "mot identique",
    "accent": "accents et majuscules ignorés",
    "elision": "élision l’, d’, qu’… retirée",
    "stem": "même racine",
    "acronym": "par un sigle ou sa forme longue",
    "typo": "faute de frappe corrigée",
    "prefix": "mot commençant par le préfixe",
}
#: Verdicts, in the order they are chosen when several apply.
VERDICTS = ("not_found", "no_match", "missing_phrase", "excluded_word", "filtered_out", "beyond_page", "shown")
#: French names of the filters; a facet missing here is named by its own name.
FILTER_LABELS = {
    "country": "pays",
    "year": "année",
    "type": "type de projet",
    "status": "statut",
    "kind": "type de page",
    "active_year": "année d’activité",
    "other": "autre filtre",
}
SPLIT_RULE = (
    "Each word's part is split between title and body: with per-field saturation (dismax, the default) "
    "as the best field's saturated frequency plus tie × the other's; with BM25F in proportion to the "
    "field-weighted, length-normalised term frequencies (title_boost · tf / norm) it adds up before "
    "saturating them. The exact-word bonus (the words as typed, unstemmed) is split the same way."
)
MAX_FORMS = 8
MAX_ID_CHARS = 1_000
#: Facets a request may bound by a range, and the `Filters` fields holding the bounds.
_RANGES: dict[str, tuple[str, str]] = getattr(facets_module, "RANGES", {"year": ("year_from", "year_to")})
_ELIDED_BEFORE = re.compile(r"(?<![^\W\d_])(?:l|m|t|qu|n|s|j|d|c|jusqu|quoiqu|lorsqu|puisqu)['’‘ʼ′]\Z", re.IGNORECASE)


@dataclass
class Form:
    """A word of the document that matched, as written there."""

    text: str
    field: str  # "title" or "body"
    term: str
    count: int
    how: str  # the strongest of ``steps``
    steps: list[str]


@dataclass
class WordPart:
    """One query word as typed (one plan `Group`) and what it found in the document."""

    query: str
    terms: list[str]
    long_forms: list[list[str]]  # multi-word equivalents (acronym long forms), as index terms
    weight: float
    question_word: bool
    prefix: bool
    correction: str | None  # the word the typo fallback read instead
    title_tf: int
    body_tf: int
    found: bool
    forms: list[Form] = field(default_factory=list)
    score: float = 0.0  # contribution to the total (after weight and coordination)
    title_score: float = 0.0
    body_score: float = 0.0
    via_long_form: bool = False  # the part came from an acronym long form (better than the word)
    exact_score: float = 0.0  # of ``score``, the bonus for the words as typed (unstemmed)


@dataclass
class FilterCheck:
    """One active filter and the document's value for it."""

    name: str
    label: str
    wanted: list[str]  # labels of the selected values (any of them will do)
    document: list[str]  # the document's values (labels)
    passed: bool
    low: int | None = None  # a range on the facet: from this year (inclusive)
    high: int | None = None  # to this year (inclusive)


@dataclass
class Condition:
    """A required "phrase" or an excluded -word of the query, checked on the document."""

    kind: str  # "phrase" (must be present) or "excluded" (must be absent)
    text: str
    present: bool
    passed: bool


@dataclass
class ScoreParts:
    total: float  # the ranking score of the document (0 when it does not match)
    words: float  # sum of the words' parts (coordination included)
    coordination: float  # factor applied to the words' parts (1.0: not used)
    proximity: float
    proximity_used: bool
    meaning: float = 0.0  # closeness of meaning (sentence vectors), added to the best matches
    meaning_used: bool = False
    split: str = SPLIT_RULE


@dataclass
class Explanation:
    id: str
    query: str
    exists: bool
    verdict: str
    title: str | None = None
    sort: str = "relevance"
    matches_query: bool = False
    passes_filters: bool = False
    in_results: bool = False
    shown: bool = False
    rank: int | None = None
    total: int = 0
    page: int | None = None  # the results page it is on (with the request's per_page)
    score: ScoreParts | None = None
    last_shown: dict[str, Any] | None = None  # {id, rank, score} of the last hit of the asked page
    words: list[WordPart] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    filters: list[FilterCheck] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # query words dropped as too common
    sentences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Explainer:
    """Explanations for one request over one open generation (see the module docstring).

    ``order``, for sorts other than relevance, returns the candidates' document numbers in the
    order the results list them; ``deadline`` bounds the phrase checks as in `ranking.rank`.
    """

    def __init__(
        self,
        searcher,
        store: PostingStore,
        facets: FacetIndex,
        parsed: ParsedQuery,
        filters: Filters,
        ranking: Ranking = DEFAULT_RANKING,
        *,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        order: Callable[[np.ndarray], np.ndarray] | None = None,
        deadline: float | None = None,
    ):
        self.searcher = searcher
        self.store = store
        self.facets = facets
        self.parsed = parsed
        self.filters = filters
        self.ranking = ranking
        self.page = page
        self.per_page = per_page
        self.mask = facets.filter_mask(filters)
        self.text_query = bool(parsed.clauses)
        self.sort = sort if self.text_query or sort != "relevance" else "newest"
        self._order_fn = order
        self._order: np.ndarray | None = None
        self.warnings: list[str] = []
        self.plan: QueryPlan | None = None
        if self.text_query:
            self.plan = plan(parsed, store, ranking)
            self._rank(deadline)
        else:
            self.scored = Scored(np.zeros(store.size, np.float32), store.live.copy(), [])
            self.before_proximity = self.scored.scores
            self.meaning = None
        self.results = self.scored.matched & self.mask
        self.total = int(self.results.sum())

    # -- the ranking, as `ranking.rank` computes it ----------------------------------------------

    def _rank(self, deadline: float | None) -> None:
        store, ranking = self.store, self.ranking
        scored, self.text_matched, complete = score_plan(store, self.plan, ranking, deadline, keep_parts=True)
        if not complete:
            self.warnings.append("vérification des expressions exactes incomplète (temps dépassé)")
        self.before_proximity = scored.scores.copy()
        add_proximity(store, scored, ranking, self.mask)
        self.meaning = add_meaning(store, scored, ranking, query_text(self.parsed), self.mask)
        self.scored = scored

    def rank_of(self, docnum: int) -> int | None:
        """1-based place of a document in the results, or None when it is not in them."""
        if not self.results[docnum]:
            return None
        if self.sort == "relevance":
            scores = self.scored.scores
            value = scores[docnum]
            better = self.results & (scores > value)
            tied = self.results & (scores == value)
            return int(better.sum()) + int(tied[:docnum].sum()) + 1
        order = self._sorted()
        return int(np.flatnonzero(order == docnum)[0]) + 1

    def _sorted(self) -> np.ndarray:
        if self._order is None:
            if self._order_fn is not None:
                self._order = np.asarray(self._order_fn(self.results))
            else:
                self._order = np.flatnonzero(self.results)
        return self._order

    def at_rank(self, rank: int) -> int | None:
        """The document number at a 1-based place of the results."""
        if rank < 1 or rank > self.total:
            return None
        if self.sort == "relevance":
            docnums, _ = top(self.scored, rank, self.mask)
            return int(docnums[rank - 1])
        return int(self._sorted()[rank - 1])

    # -- one document -------------------------------------------------------------------------------

    def explain(self, docnum: int | None, doc_id: str) -> Explanation:
        query = self.parsed.text
        if docnum is None or not 0 <= docnum < self.store.size or not self.store.live[docnum]:
            shown_id = doc_id[:200]
            return Explanation(
                id=shown_id,
                query=query,
                exists=False,
                verdict="not_found",
                sort=self.sort,
                total=self.total,
                sentences=[f"Aucun document n’a l’identifiant « {shown_id} »."],
            )
        record = json.loads(self.searcher.stored_fields(docnum)["record"])
        title = record.get("title") or ""
        body = record.get("body") or ""
        result = Explanation(id=record.get("id", doc_id), query=query, exists=True, verdict="shown", title=title)
        result.sort = self.sort
        result.total = self.total
        result.warnings = list(self.warnings)
        result.passes_filters = bool(self.mask[docnum])
        result.filters = self._filters(docnum, result.passes_filters)
        result.ignored = _ignored_words(self.parsed)
        if self.text_query:
            result.words = self._words(docnum, title, body)
            result.conditions = self._conditions(docnum)
            result.matches_query = bool(self.scored.matched[docnum])
            if result.matches_query:
                result.score = self._score(docnum, result.words)
        else:
            result.matches_query = True
        result.in_results = bool(self.results[docnum])
        result.rank = self.rank_of(docnum)
        if result.rank is not None:
            result.page = (result.rank - 1) // self.per_page + 1
            result.shown = result.page == self.page
        result.last_shown = self._last_shown()
        result.verdict = self._verdict(result, docnum)
        result.sentences = _sentences(result, self)
        return result

    def _verdict(self, result: Explanation, docnum: int) -> str:
        if not result.matches_query:
            if self.text_query and not self.text_matched[docnum]:
                return "no_match"
            if any(c.kind == "phrase" and not c.passed for c in result.conditions):
                return "missing_phrase"
            if any(c.kind == "excluded" and not c.passed for c in result.conditions):
                return "excluded_word"
            return "no_match"
        if not result.passes_filters:
            return "filtered_out"
        return "shown" if result.shown else "beyond_page"

    def _last_shown(self) -> dict[str, Any] | None:
        last = min(self.page * self.per_page, self.total)
        if last < (self.page - 1) * self.per_page + 1:
            return None
        docnum = self.at_rank(last)
        if docnum is None:
            return None
        value = float(self.scored.scores[docnum]) if self.sort == "relevance" and self.text_query else None
        return {"id": self.store.doc_id(docnum), "rank": last, "score": value}

    # -- filters ------------------------------------------------------------------------------------

    def _filters(self, docnum: int, passes: bool) -> list[FilterCheck]:
        """One check per facet with selected values or a range, judged by the facet index's own mask."""
        checks: list[FilterCheck] = []
        for name in FACETS:
            wanted = tuple(self.filters.values(name))
            low, high = (getattr(self.filters, bound, None) for bound in _RANGES.get(name, ("", "")))
            if not wanted and low is None and high is None:
                continue
            facet = self.facets.facets[name]
            have = [facet.labels[int(o)] for o in facet.ordinals[facet.docs == docnum]]
            labels = [facet.labels[o] if (o := facet.ordinal(v)) is not None else v for v in wanted]
            mask = self.facets.facet_mask(name, self.filters)
            passed = True if mask is None else bool(mask[docnum])
            checks.append(FilterCheck(name, FILTER_LABELS.get(name, name), labels, have, passed, low, high))
        if not passes and all(c.passed for c in checks):  # a rule of the facet index we do not model
            checks.append(FilterCheck("other", "autre filtre", [], [], False))
        return checks

    # -- words --------------------------------------------------------------------------------------

    def _words(self, docnum: int, title: str, body: str) -> list[WordPart]:
        query_plan = self.plan
        assert query_plan is not None
        title_tokens = _title_tokens(title)
        parts: list[WordPart] = []
        for group in query_plan.groups:
            correction = query_plan.corrections.get(group.text)
            prefix = group.exact and group.text.endswith("*")
            title_tf = sum(_tf(self.store, "title", t, docnum) for t in group.terms)
            body_tf = sum(_tf(self.store, "body", t, docnum) for t in group.terms)
            part = WordPart(
                query=group.text,
                terms=list(group.terms),
                long_forms=[list(p) for p in group.phrases],
                weight=group.weight,
                question_word=group.weight < 1.0,
                prefix=prefix,
                correction=correction,
                title_tf=title_tf,
                body_tf=body_tf,
                found=bool(title_tf or body_tf),
            )
            wanted = set(group.terms)
            long_terms = {t for p in group.phrases for t in p}
            long_found = [p for p in group.phrases if all(_tf_any(self.store, t, docnum) for t in p)]
            if long_found:
                part.found = True
                wanted |= {t for p in long_found for t in p}
            forms: dict[tuple[str, str], Form] = {}
            for fieldname, text, hits in (
                ("title", title, [(t, s, e) for t, s, e in title_tokens if t in wanted]),
                ("body", body, _body_hits(self.store, docnum, wanted)),
            ):
                for term, start, end in hits:
                    written, elided = _written(text, start, end)
                    steps = _steps(group, term, text[start:end], elided, correction, prefix, long_terms)
                    key = (fieldname, written)
                    if key in forms:
                        forms[key].count += 1
                    else:
                        forms[key] = Form(written, fieldname, term, 1, steps[0], steps)
            part.forms = sorted(forms.values(), key=lambda f: (f.field != "title", -f.count, f.text))[:MAX_FORMS]
            parts.append(part)
        return parts

    def _conditions(self, docnum: int) -> list[Condition]:
        query_plan = self.plan
        assert query_plan is not None
        one = np.zeros(self.store.size, dtype=bool)
        one[docnum] = True
        required = [c.text for c in self.parsed.clauses if c.kind == "phrase" and not c.negated]
        required = [text for text in required if len(phrase(text)) > 1]
        excluded = [c.text for c in self.parsed.clauses if c.negated and phrase(c.text)]
        checks: list[Condition] = []
        for text, words in zip(required, query_plan.required, strict=False):
            present = bool(phrase_mask(self.store, words, one)[0][docnum])
            checks.append(Condition("phrase", text, present, present))
        for text, words in zip(excluded, query_plan.excluded, strict=False):
            present = bool(phrase_mask(self.store, words, one)[0][docnum])
            checks.append(Condition("excluded", text, present, not present))
        return checks

    # -- score --------------------------------------------------------------------------------------

    def _score(self, docnum: int, words: list[WordPart]) -> ScoreParts:
        """Each word's part of the score, read from the parts the ranking added up."""
        for word, part in zip(words, self.scored.word_scores(docnum), strict=True):
            word.score, word.exact_score = part.score, part.exact
            word.title_score, word.body_score = part.title, part.body
            word.via_long_form = part.via_long_form
        total = float(self.scored.scores[docnum])
        meaning = float(self.meaning[docnum]) if self.meaning is not None else 0.0
        proximity_used = self.ranking.proximity > 0 and len(words) > 1
        return ScoreParts(
            total=total,
            words=sum(w.score for w in words),
            coordination=self.scored.coordination(docnum),
            proximity=total - meaning - float(self.before_proximity[docnum]) if proximity_used else 0.0,
            proximity_used=proximity_used,
            meaning=meaning,
            meaning_used=self.meaning is not None,
        )


# -- helpers --------------------------------------------------------------------------------------


def _tf(store: PostingStore, fieldname: str, term: str, docnum: int) -> int:
    ids, freqs = store.postings(fieldname, term)
    at = int(np.searchsorted(ids, docnum))
    return int(freqs[at]) if at < len(ids) and ids[at] == docnum else 0


def _tf_any(store: PostingStore, term: str, docnum: int) -> bool:
    return any(_tf(store, f, term, docnum) for f in FIELDS)


def _title_tokens(title: str) -> list[tuple[str, int, int]]:
    """(term, start, end) of every token of the title, by the same French chain as the index."""
    return [(t.text, t.startchar, t.endchar) for t in french_analyzer()(title, positions=True, chars=True)]


def _body_hits(store: PostingStore, docnum: int, terms: set[str]) -> list[tuple[str, int, int]]:
    """(term, start, end) of the query terms in the body, from the offsets stored in the index."""
    found: list[tuple[str, int, int]] = []
    for reader, offset in store.leaves:
        local = docnum - offset
        if not 0 <= local < reader.doc_count_all():
            continue
        for term in sorted(terms):
            if ("body", term) not in reader:
                continue
            matcher = reader.postings("body", term)
            matcher.skip_to(local)
            if matcher.is_active() and matcher.id() == local:
                try:
                    found.extend((term, start, end) for _, start, end in matcher.value_as("characters"))
                except Exception:  # an index without offsets: frequencies only
                    continue
    return found


def _written(text: str, start: int, end: int) -> tuple[str, bool]:
    """The word as written in the document, with its elided article (l’OIM) when it had one."""
    elided = _ELIDED_BEFORE.search(text, max(0, start - 8), start)
    if elided:
        return text[elided.start() : end], True
    return text[start:end], False


def _steps(
    group: Group,
    term: str,
    word: str,
    elided: bool,
    correction: str | None,
    prefix: bool,
    long_terms: set[str],
) -> list[str]:
    """The transformations between the query word as typed and ``word`` of the document."""
    typed = [piece for piece in group.text.split(" OR ") if piece]
    steps: list[str] = []
    if prefix:
        steps.append("prefix")
    elif correction is not None:
        steps.append("typo")
    elif term not in {t for piece in typed for t in tokens(piece)} or (term in long_terms and term not in group.terms):
        steps.append("acronym")
    elif word not in typed:
        if any(fold(word.lower()) == fold(piece.lower()) for piece in typed):
            steps.append("accent")
        else:
            steps.append("stem")
    if elided:
        steps.append("elision")
    if not steps:
        steps.append("exact")
    return sorted(steps, key=MATCH_KINDS.index)


def _ignored_words(parsed: ParsedQuery) -> list[str]:
    words: list[str] = []
    for clause in parsed.clauses:
        if clause.negated:
            continue
        for step in inspect(clause.text):
            if step.stop and step.typed not in words:
                words.append(step.typed)
    return words


# -- French sentences -------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",").replace("-", "−")


def _quoted(items) -> str:
    items = [f"« {item} »" for item in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def _wanted(check: FilterCheck) -> str:
    """What a filter asks for, in words: « Guinée », l’une des valeurs « A » et « B », 2019 à 2022."""
    parts = []
    if check.wanted:
        parts.append(_quoted(check.wanted) if len(check.wanted) == 1 else "l’une des valeurs " + _quoted(check.wanted))
    if check.low is not None and check.high is not None:
        parts.append(f"de {check.low} à {check.high}")
    elif check.low is not None:
        parts.append(f"{check.low} ou après")
    elif check.high is not None:
        parts.append(f"{check.high} ou avant")
    return ", ".join(parts) or "une autre valeur"


def _where(word: WordPart) -> str:
    places = []
    if word.title_tf:
        places.append(f"le titre (×{word.title_tf})")
    if word.body_tf:
        places.append(f"le texte (×{word.body_tf})")
    return " et ".join(places)


def _word_sentence(word: WordPart) -> str:
    if not word.found:
        if word.correction:
            return f"« {word.query} » (lu « {word.correction} ») n’apparaît pas dans ce document."
        return f"« {word.query} » n’apparaît pas dans ce document."
    where = _where(word) or "le document (par sa forme longue)"
    lead = f"« {word.query} »"
    if word.correction:
        lead += f", faute de frappe lue « {word.correction} »,"
    forms: list[str] = []
    for form in word.forms:
        how = ", ".join(MATCH_KIND_LABELS[s] for s in form.steps)
        text = f"« {form.text} » ({how})"
        if text not in forms and len(forms) < 4:
            forms.append(text)
    sentence = f"{lead} trouvé dans {where}"
    if forms:
        sentence += (" sous la forme " if len(forms) == 1 else " sous les formes ") + " ; ".join(forms)
    if word.via_long_form:
        sentence += " ; compté par la forme longue du sigle"
    return sentence + "."


def _sentences(result: Explanation, explainer: Explainer) -> list[str]:
    sentences: list[str] = []
    place = f"classé {result.rank}e sur {result.total}" if result.rank else ""
    if result.rank == 1:
        place = f"classé 1er sur {result.total}"
    verdict = result.verdict
    if verdict == "shown":
        sentences.append(f"Ce document est dans les résultats : {place}, page {result.page}.")
    elif verdict == "beyond_page":
        last = result.last_shown
        line = f"Ce document est dans les résultats mais pas sur cette page : {place} (page {result.page})"
        if last and result.score is not None and last.get("score") is not None:
            line += (
                f" ; son score {_number(result.score.total)} est plus bas que celui du dernier résultat affiché"
                f" ({last['rank']}e, score {_number(last['score'])})"
            )
        elif last:
            line += f" ; le dernier résultat affiché est le {last['rank']}e"
        sentences.append(line + ".")
    elif verdict == "no_match":
        if explainer.ranking.operator == "and" and any(w.found for w in result.words):
            missing = [w.query for w in result.words if not w.found]
            sentences.append(f"Ce document n’a pas tous les mots demandés : il lui manque {_quoted(missing)}.")
        else:
            sentences.append("Ce document ne contient aucun des mots de la recherche.")
    elif verdict == "missing_phrase":
        missing = [c.text for c in result.conditions if c.kind == "phrase" and not c.passed]
        sentences.append(f"Ce document ne contient pas l’expression exacte {_quoted(missing)}.")
    elif verdict == "excluded_word":
        found = [c.text for c in result.conditions if c.kind == "excluded" and not c.passed]
        sentences.append(f"Ce document contient {_quoted(found)}, que la recherche exclut (-).")
    if not result.passes_filters:
        for check in result.filters:
            if not check.passed:
                have = ", ".join(check.document) or "aucune valeur"
                sentences.append(
                    f"Écarté par le filtre {check.label} : il faut {_wanted(check)}, le document a {have}."
                )
    if not explainer.text_query:
        order = "les plus récents d’abord" if result.sort == "newest" else "les plus gros budgets d’abord"
        sentences.append(f"Recherche sans mots : tous les documents qui passent les filtres sont listés, {order}.")
    for word in result.words:
        sentences.append(_word_sentence(word))
        if word.question_word:
            share = round(word.weight * 100)
            sentences.append(f"« {word.query} » est un mot interrogatif : il compte pour {share} % d’un mot ordinaire.")
    if result.ignored:
        sentences.append(f"Mots trop courants ignorés : {_quoted(result.ignored)}.")
    for condition in result.conditions:
        if condition.passed and condition.kind == "phrase":
            sentences.append(f"L’expression exacte « {condition.text} » est présente.")
        elif condition.passed:
            sentences.append(f"Le mot exclu « {condition.text} » est absent, comme demandé.")
    if result.score is not None:
        parts = []
        for word in result.words:
            if word.score:
                split = []
                if word.title_score:
                    split.append(f"titre {_number(word.title_score)}")
                if word.body_score > 5e-7:
                    split.append(f"texte {_number(word.body_score)}")
                parts.append(f"« {word.query} » {_number(word.score)} ({' + '.join(split)})")
        line = f"Score {_number(result.score.total)}"
        if parts:
            line += " = " + " + ".join(parts)
        if result.score.proximity_used:
            line += f" + proximité {_number(result.score.proximity)}"
        if result.score.meaning:
            line += f" + sens proche {_number(result.score.meaning)}"
        sentences.append(line + ".")
        if not result.score.proximity_used:
            sentences.append("La proximité des mots n’est pas utilisée par ce classement.")
        if result.score.coordination != 1.0:
            sentences.append(f"Facteur de coordination (part des mots trouvés) : {_number(result.score.coordination)}.")
        if result.sort != "relevance":
            sentences.append("Les résultats sont triés par date ou budget : le score ne décide pas de l’ordre.")
    for check in result.filters:
        if check.passed:
            have = ", ".join(check.document)
            sentences.append(f"Gardé par le filtre {check.label} ({_wanted(check)}) : le document a {have}.")
    return sentences


__all__ = [
    "MATCH_KINDS",
    "VERDICTS",
    "Condition",
    "Explainer",
    "Explanation",
    "FilterCheck",
    "Form",
    "ScoreParts",
    "WordPart",
]

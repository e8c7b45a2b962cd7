"""From the text a user typed to a ranked Whoosh query.

The query text goes through the same French chain as the documents. Terms the chain puts at
one position (socio-économique → socio, socioeconom) are alternatives; each position becomes a
clause matching title or body. How clauses combine and score is a `Ranking`, chosen by
measurement on the French test collections (see README, "Ranking quality").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from whoosh import query as wq
from whoosh.scoring import BM25F

from .analysis import french_analyzer

Operator = Literal["and", "or", "coord"]


@dataclass(frozen=True)
class Ranking:
    """BM25F parameters and how query words combine.

    operator: ``and`` needs every word, ``or`` any word, ``coord`` any word with a bonus for
    documents that match more of them (``coord`` scales that bonus).
    proximity: weight of an extra clause that rewards query words close together in the body
    (within ``slop`` positions); 0 turns it off.
    """

    k1: float = 1.2
    b: float = 0.75
    title_b: float = 0.75
    title_boost: float = 2.0
    operator: Operator = "coord"
    coord: float = 0.5
    proximity: float = 0.0
    slop: int = 4

    def weighting(self) -> BM25F:
        return BM25F(B=self.b, K1=self.k1, title_B=self.title_b)

    def but(self, **changes) -> Ranking:
        return replace(self, **changes)


DEFAULT_RANKING = Ranking()


def query_terms(text: str) -> list[list[str]]:
    """The analysed query: one list of alternative terms per position, duplicates dropped."""
    groups: dict[int, list[str]] = {}
    seen: set[str] = set()
    for token in french_analyzer()(text, positions=True):
        if token.text in seen:
            continue
        seen.add(token.text)
        groups.setdefault(token.pos, []).append(token.text)
    return [groups[pos] for pos in sorted(groups)]


def build_query(groups: list[list[str]], ranking: Ranking = DEFAULT_RANKING) -> wq.Query:
    """A Whoosh query for analysed term groups; ``wq.NullQuery`` when there is nothing to look for."""
    if not groups:
        return wq.NullQuery
    clauses = [_clause(group, ranking) for group in groups]
    if len(clauses) == 1:
        main = clauses[0]
    elif ranking.operator == "and":
        main = wq.And(clauses)
    elif ranking.operator == "coord":
        main = wq.Or(clauses, scale=ranking.coord)
    else:
        main = wq.Or(clauses)
    if ranking.proximity > 0 and len(groups) > 1:
        near = wq.Phrase("body", [group[0] for group in groups], slop=ranking.slop, boost=ranking.proximity)
        return wq.Or([main, near])
    return main


def _clause(group: list[str], ranking: Ranking) -> wq.Query:
    terms: list[wq.Query] = []
    for term in group:
        terms.append(wq.Term("title", term, boost=ranking.title_boost))
        terms.append(wq.Term("body", term))
    return wq.Or(terms)

"""Rank: score the documents that match a query plan, best first.

Owns the posting store (`postings`: a generation's postings read once into numpy arrays), the
BM25F formula (`bm25f`, written once: the ranking and « pourquoi ce résultat ? » both read its
parts), the proximity bonus, the re-ranking of the best matches by meaning (`meaning`) and
`rank()` that puts them together (`ranking`). It may import `analysis`, `index` and `query`.
"""

from search.rank.bm25f import Scored, score
from search.rank.meaning import add_meaning
from search.rank.postings import FIELDS, PostingStore
from search.rank.ranking import RankedHit, RankedPage, query_text, rank, score_plan

__all__ = [
    "FIELDS",
    "PostingStore",
    "RankedHit",
    "RankedPage",
    "Scored",
    "add_meaning",
    "query_text",
    "rank",
    "score",
    "score_plan",
]

"""Query: what the words typed in the search box mean, before anything is scored.

Owns the query syntax (`syntax`: phrases, ``-exclusions``, ``OR``, prefixes, ``pays:…``), the
query plan (`plan`: index terms per word with acronyms, typo candidates and question words, and
the `Ranking` settings), filters read out of plain words (`understand`: places, years, statuses,
kinds) and did-you-mean (`suggest`). It may import `analysis` and `ingest` (the gazetteer).
"""

from search.query.plan import DEFAULT_RANKING, Group, QueryPlan, Ranking, plan
from search.query.syntax import ParsedQuery, parse
from search.query.understand import Understood, understand

__all__ = [
    "DEFAULT_RANKING",
    "Group",
    "ParsedQuery",
    "QueryPlan",
    "Ranking",
    "Understood",
    "parse",
    "plan",
    "understand",
]

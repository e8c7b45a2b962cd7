"""The index of pages in OpenSearch: settings (shards, our French chain, BM25 per field) and mapping.

Fields, and why:

- ``title``, ``body``: the French chain (`analysis.INDEX_ANALYZER`), positions for phrases and
  offsets for the highlighter; each has an ``exact`` subfield, the same words folded but not
  stemmed (the embedded engine's exact-word bonus and the did-you-mean and prefix vocabulary).
- BM25 per field from `search.query.DEFAULT_RANKING`. The embedded engine multiplies a title
  frequency by ``title_boost`` *inside* the saturation: ``w·f·(k1+1)/(k1 + w·f)`` is
  ``(k1+1)·f/(f + k1/w)``, which is Lucene's BM25 with ``k1/w`` for the title, exactly.
- facets as keywords (``country`` many values, ``kind``, ``type``, ``status``) and integers
  (``year``, ``active_year`` the years a page was current, computed at indexing time), sort keys
  ``end_year``, ``budget``; ``checksum`` for the incremental reindex.
- ``record``: the whole record as the embedded engine stores it (not indexed), for display.
- ``vector``: the sentence vector, kept in ``_source`` only (no k-NN plugin on the cluster): the
  re-ranking script reads it from ``params._source``; Lucene's doc values would sort a
  multi-valued float field, which scrambles a vector.
"""

from __future__ import annotations

from typing import Any

from search.opensearch.analysis import INDEX_ANALYZER, SEARCH_ANALYZER, analysis_settings
from search.query import DEFAULT_RANKING, Ranking

EXACT_ANALYZER = "french_exact"
#: Stages of the index chain that the exact (unstemmed) analyzer leaves out, as Python's
#: ``french_analyzer(stem_words=False)`` does.
STEMMING_STAGES = ("fr_feminine_e", "fr_feminine_es", "fr_numbers", "fr_stem")
#: Largest number of values one facet list can show (the aggregation size).
FACET_SIZE = 1_000


def index_settings(shards: int = 2, replicas: int = 1, ranking: Ranking = DEFAULT_RANKING) -> dict[str, Any]:
    analysis = analysis_settings()
    stemmed = analysis["analyzer"][INDEX_ANALYZER]
    analysis["analyzer"][EXACT_ANALYZER] = {
        **stemmed,
        "filter": [f for f in stemmed["filter"] if f not in STEMMING_STAGES],
    }
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "max_result_window": 10_000,
        "max_rescore_window": 10_000,
        "analysis": analysis,
        "similarity": {
            "oim_title": {"type": "BM25", "k1": ranking.k1 / ranking.title_boost, "b": ranking.title_b},
            "oim_body": {"type": "BM25", "k1": ranking.k1, "b": ranking.b},
        },
    }


def _text(similarity: str) -> dict[str, Any]:
    return {
        "type": "text",
        "analyzer": INDEX_ANALYZER,
        "search_analyzer": INDEX_ANALYZER,  # queries send analysed terms; phrases use this chain
        "similarity": similarity,
        "index_options": "offsets",
        "fields": {
            "exact": {
                "type": "text",
                "analyzer": EXACT_ANALYZER,
                "similarity": similarity,
                "index_options": "offsets",
            }
        },
    }


def mappings() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "title": _text("oim_title"),
            "body": _text("oim_body"),
            "kind": {"type": "keyword"},
            "country": {"type": "keyword"},
            "year": {"type": "integer"},
            "active_year": {"type": "integer"},
            "start_year": {"type": "integer"},
            "end_year": {"type": "integer"},
            "budget": {"type": "double"},
            "type": {"type": "keyword"},
            "status": {"type": "keyword"},
            "acronyms": {"type": "keyword"},
            "checksum": {"type": "keyword"},
            "record": {"type": "object", "enabled": False},
            "vector": {"type": "float", "index": False, "doc_values": False},
        },
    }


def index_body(shards: int = 2, replicas: int = 1) -> dict[str, Any]:
    """The body of the ``PUT <index>`` request of a new build."""
    return {"settings": index_settings(shards, replicas), "mappings": mappings()}


__all__ = ["EXACT_ANALYZER", "FACET_SIZE", "INDEX_ANALYZER", "SEARCH_ANALYZER", "index_body", "mappings"]

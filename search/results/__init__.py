"""Results: what a page of results shows besides the ranked ids.

Owns the multi-select facet counts and filters (`facets`), highlighted best-passage snippets
(`snippets`) and « pourquoi ce résultat ? » (`explain`: one document against one request, read
from the ranking's own score parts). It may import every layer up to `rank`.
"""

from search.results.explain import Explainer
from search.results.explanation import MATCH_KIND_LABELS, MATCH_KINDS, Explanation
from search.results.facets import FACETS, RANGES, FacetIndex, FacetValue, Filters
from search.results.snippets import highlight, snippet_from_offsets

__all__ = [
    "FACETS",
    "MATCH_KINDS",
    "MATCH_KIND_LABELS",
    "RANGES",
    "Explainer",
    "Explanation",
    "FacetIndex",
    "FacetValue",
    "Filters",
    "highlight",
    "snippet_from_offsets",
]

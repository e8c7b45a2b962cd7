"""Analysis: how French text becomes index terms, and nothing else.

Owns the chain of small Whoosh filters composed with ``|`` (tokenizer, apostrophes, lower case,
elisions, compounds, acronyms, ordinals, accent folding before stemming, stop words, the ``-ées``
rule, Snowball French), its memoised fast path used to index and search, the word-by-word
inspector behind ``/analyse``, and the acronym pairs (OIM ↔ IOM). It imports nothing of ours.
"""

from search.analysis.chain import APOSTROPHES, ELISION, WHOLE_WORDS, fold, load_stopwords, stem
from search.analysis.fast import FrenchAnalyzer, french_analyzer, tokens
from search.analysis.inspector import MAX_INSPECTED_CHARS, TokenSteps, inspect

__all__ = [
    "APOSTROPHES",
    "ELISION",
    "MAX_INSPECTED_CHARS",
    "WHOLE_WORDS",
    "FrenchAnalyzer",
    "TokenSteps",
    "fold",
    "french_analyzer",
    "inspect",
    "load_stopwords",
    "stem",
    "tokens",
]

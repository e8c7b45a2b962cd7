"""What the query planner and did-you-mean ask of an index (`search.query.plan.Vocabulary`),
answered by the cluster: so typos, acronyms, prefixes and suggestions follow the same code as the
embedded engine. Answers are remembered per build index (`Vocabulary.reset` on a new one).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from opensearchpy import OpenSearch

from search.analysis import fold, tokens
from search.analysis.acronyms import AcronymTables, Equivalent, learned_tables

PREFIX_EXPANSION = 50  # as the embedded engine: a prefix* matches at most this many index terms
PREFIX_DOCS = 200  # documents read to find the words with a prefix
NEAR_WORDS = 10
CACHE = 20_000
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


class RemoteVocabulary:
    def __init__(self, client: OpenSearch, index: str):
        self.client = client
        self.index = index
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], Any] = {}
        self._acronym_tables: tuple[dict[str, Equivalent], dict[tuple[str, ...], Equivalent]] | None = None

    def _remember(self, key: tuple[str, ...], compute):
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            if len(self._cache) >= CACHE:
                self._cache.clear()
            self._cache[key] = value
        return value

    def _exists(self, fields: tuple[str, ...], term: str) -> bool:
        body = {"query": {"bool": {"should": [{"term": {f: term}} for f in fields]}}}
        return bool(self.client.count(index=self.index, body=body)["count"])

    def prefetch(self, text: str) -> None:
        """Look up every index term and whole word of ``text`` in one request, so that the planner's
        and did-you-mean's questions about them (`has_term`, `is_word`) cost no further request."""
        questions: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {}
        for term in tokens(text):
            questions.setdefault(f"t{len(questions)}", (("term", term), ("title", "body"), term))
        for word in tokens(text, stem_words=False):
            questions.setdefault(f"w{len(questions)}", (("word", word), ("title.exact", "body.exact"), word))
        with self._lock:
            missing = {name: q for name, q in questions.items() if q[0] not in self._cache}
        if not missing:
            return
        filters = {
            name: {"bool": {"should": [{"term": {f: value}} for f in fields]}}
            for name, (_, fields, value) in missing.items()
        }
        body = {"size": 0, "aggs": {"known": {"filters": {"filters": filters}}}}
        buckets = self.client.search(index=self.index, body=body)["aggregations"]["known"]["buckets"]
        with self._lock:
            if len(self._cache) + len(missing) >= CACHE:
                self._cache.clear()
            for name, (key, _, _) in missing.items():
                self._cache[key] = buckets[name]["doc_count"] > 0

    def has_term(self, term: str) -> bool:
        return self._remember(("term", term), lambda: self._exists(("title", "body"), term))

    def is_word(self, word: str) -> bool:
        return self._remember(("word", word), lambda: self._exists(("title.exact", "body.exact"), word))

    def near_words(self, word: str, max_edits: int) -> list[str]:
        """Whole words within ``max_edits`` of ``word`` (same first letter), most frequent first."""

        def compute() -> list[str]:
            options: dict[str, Any] = {
                "text": word,
                "term": {
                    "field": "body.exact",
                    "suggest_mode": "always",
                    "max_edits": max(1, min(2, max_edits)),
                    "prefix_length": 1,
                    "min_word_length": 1,
                    "size": NEAR_WORDS,
                    "sort": "frequency",
                },
            }
            suggest = {"body": options, "title": {**options, "term": {**options["term"], "field": "title.exact"}}}
            answer = self.client.search(index=self.index, body={"size": 0, "suggest": suggest})
            frequency: dict[str, int] = {}
            for name in ("body", "title"):
                for entry in answer.get("suggest", {}).get(name, []):
                    for option in entry.get("options", []):
                        frequency[option["text"]] = frequency.get(option["text"], 0) + int(option.get("freq", 0))
            return sorted((w for w in frequency if w != word), key=lambda w: (-frequency[w], w))

        return self._remember(("near", word, str(max_edits)), compute)

    def prefix_terms(self, prefix: str, limit: int = PREFIX_EXPANSION) -> list[str]:
        """Index terms of whole words starting with ``prefix``, most frequent first, read from the
        highlighted words of the best documents holding one (OpenSearch lists no term dictionary)."""
        folded = fold(prefix).lower()

        def compute() -> list[str]:
            fields = ("title.exact", "body.exact")
            body = {
                "size": PREFIX_DOCS,
                "_source": False,
                "query": {"bool": {"should": [{"prefix": {f: {"value": folded}}} for f in fields]}},
                "highlight": {
                    "type": "unified",
                    "fields": {f: {"number_of_fragments": 0} for f in fields},
                    "pre_tags": ["<mark>"],
                    "post_tags": ["</mark>"],
                },
            }
            counts: dict[str, int] = {}
            for hit in self.client.search(index=self.index, body=body)["hits"]["hits"]:
                for fragments in hit.get("highlight", {}).values():
                    for fragment in fragments:
                        for marked in MARK.findall(fragment):
                            for word in fold(marked).lower().replace("’", "'").split("'")[-1:]:
                                if word.startswith(folded):
                                    counts[word] = counts.get(word, 0) + 1
            terms: list[str] = []
            for word in sorted(counts, key=lambda w: (-counts[w], w)):
                for term in tokens(word):
                    if term not in terms:
                        terms.append(term)
                if len(terms) >= limit:
                    break
            return terms[:limit]

        return self._remember(("prefix", folded, str(limit)), compute)

    def learned_equivalents(self, term: str) -> list[Equivalent]:
        pair = self._acronyms()[0].get(term)
        return [pair] if pair else []

    def learned_acronym(self, terms: tuple[str, ...]) -> Equivalent | None:
        return self._acronyms()[1].get(terms)

    def _acronyms(self) -> AcronymTables:
        """Acronym → its most frequent long form in the pages, and long form → acronym (as embedded)."""
        if self._acronym_tables is None:
            body = {"size": 0, "aggs": {"pairs": {"terms": {"field": "acronyms", "size": 65_000}}}}
            buckets = self.client.search(index=self.index, body=body)["aggregations"]["pairs"]["buckets"]
            ordered = sorted(buckets, key=lambda b: b["key"])
            self._acronym_tables = learned_tables((b["key"], int(b["doc_count"])) for b in ordered)
        return self._acronym_tables

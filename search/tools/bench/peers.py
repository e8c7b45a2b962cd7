"""The engines ours is measured against, on the same corpus and queries: stock Whoosh, tantivy, bm25s."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from search.ingest import Document
from search.tools.bench.corpus import FACETS, BenchQuery
from search.tools.bench.engines import LIMIT, MODES, Session, fresh


class StockWhoosh:
    """Whoosh as its documentation shows it: `LanguageAnalyzer("fr")`, BM25F, ``groupedby``
    facets and ``Hit.highlights``."""

    name = "whoosh"
    requires: tuple[str, ...] = ("whoosh",)
    max_procs = 2

    @staticmethod
    def schema():
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

        return Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=LanguageAnalyzer("fr"), stored=True),
            body=TEXT(analyzer=LanguageAnalyzer("fr"), stored=True),
            country=KEYWORD(stored=True, lowercase=False, scorable=False),
            year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32),
            type=ID(stored=True, sortable=True),
            status=ID(stored=True, sortable=True),
            budget=NUMERIC(float, stored=True),
        )

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        from whoosh import index as whoosh_index

        fresh(index_dir)
        ix = whoosh_index.create_in(str(index_dir), self.schema())
        writer = ix.writer(procs=procs, limitmb=256 // procs, multisegment=False)
        count = 0
        for doc in docs:
            fields: dict[str, Any] = {"id": doc.id, "title": doc.title, "body": doc.body}
            if doc.countries:
                fields["country"] = " ".join(c.code for c in doc.countries)
            if doc.year is not None:
                fields["year"] = doc.year
            if doc.type:
                fields["type"] = doc.type
            if doc.status:
                fields["status"] = doc.status
            if doc.budget_usd is not None:
                fields["budget"] = float(doc.budget_usd)
            writer.add_document(**fields)
            count += 1
        writer.commit()
        return count

    def open(self, index_dir: Path) -> Session:
        return WhooshSession(index_dir)


class WhooshSession:
    modes: tuple[str, ...] = MODES

    def __init__(self, index_dir: Path):
        from whoosh import highlight, index, qparser, sorting

        self.index = index.open_dir(str(index_dir))
        self.searcher = self.index.searcher()
        self.parser = qparser.MultifieldParser(["title", "body"], self.index.schema, group=qparser.OrGroup)
        self.sorting = sorting
        self.formatter = highlight.HtmlFormatter(tagname="mark")
        self.groups = {
            "country": sorting.FieldFacet("country", allow_overlap=True),
            "year": sorting.FieldFacet("year"),
            "type": sorting.FieldFacet("type"),
            "status": sorting.FieldFacet("status"),
        }

    def _filter(self, query: BenchQuery):
        from whoosh import query as q

        if query.facet == "year":
            return q.NumericRange("year", int(query.value), int(query.value))
        return q.Term(query.facet, query.value)

    def top(self, query: BenchQuery) -> int:
        results = self.searcher.search(self.parser.parse(query.text), limit=LIMIT)
        [hit["id"] for hit in results[:LIMIT]]
        return len(results)

    def _faceted(self, query: BenchQuery):
        """Filtered search grouped by the three other facets, then an unfiltered count of the
        filter's own facet: the stock way to get multi-select counts from ``groupedby``."""
        parsed = self.parser.parse(query.text)
        others = {name: self.groups[name] for name in FACETS if name != query.facet}
        results = self.searcher.search(
            parsed, filter=self._filter(query), limit=LIMIT, groupedby=others, maptype=self.sorting.Count
        )
        counts = {name: results.groups(name) for name in others}
        own = self.searcher.search(
            parsed, limit=1, groupedby={query.facet: self.groups[query.facet]}, maptype=self.sorting.Count
        )
        counts[query.facet] = own.groups(query.facet)
        return results

    def facets(self, query: BenchQuery) -> int:
        results = self._faceted(query)
        [hit["id"] for hit in results[:LIMIT]]
        return len(results)

    def full(self, query: BenchQuery) -> int:
        results = self._faceted(query)
        results.formatter = self.formatter
        for hit in results[:LIMIT]:
            hit.highlights("title")
            hit.highlights("body")
        return len(results)

    def close(self) -> None:
        self.searcher.close()
        self.index.close()


class Tantivy:
    """tantivy-py with its built-in ``fr_stem`` analyzer (simple tokenizer, lower case, Snowball
    French), BM25, terms aggregations over fast fields for facets and `SnippetGenerator`."""

    name = "tantivy"
    requires: tuple[str, ...] = ("tantivy",)
    max_procs = 2
    heap_bytes = 256_000_000

    @staticmethod
    def schema():
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="fr_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="fr_stem")
        builder.add_text_field("country", stored=True, fast=True, tokenizer_name="raw")
        builder.add_integer_field("year", stored=True, indexed=True, fast=True)
        builder.add_text_field("type", stored=True, fast=True, tokenizer_name="raw")
        builder.add_text_field("status", stored=True, fast=True, tokenizer_name="raw")
        builder.add_float_field("budget", stored=True, fast=True)
        return builder.build()

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        import tantivy

        fresh(index_dir)
        index = tantivy.Index(self.schema(), path=str(index_dir))
        writer = index.writer(self.heap_bytes, procs)
        count = 0
        for doc in docs:
            record = tantivy.Document(id=doc.id, title=doc.title, body=doc.body)
            for country in doc.countries:
                record.add_text("country", country.code)
            if doc.year is not None:
                record.add_integer("year", doc.year)
            if doc.type:
                record.add_text("type", doc.type)
            if doc.status:
                record.add_text("status", doc.status)
            if doc.budget_usd is not None:
                record.add_float("budget", float(doc.budget_usd))
            writer.add_document(record)
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return count

    def open(self, index_dir: Path) -> Session:
        return TantivySession(index_dir)


class TantivySession:
    modes: tuple[str, ...] = MODES

    def __init__(self, index_dir: Path):
        import tantivy

        self.tantivy = tantivy
        self.index = tantivy.Index.open(str(index_dir))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def _text(self, query: BenchQuery):
        return self.index.parse_query(query.text, ["title", "body"])

    def _filtered(self, text_query, query: BenchQuery):
        """The text query restricted to the filter; the filter adds nothing to the score."""
        value: Any = int(query.value) if query.facet == "year" else query.value
        condition = self.tantivy.Query.term_query(self.schema, query.facet, value)
        occur = self.tantivy.Occur.Must
        return self.tantivy.Query.boolean_query(
            [(occur, text_query), (occur, self.tantivy.Query.const_score_query(condition, 0.0))]
        )

    @staticmethod
    def _terms(names: Iterable[str]) -> dict:
        return {name: {"terms": {"field": name, "size": 1000}} for name in names}

    def top(self, query: BenchQuery) -> int:
        result = self.searcher.search(self._text(query), LIMIT, count=True)
        [self.searcher.doc(address).get_first("id") for _, address in result.hits]
        return result.count

    def _faceted(self, query: BenchQuery):
        """Filtered top 10 and count, one aggregation of the other facets over the filtered
        matches and one of the filter's own facet over the unfiltered matches."""
        text_query = self._text(query)
        filtered = self._filtered(text_query, query)
        result = self.searcher.search(filtered, LIMIT, count=True)
        self.searcher.aggregate(filtered, self._terms(f for f in FACETS if f != query.facet))
        self.searcher.aggregate(text_query, self._terms([query.facet]))
        return text_query, result

    def facets(self, query: BenchQuery) -> int:
        _, result = self._faceted(query)
        [self.searcher.doc(address).get_first("id") for _, address in result.hits]
        return result.count

    def full(self, query: BenchQuery) -> int:
        text_query, result = self._faceted(query)
        generator = self.tantivy.SnippetGenerator
        titles = generator.create(self.searcher, text_query, self.schema, "title")
        bodies = generator.create(self.searcher, text_query, self.schema, "body")
        bodies.set_max_num_chars(200)
        for _, address in result.hits:
            doc = self.searcher.doc(address)
            titles.snippet_from_doc(doc).to_html()
            bodies.snippet_from_doc(doc).to_html()
        return result.count

    def close(self) -> None:
        pass


class Bm25s:
    """bm25s with its French stop words and PyStemmer's French stemmer. It has no facets,
    filters or snippets, so only ``top`` is timed; it indexes in one process."""

    name = "bm25s"
    requires: tuple[str, ...] = ("bm25s", "Stemmer")
    max_procs = 1

    def build(self, docs: Iterable[Document], index_dir: Path, procs: int) -> int:
        import bm25s
        import Stemmer

        fresh(index_dir)
        ids, texts = [], []
        for doc in docs:
            ids.append(doc.id)
            texts.append(f"{doc.title}\n{doc.body}")
        stemmer = Stemmer.Stemmer("french")
        tokens = bm25s.tokenize(texts, stopwords="fr", stemmer=stemmer.stemWords, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(index_dir), show_progress=False)
        (index_dir / "ids.json").write_text(json.dumps(ids), "utf-8")
        return len(ids)

    def open(self, index_dir: Path) -> Session:
        return Bm25sSession(index_dir)


class Bm25sSession:
    modes: tuple[str, ...] = ("top",)

    def __init__(self, index_dir: Path):
        import bm25s
        import numpy as np
        import Stemmer

        self.bm25s = bm25s
        self.np = np
        self.retriever = bm25s.BM25.load(str(index_dir))
        self.ids = json.loads((index_dir / "ids.json").read_text("utf-8"))
        self.stem = Stemmer.Stemmer("french").stemWords

    def top(self, query: BenchQuery) -> int:
        """bm25s scores every document anyway (``retrieve`` takes the top k of the same array);
        the total is counted from that array since bm25s reports none."""
        np = self.np
        tokens = self.bm25s.tokenize(
            query.text, stopwords="fr", stemmer=self.stem, return_ids=False, show_progress=False
        )[0]
        scores = self.retriever.get_scores(tokens)
        total = int(np.count_nonzero(scores))
        best = np.argpartition(-scores, LIMIT)[:LIMIT] if len(scores) > LIMIT else np.arange(len(scores))
        [self.ids[i] for i in best[np.argsort(-scores[best])]]
        return total

    def facets(self, query: BenchQuery) -> int:
        raise NotImplementedError("bm25s has no facets")

    def full(self, query: BenchQuery) -> int:
        raise NotImplementedError("bm25s has no facets or snippets")

    def close(self) -> None:
        pass

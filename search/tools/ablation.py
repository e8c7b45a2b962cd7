"""What each part of the engine buys, measured on a test collection (``make ablation``).

Rows are cumulative: stock Whoosh first (its French analyzer, BM25F, any word), then our
French chain with default BM25F, then each ranking change in the order it was added. A last
row runs the final engine on the same queries with their accents stripped.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

from unidecode import unidecode
from whoosh import index as whoosh_index
from whoosh.analysis import LanguageAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.scoring import BM25F

from search.ingest import read_jsonl
from search.query import DEFAULT_RANKING, Ranking
from search.tools.evaluate import measure, run_queries

#: The engine by words alone, and as it was before per-field saturation and the exact-word bonus.
_WORDS = DEFAULT_RANKING.changed(meaning_weight=0.0)
_BM25F = _WORDS.changed(fields="bm25f", exact_weight=0.0)

STEPS: list[tuple[str, Ranking]] = [
    (
        "our French chain, BM25F k1=1.2 b=0.75, title ×2",
        _BM25F.changed(
            k1=1.2,
            b=0.75,
            title_b=0.75,
            title_boost=2.0,
            expansions=False,
            typos=False,
            question_weight=1.0,
        ),
    ),
    (
        "+ tuned BM25F (k1=2, b=0.4, title ×8, title b=0.3)",
        _BM25F.changed(expansions=False, typos=False, question_weight=1.0),
    ),
    ("+ acronyms (curated + learned from pages)", _BM25F.changed(typos=False, question_weight=1.0)),
    ("+ typo tolerance (5+ letters: 1 edit, 9+: 2)", _BM25F.changed(question_weight=1.0)),
    ("+ question words softened", _BM25F),
    ("  with exact-word bonus alone (0.3)", _BM25F.changed(exact_weight=0.3)),
    ("  with per-field saturation alone (dismax, tie 0.3)", _BM25F.changed(fields="dismax")),
    ("+ exact-word bonus and per-field saturation", _WORDS),
    ("  with proximity bonus (not kept)", _WORDS.changed(proximity=1.0)),
    ("  with AND operator (not kept)", _WORDS.changed(operator="and")),
    ("+ meaning: sentence vectors re-rank the best 1,000 (final)", DEFAULT_RANKING),
    ("  with meaning weighted 0.4", DEFAULT_RANKING.changed(meaning_weight=0.4)),
    ("  with meaning weighted 1.2", DEFAULT_RANKING.changed(meaning_weight=1.2)),
]


@dataclass
class Row:
    name: str
    metrics: dict[str, dict[str, float]]  # collection → metric → value


def stock_whoosh(corpus: str, collections: dict[str, tuple[dict, dict]]) -> Row:
    """Whoosh out of the box: LanguageAnalyzer("fr") on title and body, BM25F, any word matches."""
    schema = Schema(
        id=ID(stored=True, unique=True), title=TEXT(LanguageAnalyzer("fr")), body=TEXT(LanguageAnalyzer("fr"))
    )
    with tempfile.TemporaryDirectory(prefix="stock-whoosh-") as folder:
        ix = whoosh_index.create_in(folder, schema)
        with ix.writer(limitmb=256) as writer:
            for doc in read_jsonl(corpus):
                writer.add_document(id=doc.id, title=doc.title, body=doc.body)
        parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
        metrics = {}
        with ix.searcher(weighting=BM25F()) as searcher:
            for name, (queries, qrels) in collections.items():
                run = {}
                for qid, text in queries.items():
                    results = searcher.search(parser.parse(text), limit=100)
                    run[qid] = {hit["id"]: float(100 - i) for i, hit in enumerate(results)}
                metrics[name] = measure(qrels, run)
    return Row('stock Whoosh: LanguageAnalyzer("fr"), BM25F', metrics)


def ours(ix, collections: dict[str, tuple[dict, dict]]) -> Iterator[Row]:
    for name, ranking in STEPS:
        yield Row(name, {c: measure(qrels, run_queries(ix, q, ranking)[0]) for c, (q, qrels) in collections.items()})
    stripped = {c: ({qid: unidecode(text) for qid, text in q.items()}, qrels) for c, (q, qrels) in collections.items()}
    yield Row(
        "final, queries with accents stripped",
        {c: measure(qrels, run_queries(ix, q, DEFAULT_RANKING)[0]) for c, (q, qrels) in stripped.items()},
    )


def table(rows: list[Row], names: list[str]) -> str:
    header = "| configuration | " + " | ".join(f"{n} nDCG@10 | {n} MRR@10 | {n} R@100" for n in names) + " |"
    lines = [header, "|---" * (1 + 3 * len(names)) + "|"]
    for row in rows:
        cells = []
        for n in names:
            m = row.metrics[n]
            cells += [f"{m['nDCG@10']:.3f}", f"{m['MRR@10']:.3f}", f"{m['R@100']:.3f}"]
        lines.append(f"| {row.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(corpus: str, collections: dict[str, tuple[dict, dict]], stock: bool = True) -> str:
    """Index ``corpus`` once with our chain (and once with stock Whoosh), print rows as they come."""
    from search.tools.evaluate import index_corpus

    names = list(collections)
    rows: list[Row] = []
    if stock:
        start = time.perf_counter()
        rows.append(stock_whoosh(corpus, collections))
        print(f"stock Whoosh row: {time.perf_counter() - start:.0f} s", flush=True)
    ix, _speed, _holder = index_corpus(corpus, None)
    for row in ours(ix, collections):
        rows.append(row)
        print(table(rows[-1:], names).splitlines()[-1], flush=True)
    return table(rows, names)

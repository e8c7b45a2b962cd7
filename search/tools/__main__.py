"""Developer tools: ``python -m search.tools {eval,ablation,bench,fault}``.

Ranking quality on test collections, what each ranking part buys, speed side by side with other
engines, and HTTP load. The search itself never imports this package.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from search import SearchError
from search.tools.bench.cli import add_arguments as add_bench_arguments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.tools", description="Measure the search engine.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("eval", help="nDCG@10, MRR@10 and Recall@100 on a test collection")
    p.add_argument("--corpus", required=True)
    p.add_argument("--queries", required=True, action="append", help="qid<TAB>query lines (repeatable)")
    p.add_argument("--qrels", required=True, action="append", help="qid<TAB>docid<TAB>grade lines (one per --queries)")
    p.add_argument("--index", default=None, help="index folder (default: a temporary one)")
    p.add_argument("--run", default=None, help="write a TREC run file here")
    p.add_argument(
        "--engine", choices=("embedded", "opensearch"), default="embedded", help="opensearch: $OPENSEARCH_URL"
    )
    p.add_argument("--no-meaning", action="store_true", help="opensearch: no vectors, rank by words alone")
    p.set_defaults(handler=cmd_eval)

    p = commands.add_parser("ablation", help="what each part of the ranking buys, on a test collection")
    p.add_argument("--corpus", required=True)
    p.add_argument("--queries", required=True, action="append", help="qid<TAB>query lines (repeatable)")
    p.add_argument("--qrels", required=True, action="append", help="judgments (one per --queries)")
    p.add_argument("--name", action="append", help="column name for each --queries (default: file name)")
    p.add_argument("--no-stock", action="store_true", help="skip the stock Whoosh row (slow)")
    p.set_defaults(handler=cmd_ablation)

    p = commands.add_parser("bench", help="scale benchmark against stock Whoosh, tantivy and bm25s (bench extra)")
    add_bench_arguments(p)
    p.set_defaults(handler=cmd_bench)

    p = commands.add_parser(
        "fault", help="kill -9 a node of an OpenSearch cluster of its own under searches and a rebuild"
    )
    p.add_argument("--pages", type=int, default=20_000, help="bench pages fed (default: %(default)s)")
    p.add_argument("--http-port", type=int, default=9290, help="first node's HTTP port (never the shared 9250)")
    p.add_argument("--transport-port", type=int, default=9390)
    p.add_argument("--workdir", type=Path, default=None, help="cluster folder (default: a temporary one, removed)")
    p.add_argument("--kill", default="node-2", help="phase 1 victim: node-N or 'manager' (default: %(default)s)")
    p.add_argument("--rebuild-kill", default="manager", help="phase 2 victim (default: %(default)s)")
    p.add_argument("--down", type=float, default=10.0, help="seconds the node stays down (default: %(default)s)")
    p.add_argument("--threads", type=int, default=2, help="search threads (default: %(default)s)")
    p.add_argument("--max-error-window", type=float, default=5.0, help="seconds of failing searches allowed")
    p.set_defaults(handler=cmd_fault)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.handler(args) or 0
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_bench(args) -> int:
    from search.tools.bench.cli import cmd_bench as run_bench

    return run_bench(args)


def cmd_fault(args) -> int:
    from search.opensearch.cluster import ClusterError
    from search.tools.fault import FaultOptions, run

    options = FaultOptions(
        pages=args.pages,
        http_port=args.http_port,
        transport_port=args.transport_port,
        workdir=args.workdir.resolve() if args.workdir else None,
        kill=args.kill,
        rebuild_kill=args.rebuild_kill,
        down_s=args.down,
        threads=args.threads,
        max_error_window_s=args.max_error_window,
    )
    try:
        report = run(options, log=_stamped)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.format())
    return 0 if report.ok else 1


def _stamped(line: str) -> None:
    print(time.strftime("%H:%M:%S"), line, flush=True)


def cmd_ablation(args) -> int:

    from search.tools.ablation import run
    from search.tools.evaluate import read_qrels, read_queries

    if len(args.queries) != len(args.qrels) or (args.name and len(args.name) != len(args.queries)):
        raise SystemExit("error: give one --qrels (and one --name, if any) for each --queries")
    names = args.name or [Path(q).stem for q in args.queries]
    collections = {
        name: (read_queries(q), read_qrels(r)) for name, q, r in zip(names, args.queries, args.qrels, strict=True)
    }
    print(run(args.corpus, collections, stock=not args.no_stock))
    return 0


def cmd_eval(args) -> int:
    from search.tools.evaluate import evaluate, index_corpus, read_qrels, read_queries, write_run

    if len(args.queries) != len(args.qrels):
        raise SystemExit("error: give one --qrels for each --queries")
    if args.engine == "opensearch":
        return _eval_opensearch(args)
    ix, speed, _holder = index_corpus(args.corpus, args.index)
    print(f"indexed {ix.doc_count()} documents at {speed:.0f} docs/s")
    print("| queries | n | nDCG@10 | MRR@10 | R@100 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    runs = {}
    for queries_path, qrels_path in zip(args.queries, args.qrels, strict=False):
        result, run = evaluate(ix, read_queries(queries_path), read_qrels(qrels_path))
        runs.update(run)
        print(f"| {queries_path} | {result.queries} | {result.row()} | {result.p50_ms:.1f} | {result.p95_ms:.1f} |")
    if args.run:
        write_run(runs, args.run)
    return 0


def _eval_opensearch(args) -> int:
    from search.tools import opensearch_eval
    from search.tools.evaluate import read_qrels, read_queries, write_run

    engine, note = opensearch_eval.prepare(args.corpus, meaning=not args.no_meaning)
    print(note)
    print("| queries | n | nDCG@10 | MRR@10 | R@100 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    runs = {}
    for queries_path, qrels_path in zip(args.queries, args.qrels, strict=False):
        result, run = opensearch_eval.evaluate(engine, read_queries(queries_path), read_qrels(qrels_path))
        runs.update(run)
        print(f"| {queries_path} | {result.queries} | {result.row()} | {result.p50_ms:.1f} | {result.p95_ms:.1f} |")
    if args.run:
        write_run(runs, args.run, tag="opensearch")
    return 0


if __name__ == "__main__":
    sys.exit(main())

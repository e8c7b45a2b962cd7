"""Command line: ``python -m search {reindex,index,query,parse,analyze}``.

The developer tools (evaluation, ablation, benchmark, load test) have their own:
``python -m search.tools``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from search.errors import SearchError

DEFAULT_INDEX = "index_data/index"
DEFAULT_DOCUMENTS = "index_data/documents"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search", description="French full-text search over OIM/IOM pages.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("index", help="build an index from a JSON Lines file")
    p.add_argument("--jsonl", required=True, help="records, one JSON object a line: id, title, text, ...")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--procs", type=int, default=min(2, os.cpu_count() or 1), help="indexing processes")
    p.add_argument(
        "--no-meaning", action="store_true", help="no sentence vectors: rank by words alone, index ~20x faster"
    )
    p.set_defaults(handler=cmd_index)

    p = commands.add_parser("query", help="ranked results for a query")
    p.add_argument("text")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--engine", choices=("embedded", "opensearch"), default=None, help="default: $SEARCH_ENGINE")
    p.set_defaults(handler=cmd_query)

    p = commands.add_parser("analyze", help="show how the French chain reads a text, stage by stage")
    p.add_argument("text")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_analyze)

    p = commands.add_parser("parse", help="print the record of each page file as one JSON line")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(handler=cmd_parse)

    p = commands.add_parser("reindex", help="bring the index in line with the documents folder (incremental)")
    p.add_argument("--documents", default=DEFAULT_DOCUMENTS, help="*.txt pages and *.jsonl files, recursively")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--full", action="store_true", help="rebuild from scratch (after a schema change)")
    p.add_argument("--no-meaning", action="store_true", help="no sentence vectors: rank by words alone")
    p.add_argument(
        "--engine",
        choices=("embedded", "opensearch"),
        default=None,
        help="default: $SEARCH_ENGINE; opensearch feeds the alias at $OPENSEARCH_URL",
    )
    p.set_defaults(handler=cmd_reindex)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.handler(args) or 0
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_index(args) -> int:
    from search.index import build_index
    from search.ingest import read_jsonl

    start = time.perf_counter()
    count = build_index(read_jsonl(args.jsonl), args.index, procs=max(1, args.procs), meaning=not args.no_meaning)
    elapsed = time.perf_counter() - start
    print(f"indexed {count} documents into {args.index} in {elapsed:.1f} s ({count / max(elapsed, 1e-9):.0f} docs/s)")
    return 0


def cmd_query(args) -> int:
    from search import SearchRequest, open_engine

    settings = {**os.environ, **({"SEARCH_ENGINE": args.engine} if args.engine else {})}
    service = open_engine(settings, index_dir=args.index)
    try:
        result = service.search(SearchRequest(q=args.text, per_page=min(max(1, args.limit), 100)))
    finally:
        service.close()
    hits = [{"id": hit.id, "score": hit.score, "title": hit.title} for hit in result.hits]
    if args.json:
        print(json.dumps({"query": args.text, "total": result.total, "hits": hits}, ensure_ascii=False, indent=2))
    else:
        print(f"{result.total} documents match {args.text!r}")
        for i, hit in enumerate(hits, start=1):
            score = f"{hit['score']:8.3f}" if hit["score"] is not None else " " * 8
            print(f"{i:3d}. {score}  {hit['id']}  {hit['title']}")
    return 0


def cmd_analyze(args) -> int:
    from search.analysis import inspect

    steps = inspect(args.text)
    if args.json:
        print(json.dumps([s.to_dict() for s in steps], ensure_ascii=False, indent=2))
        return 0
    print(f"{'as written':<22} {'word':<20} {'folded':<20} {'index term'}")
    for s in steps:
        outcome = "(stop word)" if s.stop else "(ordinal suffix)" if s.ordinal else s.term
        written = s.typed if "-" in s.raw else s.raw
        print(f"{written:<22} {s.word:<20} {s.folded:<20} {outcome}")
    return 0


def cmd_parse(args) -> int:
    from search.errors import BadDocumentError
    from search.ingest import parse_page

    status = 0
    for path in args.files:
        try:
            doc = parse_page(path)
        except BadDocumentError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(doc.to_dict(), ensure_ascii=False), flush=True)
    return status


def cmd_reindex(args) -> int:
    from search.engines import engine_name

    if engine_name({**os.environ, **({"SEARCH_ENGINE": args.engine} if args.engine else {})}) == "opensearch":
        from search.opensearch.connection import Settings
        from search.opensearch.indexing import feed

        settings = Settings.from_env(meaning=False if args.no_meaning else None)
        feed_report = feed(settings, args.documents, full=args.full)
        print(feed_report.format())
        return 0 if feed_report.ok else 4
    from search.errors import IndexLockedError
    from search.index import reindex

    try:
        report = reindex(
            args.documents, args.index, progress=sys.stderr.isatty(), full=args.full, meaning=not args.no_meaning
        )
    except IndexLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())

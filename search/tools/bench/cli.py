"""Command-line options of the benchmark, shared by ``python -m search.tools.bench`` and
``python -m search.tools bench``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from search.tools.bench.registry import DEFAULT_ENGINES, ENGINES
from search.tools.bench.runner import Options, report, run

ENGINE_NAMES = tuple(ENGINES)


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part.strip().replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None


def _engines(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in ENGINE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown engine(s) {', '.join(unknown)}: choose from {', '.join(ENGINE_NAMES)}"
        )
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=_ints, default=(10_000, 100_000), help="corpus sizes (default 10000,100000)")
    parser.add_argument("--queries", type=int, default=300, help="timed queries per mode (default 300)")
    parser.add_argument(
        "--engines",
        type=_engines,
        default=DEFAULT_ENGINES,
        help=f"default: {','.join(DEFAULT_ENGINES)}; also: ours-meaning, opensearch (the cluster at $OPENSEARCH_URL)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--workdir", type=Path, default=Path("bench-work"), help="corpora and indexes go here")
    parser.add_argument("--source", type=Path, default=None, help="CDTN-style JSON Lines (id, title, text)")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds at most per engine and mode")
    parser.add_argument("--procs", type=_ints, default=(1, 2), help="build with these process counts (default 1,2)")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn run")
    parser.add_argument("--http-seconds", type=float, default=20.0)
    parser.add_argument("--keep-indexes", action="store_true", help="leave the indexes in the workdir")
    parser.add_argument(
        "--reindex-pages", type=int, default=20_000, help="page files for the make-reindex timing (0 skips it)"
    )


def cmd_bench(args: argparse.Namespace) -> int:
    options = Options(
        sizes=args.sizes,
        queries=args.queries,
        engines=args.engines,
        out=args.out,
        workdir=args.workdir,
        budget_s=args.budget,
        procs=args.procs,
        http=not args.no_http,
        http_seconds=args.http_seconds,
        keep_indexes=args.keep_indexes,
        reindex_pages=args.reindex_pages,
    )
    if args.source is not None:
        options = replace(options, source=args.source)
    print(report(run(options)))
    print(f"\nwrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m search.tools.bench", description="Scale benchmark of the search engine."
    )
    add_arguments(parser)
    return cmd_bench(parser.parse_args(argv))

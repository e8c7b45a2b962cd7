"""How fast ``make reindex`` answers an editor: page files, a first build, then re-runs.

The pages are the bench corpus's documents written as OIM/IOM project sheets (the dash layout
of the real pages: title, then ``-`` / label / value lines, then the description), one ``.txt``
file each, so the reindex parses them exactly as it parses pages an editor drops in. Each run
is a fresh ``python -m search reindex`` process, timed from the outside: interpreter start,
imports, the manifest and the scan of every file all count, as they do for the editor.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from search.ingest import Document
from search.tools.bench.corpus import DEFAULT_SEED, generate, load_source

NOOP_RUNS = 3


def sheet_text(doc: Document) -> str:
    """A project sheet as the OIM site prints it (the layout `search.pages` reads)."""
    fields = [
        ("Date de début", doc.start_year),
        ("Date de fin", doc.end_year),
        ("Statut du projet", doc.status),
        ("Type de projet", doc.type),
        ("Budget Amount (USD)", f"{doc.budget_usd:.2f}" if doc.budget_usd is not None else None),
        ("Année", doc.year),
        ("Etat(s) membre(s) beneficiaires remplissant les conditions requises", _countries(doc)),
    ]
    lines = [doc.title]
    for label, value in fields:
        if value is not None and value != "":
            lines += ["-", label, str(value)]
    return "\n".join([*lines, doc.body]) + "\n"


def _countries(doc: Document) -> str | None:
    names = [country.name for country in doc.countries]
    return ", ".join(names) if names else None


def write_pages(folder: Path, count: int, seed: int = DEFAULT_SEED, source: Path | None = None) -> Path:
    """``count`` page files in ``folder`` (kept between runs: the same seed gives the same bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.txt"))) == count:
        return folder
    loaded = load_source(source) if source is not None else None
    for doc in generate(count, seed, loaded):
        (folder / f"{doc.id}.txt").write_text(sheet_text(doc), "utf-8")
    return folder


def timed_reindex(documents: Path, index: Path) -> float:
    """Seconds one ``python -m search reindex`` run takes, start to exit; raises if it fails."""
    # Words alone, as the engines `make bench` compares with (the sentence vectors: README, "Meaning").
    command = [sys.executable, "-m", "search", "reindex", "--documents", str(documents), "--index", str(index)]
    command.append("--no-meaning")
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"reindex failed (exit {completed.returncode}): {completed.stderr.strip()[-500:]}")
    return seconds


def measure_reindex(workdir: Path, count: int, seed: int = DEFAULT_SEED, source: Path | None = None) -> dict[str, Any]:
    """First build of ``count`` pages, then the same run with nothing changed and with one page changed."""
    documents = write_pages(workdir / f"pages-{count}-{seed}", count, seed, source)
    index = workdir / f"pages-index-{count}"
    shutil.rmtree(index, ignore_errors=True)
    first = timed_reindex(documents, index)
    unchanged = [timed_reindex(documents, index) for _ in range(NOOP_RUNS)]
    changed_page = sorted(documents.glob("*.txt"))[0]
    original = changed_page.read_text("utf-8")
    try:
        changed_page.write_text(original + "Une phrase ajoutée par le banc d'essai.\n", "utf-8")
        one_changed = timed_reindex(documents, index)
    finally:
        changed_page.write_text(original, "utf-8")
    shutil.rmtree(index, ignore_errors=True)
    return {
        "pages": count,
        "first_build_s": round(first, 2),
        "first_build_pages_per_s": round(count / first, 1),
        "unchanged_s": round(statistics.median(unchanged), 3),
        "unchanged_runs_s": [round(s, 3) for s in unchanged],
        "one_changed_s": round(one_changed, 3),
    }

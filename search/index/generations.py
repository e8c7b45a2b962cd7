"""The on-disk index: its schema, how records enter it, and index generations.

An index folder holds generations (``gen-000001``, ``gen-000002``, …), each a complete Whoosh
index, and a ``CURRENT`` file naming the one readers use. A build writes a new generation and
then replaces ``CURRENT`` with an atomic rename, so a reader never sees a half-written index and
a build killed at any moment leaves the previous generation complete.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from search.errors import IndexMissingError
from search.index import whoosh_fixes  # noqa: F401  (applied on import)
from search.index.files import write_atomic
from search.index.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
GENERATION_PREFIX = "gen-"
MANIFEST = "manifest.json"


@dataclass
class Generation:
    """One complete Whoosh index inside an index folder."""

    path: Path
    # Parsed once per object: a manifest of 20,000 pages takes 0.1 s to parse, and one reindex
    # run with nothing to do used to parse it four times. Treat the returned dict as read-only.
    _manifest: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    def open(self):
        return whoosh_index.open_dir(str(self.path))

    def manifest(self) -> dict:
        if self._manifest is None:
            manifest_path = self.path / MANIFEST
            self._manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        return self._manifest


def current_generation(index_dir: str | Path) -> Generation:
    """The generation readers should use; a clear error when there is none."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if not pointer.exists():
        raise IndexMissingError("no_index", folder=index_dir)
    name = pointer.read_text("utf-8").strip()
    path = index_dir / name
    try:
        readable = bool(name) and whoosh_index.exists_in(str(path))
    except Exception as exc:  # a truncated or garbage TOC: EOFError, UnpicklingError, IndexError, ...
        detail = f"{name} is not readable: {type(exc).__name__}"
        raise IndexMissingError("damaged", folder=index_dir, detail=detail) from exc
    if not readable:
        raise IndexMissingError("damaged", folder=index_dir, detail=f"{name or 'CURRENT is empty'} is not readable")
    generation = Generation(path)
    built_with = _manifest_schema(generation)
    if built_with != SCHEMA_VERSION:
        raise IndexMissingError("other_version", folder=index_dir, built_with=built_with, reads=SCHEMA_VERSION)
    return generation


def _manifest_schema(generation: Generation) -> object:
    try:
        return generation.manifest().get("schema")
    except (OSError, ValueError):  # an unreadable manifest: treated like an old one
        return None


def open_index(index_dir: str | Path):
    """Open the current generation's Whoosh index."""
    generation = current_generation(index_dir)
    try:
        return generation.open()
    except Exception as exc:  # whoosh raises many types for a damaged folder
        raise IndexMissingError("damaged", folder=index_dir, detail=str(exc)) from exc


def new_generation(index_dir: str | Path) -> Generation:
    """A fresh, empty generation folder numbered after every existing one."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [
        int(p.name[len(GENERATION_PREFIX) :])
        for p in index_dir.glob(GENERATION_PREFIX + "*")
        if p.name[len(GENERATION_PREFIX) :].isdigit()
    ]
    path = index_dir / f"{GENERATION_PREFIX}{max(numbers, default=0) + 1:06d}"
    path.mkdir()
    return Generation(path)


def publish(generation: Generation, manifest: dict) -> None:
    """Write the manifest, then point CURRENT at the generation with an atomic rename."""
    manifest = {**manifest, "generation": generation.name, "built_at": time.time(), "schema": SCHEMA_VERSION}
    write_atomic(generation.path / MANIFEST, json.dumps(manifest, ensure_ascii=False))
    write_atomic(generation.path.parent / CURRENT, generation.name)


def prune(index_dir: str | Path, keep: int = 2) -> None:
    """Remove old generations, keeping the current one and the ``keep - 1`` before it.

    An old generation may still be open in a server that has not switched yet, hence keep=2.
    """
    index_dir = Path(index_dir)
    try:  # the pointer alone: validating the generation would parse its whole manifest again
        current = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return
    if not current:
        return
    generations = sorted(p for p in index_dir.glob(GENERATION_PREFIX + "*") if p.is_dir())
    keep_names = {current} | {p.name for p in generations if p.name <= current}
    keep_names = set(sorted(keep_names)[-keep:]) | {current}
    for path in generations:
        if path.name not in keep_names:
            shutil.rmtree(path, ignore_errors=True)

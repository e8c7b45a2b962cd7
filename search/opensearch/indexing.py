"""Feeding the cluster: a new index per full build behind an alias, or an incremental update.

- `rebuild` fills ``<alias>-<n>`` (replicas 0 and no refresh while filling), checks that it holds
  as many documents as were parsed, sets the replicas, and moves the alias in one ``_aliases``
  call (remove + add): a search sees the old index or the new one, never none. The build before
  the previous one is deleted; a failed build leaves the alias where it was.
- `update` compares the checksum of every parsed record with the one in the index and sends only
  the new, changed and deleted documents.
- Bulk items that fail are retried (`BULK_ATTEMPTS` in all, with a growing pause), and so is a
  whole bulk request that met a dead node, a full queue or an election (a node may die mid-feed);
  items still failing are reported in `FeedReport.failed` and make the feed fail: never silently
  dropped. A build is counted once every primary is active again, and moved to once green (or
  after `HEALTH_WAIT_S` yellow: every document served, the replicas follow).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from search.analysis.acronyms import encode, extract_pairs
from search.errors import DocumentsMissingError, EngineUnavailableError
from search.index.sources import parse_source, read, scan
from search.index.vectors import BATCH, document_text, encoder
from search.ingest import Document
from search.opensearch.connection import Settings, connect, guarded
from search.opensearch.mapping import index_body
from search.results.facets import Columns, active_span

log = logging.getLogger(__name__)

BULK_DOCS = 500
BULK_ATTEMPTS = 4
RETRY_PAUSE_S = 0.5
HEALTH_WAIT_S = 60
#: Fields a search never needs back (the engine asks for the others).
HEAVY_FIELDS = ("body", "vector")


@dataclass
class FeedReport:
    alias: str
    index: str = ""
    full: bool = False
    parsed: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    retried: int = 0  # bulk items that failed once and succeeded later
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, reason) still failing
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) unreadable pages
    count: int = 0  # documents in the index at the end
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed and self.count == self.parsed

    def format(self) -> str:
        what = "full build" if self.full else "incremental update"
        lines = [
            f"OpenSearch {what} of {self.alias} -> {self.index}: {self.parsed} documents parsed, "
            f"{self.added} added, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged "
            f"in {self.elapsed_s:.1f} s; {self.count} in the index"
            + (f"; {self.retried} bulk items retried" if self.retried else "")
        ]
        lines += [f"skipped {name}: {reason}" for name, reason in self.skipped]
        lines += [f"FAILED {doc_id}: {reason}" for doc_id, reason in self.failed]
        if self.count != self.parsed:
            lines.append(f"COUNT MISMATCH: {self.count} documents in the index, {self.parsed} parsed")
        return "\n".join(lines)


def checksum(doc: Document) -> str:
    """What decides whether a document changed: its whole record, whatever file it came from."""
    record = doc.to_dict()
    record.pop("source", None)
    return hashlib.sha1(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def active_years(doc: Document, this_year: int | None = None) -> list[int]:
    """The years a page was current, by the embedded engine's own rule (`facets.active_span`)."""
    columns = Columns(
        size=1,
        countries=[[c.code for c in doc.countries]],
        year=np.array([np.nan if doc.year is None else doc.year], dtype=float),
        start_year=np.array([np.nan if doc.start_year is None else doc.start_year], dtype=float),
        end_year=np.array([np.nan if doc.end_year is None else doc.end_year], dtype=float),
        budget=np.array([np.nan]),
        kind=[doc.kind],
        type=[doc.type],
        status=[doc.status],
    )
    span = active_span(columns, 0, datetime.now().year if this_year is None else this_year)
    return [] if span is None else list(range(span[0], span[1] + 1))


def source(doc: Document, vector: np.ndarray | None = None) -> dict[str, Any]:
    """The ``_source`` of one document (see `mapping` for the fields)."""
    record = doc.to_dict()
    for name in ("title", "body"):
        record.pop(name, None)  # kept once, in their own fields
    pairs = extract_pairs(doc.title) | extract_pairs(doc.body)
    body: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "kind": doc.kind,
        "country": list(dict.fromkeys(c.code for c in doc.countries)),
        "year": doc.year,
        "active_year": active_years(doc),
        "start_year": doc.start_year,
        "end_year": doc.end_year,
        "budget": None if doc.budget_usd is None else float(doc.budget_usd),
        "type": doc.type or None,
        "status": doc.status or None,
        "acronyms": [encode(a, long_form) for a, long_form in sorted(pairs)],
        "checksum": checksum(doc),
        "record": record,
    }
    if vector is not None:
        body["vector"] = [round(float(x), 6) for x in vector]
    return body


def read_documents(documents_dir: str | Path, report: FeedReport) -> list[Document]:
    """Every record of the documents folder (pages and JSON Lines), unreadable ones in ``report``."""
    folder = Path(documents_dir)
    if not folder.is_dir():
        raise DocumentsMissingError("no_folder", folder=folder)
    docs: dict[str, Document] = {}
    for found in scan(folder):
        parsed = parse_source(found, read(found), None)
        for _, reason in parsed.entry["skipped"]:
            report.skipped.append((found.rel, reason))
        for doc in parsed.docs:
            docs[doc.id] = doc  # a later file wins, as in the embedded reindex
    return list(docs.values())


def _with_vectors(docs: list[Document], meaning: bool) -> Iterator[tuple[Document, np.ndarray | None]]:
    if not meaning:
        for doc in docs:
            yield doc, None
        return
    model = encoder()
    for start in range(0, len(docs), BATCH):
        batch = docs[start : start + BATCH]
        vectors = model.documents([document_text(d.title, d.body) for d in batch])
        yield from zip(batch, vectors, strict=True)


def send(client: OpenSearch, index: str, actions: Iterable[dict[str, Any]], report: FeedReport) -> None:
    """Bulk requests of `BULK_DOCS` actions (``{"_op": "index"|"delete", "_id", "doc"?}``), failures retried."""
    chunk: list[dict[str, Any]] = []
    for action in actions:
        chunk.append(action)
        if len(chunk) >= BULK_DOCS:
            _send_chunk(client, index, chunk, report)
            chunk = []
    if chunk:
        _send_chunk(client, index, chunk, report)


def _send_chunk(client: OpenSearch, index: str, chunk: list[dict[str, Any]], report: FeedReport) -> None:
    pending = chunk
    reasons: dict[str, str] = {}
    for attempt in range(BULK_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSE_S * attempt)
        lines: list[Any] = []
        for action in pending:
            lines.append({action["_op"]: {"_index": index, "_id": action["_id"]}})
            if action["_op"] == "index":
                lines.append(action["doc"])
        try:
            answer = client.bulk(body=lines, params={"timeout": "60s"}, request_timeout=120)
        except os_errors.TransportError as exc:
            # A node lost mid-request, a full queue (429), a cluster electing a new manager (503):
            # the chunk is sent again (items carry their ids, so twice is harmless), not the build lost.
            if not _transient(exc) or attempt == BULK_ATTEMPTS - 1:
                raise
            log.warning("bulk request failed (attempt %d): %s; sending it again", attempt + 1, exc)
            continue
        failed = []
        for action, item in zip(pending, answer["items"], strict=True):
            outcome = next(iter(item.values()))
            status = outcome.get("status", 500)
            if status >= 300 and not (action["_op"] == "delete" and status == 404):
                failed.append(action)
                reasons[action["_id"]] = json.dumps(outcome.get("error"), ensure_ascii=False)[:300]
        if attempt and len(failed) < len(pending):
            report.retried += len(pending) - len(failed)
        if failed:
            log.warning("bulk: %d of %d items failed (attempt %d), retrying", len(failed), len(pending), attempt + 1)
        pending = failed
        if not pending:
            return
    report.failed += [(a["_id"], reasons.get(a["_id"], "?")) for a in pending]


def _transient(exc: os_errors.TransportError) -> bool:
    """Whether a failed request may well succeed if sent again in a moment."""
    status = exc.status_code if isinstance(exc.status_code, int) else 0
    return isinstance(exc, os_errors.ConnectionError) or status == 429 or status >= 500


def wait_for(client: OpenSearch, index: str, status: str, seconds: int = HEALTH_WAIT_S) -> str:
    """Wait up to ``seconds`` for ``index`` to reach ``status`` (yellow, green); the status it has then."""
    answer = client.cluster.health(
        index=index, wait_for_status=status, timeout=f"{seconds}s", request_timeout=seconds + 30, ignore=408
    )
    return str(answer.get("status", "red"))


def index_name(alias: str, number: int) -> str:
    return f"{alias}-{number}"


def builds(client: OpenSearch, alias: str) -> list[str]:
    """The build indices of ``alias`` (``<alias>-<n>``), oldest first."""
    pattern = re.compile(rf"^{re.escape(alias)}-(\d+)$")
    names = client.indices.get(index=f"{alias}-*", params={"expand_wildcards": "open,closed"}) or {}
    numbered = [(int(m.group(1)), name) for name in names if (m := pattern.match(name))]
    return [name for _, name in sorted(numbered)]


def aliased(client: OpenSearch, alias: str) -> list[str]:
    """The indices the alias points to now ([] when there is no alias)."""
    if not client.indices.exists_alias(name=alias):
        return []
    return sorted(client.indices.get_alias(name=alias))


def rebuild(settings: Settings, docs: list[Document], report: FeedReport, client: OpenSearch | None = None) -> None:
    """A new build index filled with ``docs``, then the alias moved to it in one call."""
    client = client or connect(settings)
    alias = settings.alias
    existing = builds(client, alias)
    number = max([int(name.rsplit("-", 1)[1]) for name in existing] + [0]) + 1
    index = report.index = index_name(alias, number)
    body = index_body(settings.shards, 0)
    body["settings"]["refresh_interval"] = "-1"
    client.indices.create(index=index, body=body)
    try:
        actions = (
            {"_op": "index", "_id": doc.id, "doc": source(doc, vector)}
            for doc, vector in _with_vectors(docs, settings.meaning)
        )
        send(client, index, actions, report)
        client.indices.put_settings(
            index=index,
            body={"index": {"refresh_interval": "1s", "number_of_replicas": settings.replicas}},
        )
        # A node that died during the feed takes its primaries with it until it is back: counting
        # before they are would find documents missing from a build that lacks none.
        if wait_for(client, index, "yellow") == "red":
            raise EngineUnavailableError("failed", url=settings.url, detail=f"build {index} has shards unavailable")
        client.indices.refresh(index=index)
        report.count = int(client.count(index=index)["count"])
        report.added = report.count
        if not report.ok:
            raise EngineUnavailableError(
                "failed", url=settings.url, detail=f"build {index} incomplete:\n{report.format()}"
            )
        if wait_for(client, index, "green") != "green":
            # Every document is served (all primaries are active); the replicas follow. Throwing a
            # complete build away for want of a copy would serve the older one instead, no safer.
            log.warning("build %s is not green yet: the alias moves to it anyway, its replicas follow", index)
        current = aliased(client, alias)
        moves: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in current]
        moves.append({"add": {"index": index, "alias": alias}})
        client.indices.update_aliases(body={"actions": moves})
    except BaseException:
        log.warning("build %s abandoned; the alias %s still points to %s", index, alias, aliased(client, alias))
        client.indices.delete(index=index, params={"ignore_unavailable": "true"})
        raise
    for old in existing[:-1]:  # keep the previous build (a quick way back), drop the older ones
        if old not in current:
            client.indices.delete(index=old, params={"ignore_unavailable": "true"})


def indexed_checksums(client: OpenSearch, index: str) -> dict[str, str]:
    """id → checksum of every document of ``index``, paged with ``search_after``."""
    found: dict[str, str] = {}
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {
            "size": 5_000,
            "_source": ["checksum"],
            "sort": [{"id": "asc"}],
            "query": {"match_all": {}},
        }
        if after is not None:
            body["search_after"] = after
        hits = client.search(index=index, body=body)["hits"]["hits"]
        if not hits:
            return found
        for hit in hits:
            found[hit["_id"]] = hit["_source"].get("checksum", "")
        after = hits[-1]["sort"]


def update(settings: Settings, docs: list[Document], report: FeedReport, client: OpenSearch | None = None) -> None:
    """Send only what changed since the index was fed (by checksum), then check the count."""
    client = client or connect(settings)
    current = aliased(client, settings.alias)
    if len(current) != 1:
        report.full = True
        rebuild(settings, docs, report, client)
        return
    index = report.index = current[0]
    known = indexed_checksums(client, index)
    wanted = {doc.id: doc for doc in docs}
    changed = [doc for doc in docs if known.get(doc.id) != checksum(doc)]
    report.added = sum(1 for doc in changed if doc.id not in known)
    report.updated = len(changed) - report.added
    report.unchanged = len(docs) - len(changed)
    gone = [doc_id for doc_id in known if doc_id not in wanted]
    report.deleted = len(gone)
    actions: list[dict[str, Any]] = [{"_op": "delete", "_id": doc_id} for doc_id in gone]
    send(client, index, actions, report)
    send(
        client,
        index,
        ({"_op": "index", "_id": doc.id, "doc": source(doc, v)} for doc, v in _with_vectors(changed, settings.meaning)),
        report,
    )
    client.indices.refresh(index=index)
    report.count = int(client.count(index=index)["count"])


def feed(
    settings: Settings,
    documents_dir: str | Path | None = None,
    docs: list[Document] | None = None,
    full: bool = False,
    client: OpenSearch | None = None,
) -> FeedReport:
    """Bring the alias in line with a documents folder (or a list of records): the reindex command."""
    started = time.perf_counter()
    report = FeedReport(alias=settings.alias, full=full)
    if docs is None:
        docs = read_documents(documents_dir or "index_data/documents", report)
    report.parsed = len(docs)
    client = client or connect(settings)

    def run() -> None:
        if full:
            rebuild(settings, docs, report, client)
        else:
            update(settings, docs, report, client)

    guarded(settings, run)
    report.elapsed_s = time.perf_counter() - started
    return report

"""The document record both feeds share (OIM/IOM page files and JSON Lines), and the JSONL reader.

A record is plain data: it serialises to the JSON object that `python -m search parse` prints
and that `GET /api/documents/<id>` returns. Field names are fixed; tools depend on them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from search.errors import BadDocumentError

log = logging.getLogger(__name__)

KINDS = ("project", "innovation", "news", "story", "other")
#: How a kind of page is named in French (facets, chips, result badges).
KIND_LABELS = {"project": "Projet", "innovation": "Innovation", "news": "Communiqué", "story": "Récit", "other": "Page"}
STATUSES = ("Actif", "Achevé")


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str  # canonical French name


@dataclass
class Document:
    id: str
    title: str
    body: str
    kind: str = "other"
    countries: list[Country] = field(default_factory=list)
    year: int | None = None
    type: str | None = None
    status: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    budget_usd: float | None = None
    coverage: str | None = None
    region: str | None = None
    project_code: str | None = None
    prima_id: str | None = None
    dateline: str | None = None
    url: str | None = None
    source: str | None = None
    checksum: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives, several times faster (it deep-copies every value):
        # indexing stores this for every record.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["countries"] = [{"code": country.code, "name": country.name} for country in self.countries]
        return data

    def dates(self) -> tuple[int | None, int | None, str | None] | None:
        """(start year, end year, status) when the record has a start or an end; for `inconsistencies`."""
        if self.start_year is None and self.end_year is None:
            return None
        return (self.start_year, self.end_year, self.status)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Build a record from a JSON object; unknown keys are ignored, `text` is accepted for `body`."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "body" not in values and "text" in data:
            values["body"] = data["text"]
        doc_id = values.get("id")
        if not isinstance(doc_id, str) or not doc_id.strip():
            raise BadDocumentError("missing_id")
        values.setdefault("title", "")
        values.setdefault("body", "")
        for name in ("title", "body"):
            if not isinstance(values[name], str):
                raise BadDocumentError("not_a_string", name=name)
        values["countries"] = [_country(c) for c in values.get("countries") or []]
        for name in ("year", "start_year", "end_year"):
            values[name] = _int_or_none(values.get(name), name)
        if values.get("budget_usd") is not None:
            values["budget_usd"] = _float(values["budget_usd"])
        if values.get("kind") not in KINDS:
            values["kind"] = "other"
        return cls(**values)


_FIELD_NAMES = tuple(f.name for f in fields(Document))


def inconsistencies(dates: tuple[int | None, int | None, str | None], this_year: int) -> list[str]:
    """What is wrong with a sheet's dates (from `Document.dates`), in words for the reindex report."""
    start, end, status = dates
    problems = []
    if start is not None and end is not None and start > end:
        problems.append(f"starts in {start}, after its end in {end}")
    if status == "Actif" and end is not None and end < this_year:
        problems.append(f"status Actif but it ended in {end}")
    return problems


def _country(value: Any) -> Country:
    if isinstance(value, Country):
        return value
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return Country(code=value["code"].upper(), name=str(value.get("name") or value["code"]))
    raise BadDocumentError("bad_country", value=value)


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadDocumentError("not_a_whole_number", name=name, value=value) from None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadDocumentError("not_a_number", name="budget_usd", value=value) from None


def checksum_bytes(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def jsonl_records(lines: Iterable[bytes], path: str | Path) -> Iterator[tuple[int, Document | None, str]]:
    """(line number, record or None, reason) for each non-blank JSON Lines line.

    The one place the JSON Lines rules live: `read_jsonl` logs the bad lines, `reindex` reports them.
    """
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
            if not isinstance(value, dict):
                raise BadDocumentError("not_an_object")
            doc = Document.from_dict(value)
        except (ValueError, TypeError, BadDocumentError) as exc:
            yield number, None, str(exc)
            continue
        if doc.source is None:
            doc.source = str(path)
        if doc.checksum is None:
            doc.checksum = checksum_bytes(line)
        yield number, doc, ""


def read_jsonl(path: str | Path) -> Iterator[Document]:
    """Yield the records of a JSON Lines file; a malformed line is logged as `file:line: reason` and skipped."""
    path = Path(path)
    with path.open("rb") as handle:
        for number, doc, reason in jsonl_records(handle, path):
            if doc is None:
                log.warning("%s:%d: %s", path, number, reason)
            else:
                yield doc

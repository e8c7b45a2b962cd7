"""The search service: one request in, one page of results (hits, facets, snippets) out.

`SearchService` owns the open index. It keeps, per index generation, one Whoosh searcher, its
`PostingStore` and its `FacetIndex`, and notices (by a stat of ``CURRENT`` at most once a second)
when a rebuild publishes a newer generation: it opens that one, switches, and closes the old one
once the requests still using it are done. Reads of one generation are serialised, since neither
Whoosh readers nor the posting cache promise to be thread-safe.

Requests and results are plain dataclasses; `SearchResult.to_dict` is the JSON the HTTP API
returns, field for field. Nothing here knows about HTTP.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from search.analysis import tokens
from search.errors import BadQueryError, IndexMissingError
from search.explain import Explainer, Explanation
from search.facets import FACETS, RANGES, FacetIndex, FacetValue, Filters
from search.index import CURRENT, Generation, current_generation
from search.ingest.places import find_cities, resolve_country
from search.ranking import rank
from search.scoring import FIELDS, PostingStore
from search.semantic import warm_up
from search.snippets import highlight, snippet_from_offsets
from search.syntax import ParsedQuery, parse
from search.understand import Understood, understand

log = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "budget")
MAX_PER_PAGE = 100
#: Deepest result a client may page to (page * per_page): deep paging is a crawl, not a search.
MAX_DEPTH = 10_000
MAX_QUERY_CHARS = 500
MAX_FILTER_VALUES = 50
MAX_ID_CHARS = 1_000  # a longer document id is unknown without looking
CHECK_INTERVAL_S = 1.0
#: Time one search may spend on optional work (phrase checks, suggestions) before it answers.
TIME_BUDGET_S = 1.0


@dataclass(frozen=True)
class SearchRequest:
    """What a client asks for; `validate` (called by `SearchService.search`) explains what is wrong."""

    q: str = ""
    country: Sequence[str] = ()
    year: Sequence[int] = ()
    year_from: int | None = None
    year_to: int | None = None
    active_year: Sequence[int] = ()
    active_from: int | None = None
    active_to: int | None = None
    kind: Sequence[str] = ()
    type: Sequence[str] = ()
    status: Sequence[str] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    understand: bool = True
    ignore: Sequence[str] = ()
    explain: bool = False  # each hit carries an `explain.Explanation` (as a dict)

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> SearchRequest:
        """A request from text parameters (a query string: name → every value given).

        Single-valued parameters take their first value; an empty value means "not given".
        """

        def one(name: str) -> str | None:
            values = [v.strip() for v in params.get(name, ()) if v.strip()]
            return values[0] if values else None

        def many(name: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in params.get(name, ()) if v.strip())

        return cls(
            q=(params.get("q") or [""])[0],
            country=many("country"),
            year=tuple(_whole(v, "year") for v in many("year")),
            year_from=_optional_whole(one("year_from"), "year_from"),
            year_to=_optional_whole(one("year_to"), "year_to"),
            active_year=tuple(_whole(v, "active_year") for v in many("active_year")),
            active_from=_optional_whole(one("active_from"), "active_from"),
            active_to=_optional_whole(one("active_to"), "active_to"),
            kind=many("kind"),
            type=many("type"),
            status=many("status"),
            sort=one("sort") or "relevance",
            page=_optional_whole(one("page"), "page", default=1),
            per_page=_optional_whole(one("per_page"), "per_page", default=10),
            understand=_flag(one("understand"), "understand", default=True),
            ignore=many("ignore"),
            explain=_flag(one("explain"), "explain", default=False),
        )

    def validate(self) -> None:
        """Raise `BadQueryError` with a message a person can act on when the request cannot be served."""
        if not isinstance(self.q, str):
            raise BadQueryError("q must be text")
        if len(self.q) > MAX_QUERY_CHARS:
            raise BadQueryError(f"the query is too long ({len(self.q)} characters, at most {MAX_QUERY_CHARS})")
        if self.sort not in SORTS:
            raise BadQueryError(f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}")
        if not _is_int(self.per_page) or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise BadQueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if not _is_int(self.page) or self.page < 1:
            raise BadQueryError("page must be 1 or more")
        if self.page * self.per_page > MAX_DEPTH:
            raise BadQueryError(
                f"page {self.page} is too deep: results stop at {MAX_DEPTH} (page × per_page); refine the query"
            )
        for low, high in (("year_from", "year_to"), ("active_from", "active_to")):
            for name in (low, high):
                value = getattr(self, name)
                if value is not None and not _is_int(value):
                    raise BadQueryError(f"{name} must be a year such as 2021")
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                raise BadQueryError(f"{low} ({getattr(self, low)}) is after {high} ({getattr(self, high)})")
        for name in ("year", "active_year"):
            if not all(_is_int(y) for y in getattr(self, name)):
                raise BadQueryError(f"{name} must be a year such as 2021")
        for name in ("understand", "explain"):
            if not isinstance(getattr(self, name), bool):
                raise BadQueryError(f"{name} must be 1 or 0")
        for name in ("country", "year", "active_year", "kind", "type", "status", "ignore"):
            if len(getattr(self, name)) > MAX_FILTER_VALUES:
                raise BadQueryError(f"too many {name} values (at most {MAX_FILTER_VALUES})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _whole(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadQueryError(f"{name} must be a whole number, got {text[:40]!r}") from None
    if abs(value) > 10**9:
        raise BadQueryError(f"{name} is out of range: {text[:40]!r}")
    return value


def _optional_whole(text: str | None, name: str, default: int | None = None) -> int | None:
    return default if text is None else _whole(text, name)


def _flag(text: str | None, name: str, default: bool) -> bool:
    """A yes/no parameter: ``1``/``true``/``oui`` or ``0``/``false``/``non``; absent: ``default``."""
    if text is None:
        return default
    value = text.strip().lower()
    if value in ("1", "true", "yes", "oui", "on"):
        return True
    if value in ("0", "false", "no", "non", "off"):
        return False
    raise BadQueryError(f"{name} must be 1 or 0, got {text[:40]!r}")


@dataclass(frozen=True)
class CountryRef:
    code: str
    name: str


@dataclass(frozen=True)
class Hit:
    """One shown result; ``*_html`` fields are escaped HTML with ``<mark>`` around matched words.

    ``score`` is the relevance score when results are ranked by relevance, else None.
    """

    id: str
    title: str
    title_html: str
    snippet_html: str
    score: float | None
    kind: str
    countries: list[CountryRef]
    year: int | None
    type: str | None
    status: str | None
    url: str | None
    explanation: dict[str, Any] | None = None  # with ``explain=1``: why this hit (`explain.Explanation`)


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    expansions: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    understood: list[Understood] = field(default_factory=list)
    text_query: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the HTTP API (key order as documented): what ``asdict`` gives."""
        return plain(self)


_ATOMS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` of a value, without its deep copy of every string and number.

    A result page holds thousands of them (facet values, hits); Python 3.11's ``asdict`` copies each
    one through ``copy.deepcopy``, several milliseconds per request. Immutable atoms are kept as
    they are (a deep copy returns them unchanged anyway); anything else is copied as before.
    """
    if type(value) in _ATOMS:
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*[plain(v) for v in value])
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return type(value)((plain(k), plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


@dataclass(frozen=True)
class IndexStatus:
    documents: int
    generation: str
    built_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"status": "ok", **asdict(self)}


class _Open:
    """One opened generation: searcher, postings, facets, and who is using it."""

    def __init__(self, generation: Generation):
        self.name = generation.name
        self.manifest = generation.manifest()
        self.index = generation.open()
        try:
            self.searcher = self.index.searcher()
            self.store = PostingStore(self.searcher, folder=generation.path)
            self.facets = FacetIndex.load(self.searcher, self.store.live)
        except BaseException:
            self.index.close()
            raise
        self.lock = threading.RLock()
        self.users = 0
        self.retired = False

    def close(self) -> None:
        self.searcher.close()
        self.index.close()


class SearchService:
    """Searches the current generation of an index folder; see the module docstring."""

    def __init__(
        self, index_dir: str | Path, check_interval: float = CHECK_INTERVAL_S, switch_in_background: bool = False
    ):
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        # Opening a generation reads every stored record for the facets (~7 s at 100,000
        # documents): a server does it in a thread and keeps answering from the current one.
        self.switch_in_background = switch_in_background
        self._lock = threading.Lock()  # guards _open, users and retired flags
        self._switch_lock = threading.Lock()  # one thread opens a new generation at a time
        self._pointer = self._stat_pointer()
        self._open = self._load()
        resolve_country("GN")  # build the gazetteers now, not during the first requests (~1 s, ~2 s)
        find_cities("Bichkek")
        if self._open.store.vectors is not None:
            warm_up()  # load the sentence encoder now too (~2 s)
        self._checked = time.monotonic()

    # -- generations -------------------------------------------------------------------------

    def _load(self) -> _Open:
        generation = current_generation(self.index_dir)
        try:
            return _Open(generation)
        except IndexMissingError:
            raise
        except Exception as exc:  # whoosh raises many types for a damaged folder
            raise IndexMissingError(
                f"the index in {self.index_dir} is damaged ({generation.name}: {exc}): run `make reindex`"
            ) from exc

    def _stat_pointer(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.index_dir / CURRENT)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns)

    def _maybe_switch(self) -> None:
        """Open a newly published generation, at most one stat per ``check_interval``."""
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return
        self._checked = now
        pointer = self._stat_pointer()
        if pointer is None or pointer == self._pointer:
            return
        if not self._switch_lock.acquire(blocking=False):
            return  # another request is opening it; keep serving the current one meanwhile
        self._pointer = pointer
        if self.switch_in_background:
            try:
                threading.Thread(target=self._switch, name="open-generation", daemon=True).start()
                return
            except RuntimeError:  # no thread to be had: open it in this request, as before
                pass
        self._switch()

    def _switch(self) -> None:
        """Open the published generation and make it current; called holding ``_switch_lock``."""
        try:
            try:
                if current_generation(self.index_dir).name == self._open.name:
                    return
                fresh = self._load()
            except IndexMissingError as exc:
                log.warning("keeping generation %s: %s", self._open.name, exc)
                return
            with self._lock:
                old, self._open = self._open, fresh
                old.retired = True
                if old.users == 0:
                    old.close()
            log.info("switched to index generation %s", fresh.name)
        finally:
            self._switch_lock.release()

    @contextmanager
    def _lease(self) -> Iterator[_Open]:
        """The current generation, held open (and to ourselves) for the duration of the block."""
        self._maybe_switch()
        with self._lock:
            current = self._open
            current.users += 1
        try:
            with current.lock:
                yield current
        finally:
            with self._lock:
                current.users -= 1
                if current.retired and current.users == 0:
                    current.close()

    def close(self) -> None:
        with self._switch_lock:  # let a generation being opened finish, then close it too
            pass
        with self._lock:
            self._open.retired = True
            if self._open.users == 0:
                self._open.close()

    # -- queries -----------------------------------------------------------------------------

    def status(self) -> IndexStatus:
        with self._lease() as current:
            built_at = current.manifest.get("built_at")
            when = datetime.fromtimestamp(built_at, UTC).isoformat() if isinstance(built_at, int | float) else None
            return IndexStatus(documents=current.store.doc_count, generation=current.name, built_at=when)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The whole stored record of a document id, or None if the index has no such document."""
        if not isinstance(doc_id, str) or not doc_id:
            return None
        with self._lease() as current:
            docnum = current.searcher.document_number(id=doc_id)
            if docnum is None:
                return None
            return json.loads(current.searcher.stored_fields(docnum)["record"])

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of hits with snippets, the exact total and the facet counts."""
        started = time.perf_counter()
        request.validate()
        with self._lease() as current:
            result = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
            filters, parsed = self._read(request, current, result)
            mask = current.facets.filter_mask(filters)
            if parsed.clauses:
                selection = _ranked(current, request, parsed, mask, result)
            else:
                selection = _browse(current, request, mask, result)
            result.facets = current.facets.counts(selection.matched, filters)
            positions = _body_positions(current.store, selection.shown, selection.terms)
            result.hits = [
                _hit(current.searcher, d, selection.terms, selection.scores.get(d), positions.get(d, []))
                for d in selection.shown
            ]
            if request.explain:
                result.hits = _explained(current, request, parsed, filters, selection.shown, result.hits)
        result.took_ms = round((time.perf_counter() - started) * 1000, 3)
        return result

    def explain(self, request: SearchRequest, doc_id: str) -> Explanation:
        """Why the document ``doc_id`` is (or is not) in the results of ``request``, at which rank.

        Ranked and filtered exactly as `search` would (words understood as filters included); an
        unknown id gives an explanation whose ``exists`` is False (``verdict`` "not_found").
        """
        request.validate()
        with self._lease() as current:
            scratch = SearchResult(query=request.q, total=0, page=request.page, per_page=request.per_page, took_ms=0.0)
            filters, parsed = self._read(request, current, scratch)
            docnum = None
            if isinstance(doc_id, str) and 0 < len(doc_id) <= MAX_ID_CHARS:
                docnum = current.searcher.document_number(id=doc_id)
            explanation = _explainer(current, request, parsed, filters).explain(docnum, str(doc_id))
            explanation.warnings[:0] = [w for w in scratch.warnings if w not in explanation.warnings]
            return explanation

    def _read(self, request: SearchRequest, current: _Open, result: SearchResult) -> tuple[Filters, ParsedQuery]:
        """The filters (parameters, words understood as filters, field syntax) and the text query."""
        filters = self._filters(request, current.facets)
        text = request.q
        if request.understand and text.strip():
            reading = understand(text, current.facets.knows, request.ignore)
            if reading.understood:
                filters = _with_understood(filters, reading.understood)
                mask = current.facets.filter_mask(filters)
                text = reading.text(keep_place=lambda item: _mentioned(current.store, item.source_text, mask))
                result.understood = reading.understood
        result.text_query = text
        parsed = parse(text)
        result.warnings = list(parsed.warnings)
        return _with_query_filters(filters, parsed, current.facets, result), parsed

    def _filters(self, request: SearchRequest, facets: FacetIndex) -> Filters:
        return Filters(
            country=tuple(dict.fromkeys(_country_code(c, facets) for c in request.country)),
            year=tuple(dict.fromkeys(str(y) for y in request.year)),
            active_year=tuple(dict.fromkeys(str(y) for y in request.active_year)),
            kind=tuple(dict.fromkeys(request.kind)),
            type=tuple(dict.fromkeys(request.type)),
            status=tuple(dict.fromkeys(request.status)),
            year_from=request.year_from,
            year_to=request.year_to,
            active_from=request.active_from,
            active_to=request.active_to,
        )


@dataclass
class _Selection:
    """What a search picked: the matched set (for facets), the shown page, and how to score/highlight it."""

    matched: np.ndarray
    shown: list[int]
    terms: set[str] = field(default_factory=set)
    scores: dict[int, float] = field(default_factory=dict)


def _with_understood(filters: Filters, understood: list[Understood]) -> Filters:
    """Add the filters read from the query's words; explicit range parameters win over words."""
    changes: dict[str, Any] = {}
    for item in understood:
        bounds = item.bounds()
        if bounds is None:
            changes[item.facet] = (*changes.get(item.facet, filters.values(item.facet)), item.value)
            continue
        low_name, high_name = RANGES[item.facet]
        if getattr(filters, low_name) is None and getattr(filters, high_name) is None:
            changes[low_name], changes[high_name] = bounds
    return replace(filters, **{k: tuple(dict.fromkeys(v)) if isinstance(v, tuple) else v for k, v in changes.items()})


def _mentioned(store: PostingStore, text: str, mask: np.ndarray) -> bool:
    """Whether a page passing ``mask`` has the words of ``text`` in its title or body."""
    for term in tokens(text):
        for field_name in FIELDS:
            ids, _ = store.postings(field_name, term)
            if mask[ids].any():
                return True
    return False


def _with_query_filters(filters: Filters, parsed: ParsedQuery, facets: FacetIndex, result: SearchResult) -> Filters:
    """Add the field filters typed in the query (``pays:guinee année:2019..2022``) to the request's."""
    countries = list(filters.country)
    for value in parsed.filters.get("country", []):
        try:
            countries.append(_country_code(value, facets))
        except BadQueryError:
            result.warnings.append(f"pays inconnu « {value} » : filtre ignoré")
    return replace(
        filters,
        country=tuple(dict.fromkeys(countries)),
        year=tuple(dict.fromkeys([*filters.year, *parsed.filters.get("year", [])])),
        kind=tuple(dict.fromkeys([*filters.kind, *parsed.filters.get("kind", [])])),
        type=tuple(dict.fromkeys([*filters.type, *parsed.filters.get("type", [])])),
        status=tuple(dict.fromkeys([*filters.status, *parsed.filters.get("status", [])])),
        year_from=parsed.year_from if parsed.year_from is not None else filters.year_from,
        year_to=parsed.year_to if parsed.year_to is not None else filters.year_to,
    )


def _ranked(
    current: _Open, request: SearchRequest, parsed: ParsedQuery, mask: np.ndarray, result: SearchResult
) -> _Selection:
    """A text query: ranked by relevance, or its whole matched set sorted by year or budget."""
    offset = (request.page - 1) * request.per_page
    by_relevance = request.sort == "relevance"
    # Only relevance needs the top of the ranking; other sorts read the matched set (and rank()
    # looks up the id of every hit it returns, so ask for one).
    limit = request.page * request.per_page if by_relevance else 1
    ranked = rank(current.store, parsed, limit=limit, mask=mask, deadline=time.perf_counter() + TIME_BUDGET_S)
    matched = ranked.matched if ranked.matched is not None else np.zeros(current.store.size, dtype=bool)
    result.total = ranked.total
    result.suggestion = ranked.suggestion
    result.expansions = list(ranked.expansions)
    result.warnings += ranked.warnings
    if by_relevance:
        shown = [h.docnum for h in ranked.hits[offset : offset + request.per_page]]
        scores = {h.docnum: h.score for h in ranked.hits}
    else:
        shown = _sorted_page(current.facets, matched & mask, request.sort, offset, request.per_page)
        scores = {}
    return _Selection(matched=matched, shown=shown, terms=set(ranked.terms), scores=scores)


def _browse(current: _Open, request: SearchRequest, mask: np.ndarray, result: SearchResult) -> _Selection:
    """No query text: every document passing the filters, newest first (or by budget)."""
    candidates = current.store.live & mask
    result.total = int(candidates.sum())
    sort = "newest" if request.sort == "relevance" else request.sort
    offset = (request.page - 1) * request.per_page
    return _Selection(
        matched=current.store.live, shown=_sorted_page(current.facets, candidates, sort, offset, request.per_page)
    )


def _country_code(text: str, facets: FacetIndex) -> str:
    """An ISO code from a code or a country name in any spelling `resolve_country` knows."""
    country = resolve_country(text)
    if country is not None:
        return country.code
    if facets.knows("country", text):  # a code the gazetteer lacks but the documents use
        return text.strip().upper()
    raise BadQueryError(f"unknown country {text[:60]!r}: give an ISO code (GN) or a French name (Guinée)")


def _sorted_page(facets: FacetIndex, candidates: np.ndarray, sort: str, offset: int, size: int) -> list[int]:
    """Document numbers of one page of ``candidates`` sorted newest first or by budget (unknown last)."""
    docnums = np.flatnonzero(candidates)
    if sort == "budget":
        keys = [_descending(facets.columns.budget[docnums])]
    else:
        keys = [_descending(facets.columns.end_year[docnums]), _descending(facets.columns.year[docnums])]
    order = np.lexsort([docnums, *keys])  # last key sorts first; document number breaks ties
    return [int(d) for d in docnums[order[offset : offset + size]]]


def _descending(values: np.ndarray) -> np.ndarray:
    """Sort key putting large values first and missing (NaN) values last."""
    return np.where(np.isnan(values), np.inf, -values)


def _explainer(current: _Open, request: SearchRequest, parsed: ParsedQuery, filters: Filters) -> Explainer:
    """An `Explainer` ranking and sorting as `search` does for this request."""
    sort = request.sort

    def order(candidates: np.ndarray) -> np.ndarray:
        return _sort_order(current.facets, candidates, "newest" if sort == "relevance" else sort)

    return Explainer(
        current.searcher,
        current.store,
        current.facets,
        parsed,
        filters,
        sort=sort,
        page=request.page,
        per_page=request.per_page,
        order=order,
        deadline=time.perf_counter() + TIME_BUDGET_S,
    )


def _explained(
    current: _Open, request: SearchRequest, parsed: ParsedQuery, filters: Filters, shown: list[int], hits: list[Hit]
) -> list[Hit]:
    """The page's hits, each with its explanation (one `Explainer` for the whole page)."""
    explainer = _explainer(current, request, parsed, filters)
    return [
        replace(hit, explanation=explainer.explain(docnum, hit.id).to_dict())
        for docnum, hit in zip(shown, hits, strict=True)
    ]


def _sort_order(facets: FacetIndex, candidates: np.ndarray, sort: str) -> np.ndarray:
    """Document numbers of all ``candidates`` in the order `_sorted_page` pages through them."""
    docnums = np.flatnonzero(candidates)
    if sort == "budget":
        keys = [_descending(facets.columns.budget[docnums])]
    else:
        keys = [_descending(facets.columns.end_year[docnums]), _descending(facets.columns.year[docnums])]
    return docnums[np.lexsort([docnums, *keys])]


def _body_positions(
    store: PostingStore, docnums: list[int], terms: set[str]
) -> dict[int, list[tuple[int, str, int, int]]]:
    """(position, term, start char, end char) of every query term in the body of each shown document.

    The index stores character offsets with positions, so snippets need no analysis of the body.
    """
    found: dict[int, list[tuple[int, str, int, int]]] = {}
    if not docnums or not terms:
        return found
    wanted = np.array(sorted(docnums), dtype=np.int64)
    for term in terms:
        for docnum, characters in sorted(store.values("body", term, wanted, "characters").items()):
            found.setdefault(docnum, []).extend((pos, term, start, end) for pos, start, end in characters)
    return found


def _hit(
    searcher, docnum: int, terms: set[str], score: float | None, positions: list[tuple[int, str, int, int]]
) -> Hit:
    record = json.loads(searcher.stored_fields(docnum)["record"])
    title = record.get("title") or ""
    return Hit(
        id=record["id"],
        title=title,
        title_html=highlight(title, terms),
        snippet_html=snippet_from_offsets(record.get("body") or "", positions),
        score=None if score is None else round(float(score), 6),
        kind=record.get("kind") or "other",
        countries=[CountryRef(c["code"], c.get("name") or c["code"]) for c in record.get("countries") or []],
        year=record.get("year"),
        type=record.get("type"),
        status=record.get("status"),
        url=record.get("url"),
    )


__all__ = [
    "FACETS",
    "MAX_DEPTH",
    "MAX_PER_PAGE",
    "SORTS",
    "CountryRef",
    "Hit",
    "IndexStatus",
    "SearchRequest",
    "SearchResult",
    "SearchService",
]

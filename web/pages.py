"""The HTML pages: the search page (``/``) and the document page (``/documents/<id>``).

Server-rendered French HTML that works without JavaScript; ``static/app.js`` only makes it
quicker. Like the API, views hold no search logic: the query string becomes a `SearchRequest`,
the `SearchService` answers, and the templates render its result. Every state of the page is
in its URL, and each page links its JSON twin under ``/api``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search import (
    KIND_LABELS,
    MAX_DEPTH,
    MAX_INSPECTED_CHARS,
    SORTS,
    BadQueryError,
    SearchRequest,
    inspect,
    resolve_country,
)
from web import backend
from web.errors import NotFoundError
from web.messages import SORT_LABELS, french_message, number_fr

bp = Blueprint("pages", __name__)

FILTERS = ("country", "kind", "year", "active_year", "type", "status")
RANGE_PARAMS = ("year_from", "year_to", "active_from", "active_to")
PARAMS = ("q", *FILTERS, *RANGE_PARAMS, "sort", "page", "per_page", "understand", "ignore")
DEFAULTS = {"sort": "relevance", "page": "1", "per_page": "10", "understand": "1"}
FACET_TITLES = {
    "country": "Pays",
    "kind": "Type de page",
    "year": "Année",
    "active_year": "En cours en",
    "type": "Type de projet",
    "status": "Statut",
}
RANGE_LABELS = {
    "year_from": "Depuis",
    "year_to": "Jusqu’à",
    "active_from": "En cours depuis",
    "active_to": "En cours jusqu’à",
}
FACET_VISIBLE = 6
EXAMPLES = ("santé migrants", "pollution Bichkek", "retour volontaire", "cohésion sociale Kirghizistan")
RELATED_LIMIT = 5


# -- URL state -------------------------------------------------------------------------------


class State:
    """The page's parameters (a query string), and the URLs of its neighbouring states."""

    def __init__(self, args: MultiDict):
        self.pairs = [
            (name, value if name == "q" else value.strip())
            for name, value in args.items(multi=True)
            if name in PARAMS and value.strip() and value.strip() != DEFAULTS.get(name)
        ]

    def get(self, name: str) -> str:
        return next((v for n, v in self.pairs if n == name), "")

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.pairs if n == name]

    def query_string(self, pairs: list[tuple[str, str]] | None = None) -> str:
        return urlencode(self.pairs if pairs is None else pairs)

    def url(self, pairs: list[tuple[str, str]] | None = None) -> str:
        query = self.query_string(pairs)
        return url_for("pages.search") + (f"?{query}" if query else "")

    def api_url(self) -> str:
        query = self.query_string()
        return url_for("api.search") + (f"?{query}" if query else "")

    def with_value(self, name: str, value: str | int) -> str:
        """This state with ``name`` set to ``value``, in its place; any other change goes back to page 1."""
        value = str(value)
        pairs: list[tuple[str, str]] = []
        placed = value == DEFAULTS.get(name)
        for n, v in self.pairs:
            if n == name:
                if not placed:
                    pairs.append((name, value))
                    placed = True
            elif n != "page":
                pairs.append((n, v))
        if not placed:
            pairs.append((name, value))
        return self.url(pairs)

    def without(self, name: str, value: str | None = None) -> str:
        """This state less one filter value (or every value of ``name``), back on page 1."""
        return self.url(
            [(n, v) for n, v in self.pairs if n != "page" and not (n == name and (value is None or v == value))]
        )

    def without_filters(self) -> str:
        return self.url([(n, v) for n, v in self.pairs if n not in (*FILTERS, *RANGE_PARAMS, "page")])

    def with_added(self, name: str, value: str) -> str:
        """This state with one more value of a repeatable parameter, back on page 1."""
        return self.url([(n, v) for n, v in self.pairs if n != "page"] + [(name, value)])

    def hidden(self, *names: str) -> list[tuple[str, str]]:
        """Pairs a form must carry as hidden fields to keep the rest of the state."""
        return [(n, v) for n, v in self.pairs if n in names]


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


@dataclass(frozen=True)
class UnderstoodChip:
    """A filter read from the query: removing it searches its words as text (``ignore=``)."""

    title: str
    label: str
    source_text: str
    remove_url: str

    @classmethod
    def of(cls, item, state: State) -> UnderstoodChip:
        title = "Période" if item.bounds() is not None and item.facet == "year" else FACET_TITLES[item.facet]
        return cls(title, item.label, item.source_text, state.with_added("ignore", item.key))


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap (…)
    url: str = ""
    current: bool = False


# -- views -----------------------------------------------------------------------------------


@bp.get("/")
def search():
    state = State(request.args)
    try:
        search_request = SearchRequest.from_params(request.args.to_dict(flat=False))
        result = backend.service().search(search_request)
    except BadQueryError as exc:
        return render_template("search.html", state=state, result=None, error=french_message(exc)), 400
    facets = {name: ordered_facet(result.facets.get(name, [])) for name in FILTERS}
    understood = [UnderstoodChip.of(item, state) for item in result.understood]
    return render_template(
        "search.html",
        state=state,
        result=result,
        error=None,
        facets=facets,
        chips=chips(state, result),
        understood=understood,
        understood_values={(item.facet, item.value) for item in result.understood},
        exact_text_url=state.with_value("understand", "0"),
        filters=FILTERS,
        pages=pagination(state, result.total, result.page, result.per_page),
        sorts=[(value, SORT_LABELS[value]) for value in SORTS],
        current_sort=search_request.sort,
        facet_titles=FACET_TITLES,
        kinds=KIND_LABELS,
        examples=EXAMPLES,
    )


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    service = backend.service()
    record = service.document(doc_id)
    if record is None:
        raise NotFoundError(f"no document with id {doc_id[:200]!r}")
    return render_template(
        "document.html",
        doc=record,
        rows=metadata_rows(record),
        blocks=body_blocks(record.get("body") or ""),
        related=service.similar(doc_id, limit=RELATED_LIMIT),
        api_url=url_for("api.document", doc_id=doc_id),
    )


@bp.get("/analyse")
def analyse():
    """The analysis inspector: how the French chain reads a text (JSON twin: /api/analyze)."""
    text = request.args.get("text", "")
    api_url = url_for("api.analyze", text=text)
    if len(text) > MAX_INSPECTED_CHARS:
        error = f"Texte trop long ({len(text)} caractères, au plus {MAX_INSPECTED_CHARS})."
        return render_template(
            "analyse.html", text=text[:MAX_INSPECTED_CHARS], steps=[], error=error, api_url=api_url
        ), 400
    return render_template("analyse.html", text=text, steps=inspect(text), error=None, api_url=api_url)


@bp.app_context_processor
def default_state() -> dict:
    """Every page's header search box keeps the request's query (error pages included)."""
    return {"state": State(request.args)}


@bp.app_template_filter("kind_label")
def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "other", KIND_LABELS["other"])


bp.add_app_template_filter(number_fr, "number_fr")


# -- view helpers ----------------------------------------------------------------------------


def ordered_facet(values: list) -> tuple[list, list]:
    """(shown, more): selected values first, then the service's order; the rest behind "Afficher plus"."""
    ordered = [v for v in values if v.selected] + [v for v in values if not v.selected]
    cut = max(FACET_VISIBLE, sum(1 for v in values if v.selected))
    return ordered[:cut], ordered[cut:]


def chips(state: State, result) -> list[Chip]:
    labels = {name: {v.value: v.label for v in result.facets.get(name, [])} for name in FILTERS}
    found = []
    for name in FILTERS:
        for value in state.values(name):
            label = labels[name].get(value) or (_country_label(value) if name == "country" else value)
            found.append(Chip(f"{FACET_TITLES[name]} : {label}", state.without(name, value)))
    for name, label in RANGE_LABELS.items():
        if state.get(name):
            found.append(Chip(f"{label} {state.get(name)}", state.without(name)))
    return found


def _country_label(value: str) -> str:
    country = resolve_country(value)
    return country.name if country else value


def pagination(state: State, total: int, page: int, per_page: int) -> list[PageLink]:
    """Page links: first, last and two either side of the current page, gaps as None."""
    last = min(math.ceil(total / per_page), MAX_DEPTH // per_page) if total else 0
    if last <= 1:
        return []
    wanted = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    links: list[PageLink] = []
    for number in wanted:
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(None))
        links.append(PageLink(number, state.with_value("page", number), number == page))
    return links


def metadata_rows(record: dict) -> list[tuple[str, str]]:
    """(label, text) of every metadata field the document has, in reading order."""
    countries = ", ".join(c.get("name") or c.get("code", "") for c in record.get("countries") or [])
    budget = record.get("budget_usd")
    rows = [
        ("Type de page", kind_label(record.get("kind"))),
        ("Pays", countries),
        ("Année", record.get("year")),
        ("Date de début", record.get("start_year")),
        ("Date de fin", record.get("end_year")),
        ("Statut", record.get("status")),
        ("Type de projet", record.get("type")),
        ("Budget", f"{number_fr(budget)}\u00a0USD" if budget is not None else None),
        ("Couverture", record.get("coverage")),
        ("Région", record.get("region")),
        ("Code projet", record.get("project_code")),
        ("Identifiant Prima", record.get("prima_id")),
        ("Lieu (dateline)", record.get("dateline")),
        ("Source", record.get("url") or _file_name(record.get("source"))),
    ]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def _file_name(source: str | None) -> str | None:
    """A source file's name, not the server's path to it (URLs are kept whole)."""
    if not source or source.startswith(("http://", "https://")):
        return source
    return PurePath(source).name


def body_blocks(body: str) -> list[tuple[str, list[str]]]:
    """The body as ("p", [text]) paragraphs and ("ul", [items]) lists of "- " lines."""
    blocks: list[tuple[str, list[str]]] = []
    for line in (raw.strip() for raw in body.splitlines()):
        if not line or line == "-":
            continue
        if line.startswith("- "):
            if blocks and blocks[-1][0] == "ul":
                blocks[-1][1].append(line[2:].strip())
            else:
                blocks.append(("ul", [line[2:].strip()]))
        else:
            blocks.append(("p", [line]))
    return blocks


# -- French messages for bad parameters ------------------------------------------------------

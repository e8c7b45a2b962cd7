"""The Whoosh schema and how a `Document` becomes its fields; its version says when to rebuild."""

from __future__ import annotations

import json

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search.analysis import french_analyzer
from search.analysis.acronyms import encode, extract_pairs
from search.index import whoosh_fixes  # noqa: F401  (applied on import)
from search.ingest import Document

#: Bump when build_schema() or document_fields() change: `reindex` then rebuilds from scratch.
#: 7: the numbers are indexed as one term each (``shift_step=0``), not 8 or 16 tiered terms.
#: 8: news facets read anew (every country an item is about, the year of its event), and the
#: analyzer's import path moved (``search.analysis.fast``): `reindex` rebuilds older indexes.
SCHEMA_VERSION = 8


def build_schema() -> Schema:
    """Title and body share the French chain; facets are columns for fast counting and sorting."""
    analyzer = french_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # a column: ids of ranked hits without stored reads
        title=TEXT(analyzer=analyzer, phrase=True, spelling=True),
        # Character offsets with positions: snippets are cut and highlighted without re-analysis.
        body=TEXT(analyzer=analyzer, phrase=True, chars=True, spelling=True),
        # The same words folded but not stemmed: an exact-word bonus (Elasticsearch's ``most_fields``
        # with an exact subfield) ranks ``formation`` above ``formé`` for a query typed ``formation``.
        title_exact=TEXT(analyzer=french_analyzer(stem_words=False), phrase=False),
        body_exact=TEXT(analyzer=french_analyzer(stem_words=False), phrase=False),
        kind=ID(stored=True),
        country=KEYWORD(stored=True, lowercase=False, scorable=False),
        # One index term per number (shift_step=0), not Whoosh's 8 (int) or 16 (float) tiers,
        # which only speed up range queries on the terms: facets, ranges and sorts read the
        # stored values into arrays instead (`facets`), and a Whoosh NumericRange still works.
        # The tiers were ~40 postings per document, most of them single-document terms.
        year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32, shift_step=0),
        # with end_year: the years a project ran
        start_year=NUMERIC(int, stored=True, signed=False, bits=32, shift_step=0),
        end_year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32, shift_step=0),
        budget=NUMERIC(float, stored=True, shift_step=0),
        type=ID(stored=True, sortable=True),
        status=ID(stored=True, sortable=True),
        # "cdd=contrat dur determin": acronym pairs the page spells out, for query expansion.
        acronyms=KEYWORD(commas=True, lowercase=False, scorable=False),
        record=STORED,
    )


def document_fields(doc: Document) -> dict:
    """The Whoosh fields of one record; the whole record is stored as JSON for display."""
    fields: dict[str, object] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "title_exact": doc.title,
        "body_exact": doc.body,
        "kind": doc.kind,
        "record": json.dumps(doc.to_dict(), ensure_ascii=False),
    }
    pairs = extract_pairs(doc.title) | extract_pairs(doc.body)
    if pairs:
        fields["acronyms"] = ",".join(encode(acronym, long_form) for acronym, long_form in sorted(pairs))
    if doc.countries:
        fields["country"] = " ".join(c.code for c in doc.countries)
    if doc.year is not None:
        fields["year"] = doc.year
    if doc.start_year is not None:
        fields["start_year"] = doc.start_year
    if doc.end_year is not None:
        fields["end_year"] = doc.end_year
    if doc.budget_usd is not None:
        fields["budget"] = float(doc.budget_usd)
    if doc.type:
        fields["type"] = doc.type
    if doc.status:
        fields["status"] = doc.status
    return fields

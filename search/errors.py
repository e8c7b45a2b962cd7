"""Exceptions raised by the search package: a stable code, its parameters, an English message.

    raise BadQueryError("per_page_out_of_range", limit=100)
    exc.code, exc.params, str(exc)  # "per_page_out_of_range", {"limit": 100}, "per_page must be ..."

The code and parameters are for programs (the web app renders its French pages from them); the
message, made from the class's template for the code, is for a person reading a log or the JSON
API. Every code a class may raise is in its `MESSAGES`, so a typo fails at once, not in front of a
user.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SearchError(Exception):
    """Base class for every error this package raises on purpose."""

    MESSAGES: ClassVar[dict[str, str]] = {}

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in self.MESSAGES:
            raise KeyError(f"{type(self).__name__} has no error code {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.MESSAGES[code].format(**params))


class IndexMissingError(SearchError):
    """No usable index where one was expected."""

    MESSAGES = {
        "no_index": "no index in {folder}: build one with `make reindex` "
        "(or `python -m search index --jsonl FILE --index {folder}`)",
        "damaged": "the index in {folder} is damaged ({detail}): run `make reindex`",
        "other_version": "the index in {folder} was built by another version of this program "
        "(schema {built_with}, this one reads {reads}): run `make reindex`",
        "no_vector": "no vector for {doc_id!r}: rebuild with `python -m search reindex --full`",
        "unreadable_vectors": "the vectors of {generation} are unreadable ({detail}): run `make reindex`",
        "foreign_vectors": "the vectors of {generation} do not match this program: run `make reindex`",
    }


class BadDocumentError(SearchError):
    """A document or page file that cannot be turned into a record."""

    MESSAGES = {
        "file_too_large": "file too large ({size:,} bytes, limit {limit:,})",
        "page_too_large": "page too large (limit {limit:,} bytes)",
        "empty_file": "empty file",
        "binary_nul": "binary file (NUL bytes)",
        "binary_control": "binary file (mostly control characters)",
        "not_text": "not text: neither UTF-8 nor cp1252",
        "navigation_only": "navigation block only, no text of its own",
        "no_text": "no text of its own",
        "unreadable": "cannot read file: {reason}",
        "missing_id": "missing or empty 'id'",
        "not_a_string": "'{name}' must be a string",
        "bad_country": "country must be {{'code', 'name'}}, got {value!r}",
        "not_a_whole_number": "'{name}' must be a whole number, got {value!r}",
        "not_a_number": "'{name}' must be a number, got {value!r}",
        "not_an_object": "a line must hold one JSON object",
    }


class BadQueryError(SearchError):
    """A search request that cannot be answered as given (bad page, unknown sort, ...)."""

    MESSAGES = {
        "not_text": "{name} must be text",
        "query_too_long": "the query is too long ({length} characters, at most {limit})",
        "text_too_long": "text is too long ({length} characters, at most {limit})",
        "unknown_sort": "unknown sort {value!r}: use one of {choices}",
        "per_page_out_of_range": "per_page must be between 1 and {limit}",
        "page_too_small": "page must be 1 or more",
        "page_too_deep": "page {page} is too deep: results stop at {limit} (page × per_page); refine the query",
        "not_a_year": "{name} must be a year such as 2021",
        "range_reversed": "{low_name} ({low}) is after {high_name} ({high})",
        "not_a_flag": "{name} must be 1 or 0, got {value!r}",
        "too_many_values": "too many {name} values (at most {limit})",
        "not_a_whole_number": "{name} must be a whole number, got {value!r}",
        "out_of_range": "{name} is out of range: {value!r}",
        "unknown_country": "unknown country {value!r}: give an ISO code (GN) or a French name (Guinée)",
        "id_required": "id is required: the id of the document to explain",
    }


class DocumentsMissingError(SearchError):
    """The documents folder to index does not exist."""

    MESSAGES = {
        "no_folder": "no documents folder at {folder}: put the *.txt pages and *.jsonl files there "
        "or pass --documents DIR",
    }


class IndexLockedError(SearchError):
    """Another build holds the index folder's lock."""

    MESSAGES = {"locked": "another reindex is running on {folder} (it holds {lock}); wait for it to finish"}


class EngineUnavailableError(SearchError):
    """The search engine (an OpenSearch cluster) cannot answer now: unreachable, red or too slow.

    Transient by nature: the engine reconnects by itself, so the next request may succeed. The web
    app answers 503 with this code.
    """

    MESSAGES = {
        "unreachable": "the search cluster at {url} does not answer ({detail}); try again in a moment",
        "timeout": "the search cluster at {url} did not answer within {seconds} s; try again in a moment",
        "red": "the search cluster at {url} is red (some data is unavailable); try again in a moment",
        "no_alias": "the search cluster at {url} has no index {alias!r}: "
        "feed it with `python -m search reindex --engine opensearch`",
        "failed": "the search cluster at {url} refused the request ({detail})",
    }

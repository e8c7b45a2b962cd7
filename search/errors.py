"""Exceptions raised by the search package, each with a message meant for a human."""


class SearchError(Exception):
    """Base class for every error this package raises on purpose."""


class IndexMissingError(SearchError):
    """No usable index where one was expected."""


class BadDocumentError(SearchError):
    """A document or page file that cannot be turned into a record."""


class BadQueryError(SearchError):
    """A search request that cannot be answered as given (bad page, unknown sort, ...)."""


class DocumentsMissingError(SearchError):
    """The documents folder to index does not exist."""


class IndexLockedError(SearchError):
    """Another build holds the index folder's lock."""

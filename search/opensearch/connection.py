"""The connection to an OpenSearch cluster: settings from the environment, the official client,
and every client failure turned into our `EngineUnavailableError`.

The client is ``opensearch-py`` (pinned in pyproject.toml). It keeps a pool of HTTP connections
and marks a node dead and retries another on a connection error; when the whole cluster is down
each call fails fast with `EngineUnavailableError` and the next call simply tries again, so the
engine "reconnects" by itself once the cluster is back (nothing to reopen).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from search.errors import EngineUnavailableError

T = TypeVar("T")

DEFAULT_URL = "http://127.0.0.1:9250"
DEFAULT_ALIAS = "oim-pages"
POOL_SIZE = 16  # kept-alive connections per node


@dataclass(frozen=True)
class Settings:
    """Where the cluster is and how to reach it; `from_env` reads the ``OPENSEARCH_*`` variables."""

    url: str = DEFAULT_URL
    alias: str = DEFAULT_ALIAS  # searches go to this alias; builds are ``<alias>-<n>`` behind it
    user: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 10.0  # seconds per request
    shards: int = 2
    replicas: int = 1
    meaning: bool = True  # store sentence vectors and re-rank by them
    global_stats: bool = True  # dfs_query_then_fetch: idf over the whole index, not per shard

    @property
    def urls(self) -> list[str]:
        """The node addresses of ``url`` (comma-separated): the client fails over between them."""
        return [part.strip().rstrip("/") for part in self.url.split(",") if part.strip()]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        values: dict[str, Any] = {
            "url": _normal_urls(get("OPENSEARCH_URL") or DEFAULT_URL),
            "alias": get("OPENSEARCH_INDEX") or DEFAULT_ALIAS,
            "user": get("OPENSEARCH_USER"),
            "password": get("OPENSEARCH_PASSWORD"),
            "ca_file": get("OPENSEARCH_CA_FILE"),
            "timeout": float(get("OPENSEARCH_TIMEOUT") or 10.0),
            "shards": int(get("OPENSEARCH_SHARDS") or 2),
            "replicas": int(get("OPENSEARCH_REPLICAS") or 1),
            "meaning": (get("OPENSEARCH_MEANING") or "1") not in ("0", "false", "no", "non"),
            "global_stats": (get("OPENSEARCH_GLOBAL_STATS") or "1") not in ("0", "false", "no", "non"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _normal_urls(value: str) -> str:
    """``a/, b`` → ``a,b``: the same spelling in error messages whatever the variable held."""
    return ",".join(part.strip().rstrip("/") for part in value.split(",") if part.strip())


def connect(settings: Settings) -> OpenSearch:
    """A client for the cluster (no request is made yet).

    Given several nodes, a request that meets a dead one (connection refused or reset, or a 502,
    503 or 504 on the way) marks it dead for a while and is sent again to the next node, up to once
    per node: a node crashing costs the request a retry, not an error. A timeout is not retried: a
    slow cluster would only be made slower.
    """
    urls = settings.urls
    options: dict[str, Any] = {
        "hosts": urls,
        "timeout": settings.timeout,
        "max_retries": max(1, len(urls)),
        "retry_on_timeout": False,
        # The engine is shared by a server's threads: one kept-alive connection per node would make
        # every concurrent search open (and drop) a connection of its own.
        "pool_maxsize": POOL_SIZE,
        "http_compress": False,
    }
    if settings.user is not None:
        options["http_auth"] = (settings.user, settings.password or "")
    if settings.ca_file is not None:
        options["ca_certs"] = settings.ca_file
        options["verify_certs"] = True
    return OpenSearch(**options)


def guarded(settings: Settings, call: Callable[[], T]) -> T:
    """``call()``, with the client's connection errors, timeouts and 5xx as `EngineUnavailableError`."""
    try:
        return call()
    except os_errors.ConnectionTimeout:
        raise EngineUnavailableError("timeout", url=settings.url, seconds=settings.timeout) from None
    except os_errors.ConnectionError as exc:
        raise EngineUnavailableError("unreachable", url=settings.url, detail=_short(exc)) from None
    except os_errors.NotFoundError as exc:
        if "index_not_found" in str(exc.error):
            raise EngineUnavailableError("no_alias", url=settings.url, alias=settings.alias) from None
        raise
    except os_errors.TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if status >= 500 or status == 429:
            raise EngineUnavailableError("failed", url=settings.url, detail=_short(exc)) from None
        raise


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."

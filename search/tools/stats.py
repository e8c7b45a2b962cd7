"""The one percentile the tools report (evaluation latencies, benchmark, load test)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def percentiles(values: Iterable[float], ps: Sequence[float]) -> list[float]:
    """Nearest-rank percentiles of ``values`` (observed values, never interpolations); 0 if empty.

    ``numpy.percentile(..., method="inverted_cdf")``: the smallest value with at least ``p`` % of
    the values at or below it, the definition load-testing tools report.
    """
    array = np.fromiter(values, dtype=float)
    if not array.size:
        return [0.0 for _ in ps]
    return [float(v) for v in np.percentile(array, list(ps), method="inverted_cdf")]


def percentile(values: Iterable[float], p: float) -> float:
    """One nearest-rank percentile (see `percentiles`)."""
    return percentiles(values, [p])[0]

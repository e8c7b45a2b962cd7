"""The one percentile the tools report (evaluation latencies, benchmark, load test)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def percentile(values: Iterable[float], p: float | Sequence[float]) -> float | list[float]:
    """Nearest-rank percentile(s) of ``values`` (an observed value, never an interpolation); 0 if empty.

    ``numpy.percentile(..., method="inverted_cdf")``: the smallest value with at least ``p`` % of
    the values at or below it, the definition load-testing tools report.
    """
    array = np.fromiter(values, dtype=float)
    if isinstance(p, int | float):
        return float(np.percentile(array, p, method="inverted_cdf")) if array.size else 0.0
    if not array.size:
        return [0.0 for _ in p]
    return [float(v) for v in np.percentile(array, list(p), method="inverted_cdf")]

"""Ranking-quality figures: a query answered with nothing counts once, as zero."""

from __future__ import annotations

import pytest

from search.tools.evaluate import measure
from search.tools.stats import percentile, percentiles


def test_a_query_without_results_counts_as_zero_once():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    perfect = {"q1": {"a": 1.0}, "q2": {"b": 1.0}}
    assert measure(qrels, perfect)["nDCG@10"] == pytest.approx(1.0)
    # q2 gets nothing: the mean over two queries is 0.5, not 0.25 (counted missing twice).
    for run in ({"q1": {"a": 1.0}, "q2": {}}, {"q1": {"a": 1.0}}):
        figures = measure(qrels, run)
        assert figures["nDCG@10"] == pytest.approx(0.5)
        assert figures["MRR@10"] == pytest.approx(0.5)
        assert figures["R@100"] == pytest.approx(0.5)


def test_percentile_is_an_observed_value_by_nearest_rank():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == 5.0
    assert percentiles(values, [20, 40]) == [1.0, 2.0]
    assert percentile([], 95) == 0.0

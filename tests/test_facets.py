"""Facet arrays on hand-made columns: multi-select counts, AND across facets, year range, labels."""

from __future__ import annotations

import numpy as np
import pytest

from search.results import FacetIndex, FacetValue, Filters
from search.results.facets import Columns, _facet

NAN = np.nan

# docnum:          0      1      2            3      4      5      6     7
COUNTRIES = [["KG"], ["KG"], ["KG", "UA"], ["GN"], ["GN"], ["BY"], [], ["KG"]]
YEARS = [2021, 2022, 2022, 2020, NAN, 2022, 2019, 2021]
TYPES = ["Santé", "Santé", "Retour", None, "Santé", "Retour", None, "Santé"]
STATUSES = ["Actif", "Achevé", "Actif", "Actif", None, "Achevé", None, "Actif"]


@pytest.fixture
def facets() -> FacetIndex:
    size = len(COUNTRIES)
    columns = Columns(
        size=size,
        countries=COUNTRIES,
        year=np.array(YEARS, dtype=float),
        start_year=np.full(size, NAN),
        end_year=np.full(size, NAN),
        budget=np.full(size, NAN),
        kind=["news"] * size,
        type=TYPES,
        status=STATUSES,
    )
    live = np.ones(size, dtype=bool)
    live[7] = False  # a deleted document never counts
    return FacetIndex(columns, live)


def everything(facets: FacetIndex) -> np.ndarray:
    return np.ones(facets.size, dtype=bool)


def as_counts(values: list[FacetValue]) -> dict[str, int]:
    return {v.value: v.count for v in values}


def test_counts_without_filters_sorted_by_count_then_label(facets):
    result = facets.counts(everything(facets), Filters())
    assert [(v.value, v.label, v.count) for v in result["country"]] == [
        ("KG", "Kirghizistan", 3),
        ("GN", "Guinée", 2),
        ("BY", "Bélarus", 1),
        ("UA", "Ukraine", 1),
    ]
    assert as_counts(result["year"]) == {"2022": 3, "2019": 1, "2020": 1, "2021": 1}
    assert [v.value for v in result["year"]] == ["2022", "2019", "2020", "2021"]
    assert as_counts(result["type"]) == {"Santé": 3, "Retour": 2}
    assert as_counts(result["status"]) == {"Actif": 3, "Achevé": 2}
    assert not any(v.selected for values in result.values() for v in values)


def test_counts_only_matched_documents(facets):
    matched = np.zeros(facets.size, dtype=bool)
    matched[[0, 3]] = True
    result = facets.counts(matched, Filters())
    assert as_counts(result["country"]) == {"KG": 1, "GN": 1}


def test_values_of_one_facet_combine_with_or(facets):
    mask = facets.filter_mask(Filters(country=("GN", "UA")))
    assert np.flatnonzero(mask).tolist() == [2, 3, 4]


def test_facets_combine_with_and(facets):
    mask = facets.filter_mask(Filters(country=("KG",), status=("Actif",)))
    assert np.flatnonzero(mask).tolist() == [0, 2]


def test_a_facet_is_counted_without_its_own_filter(facets):
    result = facets.counts(everything(facets), Filters(country=("KG",), status=("Actif",)))
    # Country counts use the status filter only: the Actif documents by country.
    assert as_counts(result["country"]) == {"KG": 2, "UA": 1, "GN": 1}
    assert [v.value for v in result["country"] if v.selected] == ["KG"]
    # Status counts use the country filter only: the KG documents by status.
    assert as_counts(result["status"]) == {"Actif": 2, "Achevé": 1}
    # Other facets use both filters.
    assert as_counts(result["type"]) == {"Santé": 1, "Retour": 1}


def test_selected_value_is_listed_at_zero(facets):
    result = facets.counts(everything(facets), Filters(country=("BY",), type=("Santé",)))
    assert FacetValue("BY", "Bélarus", 0, True) in result["country"]
    unknown = facets.counts(everything(facets), Filters(country=("FR",)))
    assert FacetValue("FR", "France", 0, True) in unknown["country"]


def test_values_match_without_case_or_accents(facets):
    mask = facets.filter_mask(Filters(status=("acheve",)))
    assert np.flatnonzero(mask).tolist() == [1, 5]
    listed = facets.counts(everything(facets), Filters(status=("acheve",)))["status"]
    assert [v.value for v in listed if v.selected] == ["Achevé"]


def test_year_range_is_inclusive_and_drops_documents_without_year(facets):
    mask = facets.filter_mask(Filters(year_from=2020, year_to=2021))
    assert np.flatnonzero(mask).tolist() == [0, 3]
    assert np.flatnonzero(facets.filter_mask(Filters(year_from=2022))).tolist() == [1, 2, 5]
    # The range narrows, ticked years pick inside it.
    assert np.flatnonzero(facets.filter_mask(Filters(year=("2022", "2019"), year_to=2021))).tolist() == [6]


def test_year_facet_ignores_its_own_range(facets):
    result = facets.counts(everything(facets), Filters(year_from=2022))
    assert as_counts(result["year"]) == {"2022": 3, "2019": 1, "2020": 1, "2021": 1}
    assert as_counts(result["country"]) == {"KG": 2, "UA": 1, "BY": 1}


def test_no_filter_mask_is_every_live_document(facets):
    assert facets.filter_mask(Filters()).tolist() == facets.live.tolist()


def project_columns(rows) -> Columns:
    """Columns of documents given as (kind, year, start, end, status)."""
    size = len(rows)
    return Columns(
        size=size,
        countries=[[] for _ in rows],
        year=np.array([r[1] for r in rows], dtype=float),
        start_year=np.array([r[2] for r in rows], dtype=float),
        end_year=np.array([r[3] for r in rows], dtype=float),
        budget=np.full(size, NAN),
        kind=[r[0] for r in rows],
        type=[None] * size,
        status=[r[4] for r in rows],
    )


SPANS = [
    ("project", 2019, 2019, 2021, "Achevé"),  # 0: 2019–2021
    ("project", 2023, 2023, NAN, "Actif"),  # 1: still running: 2023 to this year (2025)
    ("project", 2018, 2018, NAN, "Achevé"),  # 2: no end, finished: its first year only
    ("project", NAN, 2022, 2020, "Achevé"),  # 3: start after end (reported by reindex): 2020–2022
    ("news", 2020, NAN, NAN, None),  # 4: a dated news item: its year
    ("news", NAN, NAN, NAN, None),  # 5: no year at all
]


def test_active_years_cover_every_year_a_project_ran():
    facets = FacetIndex(project_columns(SPANS), np.ones(len(SPANS), dtype=bool), this_year=2025)
    counts = as_counts(facets.counts(everything(facets), Filters())["active_year"])
    assert counts == {"2018": 1, "2019": 1, "2020": 3, "2021": 2, "2022": 1, "2023": 1, "2024": 1, "2025": 1}
    assert as_counts(facets.counts(everything(facets), Filters())["year"]) == {
        "2019": 1,
        "2023": 1,
        "2018": 1,
        "2020": 1,
    }  # the sheet's own year is unchanged


def test_active_year_filters_and_ranges():
    facets = FacetIndex(project_columns(SPANS), np.ones(len(SPANS), dtype=bool), this_year=2025)
    assert np.flatnonzero(facets.filter_mask(Filters(active_year=("2020",)))).tolist() == [0, 3, 4]
    assert np.flatnonzero(facets.filter_mask(Filters(active_year=("2018", "2024")))).tolist() == [1, 2]
    assert np.flatnonzero(facets.filter_mask(Filters(active_from=2022))).tolist() == [1, 3]
    assert np.flatnonzero(facets.filter_mask(Filters(active_to=2018))).tolist() == [2]
    assert np.flatnonzero(facets.filter_mask(Filters(active_from=2021, active_to=2021))).tolist() == [0, 3]


def test_kind_facet_has_french_labels_and_accepts_them():
    facets = FacetIndex(project_columns(SPANS), np.ones(len(SPANS), dtype=bool), this_year=2025)
    listing = facets.counts(everything(facets), Filters())["kind"]
    assert [(v.value, v.label, v.count) for v in listing] == [("project", "Projet", 4), ("news", "Communiqué", 2)]
    assert facets.filter_mask(Filters(kind=("communiqué",))).sum() == 2  # the label works as a value


def _reference_counts(facet, matched):
    return np.bincount(facet.ordinals[matched[facet.docs]], minlength=len(facet.values))


def test_bitset_counts_and_masks_equal_the_pair_arrays():
    rng = np.random.default_rng(7)
    size = 1_000 + 37  # not a multiple of 64: the padding must count for nothing
    docs, values = rng.integers(0, size, 3_000), rng.integers(0, 12, 3_000)
    pairs = {(int(d), f"v{int(v)}") for d, v in zip(docs, values, strict=True)}
    facet = _facet("multi", sorted(pairs), str, size)
    assert facet._bits is not None
    for share in (0.0, 0.01, 0.5, 1.0):
        matched = rng.random(size) < share
        assert facet.count(matched).tolist() == _reference_counts(facet, matched).tolist()
    for selected in (["v3"], ["v1", "v11", "nope"], ["nope"]):
        wanted = [facet.ordinal(v) for v in selected if facet.ordinal(v) is not None]
        expected = np.zeros(size, dtype=bool)
        expected[facet.docs[np.isin(facet.ordinals, wanted)]] = True
        assert facet.mask(size, selected).tolist() == expected.tolist()


def test_a_repeated_pair_is_counted_twice_as_before():
    facet = _facet("dup", [(0, "a"), (0, "a"), (1, "a")], str, 4)
    assert facet._bits is None
    assert facet.count(np.ones(4, dtype=bool)).tolist() == [3]

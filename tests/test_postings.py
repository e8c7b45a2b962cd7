"""The posting store's shortcuts give what Whoosh's own matchers give, on lists of many blocks."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build_test_index

from search.index import current_generation
from search.ingest import Document
from search.query import DEFAULT_RANKING
from search.rank import PostingStore
from search.rank.bm25f import _norms, _phrase_part, _term_part
from search.rank.postings import _skipped_values

WORDS = "travail contrat salarié congé migrant santé emploi retraite".split()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PostingStore:
    rng = np.random.default_rng(3)
    docs = []
    for n in range(700):  # several posting blocks of 128 for the common words
        body = " ".join(rng.choice(WORDS, size=int(rng.integers(3, 30))))
        docs.append(Document(id=f"d{n}", title=f"page {n} {WORDS[n % len(WORDS)]}", body=body))
    folder = tmp_path_factory.mktemp("blocks")
    build_test_index(docs, folder)
    searcher = current_generation(folder).open().searcher()
    return PostingStore(searcher)


def _reference(store: PostingStore, field: str, term: str, docnums, kind: str) -> dict:
    found = {}
    for reader, offset in store.leaves:
        if (field, term) not in reader:
            continue
        local = sorted({int(d) - offset for d in docnums if offset <= d < offset + reader.doc_count_all()})
        found.update((d + offset, v) for d, v in _skipped_values(reader.postings(field, term), local, kind).items())
    return found


@pytest.mark.parametrize("kind", ["positions", "characters"])
def test_values_by_block_equal_whoosh_skip_to(store: PostingStore, kind: str):
    assert any(b is not None and len(b.offsets) > 2 for b in store._entry("body", "travail").blocks)
    rng = np.random.default_rng(5)
    for term in ["travail", "contrat", "sant", "migr", "pag", "absent"]:
        ids, _ = store.postings("body", term)
        assert term == "absent" or len(ids) > 128 or term == "pag"
        for size in (1, 10, 60):
            docnums = rng.choice(store.size, size=size, replace=False)
            expected = _reference(store, "body", term, docnums, kind)
            assert store.values("body", term, docnums, kind) == expected
        everything = np.arange(store.size)
        assert store.values("body", term, everything, kind) == _reference(store, "body", term, everything, kind)


def test_phrase_part_equals_the_sum_of_its_words_parts(store: PostingStore):
    ranking = DEFAULT_RANKING
    norms = _norms(store, ranking)
    for phrase in (["travail", "contrat"], ["sant", "migr", "emploi"], ["travail", "absent"], ["travail"]):
        part, present = _phrase_part(store, phrase, ranking, norms)
        parts = [_term_part(store, [word], ranking, norms) for word in phrase]
        if any(word is None for word in parts):
            assert present is None
            continue
        expected = np.zeros(store.size, dtype=np.float32)
        everywhere = np.ones(store.size, dtype=bool)
        for word in parts:
            expected += word.values
            everywhere &= word.present
        expected[~everywhere] = 0
        assert present is not None and present.tolist() == everywhere.tolist()
        assert part.tobytes() == expected.tobytes()  # bit for bit, as the ranking needs

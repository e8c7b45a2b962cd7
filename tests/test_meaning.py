"""Meaning (sentence vectors): it re-ranks what the words matched, never adds or loses a match,
survives reindexing, and a search never fails because of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import build_test_index

import search.index.vectors as semantic
from search.errors import IndexMissingError
from search.index import current_generation, open_index, reindex
from search.ingest import Document
from search.query import DEFAULT_RANKING
from search.rank import PostingStore, rank
from search.service import SearchRequest, SearchService

# Each page says "migrants" once, in its text: the words alone barely tell them apart.
DOCS = [
    Document(
        id="comptes",
        title="Rapport annuel",
        body="Les dépenses et les recettes de l'exercice consacré aux migrants, auditées par un cabinet comptable.",
    ),
    Document(
        id="soins",
        title="Accès aux soins",
        body="Des médecins et des infirmiers soignent les migrants malades dans les hôpitaux.",
    ),
    Document(
        id="ecole",
        title="Écoles",
        body="Les enfants des migrants vont en classe et apprennent à lire avec leurs maîtres.",
    ),
]
WORDS_ONLY = DEFAULT_RANKING.changed(meaning_weight=0.0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("meaning")
    build_test_index(DOCS, folder, meaning=True)
    return folder


def ranked(folder: Path, text: str, ranking=DEFAULT_RANKING, with_vectors: bool = True):
    ix = open_index(folder)
    with ix.searcher() as searcher:
        store = PostingStore(searcher, folder=ix.storage.folder if with_vectors else None)
        return rank(store, text, limit=10, ranking=ranking)


def ids(page) -> list[str]:
    return [hit.id for hit in page.hits]


@pytest.mark.parametrize("text", ["scolarisation des migrants", "élèves migrants"])
def test_the_page_whose_meaning_fits_comes_first(folder, text):
    assert ids(ranked(folder, text, WORDS_ONLY))[0] == "soins"  # the shortest text wins on words alone
    assert ids(ranked(folder, text))[0] == "ecole"


def test_meaning_never_adds_or_removes_a_match(folder):
    for text in ("scolarisation des migrants", "migrants hospitalisés", "scolarisation", "hôpital"):
        with_meaning, words_only = ranked(folder, text), ranked(folder, text, WORDS_ONLY)
        assert with_meaning.total == words_only.total
        assert sorted(ids(with_meaning)) == sorted(ids(words_only))
    assert ranked(folder, "scolarisation").total == 0  # no page has the word: meaning does not invent one


def test_an_index_without_vectors_ranks_by_words(tmp_path):
    build_test_index(DOCS, tmp_path, meaning=False)
    assert not (current_generation(tmp_path).path / semantic.VECTORS_FILE).exists()
    assert current_generation(tmp_path).manifest()["vectors"] is None
    assert ids(ranked(tmp_path, "scolarisation des migrants")) == ids(
        ranked(tmp_path, "scolarisation des migrants", WORDS_ONLY)
    )


def test_a_failing_encoder_falls_back_to_the_words(folder, monkeypatch, caplog):
    def broken(text):
        raise RuntimeError("model file truncated")

    monkeypatch.setattr(semantic.encoder(), "query", broken)
    page = ranked(folder, "scolarisation des migrants")
    assert ids(page) == ids(ranked(folder, "scolarisation des migrants", WORDS_ONLY))
    assert "ranking by words alone" in caplog.text


def test_damaged_vectors_are_a_clear_error(folder, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(folder, copy)
    (current_generation(copy).path / semantic.VECTORS_FILE).write_bytes(b"not numpy")
    with pytest.raises(IndexMissingError, match="make reindex"):
        SearchService(copy)


def test_the_explanation_shows_the_part_of_meaning(folder):
    service = SearchService(folder)
    result = service.search(SearchRequest(q="scolarisation des migrants", explain=True))
    parts = result.hits[0].explanation["score"]
    assert parts["meaning_used"] and parts["meaning"] > 0
    assert parts["words"] + parts["meaning"] == pytest.approx(parts["total"], abs=1e-4)
    assert any("sens proche" in sentence for sentence in result.hits[0].explanation["sentences"])


def _write(folder: Path, name: str, title: str, body: str) -> None:
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def _vectors(index: Path) -> dict[str, np.ndarray]:
    found = semantic.VectorFile.load(current_generation(index).path)
    return {doc_id: np.asarray(found.matrix[i], dtype=np.float32) for i, doc_id in enumerate(found.ids)}


def test_reindex_encodes_only_new_and_changed_pages(tmp_path):
    docs, index = tmp_path / "documents", tmp_path / "index"
    docs.mkdir()
    for doc in DOCS:
        _write(docs, f"{doc.id}.txt", doc.title, doc.body)
    first = reindex(docs, index)
    assert first.encoded == 3 and sorted(_vectors(index)) == ["comptes", "ecole", "soins"]
    before = _vectors(index)

    _write(docs, "ecole.txt", "Écoles", "Le budget annuel des écoles, dépenses et recettes comptables des migrants.")
    (docs / "comptes.txt").unlink()
    _write(docs, "asile.txt", "Asile", "Les demandeurs d'asile et les réfugiés migrants.")
    second = reindex(docs, index)
    assert second.encoded == 2  # the changed page and the new one; "soins" is copied
    after = _vectors(index)
    assert sorted(after) == ["asile", "ecole", "soins"]
    assert np.array_equal(after["soins"], before["soins"])
    assert not np.array_equal(after["ecole"], before["ecole"])
    # the previous generation's file is untouched (it was not a hard link written through)
    meta = json.loads((index / first.generation / semantic.VECTORS_META).read_text("utf-8"))
    assert sorted(meta["ids"]) == ["comptes", "ecole", "soins"]


def test_reindex_rebuilds_an_index_built_without_vectors(tmp_path):
    docs, index = tmp_path / "documents", tmp_path / "index"
    docs.mkdir()
    for doc in DOCS:
        _write(docs, f"{doc.id}.txt", doc.title, doc.body)
    reindex(docs, index, meaning=False)
    assert reindex(docs, index, meaning=False).generation is None  # nothing to do
    report = reindex(docs, index)
    assert report.encoded == 3 and sorted(_vectors(index)) == ["comptes", "ecole", "soins"]

"""The fast index writer writes what Whoosh's own writer writes, in one process or two."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import build_test_index
from whoosh import index as whoosh_index
from whoosh.formats import Characters, Positions

from search.index import open_index
from search.index.parallel import ParallelWriter, open_writer
from search.index.schema import build_schema, document_fields
from search.index.term_pool import postings
from search.index.writer import FastSegmentWriter
from search.ingest import Document
from search.rank import PostingStore, rank

TRICKY = [
    ("L’Organisation socio-économique", "Le 13ème rapport de l'O.I.M. (OIM) : aujourd'hui, 300000.00 USD et 3,5 %."),
    ("", "Qu'elle soit COVID-19 ou jusqu'à la presqu'île, les réfugiées et réfugiés d’Haïti."),
    ("Santé — migrants", "migrants migrants migrants santé 2e 1er étage ; Contrat à durée déterminée (CDD)."),
    ("Œuvre", "œuvre Æther naïve ÉTÉ été l'été d'été c'est-à-dire porte-parole porte-parole."),
    ("Stop", "le la les de du des et ou où à"),
]


def corpus(seed_documents: list[Document], count: int = 60) -> list[Document]:
    """The seed pages, tricky sentences, and pages recombined from the seeds' sentences."""
    sentences = [s for doc in seed_documents for s in doc.body.split(". ") if s.strip()]
    rng = random.Random(3)
    docs = list(seed_documents)
    for number, (title, body) in enumerate(TRICKY):
        docs.append(Document(id=f"tricky-{number}", title=title, body=body, kind="project"))
    base = seed_documents[0]
    for number in range(count):
        body = ". ".join(rng.choices(sentences, k=rng.randint(1, 12)))
        title = rng.choice(seed_documents).title
        docs.append(
            Document(
                id=f"gen-{number:03d}",
                title=title,
                body=body,
                kind="project",
                countries=base.countries[: number % 3],
                year=2000 + number % 20 if number % 4 else None,
                end_year=2010 + number % 10 if number % 5 else None,
                type=base.type if number % 2 else None,
                status=base.status,
                budget_usd=1000.5 * number if number % 3 else None,
            )
        )
    return docs


def contents(folder: Path) -> dict:
    """Everything a reader can see of an index, by document number (one segment)."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        postings = {}
        for fieldname in sorted(reader.indexed_field_names()):
            for term in reader.lexicon(fieldname):
                info = reader.term_info(fieldname, term)
                matcher = reader.postings(fieldname, term)
                rows = []
                while matcher.is_active():
                    # A spell_* posting's value is never read (Whoosh fills it with another one's).
                    value = None if fieldname.startswith("spell_") else matcher.value()
                    rows.append((matcher.id(), matcher.weight(), value))
                    matcher.next()
                postings[fieldname, term] = (
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                    info.min_id(),
                    info.max_id(),
                    rows,
                )
        count = reader.doc_count_all()
        return {
            "postings": postings,
            "stored": list(reader.all_stored_fields()),
            "lengths": {f: [reader.doc_field_length(d, f) for d in range(count)] for f in ("title", "body")},
            "field lengths": {f: reader.field_length(f) for f in ("title", "body")},
            "columns": {f: list(reader.column_reader(f)) for f in ("id", "year", "end_year", "type", "status")},
        }


def write(folder: Path, docs: list[Document], writer_class=None, pool_limit: int | None = None) -> Path:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = writer_class(ix) if writer_class else ix.writer()
    if pool_limit is not None:
        writer.termpool.limit = pool_limit
    for doc in docs:
        writer.add_document(**document_fields(doc))
    writer.commit()
    return folder


def test_fast_writer_writes_what_whoosh_writes(tmp_path: Path, seed_documents: list[Document]) -> None:
    docs = corpus(seed_documents)
    stock = contents(write(tmp_path / "stock", docs))
    fast = contents(write(tmp_path / "fast", docs, FastSegmentWriter))
    assert fast["postings"].keys() == stock["postings"].keys()
    assert fast == stock
    assert any(field == "spell_body" for field, _ in fast["postings"])
    assert any(field == "acronyms" for field, _ in fast["postings"])


def test_spilled_runs_merge_back_the_same(tmp_path: Path, seed_documents: list[Document]) -> None:
    docs = corpus(seed_documents, count=30)
    stock = contents(write(tmp_path / "stock", docs))
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = FastSegmentWriter(ix)
    writer.termpool.limit = 20_000
    for doc in docs[:10]:
        writer.add_document(**document_fields(doc))
    assert writer.termpool.runs, "a small limit writes runs"
    writer.cancel()
    assert contents(write(tmp_path / "spilled", docs, FastSegmentWriter, pool_limit=20_000)) == stock


def test_open_writer_keeps_whoosh_for_an_existing_index(tmp_path: Path, seed_documents: list[Document]) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = open_writer(ix)
    assert isinstance(writer, FastSegmentWriter)
    writer.add_document(**document_fields(seed_documents[0]))
    writer.commit()
    writer = open_writer(ix, procs=2)
    assert not isinstance(writer, FastSegmentWriter | ParallelWriter)
    writer.cancel()


def by_id(folder: Path) -> dict:
    """Postings keyed by document id: comparable across segment layouts."""
    ix = open_index(folder)
    found: dict = {}
    with ix.searcher() as searcher:
        for segment_reader, _offset in searcher.leaf_searchers():
            reader = segment_reader.reader()
            ids = [fields["id"] for fields in reader.all_stored_fields()]
            for fieldname in reader.indexed_field_names():
                for term in reader.lexicon(fieldname):
                    matcher = reader.postings(fieldname, term)
                    rows = found.setdefault((fieldname, term), [])
                    while matcher.is_active():
                        if fieldname.startswith("spell_"):
                            rows.append(None)
                        else:
                            rows.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                        matcher.next()
    return {key: sorted(rows, key=repr) for key, rows in found.items()}


def test_two_processes_index_what_one_does(tmp_path: Path, seed_documents: list[Document]) -> None:
    docs = corpus(seed_documents, count=450)
    assert build_test_index(docs, tmp_path / "one", procs=1) == len(docs)
    assert build_test_index(docs, tmp_path / "two", procs=2) == len(docs)
    two = open_index(tmp_path / "two")
    assert len(two._segments()) == 2 and two.doc_count() == len(docs)
    assert by_id(tmp_path / "one") == by_id(tmp_path / "two")
    stores = [PostingStore(open_index(tmp_path / name).searcher()) for name in ("one", "two")]
    for text in ("migrants santé", "organisation", "cdd", "réfugiés haïti", "projet 2010", "xyzzy"):
        # Every hit: equal scores may come in another order (ties follow document numbers).
        results = [rank(store, text, limit=len(docs)) for store in stores]
        one, two = (sorted((-round(hit.score, 9), hit.id) for hit in result.hits) for result in results)
        assert one == two, text
        assert results[0].total == results[1].total


def test_a_failing_worker_fails_the_build(tmp_path: Path, seed_documents: list[Document]) -> None:
    docs = corpus(seed_documents, count=5)
    broken = Document(id="broken", title="t", body="b", kind="project")
    with pytest.raises(RuntimeError, match="indexing process failed"):
        ix = whoosh_index.create_in(str(tmp_path), build_schema())
        writer = ParallelWriter(ix, procs=2, batchsize=2)
        try:
            for doc in docs:
                writer.add_document(**document_fields(doc))
            writer.add_document(**{**document_fields(broken), "year": "not a number"})
            writer.commit()
        except BaseException:
            writer.cancel()
            raise


class PostingByPostingWriter(FastSegmentWriter):
    """The reference for `write_term`: Whoosh's field writer fed one posting at a time."""

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        lastname = None
        for name, term, payload in self.termpool.merged():
            if name != lastname:
                if lastname is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(name, self.schema[name])
                lastname = name
            fieldwriter.start_term(term)
            for docnum, weight, value, length in postings(payload):
                fieldwriter.add(docnum, weight, value or b"", length)
            fieldwriter.finish_term()
        fieldwriter.finish_field()
        fieldwriter.close()
        self.termpool.close()


def segment_files(folder: Path) -> dict[str, bytes]:
    """The segment's files by extension (segment names are random)."""
    return {path.suffix: path.read_bytes() for path in folder.iterdir() if path.suffix in (".pst", ".trm")}


def test_block_writer_writes_whoosh_bytes(tmp_path: Path, seed_documents: list[Document]) -> None:
    docs = corpus(seed_documents, count=200)
    # Long posting lists too: several blocks per term.
    docs += [Document(id=f"long-{n}", title="migrants", body="migrants santé " * (n % 7 + 1)) for n in range(300)]
    folders = {}
    for name, writer_class in (("reference", PostingByPostingWriter), ("blocks", FastSegmentWriter)):
        folder = folders[name] = tmp_path / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), build_schema())
        writer = writer_class(ix, compound=False)
        for doc in docs:
            writer.add_document(**document_fields(doc))
        writer.commit()
    reference, blocks = segment_files(folders["reference"]), segment_files(folders["blocks"])
    assert set(reference) == {".pst", ".trm"}
    assert blocks == reference


CDTN_CORPUS = Path("/work/shared/eval/cdtn/corpus.jsonl")


def real_texts(seed_documents: list[Document]) -> list[str]:
    """Seed pages, the tricky sentences and, where it is on disk, every 10th CDTN page."""
    texts = [text for doc in seed_documents for text in (doc.title, doc.body)]
    texts += [text for pair in TRICKY for text in pair]
    if CDTN_CORPUS.exists():
        from search.ingest import read_jsonl

        for number, doc in enumerate(read_jsonl(CDTN_CORPUS)):
            if number % 10 == 0:
                texts += [doc.title, doc.body]
    return texts


def test_one_pass_yields_what_the_analyzers_yield(seed_documents: list[Document]) -> None:
    """`analyse` (the writer's one pass) against the query-time analyzers, token by token."""
    from search.analysis import french_analyzer
    from search.analysis.fast import IndexEntries
    from search.index.encoding import analyse, encode_value

    stemmed, whole = french_analyzer(), french_analyzer(stem_words=False)
    entries = IndexEntries()
    for text in real_texts(seed_documents):
        expected_terms: dict[bytes, list] = {}
        for t in stemmed(text, positions=True, chars=True):
            expected_terms.setdefault(t.text.encode(), []).append((t.pos, t.startchar, t.endchar))
        for chars in (True, False):
            seen, words = analyse(text, chars, entries)
            assert words == [t.text.encode() for t in whole(text)]
            decoded = {term: decode(encode_value(found, chars), chars) for term, found in seen.items()}
            assert decoded == {
                term: [occurrence if chars else occurrence[0] for occurrence in found]
                for term, found in expected_terms.items()
            }


def decode(value: bytes, chars: bool) -> list:
    """A `Characters` (or `Positions`) posting value back to absolute values, with Whoosh's decoder."""
    return Characters().decode_characters(value) if chars else Positions().decode_positions(value)


def test_encode_value_is_pickles_bytes() -> None:
    """`encode_value` joins pickle opcodes itself: the same bytes as pickling the codes, at every edge
    (one occurrence, 255/256 tuples, 1,000/1,001 ints, codes past 65,535 or negative)."""
    import pickle
    import random

    from whoosh.system import pack_uint

    from search.index.encoding import encode_value

    def pickled(occurrences: list, chars: bool) -> bytes:
        if chars:
            codes, last_pos, last_end = [], 0, 0
            for p, s, e in occurrences:
                codes.append((p - last_pos, s - last_end, e - s))
                last_pos, last_end = p, e
        else:
            codes = [p - q for p, q in zip(occurrences, [0, *occurrences], strict=False)]
        return pack_uint(len(codes)) + pickle.dumps(codes, 2)

    rng = random.Random(7)
    for _ in range(2_000):
        n = rng.choice([1, 2, 3, 255, 256, 1000, 1001])
        positions = sorted(rng.sample(range(rng.choice([n, 70_000])), n))
        chars = rng.random() < 0.5
        if chars:
            occurrences, end = [], 0
            for p in positions:
                start = end + rng.choice([-1, 0, 1, 300, 70_000])
                end = start + rng.choice([0, 1, 7, 70_000])
                occurrences.append((p, start, end))
        else:
            occurrences = positions
        assert encode_value(occurrences, chars) == pickled(occurrences, chars)

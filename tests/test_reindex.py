"""`python -m search reindex`: incremental, atomic, locked; and `python -m search parse`."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pagegen import generated_pages

import search.index.generations as index_module
import search.index.sources as sources_module
from search.errors import DocumentsMissingError, IndexLockedError
from search.index import CURRENT, current_generation, open_index, reindex
from search.index.report import ReindexReport
from search.rank import PostingStore, rank

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "index_data" / "documents"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"
SEED_IDS = sorted(path.stem for path in SEEDS.glob("*.txt"))
BICHKEK = "000_eb28a1afceb4708e"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "index"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "search", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def hits(index: Path, text: str, limit: int = 10) -> list[str]:
    """Ids of the best documents for `text` in the current generation."""
    with open_index(index).searcher() as searcher:
        return [hit.id for hit in rank(PostingStore(searcher), text, limit=limit).hits]


def total(index: Path, text: str) -> int:
    with open_index(index).searcher() as searcher:
        return rank(PostingStore(searcher), text, limit=1).total


def indexed_ids(index: Path) -> list[str]:
    with open_index(index).searcher() as searcher:
        return sorted(fields["id"] for fields in searcher.all_stored_fields())


def current(index: Path) -> str:
    return (index / CURRENT).read_text("utf-8").strip()


def write_page(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# First build, no-op, add / update / delete


def test_first_run_indexes_the_seeds(docs: Path, index: Path) -> None:
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (5, 0, 0, 0)
    assert report.skipped == []
    assert report.generation == current(index)
    assert indexed_ids(index) == SEED_IDS
    assert hits(index, "pollution bichkek")[0] == BICHKEK
    with open_index(index).searcher() as searcher:
        assert json.loads(searcher.document(id=BICHKEK)["record"])["title"].startswith("Kirghizistan")
    manifest = current_generation(index).manifest()
    assert sorted(manifest["documents"]) == SEED_IDS
    assert sorted(manifest["files"]) == sorted(f"{name}.txt" for name in SEED_IDS)
    assert report.coverage["documents"] == 5
    assert set(report.coverage) == {"documents", "no_country", "no_year", "no_type", "no_status"}
    text = report.format()
    assert "5 added" in text and "coverage over 5 documents" in text


def test_second_run_changes_nothing(docs: Path, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = reindex(docs, index, meaning=False)
    before = sorted(p.name for p in index.iterdir())
    for path in docs.iterdir():  # old enough for the size+mtime shortcut to be trusted
        os.utime(path, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    refreshed = reindex(docs, index, meaning=False)  # reads and hashes, then remembers the stats
    assert refreshed.generation is None and refreshed.unchanged == 5

    def no_parsing(*args, **kwargs):
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(sources_module, "parse_source", no_parsing)
    monkeypatch.setattr(sources_module, "read", no_parsing)
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 5)
    assert report.generation is None and report.current == first.generation == current(index)
    assert sorted(p.name for p in index.iterdir()) == before
    assert report.format().startswith("nothing changed")
    assert report.coverage == first.coverage


def test_modify_add_delete(docs: Path, index: Path) -> None:
    reindex(docs, index, meaning=False)
    page = docs / f"{BICHKEK}.txt"
    page.write_text(page.read_text("utf-8").replace("Bichkek", "Tokmok"), encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 4)
    assert hits(index, "tokmok")[0] == BICHKEK
    assert BICHKEK not in hits(index, "bichkek", limit=100)
    assert indexed_ids(index) == SEED_IDS  # updated in place, not duplicated

    write_page(docs / "extra", "zz_new.txt", "Ouverture d'un centre à Ouagadougou", "Le centre accueille " * 30)
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 0, 0, 5)
    assert hits(index, "ouagadougou")[0] == "zz_new"

    (docs / f"{BICHKEK}.txt").unlink()
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 1, 5)
    assert BICHKEK not in indexed_ids(index)
    assert BICHKEK not in hits(index, "tokmok pollution", limit=100)
    assert report.coverage["documents"] == 5


def test_previous_generation_survives_the_next_one(docs: Path, index: Path) -> None:
    """The hard-linked Whoosh files are never rewritten: the old generation answers as before."""
    first = reindex(docs, index, meaning=False)
    old_path = index / first.generation
    before = hits(index, "pollution bichkek")
    snapshot = {p.name: p.read_bytes() for p in old_path.iterdir()}
    page = docs / f"{BICHKEK}.txt"
    page.write_text(page.read_text("utf-8").replace("pollution", "poussière"), encoding="utf-8")
    second = reindex(docs, index, meaning=False)
    assert second.generation != first.generation and current(index) == second.generation
    new_files = {p.name: p for p in (index / second.generation).iterdir()}
    assert any(p.stat().st_nlink > 1 for p in new_files.values()), "expected shared (hard-linked) files"
    assert {p.name: p.read_bytes() for p in old_path.iterdir()} == snapshot
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(old_path)).searcher() as searcher:
        assert [hit.id for hit in rank(PostingStore(searcher), "pollution bichkek").hits] == before
        assert searcher.doc_count() == 5
    assert BICHKEK not in hits(index, "pollution", limit=100)


# ------------------------------------------------------------------------------------------
# Bad files, JSON Lines, duplicates


def test_bad_files_are_skipped_and_nothing_is_lost(docs: Path, index: Path) -> None:
    reindex(docs, index, meaning=False)
    (docs / "empty.txt").write_bytes(b"")
    shutil.copy(FIXTURES / "bad" / "binary.txt", docs / "binary.txt")
    shutil.copy(FIXTURES / "bad" / "nav_only.txt", docs / "nav_only.txt")
    shutil.copy(FIXTURES / "cp1252_news.txt", docs / "cp1252.txt")
    (docs / "records.jsonl").write_text(
        '{"id": "r1", "title": "Rapport sur Niamey", "text": "Texte du rapport sur Niamey."}\n'
        "{not json\n"
        '{"title": "sans identifiant"}\n',
        encoding="utf-8",
    )
    (docs / ".hidden.txt").write_text("Caché\n\nNe pas indexer.", encoding="utf-8")
    (docs / "notes.md").write_text("Pas une page", encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (2, 0, 0, 5)
    skipped = dict(report.skipped)
    assert set(skipped) == {
        str(docs / "empty.txt"),
        str(docs / "binary.txt"),
        str(docs / "nav_only.txt"),
        f"{docs / 'records.jsonl'}:2",
        f"{docs / 'records.jsonl'}:3",
    }
    assert "empty" in skipped[str(docs / "empty.txt")]
    assert "binary" in skipped[str(docs / "binary.txt")]
    assert "navigation" in skipped[str(docs / "nav_only.txt")]
    assert "id" in skipped[f"{docs / 'records.jsonl'}:3"]
    assert indexed_ids(index) == sorted([*SEED_IDS, "cp1252", "r1"])
    assert hits(index, "réintégration sénégal")[0] == "cp1252"
    assert hits(index, "niamey")[0] == "r1"
    text = report.format()
    assert f"{docs / 'binary.txt'}: binary" in text

    again = reindex(docs, index, meaning=False)  # still skipped, still reported, nothing rewritten
    assert again.generation is None and dict(again.skipped) == skipped


def test_jsonl_records_update_one_by_one(docs: Path, index: Path, tmp_path: Path) -> None:
    seeds_only = reindex(docs, tmp_path / "seeds-only", meaning=False).coverage
    records = [
        {"id": f"rec-{n}", "title": f"Rapport {name}", "text": f"Activités à {name}.", "year": 2020 + n}
        for n, name in enumerate(["Niamey", "Bamako", "Dakar"])
    ]
    path = docs / "feed" / "records.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert report.added == 8
    assert hits(index, "bamako")[0] == "rec-1"
    assert report.coverage["documents"] == 8
    assert report.coverage["no_year"] == seeds_only["no_year"]  # every record has a year
    assert report.coverage["no_country"] == seeds_only["no_country"] + 3

    records[1].update(title="Rapport Tombouctou", text="Activités à Tombouctou.")
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 7)
    assert hits(index, "tombouctou")[0] == "rec-1"
    assert total(index, "bamako") == 0

    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reversed(records)), encoding="utf-8")
    report = reindex(docs, index, meaning=False)  # same records, other order: the file changed, no record did
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 8)
    assert report.generation is None

    path.write_text(json.dumps(records[0], ensure_ascii=False) + "\n", encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted) == (0, 0, 2)
    assert "rec-2" not in indexed_ids(index)


def test_duplicate_ids_first_file_wins(docs: Path, index: Path) -> None:
    write_page(docs / "a", "same.txt", "Version de Niamey", "Texte sur Niamey. " * 20)
    write_page(docs / "b", "same.txt", "Version de Bamako", "Texte sur Bamako. " * 20)
    report = reindex(docs, index, meaning=False)
    assert report.added == 6
    assert report.skipped == [
        (
            str(docs / "b" / "same.txt"),
            f"duplicate id 'same': {docs / 'a' / 'same.txt'} is kept (first in sorted order)",
        )
    ]
    assert hits(index, "niamey")[0] == "same"
    assert "same" not in hits(index, "bamako", limit=100)

    shutil.rmtree(docs / "a")  # the other copy takes over
    report = reindex(docs, index, meaning=False)
    assert (report.added, report.updated, report.deleted) == (0, 1, 0)
    assert report.skipped == []
    assert hits(index, "bamako")[0] == "same"
    assert indexed_ids(index).count("same") == 1


# ------------------------------------------------------------------------------------------
# Failures: missing folder, lock, leftovers, killed runs


def test_missing_documents_folder(tmp_path: Path, index: Path) -> None:
    with pytest.raises(DocumentsMissingError, match="no documents folder"):
        reindex(tmp_path / "nowhere", index, meaning=False)
    result = run_cli("reindex", "--documents", str(tmp_path / "nowhere"), "--index", str(index))
    assert result.returncode == 2
    assert "no documents folder" in result.stderr


def test_a_second_reindex_stops_at_once(docs: Path, index: Path) -> None:
    reindex(docs, index, meaning=False)
    generation = current(index)
    with open(index / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IndexLockedError):
            reindex(docs, index, meaning=False)
        start = time.monotonic()
        result = run_cli("reindex", "--documents", str(docs), "--index", str(index), timeout=30)
        assert time.monotonic() - start < 10
    assert result.returncode == 3
    assert f"another reindex is running on {index}" in result.stderr
    assert current(index) == generation and indexed_ids(index) == SEED_IDS


def test_unpublished_generations_are_removed(docs: Path, index: Path) -> None:
    first = reindex(docs, index, meaning=False)
    junk = index / "gen-000042"
    junk.mkdir()
    (junk / "_MAIN_1.toc").write_bytes(b"half written")
    (index / f".{CURRENT}.123.tmp").write_text("gen-000042")
    (docs / "zz.txt").write_text("Nouvelle page sur Niamey\n\n" + "Texte sur Niamey. " * 20, encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    assert not junk.exists() and not (index / f".{CURRENT}.123.tmp").exists()
    assert report.generation == "gen-000002" and report.added == 1
    assert (index / first.generation).exists()  # kept for readers that have not switched yet


def test_progress_only_when_asked(docs: Path, index: Path, capsys: pytest.CaptureFixture) -> None:
    reindex(docs, index, progress=False, meaning=False)
    assert capsys.readouterr().err == ""
    (docs / "zz.txt").write_text("Nouvelle page sur Niamey\n\n" + "Texte sur Niamey. " * 20, encoding="utf-8")
    reindex(docs, index, progress=True, meaning=False)
    assert "\rreindex: " in capsys.readouterr().err


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], timeout: float = 60) -> bool:
    """SIGKILL the process as soon as `ready()`; False if it had already finished by itself."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.wait()
    return False


class NewGeneration:
    """Watches the unpublished generation a running reindex writes: when each of its files appeared."""

    def __init__(self, index: Path):
        self.index = index
        self.current = current(index)
        self.shared = {p.name for p in (index / self.current).iterdir()}
        self.seen: dict[str, float] = {}

    def poll(self) -> None:
        for folder in self.index.glob("gen-*"):
            if folder.name <= self.current:
                continue
            self.seen.setdefault("", time.monotonic())
            try:
                for path in folder.iterdir():
                    if path.name not in self.shared:
                        self.seen.setdefault(path.suffix, time.monotonic())
            except FileNotFoundError:
                pass

    def since(self, suffix: str) -> float:
        """Seconds since a file ending in `suffix` appeared ("" = the folder itself), -1 if not yet."""
        self.poll()
        return time.monotonic() - self.seen[suffix] if suffix in self.seen else -1.0


def test_killed_reindex_leaves_the_previous_generation(tmp_path: Path, index: Path) -> None:
    """SIGKILL a reindex while it starts, adds records, commits, and publishes: never a broken index.

    Measured on 2 cores (1,500 pages, 750 changed): imports ~1 s, adding ~2 s, commit ~1 s (the
    `.col` files appear when it starts, `.seg` and the TOC when it ends), publish ~20 ms.
    """
    docs = tmp_path / "documents"
    pages = generated_pages(docs, seed=7, count=1500, words=200)
    # Words alone: the moments below are Whoosh's files (vectors are written in the same
    # unpublished generation, before the same publish); encoding 1,500 pages six times is 80 s.
    assert reindex(docs, index, meaning=False).added == 1500
    old = current(index)
    query = pages[0].read_text("utf-8").splitlines()[0]
    top_before = hits(index, query)[0]
    for path in pages[::2]:  # 750 changed pages: a run of several seconds
        with path.open("a", encoding="utf-8") as handle:
            handle.write("Le quetzalcoatl est arrivé.\n")
    command = [sys.executable, "-m", "search", "reindex", "--documents", str(docs), "--index", str(index)]
    command.append("--no-meaning")
    moments: dict[str, Callable[[NewGeneration, float], bool]] = {
        "while starting (0.3 s)": lambda new, started: time.monotonic() - started >= 0.3,
        "while adding records": lambda new, started: new.since("") >= 0.8,
        "while committing": lambda new, started: new.since(".col") >= 0.3,
        "between commit and publish": lambda new, started: new.since(".toc") >= 0,
    }
    kept_previous = []
    for label, moment in moments.items():
        new, started = NewGeneration(index), time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert kill_when(process, lambda moment=moment, new=new, started=started: moment(new, started)), label
        with open_index(index).searcher() as searcher:  # whatever CURRENT names is complete
            assert searcher.doc_count() == 1500, label
        if current(index) == old:
            assert hits(index, query)[0] == top_before, label
            kept_previous.append(label)
    # The publish window is a few ms wide: that kill may land just after CURRENT switched.
    assert len(kept_previous) >= 3, kept_previous

    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert total(index, "quetzalcoatl") == 750
    assert len(indexed_ids(index)) == 1500
    assert not [p for p in index.glob("gen-*") if p.name > current(index)]
    assert len(list(index.glob("gen-*"))) <= 2
    print(f"kills that left the previous generation in place: {kept_previous}")


# ------------------------------------------------------------------------------------------
# CLI


def test_cli_parse_prints_one_json_line_per_page(tmp_path: Path) -> None:
    result = run_cli("parse", *sorted(str(p) for p in SEEDS.glob("*.txt")))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == SEED_IDS
    assert {"title", "body", "countries", "year", "checksum"} <= set(records[0])
    assert "Kirghizistan" in result.stdout  # ensure_ascii=False keeps accents readable

    (tmp_path / "empty.txt").write_bytes(b"")
    result = run_cli("parse", str(SEEDS / f"{BICHKEK}.txt"), str(tmp_path / "empty.txt"))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.strip() == f"{tmp_path / 'empty.txt'}: empty file"


def test_cli_reindex_reports(docs: Path, index: Path) -> None:
    result = run_cli("reindex", "--documents", str(docs), "--index", str(index), "--no-meaning")
    assert result.returncode == 0, result.stderr
    assert "5 added" in result.stdout and "coverage over 5 documents" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    result = run_cli("reindex", "--documents", str(docs), "--index", str(index), "--no-meaning")
    assert result.returncode == 0 and result.stdout.startswith("nothing changed")


def test_report_format_lists_skipped_files() -> None:
    report = ReindexReport(added=1, skipped=[("a.txt", "empty file")], coverage={"documents": 1}, index_dir="ix")
    report.generation = report.current = "gen-000003"
    text = report.format()
    assert text.splitlines()[0].startswith("published gen-000003 in ix")
    assert "  a.txt: empty file" in text


def test_an_index_of_an_older_schema_is_rebuilt_from_scratch(
    docs: Path, index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = reindex(docs, index, meaning=False)
    monkeypatch.setattr(index_module, "SCHEMA_VERSION", index_module.SCHEMA_VERSION + 1)
    report = reindex(docs, index, meaning=False)
    assert report.added == 5 and report.generation not in (None, first.generation)


def test_report_flags_sheets_whose_dates_contradict(docs: Path, index: Path) -> None:
    records = [
        {
            "id": "late-start",
            "title": "Projet A",
            "text": "Santé.",
            "kind": "project",
            "start_year": 2023,
            "end_year": 2021,
            "status": "Achevé",
        },
        {
            "id": "still-active",
            "title": "Projet B",
            "text": "Santé.",
            "kind": "project",
            "start_year": 2010,
            "end_year": 2012,
            "status": "Actif",
        },
        {
            "id": "fine",
            "title": "Projet C",
            "text": "Santé.",
            "kind": "project",
            "start_year": 2010,
            "end_year": 2012,
            "status": "Achevé",
        },
    ]
    (docs / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = reindex(docs, index, meaning=False)
    flagged = dict(report.inconsistent)
    assert flagged["late-start"] == "starts in 2023, after its end in 2021"
    assert flagged["still-active"] == "status Actif but it ended in 2012"
    assert "fine" not in flagged
    assert "001_cb2261dd374509e4" in flagged  # the seed sheet still says Actif after its end in 2024
    text = report.format()
    assert "inconsistent dates in 3 sheets:" in text and "late-start: starts in 2023" in text

    again = reindex(docs, index, meaning=False)  # nothing re-parsed, the flags are still reported
    assert again.generation is None and again.inconsistent == report.inconsistent

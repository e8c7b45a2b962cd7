"""Deterministic scale corpora and query sets built from real French text.

Pages are recombined from paragraphs of the CDTN corpus (labour-law pages in French), so word
frequencies, stemming and snippet windows behave like real text, while the facet values follow
the shape of the OIM/IOM project pages: about a hundred countries with a long tail, years
2000–2025 weighted to recent ones, sixteen project types and two statuses. One seeded
`random.Random` drives everything, and documents are drawn in order, so the 10,000-document
corpus is the prefix of the 100,000-document one and every run yields the same bytes.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.analysis import load_stopwords
from search.ingest import Country, Document, all_countries

DEFAULT_SOURCE = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "cdtn" / "corpus.jsonl"
DEFAULT_SEED = 20_240_601
PAGE_WORDS = 300
PARAGRAPH_WORDS = 40
COUNTRY_COUNT = 100
YEARS = range(2000, 2026)
STATUSES = ("Actif", "Achevé")
#: The project types of the OIM French pages ("Type de projet"), sixteen of them.
TYPES = (
    "Promotion de la santé et assistance sanitaire aux migrants",
    "Intégration et cohésion sociale",
    "Retour volontaire assisté et réintégration",
    "Lutte contre la traite des personnes",
    "Gestion des frontières et identité",
    "Migration de main-d'œuvre et mobilité humaine",
    "Migration et développement",
    "Gestion des urgences et des post-crises",
    "Migration, environnement et changement climatique",
    "Politique et recherche migratoires",
    "Protection et assistance aux migrants",
    "Stabilisation communautaire",
    "Gestion de l'information et des données",
    "Engagement de la diaspora",
    "Réinstallation et mouvements",
    "Transition et relèvement",
)
FACETS = ("country", "year", "type", "status")
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
QUERY_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True)
class Source:
    """The raw material: paragraphs and titles of the source collection, in file order."""

    paragraphs: tuple[str, ...]
    titles: tuple[str, ...]


@lru_cache(maxsize=2)
def load_source(path: str | Path = DEFAULT_SOURCE) -> Source:
    """Paragraphs of at least ``PARAGRAPH_WORDS`` words, cut at sentence ends, and every title.

    The CDTN texts break lines mid-thought (headings, list items); consecutive sentences are
    joined until a paragraph is long enough to read as one.
    """
    paragraphs: list[str] = []
    titles: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            record = json.loads(raw)
            if record.get("title"):
                titles.append(" ".join(record["title"].split()))
            paragraphs.extend(_paragraphs(record.get("text") or ""))
    return Source(tuple(paragraphs), tuple(titles))


def _paragraphs(text: str) -> Iterator[str]:
    words = 0
    pending: list[str] = []
    for line in text.split("\n"):
        for sentence in SENTENCE_END.split(line.strip()):
            if not sentence:
                continue
            pending.append(sentence)
            words += len(sentence.split())
            if words >= PARAGRAPH_WORDS:
                yield " ".join(pending)
                pending, words = [], 0


@dataclass(frozen=True)
class FacetModel:
    """How facet values are drawn: Zipf-like country weights, recent years more frequent."""

    countries: tuple[Country, ...]
    country_weights: tuple[float, ...]
    year_weights: tuple[float, ...]
    type_weights: tuple[float, ...]

    @classmethod
    def build(cls, seed: int) -> FacetModel:
        rng = random.Random(seed ^ 0x5EED)
        pool = sorted(all_countries(), key=lambda c: c.code)
        countries = tuple(rng.sample(pool, min(COUNTRY_COUNT, len(pool))))
        return cls(
            countries=countries,
            country_weights=tuple(1.0 / (rank + 1) ** 1.1 for rank in range(len(countries))),
            year_weights=tuple(1.0 + (year - YEARS.start) / 5 for year in YEARS),
            type_weights=tuple(1.0 / (rank + 1) ** 0.8 for rank in range(len(TYPES))),
        )

    def draw_countries(self, rng: random.Random) -> list[Country]:
        """Mostly one country, sometimes none (global projects) or a few (regional ones)."""
        roll = rng.random()
        how_many = 0 if roll < 0.08 else 1 if roll < 0.85 else rng.randint(2, 4)
        chosen = dict.fromkeys(rng.choices(self.countries, weights=self.country_weights, k=how_many))
        return list(chosen)

    def draw_year(self, rng: random.Random) -> int:
        return rng.choices(YEARS, weights=self.year_weights)[0]

    def draw_type(self, rng: random.Random) -> str:
        return rng.choices(TYPES, weights=self.type_weights)[0]

    def draw_value(self, facet: str, rng: random.Random) -> str:
        """A filter value as a client would send it (ISO code, year, type, status)."""
        if facet == "country":
            return rng.choices(self.countries, weights=self.country_weights)[0].code
        if facet == "year":
            return str(self.draw_year(rng))
        if facet == "type":
            return self.draw_type(rng)
        return rng.choice(STATUSES)


def generate(count: int, seed: int = DEFAULT_SEED, source: Source | None = None) -> Iterator[Document]:
    """``count`` pages, always the same for the same seed and source (a prefix of any larger run)."""
    source = source or load_source()
    model = FacetModel.build(seed)
    rng = random.Random(seed)
    for number in range(count):
        yield _page(number, rng, model, source)


def _page(number: int, rng: random.Random, model: FacetModel, source: Source) -> Document:
    target = max(120, int(rng.gauss(PAGE_WORDS, 60)))
    parts: list[str] = []
    words = 0
    while words < target:
        paragraph = rng.choice(source.paragraphs)
        parts.append(paragraph)
        words += len(paragraph.split())
    countries = model.draw_countries(rng)
    year = model.draw_year(rng)
    end_year = min(year + rng.randint(0, 4), YEARS.stop + 2)
    title = rng.choice(source.titles)
    if countries:
        title = f"{countries[0].name} : {title}"
    return Document(
        id=f"bench-{number:06d}",
        title=title,
        body="\n".join(parts),
        kind="project",
        countries=countries,
        year=year,
        start_year=year,
        end_year=end_year,
        type=model.draw_type(rng),
        status="Actif" if end_year >= YEARS.stop - 1 else "Achevé",
        budget_usd=round(rng.lognormvariate(13.0, 1.2), 2),
    )


def write_corpus(path: Path, count: int, seed: int = DEFAULT_SEED, source_path: str | Path = DEFAULT_SOURCE) -> Path:
    """Write the corpus as JSON Lines once; a later run with the same size and seed reuses it."""
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for doc in generate(count, seed, load_source(source_path)):
            handle.write(json.dumps(doc.to_dict(), ensure_ascii=False))
            handle.write("\n")
    tmp.replace(path)
    return path


def read_corpus(path: str | Path) -> Iterator[Document]:
    """The records of a corpus file (plain `Document.from_dict`, no checksum work)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield Document.from_dict(json.loads(line))


@dataclass(frozen=True)
class BenchQuery:
    """One timed query: 1–3 words, plus the one facet filter selected for the faceted modes."""

    text: str
    facet: str
    value: str


def vocabulary(paragraphs: Iterable[str], size: int = 5000) -> list[str]:
    """The ``size`` most frequent content words (4+ letters, not stop words), most frequent first."""
    stop = load_stopwords()
    counts: Counter[str] = Counter()
    for paragraph in paragraphs:
        counts.update(w for w in QUERY_WORD.findall(paragraph.lower()) if w not in stop)
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]]


def make_queries(
    count: int, seed: int = DEFAULT_SEED, source: Source | None = None, vocab_size: int = 5000
) -> list[BenchQuery]:
    """``count`` queries of 1–3 words drawn uniformly from the corpus vocabulary.

    Uniform over the top words mixes very common words (tens of thousands of matches at 100k)
    with rarer ones; the filter rotates over the four facets so each is the "own" facet a
    quarter of the time, with a value drawn like the documents' values.
    """
    source = source or load_source()
    words = vocabulary(source.paragraphs, vocab_size)
    model = FacetModel.build(seed)
    rng = random.Random(seed + 1)
    queries = []
    for number in range(count):
        text = " ".join(rng.sample(words, rng.randint(1, 3)))
        facet = FACETS[number % len(FACETS)]
        queries.append(BenchQuery(text, facet, model.draw_value(facet, rng)))
    return queries

"""Generated page files for tests that need a corpus bigger than the five seeds."""

from __future__ import annotations

import random
import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "index_data" / "documents"


def generated_pages(folder: Path, count: int, words: int, seed: int = 7) -> list[Path]:
    """`count` pages of random words from the seed pages, each with a distinct title."""
    vocabulary = sorted({w for p in SEEDS.glob("*.txt") for w in re.findall(r"[^\W\d_]{4,}", p.read_text("utf-8"))})
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        title = " ".join(rng.choices(vocabulary, k=6)).capitalize() + f" numéro{n}"
        path = folder / f"p{n:05d}.txt"
        path.write_text(f"{title}\n\n{' '.join(rng.choices(vocabulary, k=words))}.\n", encoding="utf-8")
        paths.append(path)
    return paths

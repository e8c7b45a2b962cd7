"""Highlighted titles and query-biased snippets, as safe HTML.

The text goes through the very analyzer that indexed it, with character offsets, so a word is
highlighted exactly when it produced one of the query's index terms (``migrantes`` for the query
``migrant``, ``OIM`` inside ``l’OIM``), and always in its original spelling. Everything outside
the ``<mark>`` tags is HTML-escaped: page text is never trusted.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from search.analysis import french_analyzer

SNIPPET_WORDS = 30
#: Longer bodies are only searched for a passage in their first this-many characters.
MAX_ANALYSED_CHARS = 200_000
ELLIPSIS = "…"
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Word:
    """One analysed token: its position, where it sits in the text, and whether it is a hit."""

    pos: int
    start: int
    end: int
    term: str
    hit: bool


@lru_cache(maxsize=1)
def _analyzer():
    return french_analyzer()


def words(text: str, terms: Collection[str]) -> Iterator[Word]:
    """Every token of ``text`` (stop words included, so windows count real words), hits flagged.

    Lazy, so that a caller who knows where the passage is can stop analysing after it.
    """
    for token in _analyzer()(text, chars=True, positions=True, removestops=False):
        # Whoosh reuses one Token object: copy what we need now.
        hit = not token.stopped and token.text in terms
        yield Word(token.pos, token.startchar, token.endchar, token.text, hit)


def highlight(text: str, terms: Collection[str]) -> str:
    """The whole of ``text`` as HTML, every word that matched the query in ``<mark>``."""
    spans = [(w.start, w.end) for w in words(text, terms) if w.hit]
    return _render(text, 0, len(text), spans)


def snippet(
    body: str,
    terms: Collection[str],
    size: int = SNIPPET_WORDS,
    hits: Sequence[tuple[int, str]] | None = None,
) -> str:
    """About ``size`` words of ``body`` around its densest cluster of hits, as HTML.

    ``hits`` are the (position, term) pairs of the query terms in the body when the caller has
    them (the index stores positions): the body is then analysed only up to the end of the
    passage instead of whole. With no hit (only the title matched) it is the start of the body.
    ``…`` marks a cut.
    """
    stream = words(body[:MAX_ANALYSED_CHARS], terms)
    tokens: list[Word] = []
    if hits is None:
        tokens = list(stream)
        hits = [(w.pos, w.term) for w in tokens if w.hit]
    start = _window_start(hits, size) if hits else 0
    end = start + size  # exclusive position
    cut_after = False
    if not tokens or tokens[-1].pos < end:
        for word in stream:
            tokens.append(word)
            if word.pos >= end:
                cut_after = True
                break
    else:
        cut_after = True
    if not tokens:
        return ""
    first_pos = tokens[0].pos
    if not cut_after:  # the body ends inside the window: slide it back to show a full window
        start = max(first_pos, min(start, max(w.pos for w in tokens) + 1 - size))
        end = start + size
    cut_after = cut_after or len(body) > MAX_ANALYSED_CHARS
    inside = [w for w in tokens if start <= w.pos < end]
    if not inside:  # hits beyond the analysed prefix of a huge body: show its start
        return snippet(body, terms, size, hits=[]) if hits else ""
    char_start = 0 if start <= first_pos else min(w.start for w in inside)
    char_end = max(w.end for w in inside) if cut_after else len(body)
    spans = [(w.start, w.end) for w in inside if w.hit]
    passage = _render(body, char_start, char_end, spans).strip()
    if start > first_pos:
        passage = f"{ELLIPSIS} {passage}"
    if cut_after:
        passage = f"{passage} {ELLIPSIS}"
    return passage


#: A word, as counted when a passage is widened around its hits without the analyzer.
RAW_WORD = re.compile(r"[^\W_][\w'’\-.,]*")
#: How far (characters) to look around the hits for the words that complete the passage.
CONTEXT_CHARS = 400


def snippet_from_offsets(body: str, hits: Sequence[tuple[int, str, int, int]], size: int = SNIPPET_WORDS) -> str:
    """About ``size`` words of ``body`` around its densest cluster of hits, from stored offsets.

    ``hits`` are (position, term, start char, end char) of the query terms, as the index stores
    them: no analysis of the body at all. The passage is widened to ``size`` words with a plain
    word pattern, before and after the cluster, and cut at word boundaries.
    """
    if not hits:
        return snippet(body, (), size, hits=[])
    start_pos = _window_start([(pos, term) for pos, term, _, _ in hits], size)
    inside = sorted(h for h in hits if start_pos <= h[0] < start_pos + size)
    first, last = inside[0], inside[-1]
    room = max(0, size - (last[0] - first[0] + 1))
    before = room // 2
    char_start = _words_back(body, first[2], before)
    char_end = _words_forward(body, last[3], room - before)
    spans = [(h[2], h[3]) for h in inside]
    passage = _render(body, char_start, char_end, spans).strip()
    if body[:char_start].strip():
        passage = f"{ELLIPSIS} {passage}"
    if body[char_end:].strip():
        passage = f"{passage} {ELLIPSIS}"
    return passage


def _words_back(text: str, start: int, count: int) -> int:
    """The start of the ``count``-th word before ``start`` (or of the text)."""
    if count <= 0:
        return start
    low = max(0, start - CONTEXT_CHARS)
    starts = [m.start() for m in RAW_WORD.finditer(text, low, start)]
    if low and starts:
        starts = starts[1:]  # the first may be cut in the middle
    return starts[-count] if len(starts) >= count else (starts[0] if low else 0)


def _words_forward(text: str, end: int, count: int) -> int:
    """The end of the ``count``-th word after ``end`` (or of the text)."""
    if count <= 0:
        return end
    matches = RAW_WORD.finditer(text, end, min(len(text), end + CONTEXT_CHARS))
    last = end
    for index, match in enumerate(matches, start=1):
        last = match.end()
        if index == count:
            break
    return last


def _window_start(hits: Sequence[tuple[int, str]], size: int) -> int:
    """First position of the ``size``-word window holding the most distinct, then most, hits.

    Two pointers over the hits sorted by position; the chosen cluster is then centred in the
    window so that it reads with some context on both sides.
    """
    hits = sorted(hits)
    seen: Counter[str] = Counter()
    best = (-1, -1)
    best_range = (hits[0][0], hits[0][0])
    right = 0
    for left, (pos, term) in enumerate(hits):
        while right < len(hits) and hits[right][0] < pos + size:
            seen[hits[right][1]] += 1
            right += 1
        quality = (len(seen), right - left)
        if quality > best:
            best, best_range = quality, (pos, hits[right - 1][0])
        seen[term] -= 1
        if not seen[term]:
            del seen[term]
    low, high = best_range
    return max(0, low - (size - (high - low + 1)) // 2)


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` escaped, with the (possibly overlapping) spans wrapped in ``<mark>``."""
    out = []
    cursor = start
    for span_start, span_end in _merge(spans):
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        out.append(_plain(text[cursor:span_start]))
        out.append(f"<mark>{_plain(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(_plain(text[cursor:end]))
    return "".join(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one (a compound and its parts give nested spans)."""
    merged: list[list[int]] = []
    for span_start, span_end in sorted(spans):
        if merged and span_start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span_end)
        else:
            merged.append([span_start, span_end])
    return [(a, b) for a, b in merged]


def _plain(text: str) -> str:
    """Escaped text with runs of white space (line breaks of the page) as one space."""
    return html.escape(SPACES.sub(" ", text))

"""Line-level helpers shared by the layout readers: clean-up, hard-wrap joining, derived titles."""

from __future__ import annotations

import re

from search.ingest.name_keys import name_key

__all__ = ["DERIVED_TITLE_CHARS", "clean_lines", "cut", "derive_title", "folded_start", "trim_blank", "unwrap"]

DERIVED_TITLE_CHARS = 120


_LIST_ITEM = re.compile(r"^(\s*)([-–•·▪◦●*])\s{2,}(?=\S)")


def clean_lines(text: str) -> list[str]:
    """Lines without trailing blanks; space-only lines empty; `-      item` → `- item`."""
    lines = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        line = _LIST_ITEM.sub(lambda m: f"{m.group(1)}{m.group(2)} ", line)
        lines.append(line)
    return lines


def trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Bodies cut at ~60 characters: most prose lines of similar, short length."""
    prose = [len(line) for line in lines if len(line.strip()) >= 30]
    return len(prose) >= 5 and sum(1 for n in prose if n <= 80) >= 0.8 * len(prose)


def unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines into paragraphs; list items and short lines end a paragraph."""
    if not _is_hard_wrapped(lines):
        return lines
    paragraphs: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if paragraphs and _continues(paragraphs[-1][-1].strip(), stripped):
            paragraphs[-1].append(stripped)
        else:
            paragraphs.append([line])
    return [" ".join(parts) for parts in paragraphs]


def _continues(previous: str, line: str) -> bool:
    """`line` carries on the wrapped line `previous` (full width, no sentence end, not a list item)."""
    if not line or len(previous) < 40 or _LIST_START.match(line):
        return False
    return line[:1].islower() or not re.search(r"[.!?:;|»]$", previous)


_LIST_START = re.compile(r"^(?:[-–•·▪◦●*]\s|\d+[.)]\s)")


def folded_start(line: str, size: int = 60) -> str:
    """Folded start of a line, for prefix tests that must stay cheap on very long lines."""
    return name_key(line[:size])


# --------------------------------------------------------------------------------------------
# Titles


_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[MS]t)(?<!\bMme)(?<!\bM)[.!?…](?=\s+[A-ZÀ-Ý«\"“])")


def derive_title(text: str, limit: int = DERIVED_TITLE_CHARS) -> str:
    """First sentence of `text`, cut at a word boundary to `limit` characters (with `…`)."""
    text = " ".join(text.split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.start() + 1] if match else text
    return cut(sentence, limit)


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"

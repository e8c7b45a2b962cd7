"""The matching key of names: accents folded, lower case, one apostrophe, hyphens as spaces.

Every lookup in the gazetteer, the menu vocabulary and the sheet labels goes through `name_key`, so
*Guinée*, *guinee* and *GUINÉE* meet, and *Côte-d’Ivoire* meets *Côte d'Ivoire*.
"""

from __future__ import annotations

import re

from unidecode import unidecode

__all__ = ["DASHES", "name_key", "name_key_with_map"]

_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ′`´"})
DASHES = "-‐‑‒–—_"


class _FoldTable(dict[int, str]):
    """`str.translate` table filled on first sight of each character (unidecode is slow per call)."""

    def __missing__(self, code: int) -> str:
        char = chr(code).translate(_APOSTROPHES)
        if char in DASHES or char.isspace():
            value = " "
        elif char == "'":
            value = char
        else:
            value = unidecode(char).lower()
        self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def _fold_char(char: str) -> str:
    return _FOLD_TABLE[ord(char)]


def name_key_with_map(text: str) -> tuple[str, list[int]]:
    """Fold `text` as `name_key` does and return, for each folded character, its index in `text`.

    The map lets callers report matches on the original text (glued names, hyphen checks).
    """
    out: list[str] = []
    index: list[int] = []
    for pos, char in enumerate(text):
        for piece in _fold_char(char):
            if piece == " " and (not out or out[-1] == " "):
                continue
            out.append(piece)
            index.append(pos)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


_SPACES = re.compile(r"\s+")


def name_key(text: str) -> str:
    """Matching key of a name: accents folded, lower case, one apostrophe, hyphens as spaces.

    Same result as `name_key_with_map(text)[0]`, without building the map.
    """
    return _SPACES.sub(" ", text.translate(_FOLD_TABLE)).strip(" ")

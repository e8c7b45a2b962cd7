"""The French chain word by word, stage by stage: what `/analyse` and `python -m search analyze` show."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from search.analysis.chain import fold
from search.analysis.fast import WORD, word_entry, word_parts

MAX_INSPECTED_CHARS = 2_000


@dataclass(frozen=True)
class TokenSteps:
    """One word through the chain, stage by stage (the analysis inspector).

    raw: the whole word as written; typed: the part of it this token comes from;
    word: after apostrophes, case, elision, compounds and acronyms;
    folded: after accent folding; stop: dropped as a stop word; term: the index term (None when
    dropped); ordinal: dropped as the suffix of a number (13ème).
    """

    raw: str
    typed: str
    word: str
    folded: str
    stop: bool
    ordinal: bool
    term: str | None
    position: int
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def inspect(text: str) -> list[TokenSteps]:
    """Every word of ``text`` through each stage of the chain, as indexing and search see it."""
    text = text[:MAX_INSPECTED_CHARS]
    steps: list[TokenSteps] = []
    after_number = False
    base = 0
    for match in WORD.finditer(text):
        parts, width = word_entry(match.group(0), True)
        for (term, stopped, is_suffix, is_number, rel, start, end), (word, *_) in zip(
            parts, word_parts(match.group(0)), strict=True
        ):
            ordinal = after_number and is_suffix
            after_number = False if ordinal else is_number
            steps.append(
                TokenSteps(
                    raw=match.group(0),
                    typed=text[match.start() + start : match.start() + end],
                    word=word,
                    folded=fold(word),
                    stop=stopped,
                    ordinal=ordinal,
                    term=None if stopped or ordinal else term,
                    position=base + rel,
                    start=match.start() + start,
                    end=match.start() + end,
                )
            )
        base += width
    return steps

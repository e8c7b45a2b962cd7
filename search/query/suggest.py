"""Did-you-mean: a corrected query built from the index's own whole words.

Suggestions come from the unstemmed, folded words Whoosh keeps in the ``spell_*`` fields, so the
user sees words (``documents système``), never stems (``docu system``). The query is read with
the same French chain (elisions, stop words, folding), and numbers and words of three letters
or fewer are never changed.
"""

from __future__ import annotations

from search.analysis import french_analyzer

MIN_LETTERS = 4
TWO_EDITS_LETTERS = 8
#: Suggest when a query finds fewer documents than this.
SUGGEST_BELOW = 3


def suggest(text: str, vocabulary) -> str | None:
    """The query with each unknown word replaced by the most frequent close word of the index."""
    replacements: list[tuple[int, int, str]] = []
    for token in french_analyzer(stem_words=False)(text, chars=True):
        typed = text[token.startchar : token.endchar]
        word = token.text
        if len(word) < MIN_LETTERS or not typed.isalpha() or vocabulary.is_word(word):
            continue
        candidates = vocabulary.near_words(word, 2 if len(word) >= TWO_EDITS_LETTERS else 1)
        if candidates:
            replacements.append((token.startchar, token.endchar, candidates[0]))
    if not replacements:
        return None
    pieces, last = [], 0
    for start, end, word in replacements:
        pieces += [text[last:start], word]
        last = end
    pieces.append(text[last:])
    return "".join(pieces).strip()

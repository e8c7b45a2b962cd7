"""Scale benchmark: our engine against stock Whoosh, tantivy and bm25s on the same synthetic corpus.

``python -m search.bench`` builds deterministic corpora of real French text (paragraphs of the
CDTN collection recombined into ~300-word pages with OIM-like facets), indexes them with each
engine in its own subprocess (so peak memory is per engine), times the same queries on each,
prints one table with every engine's ratio to tantivy and writes ``bench-results.json``.

The comparison engines come from the optional ``bench`` extra; an engine that is not installed
is skipped, never faked. Figures are measurements, not assertions: nothing here fails a build.
"""

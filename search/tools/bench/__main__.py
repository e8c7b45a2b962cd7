"""``python -m search.bench``: measure our engine against stock Whoosh, tantivy and bm25s.

python -m search.tools.bench                       # 10,000 and 100,000 documents (make bench)
python -m search.tools.bench --sizes 2000          # quick run while developing
"""

from __future__ import annotations

import sys

from search.tools.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())

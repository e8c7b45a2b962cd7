"""Developer tools: ranking quality (`evaluate`, `ablation`), speed side by side with other
engines (`bench`) and HTTP load (`loadtest`). Run as ``python -m search.tools``; they import the
search like any client would, and the search never imports them.
"""

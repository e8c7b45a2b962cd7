"""``python -m web [--host 127.0.0.1] [--port 5000] [--index DIR]``: run the app on Flask's threaded server."""

from __future__ import annotations

import argparse
import logging
import sys

from web import DEFAULT_INDEX_DIR, create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web", description="Serve the search API and pages.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--index", default=DEFAULT_INDEX_DIR, help=f"index folder (default: {DEFAULT_INDEX_DIR})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    app = create_app({"INDEX_DIR": args.index})
    app.run(host=args.host, port=args.port, threaded=True, debug=False, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

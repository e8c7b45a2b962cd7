"""Security headers on every response, errors included."""

from __future__ import annotations

from flask import Flask, Response

HEADERS = {
    # No inline scripts or styles anywhere: pages load their code from /static.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response

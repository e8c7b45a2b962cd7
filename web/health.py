"""``GET /healthz``: is there an index, which generation, how many documents."""

from __future__ import annotations

from flask import Blueprint, jsonify

from web import backend

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(backend.service().status().to_dict())

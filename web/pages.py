"""Server-rendered pages."""

from flask import Blueprint, jsonify

blueprint = Blueprint("pages", __name__)


@blueprint.get("/health")
def health():
    """Liveness, and the framework's floor in benchmarks."""
    return jsonify(status="ok")

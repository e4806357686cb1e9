"""Every API error has one shape: {"error": {"code", "message", "details"}} with a fitting status."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from workflow.errors import DomainError

STATUS = {"bad_request": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404,
          "transition_not_allowed": 409, "stale_version": 409, "not_allowed": 409, "validation_error": 422}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
         429: "too_many_requests"}


def error_response(status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None):
    response = jsonify(error={"code": code, "message": message, "details": details or {}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _validation_details(messages) -> dict:
    """webargs nests messages by location ({"json": {...}}); callers care about fields."""
    if isinstance(messages, dict):
        flat = {}
        for location, fields in messages.items():
            if isinstance(fields, dict):
                flat.update({k: v if isinstance(v, list) else [str(v)] for k, v in fields.items()})
            else:
                flat[location if location != "json" else "body"] = fields if isinstance(fields, list) else [fields]
        return flat
    return {"body": [str(messages)]}


def handle_http(error: HTTPException):
    if not wants_json():
        if error.code in (403, 404, 405, 409, 422, 429):
            return render_template("error.html", error=error), error.code
        return error
    data = getattr(error, "data", None) or {}
    code = CODES.get(error.code, "error")
    details = _validation_details(data["messages"]) if "messages" in data else data.get("details", {})
    if error.code == 422 and "messages" in data:
        message = "invalid fields: " + ", ".join(sorted(details))
    elif error.code == 400 and "messages" in data:
        message = "the request body is not valid JSON"
    else:
        message = data.get("message") or error.description or error.name
    headers = dict(data.get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(error.code, code, message, details, headers)


def handle_domain(error: DomainError):
    if not wants_json():
        return render_template("error.html", error=error), STATUS.get(error.code, 400)
    return error_response(STATUS.get(error.code, 400), error.code, error.message, error.details)


def handle_unexpected(error: Exception):
    """Never leak a traceback; the log has it."""
    from flask import current_app
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if not wants_json():
        return render_template("error.html", error=None), 500
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, handle_unexpected)

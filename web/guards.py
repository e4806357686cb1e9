"""What no request may bring in: bodies over the limit, JSON nested without end, and text no database can
store (NUL characters, which PostgreSQL refuses, and lone surrogates, which UTF-8 cannot encode). Each is
refused at the edge with the error shape, before anything reads it, so no input reaches a 500."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest

#: The largest request body taken (413 beyond).
MAX_BODY = 1024 * 1024
#: How deeply JSON may nest: no request of this API needs more than a few levels.
MAX_DEPTH = 32


def problem_in(value: Any) -> str | None:
    """Why `value` (parsed JSON or a string) cannot be taken, or None."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"JSON nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, str):
            if "\x00" in item:
                return "text may not contain NUL characters"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text must be valid Unicode (no lone surrogates)"
        elif isinstance(item, dict):
            pending += [(k, depth + 1) for k in item] + [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            pending += [(v, depth + 1) for v in item]
    return None


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON at all (the API answers that with a 400 itself).
    JSON nested too deeply for Python's parser is malformed input, not a crash."""
    try:
        return json.loads(request.get_data(cache=True))  # over MAX_CONTENT_LENGTH: a 413 here
    except RecursionError as error:
        raise BadRequest("JSON nested too deeply") from error
    except ValueError:
        return None


def init(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_BODY

    @app.before_request
    def refuse_unstorable_input():
        values = [*request.args.keys(), *request.args.values()]
        if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
            values += [*request.form.keys(), *request.form.values()]
        problem = problem_in(values)
        if problem is None and request.is_json:
            problem = problem_in(_json_body())
        if problem is not None:
            raise BadRequest(problem)

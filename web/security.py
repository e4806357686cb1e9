"""CSRF on every form, and strict security headers on every response."""

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init(app: Flask) -> None:
    csrf.init_app(app)
    for name, blueprint in app.blueprints.items():
        if name.startswith("api_") or name == "api-docs":  # JSON with SameSite cookies or Bearer tokens
            csrf.exempt(blueprint)

    @app.after_request
    def secure(response):
        response.headers.update({k: v for k, v in HEADERS.items() if k not in response.headers})
        if not request.path.startswith("/static/"):  # case data must not stay in a shared or browser cache
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

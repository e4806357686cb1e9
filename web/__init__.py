"""The web edge: the application factory, pages, the JSON API and the command line."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from services.core import bootstrap
from services.setup import ensure_ready
from web.settings import load_settings


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(overrides, Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings)
    app.extensions["qareview"] = core = bootstrap(
        database_url=settings["DATABASE_URL"],
        timezone=settings["TIMEZONE"],
        config_dir=Path(settings["CONFIG_DIR"]),
        password_profile=settings["PASSWORD_HASH_PROFILE"],
        public_url=settings["PUBLIC_URL"],
        audit_key=settings["AUDIT_KEY"],
        checkpoint_dir=Path(settings["AUDIT_CHECKPOINT_DIR"]),
    )
    ensure_ready(core)

    if settings["TRUSTED_PROXIES"]:  # behind them, the client's address is the one they forward
        hops = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from web import api, auth, cli, errors, guards, pages, report_pages, security
    errors.register(app)
    guards.init(app)
    auth.init(app)
    api.init(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(report_pages.blueprint)
    security.init(app)
    cli.register(app)
    return app

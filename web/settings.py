"""Settings: `config/settings.toml`, then environment variables of the same name, then overrides."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from services.core import CONFIG_DIR

#: Keys honoured besides those in settings.toml (they have no file default).
EXTRA_KEYS = ("DATABASE_URL", "SECRET_KEY", "TESTING", "CONFIG_DIR", "AUDIT_KEY", "AUDIT_CHECKPOINT_DIR")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _coerce(key: str, raw: str, like: Any) -> Any:
    if isinstance(like, bool) or key == "TESTING":
        value = raw.strip().lower()
        if value not in _TRUE | _FALSE:
            raise ValueError(f"environment variable {key} must be true or false, not {raw!r}")
        return value in _TRUE
    if isinstance(like, int):
        return int(raw)
    return raw


def load_settings(overrides: dict | None, instance_path: Path) -> dict[str, Any]:
    overrides = dict(overrides or {})
    config_dir = Path(overrides.get("CONFIG_DIR") or os.environ.get("CONFIG_DIR") or CONFIG_DIR)
    with (config_dir / "settings.toml").open("rb") as f:
        settings: dict[str, Any] = tomllib.load(f)
    settings["CONFIG_DIR"] = str(config_dir)
    for key in (*settings, *EXTRA_KEYS):
        if key in os.environ and key not in overrides:
            settings[key] = _coerce(key, os.environ[key], settings.get(key))
    settings.update(overrides)
    settings.setdefault("TESTING", False)
    settings.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'qareview.sqlite3'}")
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _instance_secret(instance_path, "secret_key")
    if not settings.get("AUDIT_KEY"):  # kept like SECRET_KEY: in the instance folder, never in the database
        settings["AUDIT_KEY"] = _instance_secret(instance_path, "audit_key")
    if not settings.get("AUDIT_CHECKPOINT_DIR"):
        settings["AUDIT_CHECKPOINT_DIR"] = str(instance_path)
    return settings


def _instance_secret(instance_path: Path, name: str) -> str:
    """A random key kept in the instance folder (owner-only), so it survives restarts without configuration."""
    path = instance_path / name
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()

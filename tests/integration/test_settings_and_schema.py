"""Configuration layering and the schema: what create_app and Alembic promise."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from web import create_app


def test_overrides_beat_environment_which_beats_config_files(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "America/New_York")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    url = f"sqlite:///{tmp_path}/s.sqlite3"
    app = create_app({"DATABASE_URL": url, "MAIL_PORT": 1025})
    assert app.config["TIMEZONE"] == "America/New_York"          # environment over settings.toml
    assert app.config["MAIL_PORT"] == 1025                      # override over environment
    assert app.config["SCHEDULER_ENABLED"] is False
    assert app.config["MAIL_FROM"] == "qareview@localhost"      # settings.toml
    assert str(app.extensions["qareview"].calendar.tz) == "America/New_York"
    app.extensions["qareview"].engine.dispose()


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].startswith("sqlite:///") and app.instance_path in app.config["DATABASE_URL"]
    assert app.config["SECRET_KEY"]
    app.extensions["qareview"].engine.dispose()


def test_the_migrations_build_exactly_the_models(core):
    with core.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_a_new_empty_database_is_ready_on_first_start(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3", "TESTING": True,
                      "SCHEDULER_ENABLED": False})
    client = app.test_client()
    assert client.post("/api/v1/session", json={"email": "x@y.org", "password": "nope"}).status_code == 401
    assert app.test_cli_runner().invoke(args=["deadlines"]).output.strip() == "no open deadlines"
    app.extensions["qareview"].engine.dispose()

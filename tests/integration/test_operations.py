"""Running it: files only their owner reads, readiness that asks the database."""

import stat

from sqlalchemy import create_engine

from web import create_app


def test_the_sqlite_database_and_its_wal_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "instance" / "qareview.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "t"})
    with app.extensions["qareview"].uow() as uow:       # a write: the WAL exists now
        uow.regions.replace([("ZZ", "Test", False)], [])
        uow.commit()
    for file in (path, path.with_name(path.name + "-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    app.extensions["qareview"].engine.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "t"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    app.extensions["qareview"].engine.dispose()


def test_ready_asks_the_database_and_health_only_the_process(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False, "SECRET_KEY": "t"})
    client = app.test_client()
    assert client.get("/ready").json == {"status": "ready", "database": "ok"}
    app.extensions["qareview"].engine.dispose()
    broken = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                         "SECRET_KEY": "t"})
    core = broken.extensions["qareview"]
    core.engine.dispose()                   # the database goes away under the running app
    unreachable = ("sqlite:////nonexistent/dir/x.sqlite3" if database_url.startswith("sqlite")
                   else "postgresql+psycopg://nobody@127.0.0.1:1/none")
    core.engine = create_engine(unreachable)
    core.__post_init__()
    client = broken.test_client()
    response = client.get("/ready")
    assert response.status_code == 503 and response.json["database"] == "unreachable"
    assert client.get("/health").status_code == 200
    core.engine.dispose()

"""Shared test settings. In CI (`CI` set) PostgreSQL is required; elsewhere its tests skip when it is down."""

import os

import pytest

IN_CI = bool(os.environ.get("CI"))
POSTGRES_ADMIN = os.environ.get("QAREVIEW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
#: The audit key every test database is sealed with (create_app reads it from the environment below).
TEST_AUDIT_KEY = "test-audit-key"


@pytest.fixture(autouse=True)
def _audit_settings(monkeypatch, tmp_path_factory):
    """Apps made in tests seal their audit chain with the tests' key and keep checkpoints in a folder of
    the test's own, never in the repository's instance folder."""
    monkeypatch.setenv("AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path_factory.mktemp("checkpoints")))

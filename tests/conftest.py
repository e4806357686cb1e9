"""Shared test settings. In CI (`CI` set) PostgreSQL is required; elsewhere its tests skip when it is down."""

import os

IN_CI = bool(os.environ.get("CI"))
POSTGRES_ADMIN = os.environ.get("QAREVIEW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

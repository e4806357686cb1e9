"""Schemathesis against the OpenAPI document, logged in: no 500, and every response matches its schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.integration.web.conftest import Unit
from web import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_endpoint_answers_within_its_contract(sqlite_url):
    app = create_app({"DATABASE_URL": sqlite_url, "TESTING": False, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test"})   # TESTING off: errors as users see them
    token = Unit(app.extensions["qareview"]).token(app.extensions["qareview"], "lead")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        exercise()
    app.extensions["qareview"].engine.dispose()

"""Property: whatever JSON body or query string anyone sends to any API operation, the answer is one of the
SPEC's — never a 500 (TESTING off, so errors are answered as users see them)."""

import json
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.web.conftest import Unit
from web import create_app

ANY_CHARACTER = st.characters(blacklist_categories=())    # NUL, lone surrogates and all
TEXT = st.text(ANY_CHARACTER, max_size=40)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
KNOWN_KEYS = st.sampled_from(["trigger", "version", "reason", "notes", "cb_consulted", "review_date", "reviewer",
                              "case_id", "type", "description", "region", "review_month", "kind", "case_type",
                              "case_number", "email", "password", "corrective_action", "systemic_issue",
                              "prevention_plan", "since", "until", "cursor", "limit", "state", "overdue", "seed",
                              "period_start", "start", "end", "held_on", "participants", "participant", "note"])
BODIES = st.dictionaries(KNOWN_KEYS | TEXT, JSON, max_size=6) | JSON
QUERIES = st.dictionaries(KNOWN_KEYS | TEXT, TEXT, max_size=4)


@pytest.fixture
def api(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": False, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test"})
    unit = Unit(app.extensions["qareview"])
    yield app, unit, unit.token(app.extensions["qareview"], "lead")
    app.extensions["qareview"].engine.dispose()


def operations(app, unit):
    ids = {"case_id": unit.cases_3n[0], "concern_id": unit.concern_3n, "review_id": unit.review_3n, "feedback_id": 1}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and "openapi" not in rule.rule:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def test_no_body_and_no_query_string_gives_a_500_on_any_api_operation(api):
    app, unit, token = api
    client = app.test_client()
    seen = list(operations(app, unit))
    assert len(seen) >= 15

    @given(operation=st.sampled_from(seen), body=BODIES, query=QUERIES)
    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def never_500(operation, body, query):
        method, path = operation
        data = json.dumps(body).encode("utf-8", "surrogatepass")
        url = path + "?" + urlencode({k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
                                      for k, v in query.items()})
        response = client.open(url, method=method, data=data, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (method, url, body, response.get_data(as_text=True)[:300])

    never_500()


FORMS = st.dictionaries(KNOWN_KEYS | TEXT, TEXT, max_size=6)


@pytest.fixture
def pages(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": False, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False})
    unit = Unit(app.extensions["qareview"])
    yield app, unit
    app.extensions["qareview"].engine.dispose()


def test_no_form_and_no_query_string_gives_a_500_on_any_page(pages):
    """Where schemathesis cannot reach (the pages have no OpenAPI description), the same property holds for
    every page and form, with CSRF off so that the forms' handlers themselves are reached."""
    app, unit = pages
    client = app.test_client()
    assert client.post("/login", data={"email": "lead@qa.test", "password": "correct horse"}).status_code == 302
    ids = {"case_id": unit.cases_3n[0], "concern_id": unit.concern_3n, "review_id": unit.review_3n,
           "filename": "app.css", "conflict_id": 1, "feedback_id": 1}
    seen = [(method, re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
            for rule in app.url_map.iter_rules() if not rule.rule.startswith(("/api/", "/logout"))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(seen) >= 15

    @given(operation=st.sampled_from(seen), form=FORMS, query=QUERIES)
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def never_500(operation, form, query):
        method, path = operation
        encode = {k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass") for k, v in form.items()}
        url = path + "?" + urlencode({k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
                                      for k, v in query.items()})
        response = client.open(url, method=method, data=urlencode(encode),
                               content_type="application/x-www-form-urlencoded")
        response.close()  # a static file is sent as a file
        assert response.status_code < 500, (method, url, form)

    never_500()

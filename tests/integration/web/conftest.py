"""An app on each database with a small unit in it, and clients logged in as anyone."""

from __future__ import annotations

import pytest

from services import people
from services.bus import execute, handle
from tests.integration.conftest import NOW, Staff, new_review
from workflow.commands import FireCaseTrigger, FireConcernTrigger, RaiseConcern
from web import create_app


class Unit:
    """Staff, a 3N review with three cases (one assigned), a 2E review with one case, a concern in each region."""

    def __init__(self, core):
        self.staff = Staff(core)
        lead = self.staff.lead
        self.review_3n, self.cases_3n = new_review(core, lead, region="3N", cases_count=3)
        self.review_2e, (self.case_2e,) = new_review(core, lead, region="2E")
        execute(core, FireCaseTrigger(case_id=self.cases_3n[0], trigger="screen", actor=lead, at=NOW))
        with core.uow() as uow:
            self.concern_3n = handle(core, uow, RaiseConcern(case_id=self.cases_3n[1], type="runaway", actor=lead,
                                                             description="ran away twice", at=NOW)).id
            self.concern_2e = handle(core, uow, RaiseConcern(case_id=self.case_2e, type="safety_issue", actor=lead,
                                                             description="unsafe home", at=NOW)).id
            for concern_id in (self.concern_3n, self.concern_2e):
                handle(core, uow, FireConcernTrigger(concern_id=concern_id, trigger="notify_region", actor=lead,
                                                     at=NOW))
            uow.commit()

    def token(self, core, name: str) -> str:
        with core.uow() as uow:
            token = people.issue_token(uow, Staff.email(name), now=core.now())
            uow.commit()
        return token


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"})
    app.extensions["qareview"].clock = lambda: NOW
    yield app
    app.extensions["qareview"].engine.dispose()


@pytest.fixture
def unit(app) -> Unit:
    return Unit(app.extensions["qareview"])


@pytest.fixture
def client_as(app, unit):
    """A test client logged in (session cookie) as one of the unit's people."""
    def login(name: str):
        client = app.test_client()
        response = client.post("/api/v1/session", json={"email": Staff.email(name), "password": "correct horse"})
        assert response.status_code == 200, response.json
        return client
    return login

"""The pages: what each person sees, and bad form input answered in words, never a 500."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from models.tables import Deadline
from services import people
from tests.integration.conftest import NOW, stored
from workflow.roles import Role
from services.bus import handle
from workflow.commands import AddCase, FireCaseTrigger


@pytest.fixture
def admin(app, unit, client_as):
    core = app.extensions["qareview"]
    with core.uow() as uow:
        people.add_user(uow, email="admin@qa.test", name="Admin", roles=[Role.ADMIN],
                        password="correct horse", passwords=core.passwords)
        uow.commit()
    return client_as("admin")


def test_my_work_lists_what_waits_on_each_person(client_as, unit):
    lead = client_as("lead").get("/").data.decode()
    assert "FC-000" in lead and "Cases waiting on me (4)" in lead   # sampled and screened: the lead's step
    reviewer = client_as("reviewer").get("/").data.decode()
    assert "Nothing is waiting on you." in reviewer
    leader = client_as("leader").get("/").data.decode()
    assert f"/concerns/{unit.concern_3n}" in leader and f"/concerns/{unit.concern_2e}" not in leader


def test_my_work_shows_due_times_in_the_units_zone_soonest_first_and_marks_the_overdue(app, client_as, unit):
    core = app.extensions["qareview"]
    late, soon = NOW - timedelta(hours=30), NOW + timedelta(days=2)
    with stored(core) as session:
        for case_id, due in ((unit.cases_3n[2], soon), (unit.cases_3n[0], late)):
            session.add(Deadline(entity="case", entity_id=case_id, clock="finalize", started_at=NOW, due_at=due))
        session.commit()
    rows = client_as("lead").get("/").data.decode().split("<tr>")[2:]
    shown = [due.astimezone(ZoneInfo("America/Chicago")).strftime("%a %d %b %Y %H:%M %Z") for due in (late, soon)]
    assert f"/cases/{unit.cases_3n[0]}" in rows[0] and f'<td class="overdue">{shown[0]} <strong>overdue' in rows[0]
    assert f"/cases/{unit.cases_3n[2]}" in rows[1] and f"<td>{shown[1]}</td>" in rows[1]
    assert "<td>—</td>" in rows[2]                                  # no clock runs: after those that do


def test_what_people_typed_is_shown_as_text_never_as_markup(app, client_as, unit):
    core = app.extensions["qareview"]
    with core.uow() as uow:
        case_id = handle(core, uow, AddCase(actor=unit.staff.lead, review_id=unit.review_3n, case_type="in_home",
                                 case_number='<b onclick="x()">7</b>&\'', at=NOW)).id
        uow.commit()
    shown = "&lt;b onclick=&#34;x()&#34;&gt;7&lt;/b&gt;&amp;&#39;"
    client = client_as("lead")
    for page in ("/", f"/cases/{case_id}", f"/reviews/{unit.review_3n}"):
        html = client.get(page).data.decode()
        assert '<b onclick' not in html
        assert shown in html.replace("&#x27;", "&#39;").replace("&quot;", "&#34;"), page


def test_the_case_page_offers_only_this_persons_actions(client_as, unit):
    page = client_as("lead").get(f"/cases/{unit.cases_3n[0]}").data.decode()
    assert 'value="assign"' in page and 'value="eliminate"' in page
    page = client_as("reviewer").get(f"/cases/{unit.cases_3n[0]}").data.decode()
    assert "the next step belongs to someone else" in page


@pytest.mark.parametrize("form", [
    {"email": "nobody@qa.test", "case_id": "1"},
    {"email": "qa1@qa.test", "case_id": "99999"},
    {"email": "qa1@qa.test", "region": "9Z"},
    {"email": "qa1@qa.test"},
    {"email": "qa1@qa.test", "case_id": "1", "region": "3N"},
])
def test_bad_conflict_declarations_are_refused_in_words(admin, form):
    response = admin.post("/admin/conflicts", data=form, follow_redirects=True)
    assert response.status_code in (200, 404)
    assert "Conflict of interest recorded" not in response.data.decode()


@pytest.mark.parametrize("form", [
    {"trigger": "assign", "reviewer": "reviewer@qa.test", "first_qa": "qa1@qa.test", "second_qa": "qa1@qa.test"},
    {"trigger": "submit_review", "review_date": "not a date"},
    {"trigger": "warp"},
    {"trigger": "assign", "version": "1"},
])
def test_bad_case_actions_are_explained_and_change_nothing(client_as, unit, form):
    client = client_as("lead")
    case_id = unit.cases_3n[0]
    page = client.post(f"/cases/{case_id}/fire", data=form, follow_redirects=True).data.decode()
    assert 'class="flash error"' in page
    assert client.get(f"/api/v1/cases/{case_id}").json["state"] == "screened"


def test_the_audit_page_refuses_bad_dates_in_words(admin):
    response = admin.get("/audit?since=yesterday")
    assert response.status_code == 422 and b"YYYY-MM-DD" in response.data


def test_only_team_leads_see_what_a_deidentified_case_was_called(app, client_as, unit):
    from models.tables import CaseRow
    core = app.extensions["qareview"]
    case_id = unit.cases_3n[0]
    with stored(core) as session:
        row = session.get(CaseRow, case_id)
        row.state, row.finalized_at = "finalized", core.now()
        session.commit()
    with core.uow() as uow:
        handle(core, uow, FireCaseTrigger(case_id=case_id, trigger="deidentify", actor=unit.staff.lead,
                                          at=core.now()))
        uow.commit()
    assert "Before de-identification</dt><dd>case FC-000" in client_as("lead").get(f"/cases/{case_id}").data.decode()
    page = client_as("reviewer").get(f"/cases/{case_id}").data.decode()
    assert "Before de-identification" not in page and "FC-000" not in page


def test_row_links_are_the_pages_own_addresses_even_under_a_prefix(app, client_as, unit):
    client = client_as("lead")
    page = client.get("/", base_url="http://localhost/qa").data.decode()
    assert f'href="/qa/cases/{unit.cases_3n[1]}"' in page and f'href="/qa/concerns/{unit.concern_3n}"' not in page
    page = client.get("/concerns", base_url="http://localhost/qa").data.decode()
    assert f'href="/qa/concerns/{unit.concern_3n}"' in page

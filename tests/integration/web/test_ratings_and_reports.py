"""Ratings through the API, and the reports and PIP worksheet over them."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.test_case_people import fire


def assigned(client_as, case_id):
    assert fire(client_as("lead"), case_id, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test",
                second_qa="qa2@qa.test").status_code == 200


def test_the_reviewer_rates_each_qa_level_may_change_and_qa_completion_locks(app, unit, client_as):
    case_id = unit.cases_3n[0]
    reviewer, qa1, qa2, lead = (client_as(n) for n in ("reviewer", "qa1", "qa2", "lead"))
    assert reviewer.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"1": {"rating": "na"}}}).status_code == 409
    assigned(client_as, case_id)
    rated = reviewer.put(f"/api/v1/cases/{case_id}/ratings",
                         json={"items": {"2": {"rating": "strength", "rationale": "services in place"},
                                         "3": {"rating": "ani", "rationale": "no safety plan"}}})
    assert rated.status_code == 200
    assert rated.json["items"]["2"] == {"rating": "strength", "rationale": "services in place"}
    assert rated.json["items"]["1"] is None and set(rated.json["items"]) == {str(n) for n in range(1, 19)}
    assert rated.json["outcomes"]["safety_2"] == "partially_achieved" and rated.json["outcomes"]["safety_1"] is None
    assert lead.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"1": {"rating": "na"}}}).status_code == 403
    bad = reviewer.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"19": {"rating": "na"},
                                                                         "1": {"rating": "great"}}})
    assert bad.status_code == 422 and set(bad.json["error"]["details"]) == {"19", "1"}

    fire(reviewer, case_id, "submit_review", review_date="2026-11-18")
    fire(reviewer, case_id, "submit_first_qa")
    changed = qa1.put(f"/api/v1/cases/{case_id}/ratings",
                      json={"items": {"3": {"rating": "strength", "rationale": "plan found in the file"}}})
    assert changed.json["outcomes"]["safety_2"] == "substantially_achieved"
    history = lead.get(f"/api/v1/cases/{case_id}/history").json["items"]
    assert [h["notes"] for h in history if h["trigger"] == "rate"][-1] == \
        "rated by the first qa: item 3: ani → strength (plan found in the file)"
    assert [h["actor"] for h in history if h["trigger"] == "rate"][-1] == "qa1@qa.test"
    assert reviewer.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"1": {"rating": "na"}}}).status_code == 403
    fire(qa1, case_id, "pass_first_qa")
    assert qa2.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"1": {"rating": "na"}}}).status_code == 200
    fire(qa2, case_id, "complete_qa")
    locked = qa2.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"1": {"rating": "ani"}}})
    assert locked.status_code == 409 and "locked" in locked.json["error"]["message"]


def test_an_in_home_case_starts_with_items_4_to_11_na_and_refuses_rating_them(app, unit, client_as):
    lead = client_as("lead")
    case = lead.post(f"/api/v1/reviews/{unit.review_3n}/cases", json={"case_type": "in_home", "case_number": "IH-1"})
    case_id = case.json["id"]
    fire(lead, case_id, "screen")
    assigned(client_as, case_id)
    got = lead.get(f"/api/v1/cases/{case_id}/ratings").json
    assert {n for n, r in got["items"].items() if r and r["rating"] == "na"} == {str(n) for n in range(4, 12)}
    assert got["outcomes"]["permanency_1"] == got["outcomes"]["permanency_2"] == "not_applicable"
    refused = client_as("reviewer").put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"4": {"rating": "ani"}}})
    assert refused.status_code == 422 and "4" in refused.json["error"]["details"]


def rate_through_qa(client_as, lead, review_id, number, case_type, ratings, review_date):
    """A case added by hand, rated, taken through QA on `review_date`; its id."""
    case_id = lead.post(f"/api/v1/reviews/{review_id}/cases",
                        json={"case_type": case_type, "case_number": f"R-{number}"}).json["id"]
    reviewer = client_as("reviewer")
    fire(lead, case_id, "screen")
    assigned(client_as, case_id)
    items = {str(n): {"rating": r} for n, r in ratings.items()}
    assert reviewer.put(f"/api/v1/cases/{case_id}/ratings", json={"items": items}).status_code == 200
    fire(reviewer, case_id, "submit_review", review_date=review_date)
    fire(reviewer, case_id, "submit_first_qa")
    fire(client_as("qa1"), case_id, "pass_first_qa")
    fire(client_as("qa2"), case_id, "complete_qa")
    return case_id


def test_the_item_report_counts_only_cases_past_second_level_qa(app, unit, client_as):
    lead = client_as("lead")
    all_items = {n: "strength" for n in range(1, 19)}
    rate_through_qa(client_as, lead, unit.review_3n, 1, "foster_care", all_items, "2026-11-18")
    rate_through_qa(client_as, lead, unit.review_3n, 2, "foster_care", all_items | {12: "ani", 2: "na"}, "2026-11-19")
    rate_through_qa(client_as, lead, unit.review_3n, 3, "in_home",
                    {n: "ani" for n in (1, 2, 3, 12, 13, 14, 15, 16, 17, 18)}, "2026-11-19")
    assigned(client_as, unit.cases_3n[0])                 # rated but not through QA: does not count
    client_as("reviewer").put(f"/api/v1/cases/{unit.cases_3n[0]}/ratings", json={"items": {"12": {"rating": "ani"}}})

    report = lead.get(f"/api/v1/reports/items?review={unit.review_3n}").json
    assert report["cases"] == 3
    item = {row["item"]: row for row in report["items"]}
    assert item[12] == {"item": 12, "name": "Needs and Services of Child, Parents, and Foster Parents",
                        "applicable": 3, "strength": 1, "ani": 2, "strength_percent": pytest.approx(100 / 3)}
    assert (item[2]["applicable"], item[2]["strength"]) == (2, 1)          # one NA
    assert (item[4]["applicable"], item[4]["strength_percent"]) == (2, 100.0)   # in-home: NA
    outcome = {row["outcome"]: row for row in report["outcomes"]}
    assert (outcome["well_being_1"]["applicable"], outcome["well_being_1"]["substantially_achieved"],
            outcome["well_being_1"]["partially_achieved"], outcome["well_being_1"]["not_achieved"]) == (3, 1, 1, 1)
    assert outcome["permanency_1"]["applicable"] == 2
    principle = {row["principle"]: row for row in report["principles"]}
    assert principle["involving_families"]["strength_percent"] == pytest.approx(200 / 3)
    assert lead.get("/api/v1/reports/items?since=2026-11-19").json["cases"] == 2
    assert lead.get("/api/v1/reports/items?region=2E").json["cases"] == 0
    assert client_as("leader").get("/api/v1/reports/items").status_code == 403


def test_the_pip_worksheet_compares_a_measurement_with_its_baseline(app, unit, client_as):
    lead = client_as("lead")
    baseline = lead.post("/api/v1/reviews", json={"region": "1N", "review_month": "2026-08", "kind": "baseline"})
    for n, rating in enumerate(["strength", "strength", "strength", "ani"]):      # item 12: 3 of 4 (75 %)
        rate_through_qa(client_as, lead, baseline.json["id"], 10 + n, "foster_care", {12: rating}, "2026-08-14")
    for n, rating in enumerate(["strength", "strength", "strength", "strength"]):  # item 12: 4 of 4
        rate_through_qa(client_as, lead, unit.review_3n, 20 + n, "foster_care", {12: rating}, "2026-11-18")
    worksheet = lead.get("/api/v1/pip?baseline_start=2026-07-01&baseline_end=2026-09-30&measure_start=2026-10-01"
                         "&measure_end=2026-12-31&overlap_months=6")
    assert worksheet.status_code == 200
    item = {row["item"]: row for row in worksheet.json["items"]}
    assert [row["item"] for row in worksheet.json["items"]] == [1, 2, 3, 4, 5, 6, 12, 13, 14, 15]
    # p = 0.75, n = 4: SE = 1.28·√(0.75·0.25/4) = 27.7128 points; goal 102.7128; 6 months: 75 + 27.7128·0.75
    twelve = item[12]
    assert (twelve["applicable"], twelve["strength"], twelve["baseline"]) == (4, 3, 75.0)
    assert twelve["sampling_error"] == pytest.approx(27.71281, abs=1e-5)
    assert twelve["adjusted_goal"] == pytest.approx(95.78461, abs=1e-5)
    assert (twelve["measure_applicable"], twelve["measured"], twelve["met"]) == (4, 100.0, True)
    assert item[1]["baseline"] is None and item[1]["met"] is None
    checks = worksheet.json["checks"]
    assert {c["item"]: c["ok"] for c in checks["applicable_cases"]}[12] is True
    assert checks["metro_share"]["ok"] is True and checks["case_type_share"]["ok"] is True
    wrong = lead.get("/api/v1/pip?baseline_start=2026-09-30&baseline_end=2026-07-01&measure_start=2026-10-01"
                     "&measure_end=2026-12-31")
    assert wrong.status_code == 422 and "baseline_end" in wrong.json["error"]["details"]
    assert lead.get("/api/v1/pip").status_code == 422


def test_the_report_and_pip_pages_show_their_numbers_beside_accessible_charts(app, unit, client_as):
    import xml.etree.ElementTree as ElementTree
    lead = client_as("lead")
    rate_through_qa(client_as, lead, unit.review_3n, 1, "foster_care", {n: "strength" for n in range(1, 19)},
                    "2026-11-18")
    page = lead.get("/reports").get_data(as_text=True)
    assert page.count('role="img"') == 3 and "<title id=\"items-title\">" in page and "<desc id=\"items-desc\">" in page
    first = page[page.index("<svg"):page.index("</svg>") + 6]
    ElementTree.fromstring(first)                                        # the SVG parses
    assert re.findall(r'<g id="items-item-(\d+)"', first) == [str(n) for n in range(1, 19)]   # a bar per item
    assert "highest item" in first
    assert 'style="' not in first and "<style" not in first and 'fill="#2f6f9f"' in first   # drawn under the CSP
    again = lead.get("/reports").get_data(as_text=True)
    assert re.findall(r"<svg.*?</svg>", again, re.S) == re.findall(r"<svg.*?</svg>", page, re.S)   # same bytes
    assert lead.get("/reports/ratings.csv").get_data(as_text=True).count("\n") == 1 + 18
    worksheet = lead.get("/pip?baseline_start=2026-11-01&baseline_end=2026-11-30&measure_start=2026-11-01"
                         "&measure_end=2026-11-30").get_data(as_text=True)
    assert "The arithmetic" in worksheet and "Tolerance checks" in worksheet and 'role="img"' in worksheet
    quarterly = lead.get("/pip.csv?baseline_start=2026-11-01&baseline_end=2026-11-30&measure_start=2026-11-01"
                         "&measure_end=2026-11-30").get_data(as_text=True)
    assert quarterly.splitlines()[0].endswith("met,2026-Q4") and len(quarterly.splitlines()) == 11
    assert client_as("leader").get("/reports").status_code == 403
    case_page = client_as("reviewer").get(f"/cases/{unit.cases_3n[0]}").get_data(as_text=True)
    assert "Ratings" in case_page

"""De-identification: after it, no name of a case's people is left in anything qareview keeps about the case
or answers about it, texts without names are unchanged, and the audit trail still verifies."""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, inspect, text

from tests.integration.web.test_case_people import fire
from workflow.case_lifecycle import new_identifier
from workflow.names import fold

LETTERS = "bcdfghjklmnpqrstvwxz"
VOWELS = "aeiouyéèñüöåí"


def plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


#: A name part: syllables of made-up letters, some accented; never a word the unit's own texts use.
part = st.lists(st.tuples(st.sampled_from(LETTERS), st.sampled_from(VOWELS)), min_size=2, max_size=3).map(
    lambda syllables: "".join(c + v for c, v in syllables).capitalize())
name = st.tuples(st.lists(part, min_size=1, max_size=2).map("-".join), part, st.booleans()).map(
    lambda t: f"{t[0]} {'O’' if t[2] else ''}{t[1]}")


def words_of(found: str) -> set[str]:
    return set(re.findall(r"\w+", fold(found)[0]))


def name_parts(full: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(full)[0]) if len(w) > 1}


def every_text(core) -> str:
    """Every text column of every table, as one folded string."""
    found = []
    with core.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        for table in tables:
            names = [c["name"] for c in inspect(connection).get_columns(table) if isinstance(c["type"], String | Text)]
            if names:
                quoted = ", ".join(f'"{n}"' for n in names)
                for row in connection.execute(text(f"SELECT {quoted} FROM {table}")):
                    found += [v for v in row if isinstance(v, str)]
    return fold("\n".join(found))[0]


def answers(clients, case_id, concern_id) -> str:
    """Everything the API answers about the case, for each kind of caller, as one folded string."""
    paths = [f"/api/v1/cases/{case_id}{tail}"
             for tail in ("", "/history", "/participants", "/interviews", "/feedback", "/ratings")]
    paths += [f"/api/v1/concerns/{concern_id}", f"/api/v1/audit?entity=case&entity_id={case_id}"]
    bodies = [json.dumps(client.get(p).get_json(), ensure_ascii=False) for client in clients for p in paths]
    return fold("\n".join(bodies))[0]


def test_after_deidentification_no_name_is_left_anywhere_and_the_trail_still_verifies(app, unit, client_as):
    core = app.extensions["qareview"]
    lead, reviewer, qa1, qa2, cb, auditor = (client_as(n) for n in ("lead", "reviewer", "qa1", "qa2", "cb", "auditor"))
    taken = words_of(every_text(core)) | {"target", "child", "mother", "caseworker", "the", "and"}
    plain_text = "Item 12 rating needs its rationale."

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(child=name, mother=name, worker=name)
    def check(child, mother, worker):
        parts = name_parts(child) | name_parts(mother) | name_parts(worker)
        if parts & taken or len({child, mother, worker}) < 3:
            return
        ran.append(child)
        case_id = lead.post(f"/api/v1/reviews/{unit.review_3n}/cases",
                            json={"case_type": "foster_care", "case_number": f"FC-{new_identifier()}"}).json["id"]
        people = {role: lead.post(f"/api/v1/cases/{case_id}/participants", json={"name": who, "role": role}).json
                  for role, who in (("target_child", child), ("mother", mother), ("caseworker", worker))}
        first, last = mother.split(" ")[0].split("-")[0], mother.split(" ")[-1]
        assert fire(lead, case_id, "screen").status_code == 200
        assert fire(lead, case_id, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test",
                    second_qa="qa2@qa.test").status_code == 200
        assert lead.post(f"/api/v1/cases/{case_id}/interviews", json={
            "participant_id": people["mother"]["id"], "status": "held",
            "notes": f"{first}'s home; {child.upper()} joined; {plain(last).lower()}’s sister came"}).status_code == 201
        assert qa1.post(f"/api/v1/cases/{case_id}/staffing", json={
            "kind": "shadowing", "held_on": "2026-11-19", "hours": 2,
            "notes": f"Good rapport with {child.split(' ')[0]}."}).status_code == 201
        concern = lead.post("/api/v1/concerns", json={"case_id": case_id, "type": "runaway",
                                                      "description": f"{plain(child)} ran from {last.upper()}'S home"})
        assert reviewer.put(f"/api/v1/cases/{case_id}/ratings", json={"items": {"12": {
            "rating": "ani", "rationale": f"{first} and {worker.split(' ')[0]} never met"}}}).status_code == 200
        assert fire(reviewer, case_id, "submit_review", review_date="2026-11-18",
                    notes=f"Spoke with {mother} and {worker}.").status_code == 200
        assert fire(reviewer, case_id, "submit_first_qa").status_code == 200
        assert fire(qa1, case_id, "return_to_reviewer", notes=f"Ask {first} about school").status_code == 200
        assert fire(reviewer, case_id, "resubmit").status_code == 200
        assert fire(qa1, case_id, "pass_first_qa").status_code == 200
        assert fire(qa2, case_id, "complete_qa").status_code == 200
        named = cb.post(f"/api/v1/cases/{case_id}/feedback", json={"text": f"Was {worker.split(' ')[-1]} asked?"}).json
        unnamed = cb.post(f"/api/v1/cases/{case_id}/feedback", json={"text": plain_text}).json
        for item in (named, unnamed):
            assert lead.post(f"/api/v1/feedback/{item['id']}/address",
                             json={"resolution": f"Asked {worker}"}).status_code == 200
        assert fire(lead, case_id, "finalize").status_code == 200
        before = lead.get(f"/api/v1/cases/{case_id}").json["case_number"]
        assert parts <= words_of(answers([lead], case_id, concern.json["id"]))   # the names were there
        done = fire(lead, case_id, "deidentify")
        assert done.status_code == 200 and done.json["state"] == "deidentified"

        said, kept = answers([lead, reviewer, auditor, cb], case_id, concern.json["id"]), every_text(core)
        for found in parts:
            pattern = re.compile(rf"(?<!\w){re.escape(found)}(?!\w)")
            assert not pattern.search(said), found
            assert not pattern.search(kept), found
        assert [p["name"] for p in lead.get(f"/api/v1/cases/{case_id}/participants").json["items"]] == \
            ["target child", "mother", "caseworker"]
        assert lead.get(f"/api/v1/cases/{case_id}/feedback").json["items"][1]["text"] == plain_text
        identity = lead.get(f"/api/v1/cases/{case_id}/identity")
        assert identity.status_code == 200 and identity.json["case_number"] == before
        assert identity.json["identifier"] == done.json["case_number"] != before
        assert reviewer.get(f"/api/v1/cases/{case_id}/identity").status_code == 403
        assert before not in json.dumps(reviewer.get(f"/api/v1/cases/{case_id}/history").json)

    ran: list[str] = []
    check()
    assert len(ran) >= 15, ran
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    assert client_as("lead").get(f"/api/v1/concerns/{unit.concern_3n}").json["description"] == "ran away twice"
    with core.engine.begin() as connection:
        redacted = connection.execute(text("SELECT record_id FROM audit_texts WHERE redacted_in IS NOT NULL")).first()
        assert redacted is not None
        connection.execute(text(f"UPDATE audit_texts SET notes = notes || ' (edited)' WHERE record_id = {redacted[0]}"))
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"record {redacted[0]}" in broken.output


def test_identifiers_never_repeat_across_a_hundred_thousand_cases():
    made = {new_identifier() for _ in range(100_000)}
    assert len(made) == 100_000 and all(i.isalnum() and i.isupper() for i in made)

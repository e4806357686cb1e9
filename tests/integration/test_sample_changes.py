"""After the draw: drawing again while nothing is screened, extending the draw, and preparing the review."""

import json
import zlib

from alembic import command
from sqlmodel import func, select

from models import sample_lists
from models.database import alembic_config
from models.tables import OutboxMessage, SampleEntryRow, SampleListRow
from tests.integration.conftest import Staff, stored
from tests.integration import test_sampling
from tests.integration.test_sampling import FC, drawn_review, eliminate, foster_care_rows, run, write
from tests.integration.web.test_api_contract import error
from workflow.sampling import extend

app = test_sampling.app   # the served app of the sampling tests (a fixture)


def audit_of(app, review_id):
    with app.extensions["qareview"].uow(write=False) as uow:
        return uow.views.audit(entity="review", entity_id=review_id, limit=1000)


def test_a_sample_nobody_has_screened_is_drawn_again_and_the_one_it_replaces_is_kept(app, tmp_path):
    client, review, first = drawn_review(app, tmp_path, seed=42)
    again = client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 7, "reason": "wrong period"})
    assert again.status_code == 200 and again.json["seed"] == 7
    assert [s["seed"] for s in again.json["superseded"]] == [42]
    cases = client.get(f"/api/v1/cases?review={review['id']}&limit=200").json["items"]
    assert sorted(c["id"] for c in cases) == sorted(e["case_id"] for e in again.json["entries"] if e["case_id"])
    withdrawn = next(e["case_id"] for e in first["entries"] if e["case_id"])
    assert client.get(f"/api/v1/cases/{withdrawn}").status_code == 404      # the old draw's cases are withdrawn
    [drawn, redrawn] = [r for r in audit_of(app, review["id"]) if r.trigger.endswith("draw_sample")]
    assert "seed 42" in drawn.notes and "seed 42" in redrawn.notes and "wrong period" in redrawn.notes
    assert "seed 7" in redrawn.notes


def test_once_a_case_is_screened_the_sample_is_never_drawn_again(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path)
    case_id = next(e["case_id"] for e in sample["entries"] if e["case_id"])
    screened = client.post(f"/api/v1/cases/{case_id}/transitions", json={"trigger": "screen", "version": 1})
    assert screened.status_code == 200
    refused = error(client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 7}), 409, "not_allowed")
    assert refused["details"]["cases"] == [case_id]
    unchanged = client.get(f"/api/v1/reviews/{review['id']}/sample").json
    assert unchanged["seed"] == sample["seed"] and unchanged["superseded"] == []


def test_extending_the_draw_continues_its_seeded_order_and_fills_an_elimination_left_without_replacement(
        app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path, children=15)        # exactly the cases for review
    error(client.post(f"/api/v1/reviews/{review['id']}/sample/extension"), 409, "not_allowed")  # nothing new yet
    case_id = next(e["case_id"] for e in sample["entries"] if e["role"] == "review")
    assert eliminate(client, case_id).json["replacement"]["case_id"] is None
    # a newer extract has more children in the period
    run(app, "import-universe", "foster-care", str(write(tmp_path / "more.csv", FC, foster_care_rows(30))))
    extended = client.post(f"/api/v1/reviews/{review['id']}/sample/extension")
    assert extended.status_code == 200, extended.json
    entries = [e for e in extended.json["entries"] if e["case_type"] == "foster_care"]
    assert [e["order"] for e in entries] == list(range(1, 31))
    assert {e["extension"] for e in entries[:15]} == {0} and {e["extension"] for e in entries[15:]} == {1}
    assert [e["case_number"] for e in entries[:15]] == \
        [e["case_number"] for e in sample["entries"] if e["case_type"] == "foster_care"]   # nothing drawn moves
    replaced = next(e for e in entries if e["case_id"] == case_id)
    assert replaced["role"] == "eliminated" and replaced["replaced_by"] is not None
    # the added order is what the domain computes from the same seed: the stream continues past the draw
    with app.extensions["qareview"].uow(write=False) as uow:
        from services.sampling import as_drawn
        stored_entries = as_drawn(uow.views.sample_entries(uow.views.sample(review["id"]).id))
    before = [e for e in stored_entries if e.extension == 0]
    frame = [e for e in stored_entries if e.extension == 1]
    again = extend(before, sorted(before + frame, key=lambda e: (e.case_type, e.key)), seed=sample["seed"])
    assert [(e.key, e.order) for e in again] == [(e.key, e.order) for e in frame]
    notes = [r.notes for r in audit_of(app, review["id"]) if r.trigger == "extend_draw"]
    assert notes == ["extension 1: 15 foster care added in the same seeded order"]


def stored_list(app):
    """The sample's ordered list as stored: (case type, order, case number, role, reason) per entry."""
    with stored(app.extensions["qareview"]) as session:
        document = session.exec(select(SampleListRow.entries)).one()
    fields = [sample_lists.FIELDS.index(f) for f in ("case_type", "position", "case_number", "role", "reason")]
    return [tuple(e[i] for i in fields) for e in sample_lists.decode(document)]


def as_listed(entries):
    return [(e["case_type"], e["order"], e["case_number"], e["role"], e["reason"]) for e in entries]


def test_the_ordered_list_stays_as_drawn_while_the_sample_says_what_became_of_its_cases(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path)
    case_id = next(e["case_id"] for e in sample["entries"] if e["role"] == "review")
    replacement = eliminate(client, case_id).json["replacement"]["case_id"]
    now = client.get(f"/api/v1/reviews/{review['id']}/sample").json["entries"]
    assert next(e for e in now if e["case_id"] == case_id)["role"] == "eliminated"
    assert next(e for e in now if e["case_id"] == replacement)["role"] == "review"
    assert stored_list(app) == as_listed(sample["entries"])            # the artifact is never edited
    with stored(app.extensions["qareview"]) as session:                # rows only for the entries that became cases
        assert session.exec(select(func.count()).select_from(SampleEntryRow)).one() == \
            sum(e["case_id"] is not None for e in now)


def all_lists(app):
    with stored(app.extensions["qareview"]) as session:
        found = session.exec(select(SampleListRow.sample_id, SampleListRow.extension, SampleListRow.entries)).all()
    return {(sample, extension): sample_lists.decode(document) for sample, extension, document in found}


def test_samples_go_down_to_a_row_per_entry_and_up_again_unchanged(app, tmp_path, database_url):
    """A re-drawn sample, an elimination left without replacement, and the extension that filled it: the
    migration finds each entry's drawn role again from the rows as they had been kept."""
    client, review, _ = drawn_review(app, tmp_path, children=15)
    url = f"/api/v1/reviews/{review['id']}/sample"
    sample = client.post(url, json={"seed": 7, "reason": "wrong period"}).json
    case_id = next(e["case_id"] for e in sample["entries"] if e["role"] == "review")
    assert eliminate(client, case_id).json["replacement"]["case_id"] is None
    run(app, "import-universe", "foster-care", str(write(tmp_path / "more.csv", FC, foster_care_rows(30))))
    assert client.post(f"{url}/extension").status_code == 200
    before, lists = client.get(url).json, all_lists(app)
    assert sorted(lists) == [(1, 0), (2, 0), (2, 1)]
    config = alembic_config(database_url)

    def migrate(step, revision):
        with app.extensions["qareview"].engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    migrate(command.downgrade, "0013")                              # as the code of 0013 reads them: zlib
    with stored(app.extensions["qareview"]) as session:
        found = session.exec(select(SampleListRow.sample_id, SampleListRow.extension, SampleListRow.entries)).all()
    assert {(sample, extension): json.loads(zlib.decompress(document))["entries"]
            for sample, extension, document in found} == lists
    migrate(command.downgrade, "0012")
    with stored(app.extensions["qareview"]) as session:
        assert session.exec(select(func.count()).select_from(SampleEntryRow)).one() == \
            sum(len(entries) for entries in lists.values())
    migrate(command.upgrade, "head")
    assert client.get(url).json == before
    assert all_lists(app) == lists


def test_the_team_lead_records_the_on_site_days_and_planning_calls_and_the_region_is_told(app, tmp_path):
    client, review, _ = drawn_review(app, tmp_path)
    core = app.extensions["qareview"]
    url = f"/api/v1/reviews/{review['id']}"
    error(client.put(f"{url}/onsite", json={"start": "2026-11-18", "end": "2026-11-16"}), 422, "validation_error")
    scheduled = client.put(f"{url}/onsite", json={"start": "2026-11-16", "end": "2026-11-18"})
    assert scheduled.status_code == 200 and scheduled.json["onsite"] == {"start": "2026-11-16", "end": "2026-11-18"}
    error(client.post(f"{url}/planning-calls", json={"held_on": "2026-11-02", "participants": " "}), 422,
          "validation_error")
    called = client.post(f"{url}/planning-calls", json={"held_on": "2026-11-02", "participants": "RD Jones, SC Lee",
                                                        "eliminations_discussed": "C004 (ICPC)"})
    assert called.status_code == 201
    assert [c["participants"] for c in client.get(url).json["planning_calls"]] == ["RD Jones, SC Lee"]
    with stored(core) as session:
        mail = session.exec(select(OutboxMessage).where(OutboxMessage.template == "review_schedule")).all()
    assert len(mail) == 2 and all(Staff.email("leader") in m.recipients and
                                 Staff.email("leader_2e") not in m.recipients for m in mail)
    page = client.get(f"/reviews/{review['id']}").data.decode()
    assert "2026-11-16" in page and "RD Jones, SC Lee" in page and "C004 (ICPC)" in page
    reviewer = app.test_client()
    reviewer.post("/api/v1/session", json={"email": "reviewer@qa.test", "password": "correct horse"})
    error(reviewer.put(f"{url}/onsite", json={"start": "2026-11-16", "end": "2026-11-18"}), 403, "forbidden")

"""From the extract to a drawn sample: the import (all or nothing), the draw through the API, reproducibly."""

import csv
import os
import pty
import subprocess
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import FosterCareEpisode, InHomeServiceCase, UniverseImport
from tests.integration.conftest import NOW, Staff, stored
from tests.integration.web.test_api_contract import error
from web import create_app
from workflow.review_calendar import sample_period
from workflow.sampling import Rules, draw, period_under_review_at_draw
from workflow.universe import COLUMNS, Extract, Reading, read

FC, IH = COLUMNS[Extract.FOSTER_CARE], COLUMNS[Extract.IN_HOME]


def write(path, columns, rows, extra=False):
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*columns, *(["notes"] if extra else [])])
        for row in rows:
            writer.writerow([*row, *(["kept and ignored"] if extra else [])])
    return path


def foster_care_rows(children=40, region="3N"):
    prefix = "" if region == "3N" else region
    return [[f"{prefix}K{n:03d}", f"{prefix}C{n // 2:03d}", region, "Hinds", "2025-09-01",
             "" if n % 4 else "2026-02-01", "2012-05-01", f"W{n % 9}"] for n in range(children)]


def in_home_rows(cases=30, region="3N"):
    return [[f"I{n:03d}", region, "Hinds", "2025-09-15", "" if n % 3 else "2025-09-20", "In-Home",
             f"K{n:03d}" if n % 5 == 0 else "", f"W{n % 7}"] for n in range(cases)]


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False})
    app.extensions["qareview"].clock = lambda: NOW
    yield app
    app.extensions["qareview"].engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def count(app, model):
    with stored(app.extensions["qareview"]) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_an_extract_is_imported_with_a_summary_and_again_to_the_same_universe(app, tmp_path):
    path = write(tmp_path / "fc.csv", FC, foster_care_rows() + foster_care_rows(5, region="2E"), extra=True)
    for _ in range(2):
        result = run(app, "import-universe", "foster-care", str(path))
        assert result.exit_code == 0, result.output
        assert "imported 45 foster-care rows" in result.output and "3N 40" in result.output and "2E 5" in result.output
    assert count(app, FosterCareEpisode) == 45 and count(app, UniverseImport) == 2


@pytest.mark.parametrize(("row", "says"), [
    (["K1", "C1", "3N", "X", "2025-13-01", "", "", "W"], "row 3: custody_start '2025-13-01' is not a date"),
    (["K1", "C1", "3N", "X", "2025-09-01", "2025-08-01", "", "W"], "row 3: custody_end 2025-08-01 is before"),
    (["K1", "C1", "9Z", "X", "2025-09-01", "", "", "W"], "row 3: region '9Z' is unknown"),
    (["K0", "C1", "3N", "X", "2025-09-01", "", "", "W"], "row 3: duplicate child_id + custody_start K0 2025-09-01"),
    (["", "C1", "3N", "X", "2025-09-01", "", "", "W"], "row 3: child_id is empty"),
])
def test_a_bad_row_refuses_the_whole_file_with_its_row_number_and_nothing_is_written(app, tmp_path, row, says):
    run(app, "import-universe", "foster-care", str(write(tmp_path / "good.csv", FC, foster_care_rows(3))))
    bad = write(tmp_path / "bad.csv", FC, [["K0", "C0", "3N", "X", "2025-09-01", "", "", "W"], row])
    result = run(app, "import-universe", "foster-care", str(bad))
    assert result.exit_code == 1 and says in result.output and "nothing was imported" in result.output
    assert count(app, FosterCareEpisode) == 3                      # the universe before stays as it was


def test_a_repeated_in_home_case_is_reported_with_the_other_bad_rows_in_row_order(app, tmp_path):
    run(app, "import-universe", "in-home", str(write(tmp_path / "good.csv", IH, in_home_rows(4))))
    rows = in_home_rows(6)
    rows[2][3] = "2025-02-30"                   # row 4: not a date
    rows.append(list(rows[1]))                  # row 8: case I001 again
    rows.append(list(rows[1]))                  # row 9: and again
    result = run(app, "import-universe", "in-home", str(write(tmp_path / "bad.csv", IH, rows)))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.lstrip().startswith("row ")]
    assert [line.split(":")[0].strip() for line in lines] == ["row 4", "row 8", "row 9"]
    assert "duplicate case_id I001 (as in row 3)" in lines[1]
    assert count(app, InHomeServiceCase) == 4   # the universe before stays as it was


def test_on_a_terminal_the_import_draws_a_progress_bar(tmp_path, database_url):
    """The command as a user runs it, its standard error a (pseudo-)terminal."""
    path = write(tmp_path / "fc.csv", FC, foster_care_rows(40))
    leader, follower = pty.openpty()
    command = subprocess.Popen([sys.executable, "-c", "from web.console import main; main()", "import-universe",
                                "foster-care", str(path)], stdout=subprocess.PIPE, stderr=follower, text=True,
                               cwd=Path(__file__).resolve().parents[2],
                               env={**os.environ, "DATABASE_URL": database_url, "SCHEDULER_ENABLED": "false"})
    os.close(follower)
    drawn: list[bytes] = []

    def drain():   # the terminal's side, read as it is written (a full terminal would stop the command)
        try:
            while chunk := os.read(leader, 4096):
                drawn.append(chunk)
        except OSError:   # the command is done and its terminal closed
            pass
    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = command.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(leader)
    terminal = b"".join(drawn).decode(errors="replace")
    assert command.returncode == 0, terminal
    assert "importing fc.csv" in terminal and "100%" in terminal
    assert "imported 40 foster-care rows" in out


def test_a_file_that_is_not_readable_as_csv_is_refused_with_where_it_stopped(app, tmp_path):
    latin = tmp_path / "latin-1.csv"
    latin.write_bytes(",".join(FC).encode() + b"\r\nK1,C1,3N,Caf\xe9,2025-09-01,,,W\r\n")
    result = run(app, "import-universe", "foster-care", str(latin))
    assert result.exit_code == 1 and "row 1: not readable as CSV ('utf-8' codec can't decode byte 0xe9" in result.output
    rows = foster_care_rows(3)
    rows[2][3] = "x" * (csv.field_size_limit() + 1)                # row 4: a cell past the csv module's limit
    result = run(app, "import-universe", "foster-care", str(write(tmp_path / "long.csv", FC, rows)))
    assert result.exit_code == 1 and "row 4: not readable as CSV (field larger than field limit" in result.output
    assert "nothing was imported" in result.output and count(app, FosterCareEpisode) == 0


def test_a_file_without_a_column_is_refused(app, tmp_path):
    result = run(app, "import-universe", "in-home", str(write(tmp_path / "ih.csv", IH[:-1], [])))
    assert result.exit_code == 1 and "row 1: missing column worker_id" in result.output
    assert count(app, InHomeServiceCase) == 0


def test_a_team_lead_draws_a_reproducible_sample_and_its_cases_start_sampled(app, tmp_path):
    core = app.extensions["qareview"]
    staff = Staff(core)
    run(app, "import-universe", "foster-care", str(write(tmp_path / "fc.csv", FC, foster_care_rows())))
    run(app, "import-universe", "in-home", str(write(tmp_path / "ih.csv", IH, in_home_rows())))
    client = app.test_client()
    client.post("/api/v1/session", json={"email": staff.email("lead"), "password": "correct horse"})
    review = client.post("/api/v1/reviews", json={"region": "3N", "review_month": "2026-11",
                                                  "kind": "measurement"}).json
    reviewer = app.test_client()
    reviewer.post("/api/v1/session", json={"email": staff.email("reviewer"), "password": "correct horse"})
    error(reviewer.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 42}), 403, "forbidden")
    error(client.get(f"/api/v1/reviews/{review['id']}/sample"), 404, "not_found")
    drawn = client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 42})
    assert drawn.status_code == 200, drawn.json
    sample = drawn.json
    assert sample["seed"] == 42 and sample["sample_period"] == {"start": "2025-11-01", "end": "2026-04-30"}
    assert client.get(f"/api/v1/reviews/{review['id']}/sample").json == sample
    fc = [e for e in sample["entries"] if e["case_type"] == "foster_care"]
    ih = [e for e in sample["entries"] if e["case_type"] == "in_home"]
    assert [e["order"] for e in fc] == list(range(1, len(fc) + 1))
    assert sum(e["role"] == "review" for e in fc) == 15 and sum(e["role"] == "review" for e in ih) <= 10
    assert all(e["reason"] for e in sample["entries"] if e["role"] == "eliminated")
    assert {e["reason"] for e in ih if e["role"] == "eliminated"} <= {"ih_open_under_45_days",
                                                                      "ih_child_in_foster_care"}
    cases = client.get(f"/api/v1/cases?review={review['id']}&limit=200").json["items"]
    assert sorted(c["id"] for c in cases) == sorted(e["case_id"] for e in sample["entries"] if e["case_id"])
    assert {c["state"] for c in cases} == {"sampled"}
    assert client.get(f"/api/v1/reviews/{review['id']}").json["state"] == "sampling"
    # the same order as the draw computed from the extract alone, with the same seed
    period = sample_period(date(2026, 11, 1))
    with core.uow(write=False) as uow:
        expected = draw(episodes=uow.universe.episodes_in("3N", period.start, period.end),
                        in_home=uow.universe.in_home_in("3N", period.start, period.end),
                        custody_by_child=uow.universe.episodes_of(f"K{n:03d}" for n in range(40)),
                        rules=Rules(period=period, pur=period_under_review_at_draw(period, date(2026, 11, 1)),
                                    sizes={"foster_care": 15, "in_home": 10}, worker_cap=3), seed=42)
    assert [(e["case_type"], e["case_number"], e["role"]) for e in sample["entries"]] == \
        [(e.case_type, e.case_number, e.role) for e in expected.entries]
    again = client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 7})   # nothing screened yet
    assert again.status_code == 200 and again.json["seed"] == 7


def test_a_child_drawn_in_a_review_of_the_12_months_before_is_a_duplicate_in_the_next(app, tmp_path):
    core = app.extensions["qareview"]
    staff = Staff(core)
    run(app, "import-universe", "foster-care", str(write(tmp_path / "fc.csv", FC, foster_care_rows(10))))
    client = app.test_client()
    client.post("/api/v1/session", json={"email": staff.email("lead"), "password": "correct horse"})
    first = client.post("/api/v1/reviews", json={"region": "3N", "review_month": "2026-06", "kind": "baseline"}).json
    second = client.post("/api/v1/reviews", json={"region": "3N", "review_month": "2026-11",
                                                   "kind": "baseline"}).json
    drawn = client.post(f"/api/v1/reviews/{first['id']}/sample", json={"seed": 1}).json
    taken = {e["case_number"] for e in drawn["entries"] if e["role"] == "review"}
    later = client.post(f"/api/v1/reviews/{second['id']}/sample", json={"period_start": "2025-09-01",
                                                                        "seed": 2}).json
    assert later["sample_period"] == {"start": "2025-09-01", "end": "2026-02-28"}
    duplicates = {e["case_number"] for e in later["entries"] if e["reason"] == "duplicate_in_measurement_period"}
    assert duplicates and duplicates <= taken | {e["case_number"] for e in drawn["entries"]}


def test_reading_an_extract_streams_and_counts_every_row(tmp_path):
    reading = Reading()
    header = ["extra", *COLUMNS[Extract.FOSTER_CARE]]
    rows = ([f"x{n}", f"K{n}", "C", "3N", "", "2025-01-01"] for n in range(3))   # short rows: the rest is empty
    assert [(r[-1], *r[:2]) for r in read(Extract.FOSTER_CARE, header, rows, {"3N"}, reading)] == [
        (2, "K0", "C"), (3, "K1", "C"), (4, "K2", "C")] and reading.rows == 3


def drawn_review(app, tmp_path, children=40, seed=42):
    core = app.extensions["qareview"]
    staff = Staff(core)
    run(app, "import-universe", "foster-care", str(write(tmp_path / "fc.csv", FC, foster_care_rows(children))))
    client = app.test_client()
    client.post("/api/v1/session", json={"email": staff.email("lead"), "password": "correct horse"})
    review = client.post("/api/v1/reviews", json={"region": "3N", "review_month": "2026-11",
                                                  "kind": "measurement"}).json
    sample = client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": seed}).json
    return client, review, sample


def eliminate(client, case_id):
    version = client.get(f"/api/v1/cases/{case_id}").json["version"]
    return client.post(f"/api/v1/cases/{case_id}/transitions", json={
        "trigger": "eliminate", "version": version, "reason": "opened_in_error", "notes": "duplicate referral",
        "cb_consulted": True})


def test_eliminating_a_drawn_case_brings_in_the_next_oversample_entry_of_its_type(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path)
    first = next(e for e in sample["entries"] if e["role"] == "review")
    waiting = sorted((e for e in sample["entries"] if e["role"] == "oversample" and e["case_type"] == "foster_care"),
                     key=lambda e: e["order"])
    answered = eliminate(client, first["case_id"])
    assert answered.status_code == 200 and answered.json["state"] == "eliminated"
    replacement = answered.json["replacement"]["case_id"]
    now = {e["order"]: e for e in client.get(f"/api/v1/reviews/{review['id']}/sample").json["entries"]
           if e["case_type"] == "foster_care"}
    assert now[first["order"]]["role"] == "eliminated" and now[first["order"]]["reason"] == "opened_in_error"
    assert now[first["order"]]["replaced_by"] == replacement
    taken = [e for e in waiting if now[e["order"]]["role"] == "review"]
    load = Counter(e["worker"] for e in sample["entries"] if e["role"] == "review" and e is not first
                   and e["case_type"] == "foster_care")
    expected = next(e for e in waiting if load[e["worker"]] < 3)    # the next one within the worker cap
    assert [e["order"] for e in taken] == [expected["order"]]
    new = client.get(f"/api/v1/cases/{replacement}").json
    assert (new["state"], new["case_number"]) == ("sampled", taken[0]["case_number"])


def test_when_no_oversample_is_left_the_elimination_still_succeeds_and_says_so(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path, children=15)     # exactly the cases for review
    case_id = next(e["case_id"] for e in sample["entries"] if e["role"] == "review")
    answered = eliminate(client, case_id)
    assert answered.status_code == 200 and answered.json["state"] == "eliminated"
    assert answered.json["replacement"]["case_id"] is None and "left" in answered.json["replacement"]["message"]
    assert client.get(f"/api/v1/cases/{case_id}").json["replacement"]["case_id"] is None


def test_the_review_page_shows_the_draw_and_says_when_no_replacement_was_left(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path, children=15)
    case = next(e for e in sample["entries"] if e["role"] == "review")
    eliminate(client, case["case_id"])
    page = client.get(f"/reviews/{review['id']}").data.decode()
    assert "seed <strong>42</strong>" in page and "no eligible oversample entry of this type is left" in page


def test_a_years_reviews_are_planned_from_the_calendar_once(app):
    Staff(app.extensions["qareview"])
    first = run(app, "reviews", "plan", "2027", "--as", "lead@qa.test")
    assert first.exit_code == 0 and "planned 14 measurement review(s) for 2027; 0 existed" in first.output
    again = run(app, "reviews", "plan", "2027", "--as", "lead@qa.test")
    assert "planned 0" in again.output and "14 existed already" in again.output
    refused = run(app, "reviews", "plan", "2027", "--as", "reviewer@qa.test")
    assert refused.exit_code == 1 and "team lead" in refused.output


def test_a_synthetic_universe_imports_cleanly_and_every_rule_finds_something_to_bite_on(app, tmp_path):
    result = run(app, "demo-universe", "--children", "3000", "--seed", "5", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    again = run(app, "demo-universe", "--children", "3000", "--seed", "5", "--out", str(tmp_path / "again"))
    assert again.exit_code == 0
    assert (tmp_path / "foster-care.csv").read_bytes() == (tmp_path / "again" / "foster-care.csv").read_bytes()
    core = app.extensions["qareview"]
    Staff(core)
    client = app.test_client()
    client.post("/api/v1/session", json={"email": "lead@qa.test", "password": "correct horse"})
    month = core.calendar.local_date(core.now()).replace(day=1)
    review = client.post("/api/v1/reviews", json={"region": "3N", "review_month": f"{month:%Y-%m}",
                                                  "kind": "measurement"}).json
    counts = client.post(f"/api/v1/reviews/{review['id']}/sample", json={"seed": 1}).json["counts"]
    assert counts["foster_care"]["review"] == 15 and counts["in_home"]["review"] == 10
    reasons = {k for c in counts.values() for k in c if k.startswith("eliminated:")}
    assert {"eliminated:ih_open_under_45_days", "eliminated:target_child_reached_18"} <= reasons


def test_the_elimination_worksheet_says_why_who_proposed_who_decided_when_and_what_replaced_it(app, tmp_path):
    client, review, sample = drawn_review(app, tmp_path)
    core = app.extensions["qareview"]
    first = next(e for e in sample["entries"] if e["role"] == "review")
    coordinator = app.test_client()
    coordinator.post("/api/v1/session", json={"email": "coordinator@qa.test", "password": "correct horse"})
    proposed = coordinator.post(f"/api/v1/cases/{first['case_id']}/transitions", json={
        "trigger": "propose_elimination", "version": 1, "reason": "icpc_other_state", "notes": "Family moved to AL"})
    assert proposed.status_code == 200, proposed.json
    answered = eliminate(client, first["case_id"])
    replacement = answered.json["replacement"]["case_id"]
    page = client.get(f"/reviews/{review['id']}").data.decode()
    assert "Elimination worksheet" in page and "coordinator@qa.test" in page and f"case {replacement}" in page
    exported = client.get(f"/reviews/{review['id']}/eliminations.csv").data.decode().splitlines()
    assert exported[0].startswith("case,case_type,reason,proposed_reason")
    row = exported[1].split(",")
    assert row[0] == first["case_number"] and row[2] == "opened_in_error" and row[3] == "icpc_other_state"
    assert row[5] == "coordinator@qa.test" and row[6] == "lead@qa.test" and row[8] == "duplicate referral"
    with core.uow(write=False) as uow:
        replaced = uow.cases.get(replacement)
    assert row[9] == replaced.case_number

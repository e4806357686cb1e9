"""HTTP latency and throughput: gunicorn (2 workers) on loopback over a database with 10,000 cases and
100,000 audit records, driven from this (separate) process over 2 connections (gunicorn's sync workers
close each after its request: every request connects anew), a fixed number of requests per scenario,
the scenarios taking turns in rounds. /health in the same run is the framework's floor.

    .venv/bin/python bench/http.py [--requests 1000]

Target: every page's p99 under 100 ms and within 5x of the floor's.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name would shadow the standard library's `http`: run from the repository root instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from bench.scratch import BENCH_AUDIT_KEY  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CASES, AUDIT = 10_000, 100_000
ROUNDS = 10
PASSWORD = "bench-password"


def build(path: Path) -> dict:
    """The data set: staff through the services, then cases and a valid audit chain in bulk."""
    from models.audit import GENESIS, chain_key, record_hash
    from services import people
    from services.bus import handle
    from services.core import bootstrap
    from services.setup import init_db
    from workflow.commands import PlanReview
    from workflow.roles import Role

    core = bootstrap(database_url=f"sqlite:///{path}", audit_key=BENCH_AUDIT_KEY, password_profile="fast")
    init_db(core)
    now = datetime.now(UTC)
    with core.uow() as uow:
        for name, roles in [("lead", [Role.TEAM_LEAD]), ("auditor", [Role.AUDITOR])] + [
                (f"reviewer{n}", [Role.REVIEWER]) for n in range(20)] + [(f"qa{n}", [Role.QA]) for n in range(10)]:
            people.add_user(uow, email=f"{name}@bench.test", name=name, roles=roles, password=PASSWORD,
                            passwords=core.passwords)
        uow.commit()
    with core.uow(write=False) as uow:
        lead = people.actor(uow, "lead@bench.test")
    review_ids = []
    with core.uow() as uow:
        for month in range(40):
            region = list(core.reference.regions)[month % 14]
            review_ids.append(handle(core, uow, PlanReview(
                region=region, review_month=f"{2020 + month // 12}-{month % 12 + 1:02d}", kind="measurement",
                actor=lead, at=now)).id)
        uow.commit()
    core.engine.dispose()
    states = ["sampled", "screened", "assigned", "reviewed", "first_qa", "second_qa", "cb_oversight", "finalized"]
    db = sqlite3.connect(path)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    regions = {rid: region for rid, region in db.execute("SELECT id, region FROM regional_reviews")}
    rows = []
    for n in range(CASES):
        review_id = review_ids[n % len(review_ids)]
        state = states[n % len(states)]
        assigned = state not in ("sampled", "screened")
        rows.append((review_id, regions[review_id], "foster_care" if n % 3 else "in_home", f"B-{n:05d}", state,
                     f"C{n}", f"W{n % 97}", f"reviewer{n % 20}@bench.test" if assigned else None,
                     f"qa{n % 10}@bench.test" if assigned else None, f"qa{(n + 1) % 10}@bench.test" if assigned else None,
                     stamp, 1))
    db.executemany("INSERT INTO cases (review_id, region, case_type, case_number, state, child_id, worker, reviewer, "
                   "first_qa, second_qa, created_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    # A running clock for every case past its review (finalize) or finalized (de-identify), due over the
    # coming weeks, some already overdue: my-work orders by them.
    clocks = [("case", n + 1, "deidentify" if state == "finalized" else "finalize", stamp,
               (now + timedelta(hours=(n * 37) % 2000 - 300)).strftime("%Y-%m-%d %H:%M:%S.%f"), 0, None)
              for n, state in ((n, states[n % len(states)]) for n in range(CASES))
              if state in ("reviewed", "first_qa", "second_qa", "cb_oversight", "finalized")]
    db.executemany("INSERT INTO deadlines (entity, entity_id, clock, started_at, due_at, cursor, next_notice_at) "
                   "VALUES (?,?,?,?,?,?,?)", clocks)
    prev = db.execute("SELECT record_hash FROM audit_records ORDER BY id DESC LIMIT 1").fetchone()
    prev = prev[0] if prev else GENESIS
    audit = []
    key = chain_key(BENCH_AUDIT_KEY)
    for n in range(AUDIT):   # the notes would live beside them (audit_texts): these have none
        record = {"entity": "case", "entity_id": n % CASES + 1, "from_state": "sampled", "to_state": "screened",
                  "trigger": "screen", "actor": "lead@bench.test", "at": now - timedelta(seconds=AUDIT - n),
                  "notes": None, "prev_hash": prev}
        hashed = record_hash(key, **record)
        audit.append((record["entity"], record["entity_id"], record["from_state"], record["to_state"],
                      record["trigger"], record["actor"], record["at"].strftime("%Y-%m-%d %H:%M:%S.%f"), prev, hashed))
        prev = hashed
    db.executemany("INSERT INTO audit_records (entity, entity_id, from_state, to_state, \"trigger\", actor, at, "
                   "prev_hash, record_hash) VALUES (?,?,?,?,?,?,?,?,?)", audit)
    db.commit()
    sampled = [r[0] for r in db.execute("SELECT id FROM cases WHERE state = 'sampled' ORDER BY id")]
    db.execute("ANALYZE")
    db.close()
    return {"sampled": sampled}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One client with a session cookie, kept up to date as a browser would (the first page a session sees
    adds its CSRF token to it); http.client reconnects when the server closed the connection."""

    def __init__(self, port: int, cookie: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = cookie

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float, http.client.HTTPResponse]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body), "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if self.cookie and (given := response.getheader("Set-Cookie")):
            self.cookie = given.split(";", 1)[0]
        return response.status, elapsed, response


def log_in(port: int, email: str) -> str:
    status, _, response = Client(port).request("POST", "/api/v1/session", {"email": email, "password": PASSWORD})
    assert status == 200, status
    return response.getheader("Set-Cookie").split(";", 1)[0]


def scenario(port: int, cookie: str | None, paths, count: int, connections: int = 2) -> dict:
    """`count` requests over `connections` connections; each path() call gives (method, path, body)."""
    latencies, statuses, lock = [], {}, threading.Lock()
    share = count // connections

    def drive():
        client = Client(port, cookie)
        mine = []
        for _ in range(share):
            method, path, body = paths()
            status, seconds, _ = client.request(method, path, body)
            mine.append(seconds)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=drive) for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "elapsed": time.perf_counter() - started, "statuses": statuses}


def summary(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies"])
    statuses: dict[int, int] = {}
    for run in runs:
        for status, n in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {"p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "rps": len(latencies) / sum(run["elapsed"] for run in runs), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="per scenario; at most 1,200 (the transition scenario screens each sampled case once)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="qareview-http-"))
    path = folder / "http.sqlite3"
    data = build(path)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "SCHEDULER_ENABLED": "false", "SECRET_KEY": "bench",
           "PASSWORD_HASH_PROFILE": "fast", "AUDIT_KEY": BENCH_AUDIT_KEY, "AUDIT_CHECKPOINT_DIR": str(path.parent)}
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "web.wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.1)
        browser = Client(port, log_in(port, "lead@bench.test"))
        browser.request("GET", "/")                 # as a browser would: the session now holds its CSRF token
        lead = browser.cookie
        rng = random.Random(7)
        sampled = iter(data["sampled"])
        scenarios = {
            "/health (floor)": (None, lambda: ("GET", "/health", None)),
            "case page": (lead, lambda: ("GET", f"/cases/{rng.randint(1, CASES)}", None)),
            "my-work page": (lead, lambda: ("GET", "/", None)),
            "API case list": (lead, lambda: ("GET", f"/api/v1/cases?limit=50&cursor={rng.randint(1, CASES - 60)}", None)),
            "API transition": (lead, lambda: ("POST", f"/api/v1/cases/{next(sampled)}/transitions",
                                              {"trigger": "screen", "version": 1})),
        }
        for cookie, paths in scenarios.values():      # warm both workers (templates, diagrams, statements)
            scenario(port, cookie, paths, 20)
        # Scenarios take turns, a slice of each per round: a burst of noise on this shared machine then
        # falls on all of them, the floor included, instead of on whichever ran at that moment.
        runs: dict[str, list[dict]] = {name: [] for name in scenarios}
        for _ in range(ROUNDS):
            for name, (cookie, paths) in scenarios.items():
                runs[name].append(scenario(port, cookie, paths, args.requests // ROUNDS))
        results = {name: summary(r) for name, r in runs.items()}
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    floor = results["/health (floor)"]["p99"]
    print(f"{CASES:,} cases, {AUDIT:,} audit records; gunicorn -w 2; {args.requests} requests per scenario "
          f"over 2 connections, in {ROUNDS} rounds taking turns")
    for name, r in results.items():
        print(f"{name:16} p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  {r['rps']:6.0f} req/s  "
              f"p99 {r['p99'] / floor:5.1f}x floor  statuses {r['statuses']}")
    print("target: every page's p99 < 100 ms and within 5x of the floor")


if __name__ == "__main__":
    main()

"""A sweep in a process of its own: `python -m tests.integration.sweeper URL NOW BATCH [wait]` prints how
many notices it recorded, after a line "ready" (with `wait`, it then waits for a line on its input, so
that several start sweeping at the same moment). Tests start several at once, or kill one half-way."""

import sys
from datetime import datetime

from scheduler.sweep import sweep
from services.core import bootstrap
from tests.conftest import TEST_AUDIT_KEY

if __name__ == "__main__":
    url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    core = bootstrap(database_url=url, audit_key=TEST_AUDIT_KEY, password_profile="fast")
    print("ready", flush=True)  # started up: from here on a kill lands in the sweep itself
    if sys.argv[4:] == ["wait"]:
        sys.stdin.readline()
    print(len(sweep(core, now=now, batch=int(sys.argv[3])).recorded), flush=True)

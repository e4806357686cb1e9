"""A sweep in a process of its own: `python -m tests.integration.sweeper URL NOW [BATCH]` prints how
many notices it recorded, after a line "ready". Tests start several at once, or kill one half-way."""

import sys
from datetime import datetime

from scheduler.sweep import sweep
from services.core import bootstrap

if __name__ == "__main__":
    url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    core = bootstrap(database_url=url, password_profile="fast")
    print("ready", flush=True)  # started up: from here on a kill lands in the sweep itself
    print(len(sweep(core, now=now, batch=int(sys.argv[3]) if len(sys.argv) > 3 else 100).recorded), flush=True)

"""A delivery pass in a process of its own: `python -m tests.integration.deliverer URL PORT NOW`. Tests kill
it half-way through a batch."""

import sys
from datetime import datetime

from notifications.delivery import MailSettings, deliver
from services.core import bootstrap
from tests.conftest import TEST_AUDIT_KEY

if __name__ == "__main__":
    url, port, now = sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    core = bootstrap(database_url=url, audit_key=TEST_AUDIT_KEY, password_profile="fast")
    print("ready", flush=True)
    deliver(core.uow, MailSettings(server="127.0.0.1", port=port, sender="qareview@unit.test", timeout=10), now=now)

"""The WSGI entry point for production: `gunicorn 'web.wsgi:app'`. Every worker runs the sweep on its
interval (unless SCHEDULER_ENABLED is off); that is safe, because exactly-once lives in the database."""

import gc

from web import create_app
from web.cli import start_scheduler

app = create_app()
start_scheduler(app)
# Everything made so far lives as long as the worker: moved out of the collector's reach, a full
# collection no longer walks it in the middle of someone's request (it showed in the p99 latency).
gc.freeze()

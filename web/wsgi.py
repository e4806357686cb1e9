"""The WSGI entry point for production: `gunicorn 'web.wsgi:app'`. Every worker runs the sweep on its
interval (unless SCHEDULER_ENABLED is off); that is safe, because exactly-once lives in the database."""

from web import create_app
from web.cli import start_scheduler

app = create_app()
start_scheduler(app)

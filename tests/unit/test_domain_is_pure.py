"""The domain imports nothing from the web, the database, the scheduler or SMTP."""

import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "sqlmodel", "apscheduler", "smtplib", "psycopg", "alembic", "jinja2")


def test_importing_every_workflow_module_loads_no_infrastructure():
    code = (
        "import pkgutil, sys, workflow\n"
        "for m in pkgutil.iter_modules(workflow.__path__): __import__('workflow.' + m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

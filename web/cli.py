"""The `qareview` command line: commands on `app.cli`, so create_app's overrides hold for them."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from models.audit import verify_chain
from services import demo as demo_data
from services import people
from services.core import Core
from services.setup import init_db
from workflow.errors import DomainError
from web import create_app
from workflow.roles import Role


def core() -> Core:
    return current_app.extensions["qareview"]


def fail(error: DomainError) -> None:
    click.echo(f"error: {error.message}", err=True)
    for field, messages in error.details.items():
        if isinstance(messages, list):
            click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the schema and load regions and the review calendar from config/."""
    counts = init_db(core())
    click.echo(f"database ready: {counts['regions']} regions, {counts['calendar']} calendar entries")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data set (users for every role, reviews, cases in every state, concerns)."""
    init_db(core())
    try:
        summary = demo_data.load(core())
    except demo_data.AlreadyLoaded:
        click.echo("demo data is already loaded")
        return
    for line in summary:
        click.echo(line)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Run the web application (a threaded development server; use gunicorn in production)."""
    click.echo(f"qareview is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group("users")
def users_group() -> None:
    """Manage users and their API tokens."""


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="region code, for region-scoped roles")
@click.option("--password", required=True)
@with_appcontext
def users_add(email: str, name: str, roles: tuple[str, ...], region: str | None, password: str) -> None:
    """Add a user with one or more roles."""
    c = core()
    with c.uow() as uow:
        try:
            user = people.add_user(uow.session, email=email, name=name, roles=roles, password=password,
                                   passwords=c.passwords, region=region)
        except DomainError as error:
            fail(error)
        uow.commit()
    click.echo(f"added {user.email} ({', '.join(sorted(roles))})")


@users_group.command("token")
@click.argument("email")
@with_appcontext
def users_token(email: str) -> None:
    """Issue a new personal API token (printed once, as the last word)."""
    c = core()
    with c.uow() as uow:
        try:
            token = people.issue_token(uow.session, people.user_by_email(uow.session, email))
        except DomainError as error:
            fail(error)
        uow.commit()
    click.echo(f"API token for {email}: {token}")


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Walk the tamper-evident chain; exit 1 at the first record that does not hold."""
    with core().uow(write=False) as uow:
        checked, broken = verify_chain(uow.session)
    if broken:
        click.echo(f"audit chain BROKEN at record {broken.record_id}: {broken.reason} "
                   f"({checked} records before it hold)")
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} records verified")


def register(app: Flask) -> None:
    for command in (init_db_command, demo_command, serve_command, users_group, audit_group):
        app.cli.add_command(command)


main = FlaskGroup(create_app=create_app, add_default_commands=False, add_version_option=False,
                  load_dotenv=False, help="qareview: the QA Case Review Unit's workflow service.")

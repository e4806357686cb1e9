"""The `qareview` command line: commands on `app.cli`, so create_app's overrides hold for them."""

from __future__ import annotations

import subprocess
import sys
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from notifications.delivery import MailSettings, deliver
from scheduler.runner import run_forever, start_background
from scheduler.sweep import sweep
from services import audit, sampling, synthetic
from services import demo as demo_data
from services import people
from services.bus import handle
from services.core import Core
from services.setup import backup, init_db
from workflow.commands import DrawSample, PlanReview
from workflow.errors import DomainError, ValidationFailed
from workflow.roles import Role
from workflow.states import OutboxStatus
from workflow.universe import Extract


def core() -> Core:
    return current_app.extensions["qareview"]


def in_unit(action):
    """Run `action(uow)` in one unit of work and commit it; a refusal ends the command (exit 1), saying why."""
    with core().uow() as uow:
        try:
            result = action(uow)
        except DomainError as error:
            fail(error)
        uow.commit()
    return result


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
    """Run the web application (a threaded development server; use gunicorn in production),
    with the deadline sweep on its interval unless SCHEDULER_ENABLED is off."""
    app = current_app._get_current_object()
    if start_scheduler(app):
        click.echo(f"deadline sweep every {app.config['SCHEDULER_INTERVAL_SECONDS']} s in this process")
    click.echo(f"qareview is serving on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True)


@click.group("users")
def users_group() -> None:
    """Manage users and their API tokens."""


def _password(given: str | None, from_stdin: bool) -> str:
    """The password from --password, from standard input (its first line), or asked for without echo; a
    password on the command line shows in shell history and `ps`, so the other two are better."""
    if given is not None:
        return given
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


_PASSWORD_OPTIONS = [
    click.option("--password", default=None, help="the password (better: --password-stdin, or be asked)"),
    click.option("--password-stdin", "password_stdin", is_flag=True, help="read the password from standard input"),
]


def password_options(command):
    for option in reversed(_PASSWORD_OPTIONS):
        command = option(command)
    return command


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", default=None, help="region code, for region-scoped roles")
@password_options
@with_appcontext
def users_add(email: str, name: str, roles: tuple[str, ...], region: str | None, password: str | None,
              password_stdin: bool) -> None:
    """Add a user with one or more roles."""
    secret = _password(password, password_stdin)
    in_unit(lambda uow: people.add_user(uow, email=email, name=name, roles=roles, password=secret,
                                        passwords=core().passwords, region=region))
    click.echo(f"added {people.normalize_email(email)} ({', '.join(sorted(roles))})")


@users_group.command("token")
@click.argument("email")
@with_appcontext
def users_token(email: str) -> None:
    """Issue a new personal API token (printed once, as the last word); it works for TOKEN_LIFETIME_DAYS."""
    days = int(current_app.config["TOKEN_LIFETIME_DAYS"])
    token = in_unit(lambda uow: people.issue_token(uow, email, now=core().now(), lifetime=timedelta(days=days)))
    click.echo(f"API token for {email} (works for {days} days): {token}")


@users_group.command("revoke-tokens")
@click.argument("email")
@with_appcontext
def users_revoke_tokens(email: str) -> None:
    """Every personal API token of the user stops working at once."""
    count = in_unit(lambda uow: people.revoke_tokens(uow, email, now=core().now()))
    click.echo(f"revoked {count} token(s) of {email}")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """The user can no longer log in; their sessions and tokens stop working at once; their history stays."""
    in_unit(lambda uow: people.deactivate(uow, email, now=core().now()))
    click.echo(f"deactivated {email}: sessions ended, tokens revoked")


@users_group.command("password")
@click.argument("email")
@password_options
@with_appcontext
def users_password(email: str, password: str | None, password_stdin: bool) -> None:
    """Set a new password for the user; every session of theirs ends."""
    secret = _password(password, password_stdin)
    in_unit(lambda uow: people.change_password(uow, email, password=secret, passwords=core().passwords,
                                               now=core().now()))
    click.echo(f"password of {email} changed; their sessions ended")


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Walk the tamper-evident chain and its checkpoints; exit 1 at the first record or checkpoint that
    does not hold."""
    try:
        checked, broken = audit.verify(core())
    except audit.CheckpointForged as forged:
        click.echo(f"audit checkpoints BROKEN: {forged}")
        sys.exit(1)
    if broken:
        where = f"at record {broken.record_id}" if broken.record_id is not None else "after the last record"
        click.echo(f"audit chain BROKEN {where}: {broken.reason} ({checked} records hold)")
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} records verified, {len(audit.checkpoints(core()))} checkpoints")


@audit_group.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Seal the chain as it stands, in a checkpoint kept outside the database."""
    sealed = audit.seal(core(), now=core().now())
    click.echo(f"sealed in {audit.checkpoint_file(core())}")
    click.echo(f"checkpoint {sealed.count} {sealed.record_hash}")


def start_scheduler(app: Flask) -> bool:
    """Start the background sweep for a serving process, when enabled; True if started."""
    if not app.config["SCHEDULER_ENABLED"]:
        return False
    app.extensions["qareview.scheduler"] = start_background(
        app.extensions["qareview"], MailSettings.from_config(app.config), int(app.config["SCHEDULER_INTERVAL_SECONDS"]))
    return True


def _instant(value: str | None) -> datetime:
    if value is None:
        return core().now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use ISO-8601, e.g. 2026-11-22T09:00:00-06:00") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=core().calendar.tz)


@click.command("sweep")
@click.option("--now", "when", default=None, help="the instant to sweep at (ISO-8601; default: now)")
@with_appcontext
def sweep_command(when: str | None) -> None:
    """Run one deadline sweep and one outbox delivery pass, and say what was recorded and sent."""
    now = _instant(when)
    swept = sweep(core(), now=now)
    delivered = deliver(core().uow, MailSettings.from_config(current_app.config), now=now)
    click.echo(f"sweep at {now.isoformat()}: recorded {len(swept.recorded)} notice(s)")
    for subject in swept.recorded:
        click.echo(f"  recorded: {subject}")
    for deadline_id in swept.failed:
        click.echo(f"  could not process deadline {deadline_id} (see the log)")
    click.echo(f"delivery: sent {len(delivered.sent)}, retrying {len(delivered.retrying)}, "
               f"failed {len(delivered.failed)}")
    for label, subjects in (("sent", delivered.sent), ("retrying", delivered.retrying),
                            ("failed", delivered.failed)):
        for subject in subjects:
            click.echo(f"  {label}: {subject}")


@click.command("deadlines")
@with_appcontext
def deadlines_command() -> None:
    """List the open clocks with their due time (local) and state, overdue first."""
    c = core()
    now = c.now()
    with c.uow(write=False) as uow:
        rows = uow.views.open_deadlines()
    if not rows:
        click.echo("no open deadlines")
    for row in rows:  # already by due time, so the overdue ones come first
        status = "OVERDUE" if row.due_at < now else "open"
        due = row.due_at.astimezone(c.calendar.tz).strftime("%Y-%m-%d %H:%M %Z")
        click.echo(f"{status:8} {due:22} {row.clock:24} {row.entity} {row.entity_id}")


@click.command("outbox")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), default=None)
@with_appcontext
def outbox_command(status: str | None) -> None:
    """List queued e-mail and its delivery state."""
    with core().uow(write=False) as uow:
        messages = uow.views.outbox(status=status)
    if not messages:
        click.echo("the outbox is empty")
    for m in messages:
        extra = f"  ({m.attempts} attempt(s); {m.last_error})" if m.last_error else ""
        subject = m.subject or f"[{m.template}, rendered when first sent]"
        click.echo(f"{m.id:6} {m.status:8} to {m.recipients}: {subject}{extra}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the deadline sweep on its interval in this process (for a separate scheduler process)."""
    seconds = int(current_app.config["SCHEDULER_INTERVAL_SECONDS"])
    click.echo(f"sweeping every {seconds} s (Ctrl+C to stop)")
    run_forever(core(), MailSettings.from_config(current_app.config), seconds)


@click.command("import-universe")
@click.argument("kind", type=click.Choice([k.value for k in Extract]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_universe_command(kind: str, path: Path) -> None:
    """Replace the foster-care or in-home universe with an extract (CSV), all or nothing."""
    bar = click.progressbar(length=path.stat().st_size, label=f"importing {path.name}", file=sys.stderr) \
        if sys.stderr.isatty() else None
    try:
        with bar or nullcontext():
            done = sampling.import_universe(core(), kind=Extract(kind), path=path, by="command line",
                                            progress=bar.update if bar else lambda read: None)
    except sampling.Refused as refused:
        for problem in refused.problems:
            click.echo(problem, err=True)
        click.echo(f"refused: nothing was imported from {path}", err=True)
        sys.exit(1)
    regions = ", ".join(f"{code} {n}" for code, n in done.per_region.items())
    click.echo(f"imported {done.rows} {kind} rows from {path.name} ({regions}); sha256 {done.digest[:12]}")


@click.command("demo-universe")
@click.option("--children", type=click.IntRange(1, 10_000_000), default=3000, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=2026, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to write the two CSV files (default: the instance folder's universe/)")
@click.option("--import/--no-import", "load", default=True, show_default=True, help="import them too")
@with_appcontext
def demo_universe_command(children: int, seed: int, out: Path | None, load: bool) -> None:
    """Write a synthetic extract (both files) for every region, made up from the seed; import it."""
    folder = out or Path(current_app.instance_path) / "universe"
    written = synthetic.write_universe(folder, children=children, seed=seed, today=core().calendar.local_date(
        core().now()), regions=list(core().reference.regions))
    for kind, path in written.items():
        click.echo(f"wrote {path}")
        if load:
            done = sampling.import_universe(core(), kind=kind, path=path, by="demo-universe")
            click.echo(f"imported {done.rows} {kind} rows")


@click.group("reviews")
def reviews_group() -> None:
    """Regional reviews: plan a year's, draw a sample."""


@reviews_group.command("plan")
@click.argument("year", type=click.IntRange(2000, 2999))
@click.option("--kind", type=click.Choice(["measurement", "baseline"]), default="measurement", show_default=True)
@click.option("--as", "email", required=True, help="the team lead planning them (e-mail)")
@with_appcontext
def reviews_plan(year: int, kind: str, email: str) -> None:
    """Create the year's regional reviews from the review calendar (config/regions.toml), in `planned`;
    reviews that exist already are left as they are."""
    c = core()
    def plan(uow):
        actor, made = people.actor(uow, email), []
        for month, regions in sorted(c.reference.calendar.items()):
            for region in regions:
                try:
                    made.append(handle(c, uow, PlanReview(region=region, review_month=f"{year}-{month:02d}",
                                                          kind=kind, actor=actor, at=c.now())))
                except ValidationFailed as error:
                    if "review_month" not in error.details:
                        raise
        return made
    made = in_unit(plan)
    total = sum(len(r) for r in c.reference.calendar.values())
    click.echo(f"planned {len(made)} {kind} review(s) for {year}; {total - len(made)} existed already")


@reviews_group.command("sample")
@click.argument("review_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None, help="default: a fresh seed, recorded")
@click.option("--as", "email", required=True, help="the team lead drawing it (e-mail)")
@with_appcontext
def reviews_sample(review_id: int, seed: int | None, email: str) -> None:
    """Draw a review's sample from the imported universe; its cases for review start `sampled`."""
    c = core()
    def draw(uow):
        actor = people.actor(uow, email)
        return handle(c, uow, DrawSample(review_id=review_id, seed=seed, actor=actor, at=c.now()))
    drawn = in_unit(draw)
    for case_type, counts in drawn.counts.items():
        click.echo(f"{case_type}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"sample drawn with seed {drawn.seed}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET while the service runs (see the README to restore)."""
    if target.exists():
        raise click.BadParameter(f"{target} exists: choose a new file", param_hint="TARGET")
    try:
        backup(core(), target)
    except subprocess.CalledProcessError as error:
        click.echo(f"error: pg_dump failed: {error.stderr.strip()}", err=True)
        sys.exit(1)
    click.echo(f"backup written to {target} ({target.stat().st_size} bytes)")


def register(app: Flask) -> None:
    for command in (init_db_command, demo_command, serve_command, users_group, audit_group, sweep_command,
                    deadlines_command, outbox_command, scheduler_command, backup_command, import_universe_command,
                    demo_universe_command, reviews_group):
        app.cli.add_command(command)

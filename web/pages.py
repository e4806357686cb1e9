"""Server-rendered pages: thin views over the same services as the API."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from models.audit import audit_records
from models.tables import Conflict, RegionRow, User, UserRole
from services import cases, concerns, people, reviews
from services.deadlines import open_deadlines
from services.login import Throttled, log_in
from services.work import waiting_on
from web import markup
from web.auth import core, for_login, roles_required
from web.diagrams import lifecycle_svg
from workflow.case_lifecycle import CASE_LIFECYCLE
from workflow.concern_lifecycle import CONCERN_LIFECYCLE
from workflow.errors import DomainError
from workflow.roles import Role

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


blueprint.add_app_template_filter(markup.local_time, "local")
for helper in (markup.words, markup.state, markup.due_cell, markup.case_rows, markup.case_url, markup.concern_url):
    blueprint.add_app_template_filter(helper)


@blueprint.app_context_processor
def globals_for_templates():
    return {"now": core().now().astimezone(core().calendar.tz), "Role": Role}


@blueprint.get("/health")
def health():
    """Liveness, and the framework's floor in benchmarks."""
    return jsonify(status="ok")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = log_in(core(), email=request.form.get("email", ""), password=request.form.get("password", ""),
                          address=request.remote_addr or "unknown", now=core().now())
        except Throttled as throttled:
            return render_template("login.html", error=str(throttled)), 429
        if user is not None:
            login_user(for_login(user))
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for(".home"))
        error = "Wrong e-mail or password."
    return render_template("login.html", error=error), 401 if error else 200


@blueprint.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for(".login"))


@blueprint.get("/")
@login_required
def home():
    """My work: everything waiting on me, overdue first."""
    with core().uow(write=False) as uow:
        work = waiting_on(uow, viewer=current_user.actor)
    return render_template("my_work.html", work=work)


@blueprint.get("/reviews")
@login_required
def review_list():
    with core().uow(write=False) as uow:
        rows = reviews.list_reviews(uow, viewer=current_user.actor, limit=500)
        counts = reviews.case_counts(uow, [r.id for r in rows])
    return render_template("reviews.html", reviews=rows, counts=counts)


@blueprint.get("/reviews/<id:review_id>")
@login_required
def review_page(review_id: int):
    with core().uow(write=False) as uow:
        review = reviews.visible_review(uow, review_id=review_id, viewer=current_user.actor)
        rows = cases.list_cases(uow, viewer=current_user.actor, review_id=review_id, limit=10_000)
        counts = reviews.case_counts(uow, [review_id])[review_id]
    due = {row.id: cases.deadlines(core(), row) for row in rows}
    return render_template("review.html", review=review, cases=rows, counts=counts, due=due)


@blueprint.get("/cases/<id:case_id>")
@login_required
def case_page(case_id: int):
    viewer = current_user.actor
    with core().uow(write=False) as uow:
        row = cases.get_case(uow, case_id=case_id, viewer=viewer)
        history = audit_records(uow, entity="case", entity_id=case_id, limit=10_000)
        open_concerns = concerns.list_concerns(uow, viewer=viewer, now=core().now(), case_id=case_id, limit=500)
        clocks = open_deadlines(uow, entity="case", entity_id=case_id)
        mine = cases.triggers_for(row, viewer)
        assigning = "assign" in mine  # the people to choose from are needed only then
        reviewers = people.emails_with_role(uow.session, Role.REVIEWER) if assigning else []
        qas = people.emails_with_role(uow.session, Role.QA) if assigning else []
        identity = cases.original_identity(uow, row=row, viewer=viewer)
    return render_template(
        "case.html", case=row, history=history, concerns=open_concerns, clocks=clocks,
        mine=mine, diagram=lifecycle_svg(CASE_LIFECYCLE, row.state),
        reasons=core().reference.elimination_reasons, reviewers=reviewers, qas=qas,
        concern_types=core().reference.concern_types, identity=identity,
        masked=viewer.roles == {Role.AUDITOR})


def _form_fields(skip=("csrf_token", "trigger", "version")) -> dict:
    fields = {k: v for k, v in request.form.items() if k not in skip and v != ""}
    for flag in ("cb_consulted", "systemic_issue"):
        if flag in fields:
            fields[flag] = fields[flag] == "on"
    return fields


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


@blueprint.post("/cases/<id:case_id>/fire")
@login_required
def case_fire(case_id: int):
    return _act(cases.fire, ".case_page", case_id=case_id)


def _act(fire, page: str, **ids):
    """Fire the posted trigger; a refusal is flashed in words (an unknown id stays a 404)."""
    c = core()
    try:
        with c.uow() as uow:
            fire(c, uow, **ids, trigger=request.form.get("trigger", ""), actor=current_user.actor,
                 fields=_form_fields(), version=_version(), now=c.now())
            uow.commit()
        flash("Done.", "ok")
    except DomainError as error:
        if error.code == "not_found":
            raise
        flash(_explain(error), "error")
    return redirect(url_for(page, **ids))


def _explain(error: DomainError) -> str:
    """A refusal in words: for invalid fields, what is wrong with each; otherwise the domain's message."""
    if error.code != "validation_error":
        return error.message
    return "Not done — " + " · ".join(f"{k.replace('_', ' ')}: {'; '.join(v)}" for k, v in error.details.items())


@blueprint.post("/cases/<id:case_id>/concerns")
@login_required
def concern_raise(case_id: int):
    c = core()
    try:
        with c.uow() as uow:
            row = concerns.create(c, uow, actor=current_user.actor, case_id=case_id, type=request.form.get("type"),
                                  description=request.form.get("description", ""), now=c.now())
            uow.commit()
        flash("Concern raised.", "ok")
        return redirect(url_for(".concern_page", concern_id=row.id))
    except DomainError as error:
        if error.code == "not_found":
            raise
        flash(_explain(error), "error")
        return redirect(url_for(".case_page", case_id=case_id))


@blueprint.get("/concerns")
@login_required
def concern_list():
    c = core()
    now = c.now()
    with c.uow(write=False) as uow:
        rows = concerns.list_concerns(uow, viewer=current_user.actor, now=now, limit=1000)
    late = {r.id: concerns.overdue(r, now) for r in rows}
    rows.sort(key=lambda r: (not late[r.id], r.response_due is None, r.response_due or now, r.id))
    return render_template("concerns.html", concerns=rows, overdue=late, types=c.reference.concern_types)


@blueprint.get("/concerns/<id:concern_id>")
@login_required
def concern_page(concern_id: int):
    c = core()
    with c.uow(write=False) as uow:
        row = concerns.get(uow, concern_id=concern_id, viewer=current_user.actor)
        history = audit_records(uow, entity="concern", entity_id=concern_id, limit=1000)
    now = concerns.options(row, current_user.actor, c.now())
    return render_template("concern.html", concern=row, history=history, types=c.reference.concern_types,
                           mine=now.mine, overdue=now.overdue, diagram=lifecycle_svg(CONCERN_LIFECYCLE, row.state))


@blueprint.post("/concerns/<id:concern_id>/fire")
@login_required
def concern_fire(concern_id: int):
    return _act(concerns.fire, ".concern_page", concern_id=concern_id)


def _audit_query():
    args = request.args
    since, until = args.get("since") or None, args.get("until") or None
    try:
        since_at = datetime.fromisoformat(since).replace(tzinfo=core().calendar.tz) if since else None
        until_at = datetime.fromisoformat(until).replace(tzinfo=core().calendar.tz) if until else None
    except ValueError:
        abort(422, description="dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    return {"entity": args.get("entity") or None, "actor": args.get("actor") or None,
            "trigger": args.get("trigger") or None, "since": since_at, "until": until_at}


@blueprint.get("/audit")
@roles_required(Role.AUDITOR, Role.ADMIN)
def audit_page():
    query = _audit_query()
    with core().uow(write=False) as uow:
        rows = audit_records(uow, limit=1000, **query)
    return render_template("audit.html", records=rows, args=request.args)


@blueprint.get("/audit.csv")
@roles_required(Role.AUDITOR, Role.ADMIN)
def audit_export():
    query = _audit_query()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "entity", "entity_id", "from", "to", "trigger", "actor", "at", "notes", "hash"])
    with core().uow(write=False) as uow:
        for r in audit_records(uow, limit=1_000_000, **query):
            writer.writerow([r.id, r.entity, r.entity_id, r.from_state, r.to_state, r.trigger, r.actor,
                             r.at.isoformat(), r.notes or "", r.record_hash])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=qareview-audit.csv"})


@blueprint.get("/admin")
@roles_required(Role.ADMIN)
def admin_page():
    with core().uow(write=False) as uow:
        users = list(uow.session.exec(select(User).order_by(User.email)))
        roles = {}
        for user_id, role in uow.session.exec(select(UserRole.user_id, UserRole.role)):
            roles.setdefault(user_id, []).append(role)
        conflicts = list(uow.session.exec(select(Conflict).order_by(Conflict.id)))
        regions = list(uow.session.exec(select(RegionRow).order_by(RegionRow.code)))
    emails = {u.id: u.email for u in users}
    return render_template("admin.html", users=users, roles=roles, conflicts=conflicts, emails=emails,
                           regions=regions, all_roles=list(Role))


@blueprint.post("/admin/users")
@roles_required(Role.ADMIN)
def admin_add_user():
    c = core()
    try:
        with c.uow() as uow:
            people.add_user(uow.session, email=request.form.get("email", ""), name=request.form.get("name", ""),
                            roles=request.form.getlist("roles"), password=request.form.get("password", ""),
                            passwords=c.passwords, region=request.form.get("region") or None)
            uow.commit()
        flash("User added.", "ok")
    except DomainError as error:
        flash(_explain(error), "error")
    return redirect(url_for(".admin_page"))


@blueprint.post("/admin/conflicts")
@roles_required(Role.ADMIN)
def admin_add_conflict():
    form = request.form
    case_id = form.get("case_id", "")
    try:
        with core().uow() as uow:
            people.declare_conflict(uow.session, email=form.get("email", ""),
                                    case_id=int(case_id) if case_id.isdigit() else None,
                                    region=form.get("region") or None, participant=form.get("participant") or None,
                                    note=form.get("note") or None)
            uow.commit()
        flash("Conflict of interest recorded.", "ok")
    except DomainError as error:
        flash(_explain(error), "error")
    return redirect(url_for(".admin_page"))

"""Server-rendered pages: thin views over the same services, commands and views as the API."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit
from datetime import UTC, date, datetime

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required, login_user

from services import case_people, cases, concerns, deidentify, masking, people, ratings, reviews, sampling
from services.bus import execute
from services.login import Throttled, log_in
from web.auth import core, end_session, for_login, roles_required
from web.diagrams import lifecycle_svg
from workflow.case_lifecycle import CASE_LIFECYCLE
from workflow.case_people import LOCATIONS, STATUSES, labels_of
from workflow.commands import (AddParticipant, AddressFeedback, DrawSample, ExtendDraw, FireCaseTrigger,
                               FireConcernTrigger, GiveFeedback, Kind, RaiseConcern, RateCase, RecordInterview,
                               RecordPlanningCall, RecordStaffing, ScheduleOnSite)
from workflow.concern_lifecycle import CONCERN_LIFECYCLE
from workflow.errors import DomainError
from workflow.ratings import may_rate
from workflow.roles import Role
from workflow.sampling import explain

blueprint = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@blueprint.app_template_filter("local")
def local_time(moment: datetime | None) -> str:
    """A moment as pages show it, in the unit's time zone."""
    return "" if moment is None else moment.astimezone(core().calendar.tz).strftime("%a %d %b %Y %H:%M %Z")


@blueprint.app_template_filter("words")
def words(code: str) -> str:
    """A code as words (`foster_care`: "foster care")."""
    return code.replace("_", " ")


@blueprint.app_context_processor
def globals_for_templates():
    return {"now": core().now().astimezone(core().calendar.tz), "Role": Role}


def same_site_path(target: str) -> str | None:
    """`target` if it is a path on this site, else None. Browsers drop tabs and newlines from a URL and read
    a backslash as a slash: a path with any of them, or starting "//", could lead to another host."""
    if not target.startswith("/") or target.startswith("//") or any(c in target for c in "\\\t\r\n"):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) and all(ord(c) >= 0x20 for c in target) else None


@blueprint.get("/health")
def health():
    """Liveness (the process answers), and the framework's floor in benchmarks."""
    return jsonify(status="ok")


@blueprint.get("/ready")
def ready():
    """Readiness: the database answers too (a load balancer sends no one here while it does not)."""
    try:
        with core().uow(write=False) as uow:
            uow.views.alive()
    except Exception:  # noqa: BLE001 - whatever the driver says, the database cannot be reached
        current_app.logger.exception("the database does not answer")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ready", database="ok")


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
            return redirect(same_site_path(request.args.get("next", "")) or url_for(".home"))
        error = "Wrong e-mail or password."
    return render_template("login.html", error=error), 401 if error else 200


@blueprint.post("/logout")
@login_required
def logout():
    end_session()
    return redirect(url_for(".login"))


@blueprint.get("/")
@login_required
def home():
    """My work: everything waiting on me, overdue first."""
    viewer = current_user.actor
    with core().uow(write=False) as uow:
        work = {"cases": uow.views.work_cases(viewer=viewer), "concerns": uow.views.work_concerns(viewer=viewer)}
    return render_template("my_work.html", work=work)


@blueprint.get("/reviews")
@login_required
def review_list():
    with core().uow(write=False) as uow:
        rows = uow.views.reviews(viewer=current_user.actor, limit=500)
        counts = uow.views.case_counts([r.id for r in rows])
    return render_template("reviews.html", reviews=rows, counts=counts)


@blueprint.get("/reviews/<id:review_id>")
@login_required
def review_page(review_id: int):
    with core().uow(write=False) as uow:
        review = reviews.visible_review(uow, review_id=review_id, viewer=current_user.actor)
        rows = uow.views.cases(viewer=current_user.actor, review_id=review_id, limit=10_000)
        counts = uow.views.case_counts([review_id])[review_id]
        oversees = current_user.actor.only_oversees    # the CB: the cases in oversight, not the sample
        drawn = None if oversees else sampling.sample_of(uow, review_id=review_id, viewer=current_user.actor)
        worksheet = [] if oversees else uow.views.eliminations(review_id)
        calls, superseded = uow.views.planning_calls(review_id), uow.views.superseded_samples(review_id)
    due = {row.id: cases.running_deadlines(core(), row) for row in rows}
    sample = None if drawn is None else {"sample": drawn[0], "counts": explain(sampling.as_drawn(drawn[1])),
                                         "eliminated": [e for e in drawn[1] if e.role == "eliminated" and e.case_id],
                                         "screened": any(c.state != "sampled" for c in rows)}
    return render_template("review.html", review=review, cases=rows, counts=counts, due=due, sample=sample,
                           worksheet=worksheet, reasons=core().reference.elimination_reasons, calls=calls,
                           superseded=superseded, period=reviews.sample_period(core(), review))


def _day(name: str):
    """A posted date (None when empty or not a date: the command then says what is wrong)."""
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


@blueprint.post("/reviews/<id:review_id>/sample")
@login_required
def review_draw(review_id: int):
    """Draw (or draw again) the review's sample: the seed and the period's start are optional."""
    seed = request.form.get("seed", "").strip()
    return _act(DrawSample(review_id=review_id, seed=int(seed) if seed.isdigit() else None,
                           period_start=_day("period_start"), reason=request.form.get("reason") or None,
                           actor=current_user.actor, at=core().now()), ".review_page", review_id=review_id)


@blueprint.post("/reviews/<id:review_id>/sample/extension")
@login_required
def review_extend(review_id: int):
    return _act(ExtendDraw(review_id=review_id, actor=current_user.actor, at=core().now()), ".review_page",
                review_id=review_id)


@blueprint.post("/reviews/<id:review_id>/onsite")
@login_required
def review_onsite(review_id: int):
    start, end = _day("start"), _day("end")
    if start is None or end is None:
        flash("Not done — the first and last on-site days are dates (YYYY-MM-DD).", "error")
        return redirect(url_for(".review_page", review_id=review_id))
    return _act(ScheduleOnSite(review_id=review_id, start=start, end=end, actor=current_user.actor,
                               at=core().now()), ".review_page", review_id=review_id)


@blueprint.post("/reviews/<id:review_id>/planning-calls")
@login_required
def review_planning_call(review_id: int):
    held_on = _day("held_on")
    if held_on is None:
        flash("Not done — the day of the call is a date (YYYY-MM-DD).", "error")
        return redirect(url_for(".review_page", review_id=review_id))
    return _act(RecordPlanningCall(review_id=review_id, held_on=held_on,
                                   participants=request.form.get("participants", ""),
                                   eliminations_discussed=request.form.get("eliminations_discussed") or None,
                                   actor=current_user.actor, at=core().now()), ".review_page", review_id=review_id)


@blueprint.get("/reviews/<id:review_id>/eliminations.csv")
@login_required
def elimination_worksheet(review_id: int):
    """The elimination worksheet as CSV: each eliminated case, why, who proposed, who decided, when, and its
    replacement."""
    if current_user.actor.only_oversees:
        abort(403)
    with core().uow(write=False) as uow:
        reviews.visible_review(uow, review_id=review_id, viewer=current_user.actor)
        rows = uow.views.eliminations(review_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case", "case_type", "reason", "proposed_reason", "proposed_notes", "proposed_by", "decided_by",
                     "decided_at", "supporting_reason", "replaced_by"])
    for r in rows:
        writer.writerow([csv_cell(r.case_number), r.case_type, r.reason or "", r.proposed_reason or "",
                         csv_cell(r.proposed_notes or ""), r.proposed_by or "", r.decided_by, r.decided_at.isoformat(),
                         csv_cell(r.notes or ""), csv_cell(r.replaced_by_number or "")])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=eliminations-review-{review_id}.csv"})


def _choices(uow, mine: list[str], case) -> dict[str, list[tuple[str, str]]]:
    """The choices of the fields of the triggers offered (people are read only when a form needs them): the
    people who may be assigned, those with a declared conflict with the case left out, each with their load."""
    found = {"elimination_reasons": list(core().reference.elimination_reasons.items())}
    wanted = {f.choices for t in mine for f in CASE_LIFECYCLE.fields[t] if f.kind is Kind.EMAIL}
    for role in wanted:
        emails = uow.people.emails_with_role(Role(role))
        staff = people.actors(uow, emails)
        participants = case.participants()
        free = [e for e in emails if (person := staff.get(e)) is not None
                and not person.conflicted_with(case_id=case.id, region=case.region, participants=participants)]
        loads = uow.views.loads(free)
        found[role] = [(e, f"{e} — open cases: {loads[e].reviewer} reviewing, "
                           f"{loads[e].first_qa + loads[e].second_qa} in QA") for e in free]
    return found


@blueprint.get("/cases/<id:case_id>")
@login_required
def case_page(case_id: int):
    viewer = current_user.actor
    c = core()
    with c.uow(write=False) as uow:
        case = cases.get_case(uow, case_id=case_id, viewer=viewer)
        history = cases.history(uow, case_id=case_id, viewer=viewer, limit=10_000)
        open_concerns = uow.views.concerns(viewer=viewer, now=c.now(), case_id=case_id, limit=500)
        clocks = uow.views.open_deadlines(entity="case", entity_id=case_id)
        mine = cases.options(c, case, viewer).mine
        choices = _choices(uow, mine, case)
        identity = cases.original_identity(uow, case=case, viewer=viewer)
        people, interviews, owed = case_people.people_of(uow, c, case_id=case.id, viewer=viewer)
        owed = masking.masked_texts(viewer, people, owed)
        common = deidentify.common_words(c, people) if viewer.has(Role.TEAM_LEAD) and \
            case.state in ("cb_oversight", "finalized") else []
        staffing = uow.case_people.staffing(case.id)
        rated, rolled_up = ratings.ratings_of(uow, c, case_id=case.id, viewer=viewer)
        feedback_items = uow.feedback.of_case(case.id)
    rules = c.reference.case_people
    returned = next((h for h in reversed(history) if h.trigger in ("return_to_reviewer", "request_corrections")),
                    None) if case.returned_by else None
    return render_template(
        "case.html", case=case, history=history, concerns=open_concerns, clocks=clocks,
        mine=mine, fields=CASE_LIFECYCLE.fields, choices=choices, diagram=lifecycle_svg(CASE_LIFECYCLE, case.state),
        reasons=c.reference.elimination_reasons, concern_types=c.reference.concern_types, identity=identity,
        case_masked=viewer.sees_masked, people=people, labels=labels_of(people, rules), owed=owed,
        interviews={p.id: [i for i in interviews if i.participant_id == p.id] for p in people}, rules=rules,
        staffing=staffing, feedback=feedback_items, returned=returned, statuses=STATUSES, locations=LOCATIONS,
        common=common, rated=rated, rolled_up=rolled_up, osri=c.reference.osri,
        rates=may_rate(case, viewer), records_people=case_people.records(case, viewer, interviews=True))


def _on_case(case_id: int, command, done: str):
    """Run a command the case page's forms send; back to the case, saying what happened or why not."""
    try:
        execute(core(), command)
        flash(done, "ok")
    except DomainError as error:
        if error.code == "not_found":
            raise
        flash(_explain(error), "error")
    return redirect(url_for(".case_page", case_id=case_id))


def _when(value: str) -> datetime | None:
    """A datetime-local field, in the agency's time zone."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=core().calendar.tz) if value else None
    except ValueError:
        return None


@blueprint.post("/cases/<id:case_id>/participants")
@login_required
def participant_add(case_id: int):
    return _on_case(case_id, AddParticipant(case_id=case_id, name=request.form.get("name", ""),
                                            role=request.form.get("role", ""), actor=current_user.actor,
                                            at=core().now()), "Participant added.")


@blueprint.post("/cases/<id:case_id>/interviews")
@login_required
def interview_record(case_id: int):
    form = request.form
    return _on_case(case_id, RecordInterview(
        case_id=case_id, participant_id=form.get("participant_id", type=int), status=form.get("status", ""),
        scheduled_for=_when(form.get("scheduled_for", "")), location=form.get("location") or None,
        exception=form.get("exception") or None, notes=form.get("notes") or None, actor=current_user.actor,
        at=core().now()), "Interview recorded.")


@blueprint.post("/cases/<id:case_id>/staffing")
@login_required
def staffing_record(case_id: int):
    form = request.form
    try:
        held_on = date.fromisoformat(form.get("held_on", ""))
    except ValueError:
        flash("Not done — held on: a date (YYYY-MM-DD)", "error")
        return redirect(url_for(".case_page", case_id=case_id))
    return _on_case(case_id, RecordStaffing(case_id=case_id, kind=form.get("kind", ""), held_on=held_on,
                                            hours=form.get("hours", type=float), notes=form.get("notes") or None,
                                            actor=current_user.actor, at=core().now()), "Recorded.")


@blueprint.post("/cases/<id:case_id>/ratings")
@login_required
def ratings_record(case_id: int):
    form = request.form
    items = {key.removeprefix("rating-"): {"rating": value, "rationale": form.get(f"rationale-{key[7:]}", "")}
             for key, value in form.items() if key.startswith("rating-") and value}
    return _on_case(case_id, RateCase(case_id=case_id, items=items, actor=current_user.actor, at=core().now()),
                    "Ratings saved.")


@blueprint.post("/cases/<id:case_id>/feedback")
@login_required
def feedback_give(case_id: int):
    return _on_case(case_id, GiveFeedback(case_id=case_id, text=request.form.get("text", ""),
                                          actor=current_user.actor, at=core().now()), "Feedback recorded.")


@blueprint.post("/cases/<id:case_id>/feedback/<id:feedback_id>")
@login_required
def feedback_address(case_id: int, feedback_id: int):
    return _on_case(case_id, AddressFeedback(feedback_id=feedback_id, resolution=request.form.get("resolution", ""),
                                             actor=current_user.actor, at=core().now()), "Feedback addressed.")


def _form_fields(lifecycle, trigger: str) -> dict:
    """The posted values of the trigger's declared fields: an empty one is not given, a ticked box is True."""
    found = {}
    for spec in lifecycle.fields.get(trigger, ()):
        value = request.form.get(spec.name, "")
        if spec.kind is Kind.FLAG:
            found[spec.name] = value == "on"
        elif value != "":
            found[spec.name] = value
    return found


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _act(command, page: str, **ids):
    """Run the posted command; a refusal is flashed in words (an unknown id stays a 404)."""
    try:
        execute(core(), command)
        flash("Done.", "ok")
    except DomainError as error:
        if error.code == "not_found":
            raise
        flash(_explain(error), "error")
    return redirect(url_for(page, **ids))


def _fire(command: type, lifecycle, page: str, **ids):
    """Fire the posted trigger with the fields its declaration names, then show the page again."""
    trigger = request.form.get("trigger", "")
    return _act(command(**ids, trigger=trigger, actor=current_user.actor, at=core().now(),
                        fields=_form_fields(lifecycle, trigger), version=_version()), page, **ids)


@blueprint.post("/cases/<id:case_id>/fire")
@login_required
def case_fire(case_id: int):
    answer = _fire(FireCaseTrigger, CASE_LIFECYCLE, ".case_page", case_id=case_id)
    if request.form.get("trigger") == "submit_review":
        with core().uow(write=False) as uow:
            case = cases.get_case(uow, case_id=case_id, viewer=current_user.actor)
            owed = case_people.still_open(uow, core(), case) if case.state == "reviewed" else []
        if owed:
            flash("Submitted — but required interviews are still open: " + "; ".join(owed), "error")
    return answer


def _explain(error: DomainError) -> str:
    """A refusal in words: for invalid fields, what is wrong with each; otherwise the domain's message."""
    if error.code != "validation_error":
        return error.message
    return "Not done — " + " · ".join(f"{k.replace('_', ' ')}: {'; '.join(v)}" for k, v in error.details.items())


@blueprint.post("/cases/<id:case_id>/concerns")
@login_required
def concern_raise(case_id: int):
    try:
        concern = execute(core(), RaiseConcern(case_id=case_id, type=request.form.get("type"),
                                               description=request.form.get("description", ""),
                                               actor=current_user.actor, at=core().now()))
        flash("Concern raised.", "ok")
        return redirect(url_for(".concern_page", concern_id=concern.id))
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
        rows = uow.views.concerns(viewer=current_user.actor, now=now, limit=1000)
    seen = {r.id: concerns.as_concern(r) for r in rows}
    late = {i: concern.overdue(now) for i, concern in seen.items()}
    due = {i: concern.response_due if concern.awaiting_region else None for i, concern in seen.items()}
    rows.sort(key=lambda r: (not late[r.id], r.response_due is None, r.response_due or now, r.id))
    return render_template("concerns.html", concerns=rows, overdue=late, due=due, types=c.reference.concern_types)


@blueprint.get("/concerns/<id:concern_id>")
@login_required
def concern_page(concern_id: int):
    c = core()
    with c.uow(write=False) as uow:
        concern = concerns.get(uow, concern_id=concern_id, viewer=current_user.actor)
        history = masking.masked(uow, current_user.actor, uow.views.audit(entity="concern", entity_id=concern_id,
                                                                           limit=1000))
    now = concerns.options(concern, current_user.actor, c.now())
    return render_template("concern.html", concern=concern, history=history, types=c.reference.concern_types,
                           mine=now.mine, fields=CONCERN_LIFECYCLE.fields, overdue=now.overdue,
                           diagram=lifecycle_svg(CONCERN_LIFECYCLE, concern.state))


@blueprint.post("/concerns/<id:concern_id>/fire")
@login_required
def concern_fire(concern_id: int):
    return _fire(FireConcernTrigger, CONCERN_LIFECYCLE, ".concern_page", concern_id=concern_id)


def _audit_query():
    args = request.args
    since, until = args.get("since") or None, args.get("until") or None
    try:
        since_at = datetime.fromisoformat(since).replace(tzinfo=core().calendar.tz) if since else None
        until_at = datetime.fromisoformat(until).replace(tzinfo=core().calendar.tz) if until else None
        for moment in filter(None, (since_at, until_at)):
            moment.astimezone(UTC)  # a moment the database can hold (9999-12-31 23:59 local is past year 9999)
    except (ValueError, OverflowError):
        abort(422, description="dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM, from year 1 to 9999")
    return {"entity": args.get("entity") or None, "actor": args.get("actor") or None,
            "trigger": args.get("trigger") or None, "since": since_at, "until": until_at}


@blueprint.get("/audit")
@roles_required(Role.AUDITOR, Role.ADMIN)
def audit_page():
    query = _audit_query()
    with core().uow(write=False) as uow:
        rows = masking.masked(uow, current_user.actor, uow.views.audit(limit=1000, **query))
    return render_template("audit.html", records=rows, args=request.args)


def csv_cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first) is kept as
    text: a leading apostrophe tells the spreadsheet so."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@blueprint.get("/audit.csv")
@roles_required(Role.AUDITOR, Role.ADMIN)
def audit_export():
    query = _audit_query()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "entity", "entity_id", "from", "to", "trigger", "actor", "at", "notes", "hash"])
    with core().uow(write=False) as uow:
        for r in masking.masked_all(uow, current_user.actor, uow.views.audit_all(**query)):
            writer.writerow([r.id, r.entity, r.entity_id, r.from_state, r.to_state, r.trigger, csv_cell(r.actor),
                             r.at.isoformat(), csv_cell(r.notes or ""), r.record_hash])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=qareview-audit.csv"})


@blueprint.get("/admin")
@roles_required(Role.ADMIN)
def admin_page():
    with core().uow(write=False) as uow:
        users, conflicts, regions = uow.views.users(), uow.views.conflicts(), uow.views.regions()
    return render_template("admin.html", users=users, conflicts=conflicts, regions=regions, all_roles=list(Role))


@blueprint.post("/admin/users")
@roles_required(Role.ADMIN)
def admin_add_user():
    c = core()
    try:
        with c.uow() as uow:
            people.add_user(uow, email=request.form.get("email", ""), name=request.form.get("name", ""),
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
    return _declare_conflict(".admin_page")


def _declare_conflict(page: str):
    form = request.form
    case_id = form.get("case_id", "")
    try:
        with core().uow() as uow:
            people.declare_conflict(uow, email=form.get("email") or current_user.email,
                                    case_id=int(case_id) if case_id.isdigit() else None,
                                    region=form.get("region") or None, participant=form.get("participant") or None,
                                    note=form.get("note") or None, by=current_user.actor, at=core().now())
            uow.commit()
        flash("Conflict of interest recorded.", "ok")
    except DomainError as error:
        flash(_explain(error), "error")
    return redirect(url_for(page))


@blueprint.get("/conflicts")
@login_required
def conflicts_page():
    """Conflicts of interest: each person declares their own; team leads (who assign) see and manage all."""
    manages = people.may_manage_conflicts(current_user.actor)
    with core().uow(write=False) as uow:
        found = uow.views.conflicts(None if manages else current_user.email)
        regions = uow.views.regions()
    return render_template("conflicts.html", conflicts=found, regions=regions, manages=manages)


@blueprint.post("/conflicts")
@login_required
def conflict_declare():
    return _declare_conflict(".conflicts_page")


@blueprint.post("/conflicts/<id:conflict_id>/withdraw")
@login_required
def conflict_withdraw(conflict_id: int):
    try:
        with core().uow() as uow:
            people.withdraw_conflict(uow, conflict_id=conflict_id, by=current_user.actor, at=core().now())
            uow.commit()
        flash("Conflict of interest withdrawn.", "ok")
    except DomainError as error:
        if error.code == "not_found":
            raise
        flash(_explain(error), "error")
    return redirect(url_for(".conflicts_page"))

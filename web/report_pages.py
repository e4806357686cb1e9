"""The findings as pages and CSV: the item report (per review, per region over time, statewide over the
last 12 months) with its charts, the flat export of every rating, and the PIP measurement worksheet with its
quarterly update for the Children's Bureau."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, render_template, request

from services import reports
from web.api.reports import READERS
from web.auth import core, roles_required
from web.charts import heat_map, item_bars, trend
from web.pages import csv_cell
from workflow.clocks import add_months

blueprint = Blueprint("reports", __name__)


def _day(name: str, default: date | None = None) -> date | None:
    value = request.args.get(name) or None
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        abort(422, description=f"{name}: a date as YYYY-MM-DD")


def _filters() -> dict:
    """The report's filters; with none at all, the statewide rolling 12 months up to today."""
    today = core().calendar.local_date(core().now())
    review = request.args.get("review", type=int)
    region = request.args.get("region") or None
    if region is not None and region not in core().reference.regions:
        abort(422, description=f"region: one of {', '.join(core().reference.regions)}")
    rolling = review is None and not request.args.get("since") and not request.args.get("until")
    return {"review_id": review, "region": region,
            "since": add_months(today, -12) if rolling else _day("since"), "until": today if rolling else _day("until")}


def _csv(rows: list[list], name: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@blueprint.get("/reports")
@roles_required(*READERS)
def report_page():
    filters, c = _filters(), core()
    with c.uow(write=False) as uow:
        report = reports.item_report(uow, c, **filters)
        regions = reports.by_region(uow, c, since=filters["since"], until=filters["until"])
        quarters, series = reports.by_quarter(uow, c, region=filters["region"], since=filters["since"],
                                              until=filters["until"])
    measured = c.reference.osri.measurement_items
    charts = {
        "bars": item_bars("items", "Strength percentage per OSRI item",
                          [(row["item"], row["strength_percent"]) for row in report["items"]]),
        "heat": heat_map("regions", "Strength percentage by region and item", list(c.reference.regions),
                         list(c.reference.osri.items), regions),
        "trend": trend("trend", "PIP items by quarter", quarters, {i: series[i] for i in measured}),
    }
    return render_template("reports.html", report=report, filters=filters, charts=charts, regions=regions,
                           quarters=quarters, series={i: series[i] for i in measured},
                           region_codes=list(c.reference.regions), items=list(c.reference.osri.items),
                           args=request.args)


@blueprint.get("/reports/items.csv")
@roles_required(*READERS)
def report_csv():
    with core().uow(write=False) as uow:
        report = reports.item_report(uow, core(), **_filters())
    rows = [["kind", "code", "name", "applicable", "strength", "ani", "strength_percent"]]
    rows += [["item", r["item"], r["name"], r["applicable"], r["strength"], r["ani"], r["strength_percent"]]
             for r in report["items"]]
    rows += [["outcome", r["outcome"], r["label"], r["applicable"], r["substantially_achieved"],
              r["partially_achieved"], r["not_achieved"]] for r in report["outcomes"]]
    rows += [["principle", r["principle"], r["label"], r["applicable"], r["strength"], "", r["strength_percent"]]
             for r in report["principles"]]
    return _csv(rows, "qareview-items.csv")


@blueprint.get("/reports/ratings.csv")
@roles_required(*READERS)
def ratings_export():
    """One row per case × item, for statisticians."""
    with core().uow(write=False) as uow:
        found = reports.flat_export(uow, core(), **_filters())
    names = ["case_id", "case_number", "case_type", "region", "review_id", "review_date", "item", "outcome",
             "rating", "rationale"]
    return _csv([names] + [[csv_cell(str(r[n])) if r[n] is not None else "" for n in names] for r in found],
                "qareview-ratings.csv")


def _pip_query() -> dict | None:
    names = ("baseline_start", "baseline_end", "measure_start", "measure_end")
    if not all(request.args.get(n) for n in names):
        return None
    query = {n: _day(n) for n in names}
    for start, end in (names[:2], names[2:]):
        if query[end] < query[start]:
            abort(422, description=f"{end} must not be before {start}")
    overlap = request.args.get("overlap_months", 0, type=int)
    if not 0 <= overlap <= 120:
        abort(422, description="overlap_months: 0 to 120")
    return query | {"overlap_months": overlap}


@blueprint.get("/pip")
@roles_required(*READERS)
def pip_page():
    query, worksheet, chart = _pip_query(), None, None
    if query:
        with core().uow(write=False) as uow:
            worksheet = reports.pip_worksheet(uow, core(), **query)
        chart = item_bars("pip", "Measured performance against the adjusted goal",
                          [(r["item"], r["measured"]) for r in worksheet["items"]],
                          goals={r["item"]: r["adjusted_goal"] for r in worksheet["items"]})
    return render_template("pip.html", worksheet=worksheet, chart=chart, args=request.args, query=query,
                           z=core().reference.osri.z)


@blueprint.get("/pip.csv")
@roles_required(*READERS)
def pip_csv():
    """The quarterly update for the Children's Bureau: the worksheet, one row per item and per quarter."""
    query = _pip_query()
    if query is None:
        abort(422, description="baseline_start, baseline_end, measure_start and measure_end are required")
    with core().uow(write=False) as uow:
        worksheet = reports.pip_worksheet(uow, core(), **query)
    names = ["item", "name", "applicable", "strength", "baseline", "sampling_error", "goal", "adjusted_goal",
             "measure_applicable", "measure_strength", "measured", "met"]
    rows = [names + [q["quarter"] for q in worksheet["items"][0]["quarters"]] if worksheet["items"] else names]
    rows += [[r[n] if r[n] is not None else "" for n in names] + [q["measured"] if q["measured"] is not None else ""
                                                                   for q in r["quarters"]] for r in worksheet["items"]]
    return _csv(rows, "qareview-pip.csv")

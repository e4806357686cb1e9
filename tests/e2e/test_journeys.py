"""The main journeys, in a real browser."""

import csv
import io
from pathlib import Path

from playwright.sync_api import expect


def fire(page, trigger: str, **fields):
    """Fill and submit the form of one action on a case or concern page."""
    form = page.locator(f"form:has(input[name=trigger][value={trigger}])")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        tag = field.evaluate("e => e.tagName")
        if tag == "SELECT":
            field.select_option(value)
        elif value is True:
            field.check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_case_goes_from_screened_to_cb_oversight_with_every_role_doing_its_step(site, login, shot):
    case_url = f"{site.url}/cases/{site.case_id}"
    lead = login("lead")
    shot(lead, "my-work-team-lead")
    lead.goto(case_url)
    expect(lead.locator("h1")).to_have_text("Case FC-E2E-1")
    expect(lead.locator("figure.diagram svg")).to_be_visible()
    shot(lead, "case-screened")
    fire(lead, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test", second_qa="qa2@qa.test")
    expect(lead.locator(".flash.ok")).to_have_text("Done.")

    reviewer = login("reviewer")
    expect(reviewer.locator("main table").first).to_contain_text("FC-E2E-1")   # it is on their list
    reviewer.goto(case_url)
    fire(reviewer, "submit_review", review_date=f"{site.today:%Y-%m-%d}")
    fire(reviewer, "submit_first_qa")
    shot(reviewer, "case-first-qa")

    first_qa = login("qa1")
    first_qa.goto(case_url)
    fire(first_qa, "return_to_reviewer", notes="Item 12: cite the assessment dates.")
    reviewer.goto(case_url)
    expect(reviewer.locator("form:has(input[value=resubmit])")).to_be_visible()
    expect(reviewer.locator("form:has(input[value=submit_first_qa])")).to_have_count(0)
    fire(reviewer, "resubmit")
    first_qa.goto(case_url)
    fire(first_qa, "pass_first_qa")

    second_qa = login("qa2")
    second_qa.goto(case_url)
    fire(second_qa, "complete_qa")

    lead.goto(case_url)
    expect(lead.locator("p.summary")).to_contain_text("cb oversight")
    expect(lead.locator("table").last).to_contain_text("Item 12: cite the assessment dates.")
    shot(lead, "case-cb-oversight")
    lead.goto(f"{site.url}/reviews")
    shot(lead, "reviews")
    lead.locator("main table a").first.click()
    expect(lead.locator("h1")).to_contain_text("Regional review 3N")
    shot(lead, "review")


def test_a_step_someone_forgot_is_explained_not_lost(site, login):
    lead = login("lead")
    lead.goto(f"{site.url}/cases/{site.case_id}")
    fire(lead, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test", second_qa="qa1@qa.test")
    expect(lead.locator(".flash.error")).to_contain_text("three different people")
    expect(lead.locator("p.summary")).to_contain_text("screened")


def test_a_regional_leader_answers_a_concern(site, login, shot):
    leader = login("leader")
    expect(leader.locator("main")).to_contain_text("safety issue")
    shot(leader, "my-work-regional-leader")
    leader.goto(f"{site.url}/concerns")
    shot(leader, "concerns")
    leader.locator(f"a[href='/concerns/{site.concern_id}']").click()
    fire(leader, "respond", corrective_action="Crib delivered and safe-sleep education given the same day.",
         systemic_issue="Safe sleep is not checked at home visits",
         prevention_plan="Safe-sleep checklist added to every home visit.")
    expect(leader.locator("p.summary")).to_contain_text("responded")
    expect(leader.locator("main")).to_contain_text("Crib delivered")
    shot(leader, "concern-responded")


def test_the_login_and_admin_pages(site, browser, login, shot):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site.url}/login")
    shot(page, "login")
    page.fill("input[name=email]", "lead@qa.test")
    page.fill("input[name=password]", "wrong password")
    page.click("form button[type=submit]")
    expect(page.locator(".flash.error")).to_have_text("Wrong e-mail or password.")
    page.close()
    from services import people
    from workflow.roles import Role
    core = site.app.extensions["qareview"]
    with core.uow() as uow:
        people.add_user(uow, email="admin@qa.test", name="Ada Admin", roles=[Role.ADMIN],
                        password="correct horse", passwords=core.passwords)
        uow.commit()
    admin = login("admin")
    admin.goto(f"{site.url}/admin")
    expect(admin.locator("main table").first).to_contain_text("leader@qa.test")
    shot(admin, "admin")


def test_an_auditor_searches_and_exports_the_history(site, login, shot):
    auditor = login("auditor")
    auditor.goto(f"{site.url}/audit")
    auditor.fill("input[name=actor]", "lead@qa.test")
    auditor.click("form.filters button[type=submit]")
    expect(auditor.locator("main table tbody tr").first).to_contain_text("lead@qa.test")
    shot(auditor, "audit")
    with auditor.expect_download() as download:
        auditor.click("text=Export CSV")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows and {r["actor"] for r in rows} == {"lead@qa.test"}
    assert {"screen", "notify_region"} <= {r["trigger"] for r in rows}
    auditor.goto(f"{site.url}/cases/{site.case_id}")
    expect(auditor.locator(".facts")).to_contain_text("(masked)")
    shot(auditor, "case-as-auditor")


def test_a_team_lead_goes_from_an_extract_to_an_assigned_sample(site, login, shot, tmp_path):
    """Import (command line), draw in the UI, eliminate a drawn case and see its replacement, assign a case."""
    from tests.integration.test_sampling import FC, foster_care_rows, write
    extract = write(tmp_path / "foster-care.csv", FC, foster_care_rows(40))
    imported = site.app.test_cli_runner().invoke(args=["import-universe", "foster-care", str(extract)])
    assert imported.exit_code == 0 and "imported 40 foster-care rows" in imported.output, imported.output
    lead = login("lead")
    lead.goto(f"{site.url}/reviews")
    lead.locator("main table a").first.click()
    review_url = lead.url
    lead.fill("input[name=seed]", "42")
    lead.get_by_role("button", name="Draw the sample").click()
    expect(lead.locator("main")).to_contain_text("seed 42")
    expect(lead.locator("main")).to_contain_text("Skipped over the worker cap")
    shot(lead, "review-sample-drawn")
    drawn = lead.locator("main table").last.locator("a", has_text="C0").first   # a drawn case, not the one added
    number = drawn.inner_text()
    drawn.click()
    fire(lead, "eliminate", reason="opened_in_error", notes="Opened for the wrong child", cb_consulted=True)
    expect(lead.locator(".flash.ok")).to_have_text("Done.")
    lead.goto(review_url)
    expect(lead.locator("main")).to_contain_text(f"Case {number} (foster care) was eliminated")
    replacement = lead.locator("main p", has_text=f"Case {number}").locator("a")
    expect(replacement).to_contain_text("case ")
    expect(lead.locator("main")).to_contain_text("Opened for the wrong child")      # the worksheet
    shot(lead, "review-elimination-replaced")
    replacement.click()
    expect(lead.locator("p.summary")).to_contain_text("sampled")
    fire(lead, "screen")
    options = lead.locator("form:has(input[value=assign]) select[name=reviewer] option")
    expect(options.first).to_contain_text("open cases: 0 reviewing")
    fire(lead, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test", second_qa="qa2@qa.test")
    expect(lead.locator(".flash.ok")).to_have_text("Done.")
    expect(lead.locator("p.summary")).to_contain_text("assigned")
    shot(lead, "drawn-case-assigned")


def record(page, summary: str, **fields):
    """Open the page's <details> section `summary`, fill its form (selects by their option's label), send it."""
    section = page.locator("details", has=page.locator("summary", has_text=summary))
    section.locator("summary").click()
    for name, value in fields.items():
        field = section.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    section.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_regional_review_goes_from_in_review_to_closed_with_every_role_doing_its_part(site, login, shot):
    case_url, today = f"{site.url}/cases/{site.case_id}", f"{site.today:%Y-%m-%d}"
    lead = login("lead")
    lead.goto(case_url)
    for name, role in (("Lena Marsh", "target child"), ("Rita Marsh-Hale", "mother"), ("Tom Oakley", "caseworker")):
        record(lead, "Add a person", name=name, role=role)
        expect(lead.locator(".flash.ok")).to_have_text("Participant added.")
    expect(lead.locator(".notice")).to_contain_text("Interviews still open")
    fire(lead, "assign", reviewer="reviewer@qa.test", first_qa="qa1@qa.test", second_qa="qa2@qa.test")

    first_qa = login("qa1")
    first_qa.goto(case_url)
    record(first_qa, "Record staffing or shadowing", kind="peer staffing with the reviewer", held_on=today,
           notes="Went over Lena's placement history.")
    reviewer = login("reviewer")
    reviewer.goto(case_url)
    record(reviewer, "Record an interview", participant_id="Lena Marsh (target child)", status="held",
           notes="Lena spoke about school.")
    record(reviewer, "Record an interview", participant_id="Rita Marsh-Hale (mother)", status="exception",
           exception="cannot be located despite diligent efforts", notes="Three home visits, two letters.")
    record(reviewer, "Record an interview", participant_id="Tom Oakley (caseworker)", status="held")
    expect(reviewer.locator("main")).to_contain_text("Every required interview is held or excused.")
    first_qa.goto(case_url)
    record(first_qa, "Record staffing or shadowing", kind="shadowing of the interviews", held_on=today, hours="2.5",
           notes="Good rapport with Lena; let Mrs Marsh-Hale's sister finish.")
    fire(reviewer, "submit_review", review_date=today)
    fire(reviewer, "submit_first_qa")
    first_qa.goto(case_url)
    fire(first_qa, "return_to_reviewer", notes="Item 12: cite Tom Oakley's assessment dates.")
    reviewer.goto(case_url)
    expect(reviewer.locator(".notice", has_text="Returned by first-level QA")).to_contain_text("Tom Oakley")
    fire(reviewer, "resubmit")
    first_qa.goto(case_url)
    fire(first_qa, "pass_first_qa")
    second_qa = login("qa2")
    second_qa.goto(case_url)
    fire(second_qa, "request_corrections", notes="Item 14: the visit log misses Lena's October visit.")
    reviewer.goto(case_url)
    expect(reviewer.locator(".notice")).to_contain_text("Corrections requested by second-level QA")
    fire(reviewer, "resubmit")
    second_qa.goto(case_url)
    fire(second_qa, "complete_qa")

    cb = login("cb")
    cb.goto(case_url)
    expect(cb.locator("p.summary")).to_contain_text("cb oversight")
    cb.fill("textarea[name=text]", "Item 13: was Rita Marsh-Hale asked about the case plan?")
    cb.locator("form:has(textarea[name=text]) button").click()
    expect(cb.locator(".flash.ok")).to_have_text("Feedback recorded.")
    shot(cb, "case-cb-feedback")

    lead.goto(case_url)
    fire(lead, "finalize")
    expect(lead.locator(".flash.error")).to_contain_text("cb feedback")
    lead.fill("input[name=resolution]", "Added the mother's attempts to item 13.")
    lead.locator("form:has(input[name=resolution]) button").click()
    expect(lead.locator(".flash.ok")).to_have_text("Feedback addressed.")
    fire(lead, "finalize")
    expect(lead.locator("p.summary")).to_contain_text("finalized")
    fire(lead, "deidentify")
    expect(lead.locator("p.summary")).to_contain_text("deidentified")
    main = lead.locator("main")
    for name in ("Lena", "Marsh", "Rita", "Hale", "Oakley"):     # not in its people, notes, history, feedback
        expect(main).not_to_contain_text(name)
    expect(main).to_contain_text("target child")
    expect(lead.locator("dl.facts")).to_contain_text("FC-E2E-1")    # the team lead still sees what it was
    shot(lead, "case-deidentified")
    reviewer.goto(case_url)
    expect(reviewer.locator("main")).not_to_contain_text("FC-E2E-1")
    lead.goto(f"{site.url}/reviews")
    expect(lead.locator("main table")).to_contain_text("closed")


def test_a_team_lead_reads_a_region_report_and_the_pip_worksheet(site, login, shot):
    from services import people
    from services.bus import execute
    from workflow.commands import FireCaseTrigger, RateCase
    core = site.app.extensions["qareview"]
    now = core.now()

    def actor(name):
        with core.uow(write=False) as uow:
            return people.actor(uow, f"{name}@qa.test")

    team = {"reviewer": "reviewer@qa.test", "first_qa": "qa1@qa.test", "second_qa": "qa2@qa.test"}
    steps = [("assign", "lead", team),
             ("submit_review", "reviewer", {"review_date": site.today}), ("submit_first_qa", "reviewer", {}),
             ("pass_first_qa", "qa1", {}), ("complete_qa", "qa2", {})]
    for trigger, who, fields in steps:
        if trigger == "submit_review":
            execute(core, RateCase(case_id=site.case_id, actor=actor("reviewer"), at=now,
                                   items={str(n): {"rating": "ani" if n == 12 else "strength"} for n in range(1, 19)}))
        execute(core, FireCaseTrigger(case_id=site.case_id, trigger=trigger, actor=actor(who), at=now, fields=fields))
    lead = login("lead")
    lead.goto(f"{site.url}/")
    lead.locator("nav a", has_text="Reports").click()
    lead.select_option("select[name=region]", "3N")
    lead.locator("form.filters button").click()
    expect(lead.locator("p.summary")).to_contain_text("1 case(s)")
    expect(lead.locator("figure.chart svg[role=img]").first).to_be_visible()
    expect(lead.locator("main table").first).to_contain_text("Needs and Services")
    shot(lead, "report-region")
    lead.locator("nav a", has_text="PIP").click()
    month = f"{site.today:%Y-%m}-01"
    for name in ("baseline_start", "measure_start"):
        lead.fill(f"input[name={name}]", month)
    for name in ("baseline_end", "measure_end"):
        lead.fill(f"input[name={name}]", f"{site.today:%Y-%m-%d}")
    lead.locator("form.filters button").click()
    expect(lead.locator("table.pip")).to_contain_text("Needs and Services")
    expect(lead.locator("h2", has_text="Tolerance checks")).to_be_visible()
    lead.locator("table.pip summary").first.click()
    expect(lead.locator("table.pip details").first).to_contain_text("SE = 1.28")
    shot(lead, "pip-worksheet")

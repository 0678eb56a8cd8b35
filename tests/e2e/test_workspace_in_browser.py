"""A coordinator's morning in the case workspace, in Debian's Chromium against a real `cme web`.

Signs in with the keyboard alone, sees overdue work first, finds a child by name, opens the
case, reads a letter, reassigns the visit, adds a note, corrects a date of birth and answers a
pending decision on another case; each step asserted on the page and in the case database.
axe-core (shipped inside axe-playwright-python) checks every page. The caseload and case page
are saved as docs/images/workspace-*.png for the README.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from missing_education.domain import Outcome, Status
from missing_education.domain.workspace import Role
from missing_education.services import accounts
from tests.e2e.conftest import REPO, free_port, stop, tail, wait_for
from tests.integration.test_procedure_journeys import Council

pytestmark = [pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-sync"]
PASSWORD = "correct horse battery staple"
IMAGES = REPO / "docs" / "images"


@pytest.fixture
def workspace(tmp_path: Path, isolated_home: Path) -> Iterator[tuple[Council, str]]:
    url = f"sqlite:///{isolated_home / 'cme.sqlite3'}"
    os.environ["CME_DATABASE_URL"] = url
    council = Council(url, tmp_path)
    council.add_officer()
    council.add_officer(code="EWO2", name="Kim Osei", email="kim.osei@synthetic-county.example")
    accounts.add_user(
        council.uow(), "a.morgan", full_name="Alex Morgan", role=Role.COORDINATOR, password=PASSWORD
    )
    port = free_port()
    env = {**os.environ, "CME_WEB_PORT": str(port), "CME_WITHOUT_PREFECT": "1"}
    log = Path(os.environ.get("WORKSPACE_TEST_LOG", str(tmp_path / "web.log")))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "cme"), "web"],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,  # its own group, which `stop` ends (it leaked before)
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(lambda: _answers(base), timeout=60, what=f"cme web on {base}")
        except AssertionError:
            raise AssertionError(tail(log)) from None
        yield council, base
    finally:
        stop(process)


def _answers(base: str) -> bool:
    try:
        return httpx2.get(f"{base}/sign-in").status_code == 200
    except httpx2.HTTPError:
        return False


def accessible(page: Page, axe: Axe) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    found = axe.run(page).response["violations"]
    bad = [
        (v["id"], v["impact"], v["help"]) for v in found if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: {bad}"


def test_a_coordinators_morning_in_the_case_workspace(workspace: tuple[Council, str]) -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium")
    council, base = workspace
    overdue = council.open_case(forename="Ottoline", surname="Fairweather")  # 16 Nov: overdue
    fresh = council.open_case(on=date(2026, 11, 25), forename="Barnaby", surname="Wren")
    # Two more for a caseload that looks like a morning's: a safeguarding flag, no officer.
    council.open_case(
        on=date(2026, 11, 20),
        forename="Clementine",
        surname="Achterberg",
        vulnerabilities="child_protection",
    )
    failed = council.open_case(
        on=date(2026, 11, 24), forename="Dmitri", surname="Okonkwo", postcode="S40 1AA"
    )
    with council.uow() as uow:  # a step failed on it (issue 15): the caseload says so
        uow.attention.flag(failed, "letter", "the letter could not be typeset", date(2026, 11, 25))
        uow.commit()
    # Barnaby again, from health, with his forename mistyped: a duplicate to merge.
    duplicate = council.open_case(
        on=date(2026, 11, 25),
        forename="Barnabey",
        surname="Wren",
        referrer_organisation="Derbyshire Community Health",
    )
    letter = council.letters(overdue)[0]
    axe = Axe()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
            context.set_default_timeout(20_000)
            page = context.new_page()

            # Sign in with the keyboard alone.
            page.goto(f"{base}/caseload")
            expect(page).to_have_url(f"{base}/sign-in?next=/caseload")
            accessible(page, axe)
            for _ in range(10):
                if page.evaluate("document.activeElement && document.activeElement.id") == "name":
                    break
                page.keyboard.press("Tab")
            page.keyboard.type("a.morgan")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            expect(page).to_have_url(f"{base}/caseload")

            # Overdue work first.
            first = page.locator("tbody tr").first
            expect(first).to_contain_text(f"CME-{overdue:06d}")
            expect(first).to_contain_text("Overdue")
            expect(page.locator("tbody tr")).to_have_count(5)
            expect(page.locator("tbody")).to_contain_text(f"CME-{fresh:06d}")
            expect(page.locator("tbody tr").filter(has_text="Overdue")).to_have_count(1)
            expect(page.get_by_text("Safeguarding", exact=True)).to_have_count(1)
            flagged = page.locator("tbody tr").filter(has_text="Needs attention")
            expect(flagged).to_have_count(1)
            expect(flagged).to_contain_text(f"CME-{failed:06d}")
            accessible(page, axe)
            page.screenshot(path=str(IMAGES / "workspace-caseload.png"), full_page=True)

            # Only the cases needing attention.
            page.get_by_label("Needs attention").select_option("yes")
            page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(re.compile(r"attention=yes"))
            expect(page.locator("tbody tr")).to_have_count(1)
            expect(page.locator("tbody tr")).to_contain_text(f"CME-{failed:06d}")
            page.goto(f"{base}/caseload")

            # The first case opens from the keyboard too.
            page.get_by_role("link", name=f"CME-{overdue:06d}").focus()
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", level=1)).to_have_text("Ottoline Fairweather")
            page.go_back()

            # Search by name and open the case.
            page.get_by_role("link", name="Search").click()
            page.get_by_label("Name, date of birth, UPN or case reference").fill("fairweather")
            page.get_by_role("button", name="Search").click()
            accessible(page, axe)
            page.get_by_role("link", name=f"CME-{overdue:06d}").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Ottoline Fairweather")
            accessible(page, axe)
            page.screenshot(path=str(IMAGES / "workspace-case.png"), full_page=False)

            # Read a letter (the PDF, with the browser's session).
            href = page.locator(f'a[href$="/letters/{letter.id}"]').get_attribute("href")
            pdf = page.request.get(f"{base}{href}")
            assert pdf.ok and pdf.body().startswith(b"%PDF")
            assert pdf.headers["content-type"] == "application/pdf"

            # Reassign the visit.
            page.get_by_label("Officer", exact=True).select_option("EWO2")
            page.locator("#visit-reason").fill("Sam is on leave this week")
            page.get_by_role("button", name="Reassign visit").click()
            expect(page.get_by_text("Home visit reassigned.")).to_be_visible()
            expect(page.locator("#visit-officer-name")).to_have_text("Kim Osei")

            # Add a note, with the keyboard.
            page.locator("#note-text").focus()
            page.keyboard.type("Neighbour says the family went to Leeds.")
            page.get_by_role("button", name="Add", exact=True).focus()
            page.keyboard.press("Enter")
            expect(page.get_by_text("Note added.")).to_be_visible()
            expect(page.get_by_text("Neighbour says the family went to Leeds.")).to_be_visible()

            # Correct the date of birth.
            page.get_by_label("Detail").select_option("date_of_birth")
            page.get_by_label("Correct value").fill("2014-03-04")
            page.get_by_label("Why (kept in the history)").fill("Birth certificate seen")
            page.get_by_role("button", name="Record correction").click()
            expect(page.get_by_text("Correction recorded in the case history.")).to_be_visible()
            expect(page.locator("#child-dob")).to_have_text("2014-03-04")
            accessible(page, axe)

            # A refused correction shows why, at the top, linked to the field.
            page.get_by_label("Detail").select_option("date_of_birth")
            page.get_by_label("Correct value").fill("4 March 2014")
            page.get_by_label("Why (kept in the history)").fill("typo")
            page.get_by_role("button", name="Record correction").click()
            expect(page.locator(".govuk-error-summary")).to_contain_text("YYYY-MM-DD")
            accessible(page, axe)

            # Merge the duplicate into Barnaby's case.
            page.goto(f"{base}/cases/CME-{fresh:06d}")
            page.get_by_label("The duplicate's case reference").fill(f"CME-{duplicate:06d}")
            page.get_by_label("Why (kept in both cases' histories)").fill("Same child, typo")
            page.get_by_role("button", name="Merge into this case").click()
            expect(page.get_by_text("The duplicate was merged into this case")).to_be_visible()
            expect(page.get_by_role("link", name=f"CME-{duplicate:06d}")).to_be_visible()
            accessible(page, axe)

            # Answer the pending decision on the other case.
            page.locator("#answer-home_visit").select_option("elective_home_education")
            page.get_by_role("button", name="Record home visit decision").click()
            expect(page.get_by_text("Decision recorded.")).to_be_visible()
            expect(page.get_by_text("No decision is waiting on this case.")).to_be_visible()
            expect(page.get_by_role("button", name="Reopen as a new case")).to_be_visible()
            accessible(page, axe)

            for path in ("/officers", "/print-room"):
                page.goto(f"{base}{path}")
                accessible(page, axe)
        finally:
            browser.close()

    case = council.case(overdue)
    assert case.child.date_of_birth == date(2014, 3, 4)
    assert any(h.who == "a.morgan" and "Birth certificate seen" in h.why for h in case.history)
    with council.uow() as uow:
        ewo2 = next(o.id for o in uow.directory.officers() if o.code == "EWO2")
        assert [v.officer_id for v in uow.directory.visits(overdue)] == [ewo2]
        assert [n.text for n in uow.workspace.notes(overdue)] == [
            "Neighbour says the family went to Leeds."
        ]
        actions = [(a.who, a.action) for a in uow.workspace.accesses(overdue)]
        decided = [d for d in uow.decisions.for_case(fresh) if d.kind == "home_visit"]
    assert ("a.morgan", f"downloaded letter {letter.id}") in actions
    assert ("a.morgan", "viewed case") in actions
    assert [(d.answer, d.decided_by) for d in decided] == [("elective_home_education", "a.morgan")]
    closed = council.case(fresh)
    assert (closed.status, closed.outcome) == (Status.CLOSED, Outcome.EHE)
    merged = council.case(duplicate)
    assert (merged.status, merged.outcome) == (Status.CLOSED, Outcome.NOT_CME)
    assert merged.history[-1].who == "a.morgan"
    assert "Same child, typo" in merged.history[-1].why

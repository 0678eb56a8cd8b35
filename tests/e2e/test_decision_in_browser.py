"""A coordinator answers a decision in the Prefect UI: Chromium opens the suspended run, clicks
Resume, fills in the form and submits it; the worker reruns the flow and the case moves on.

The filled-in form is saved as docs/images/decision-form.png for the README.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Locator, Page, expect, sync_playwright

from missing_education.domain import Outcome, Status
from tests.e2e.conftest import E2E, REPO
from tests.system_packages import require_debian_package

pytestmark = [pytest.mark.server, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT = REPO / "docs" / "images" / "decision-form.png"
UI_TIMEOUT_MS = 30_000


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A Chromium page (Debian's Chromium: Playwright never downloads a browser here).

    Playwright's sync API runs an event loop while it is open, and Prefect's sync helpers
    then hand back coroutines: talk to Prefect before and after the browser, not inside it.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 1150}, timezone_id="Europe/London"
            )
            context.set_default_timeout(UI_TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


def test_a_coordinator_answers_a_home_visit_in_the_prefect_ui(e2e: E2E) -> None:
    require_debian_package(str(CHROMIUM), "chromium")
    case_id = e2e.case_id("browser")
    key = e2e.decision_key("home_visit", case_id)
    started = e2e.start("decide-home-visit/home-visit", case_id=case_id)
    e2e.wait_until_suspended(started.id, key)

    with chromium_page() as page:
        answer_in_the_ui(page, f"{e2e.server.url}/runs/flow-run/{started.id}", case_id)

    e2e.wait_until_completed(started.id)
    with e2e.cases.uow() as uow:
        case = uow.cases.get(case_id)
        decisions = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.EHE)
    assert [(d.answer, d.decided_by) for d in decisions] == [
        ("elective_home_education", "A. Officer (browser test)")
    ]
    assert decisions[0].details["visited_on"] == "2026-11-24"
    assert decisions[0].details["notes"] == "Parent showed the written EHE notice."
    assert SCREENSHOT.stat().st_size > 10_000


def save_screenshot(png: bytes) -> None:
    """Save the picture for the README, unless the one there differs only by anti-aliasing."""
    if SCREENSHOT.exists():
        old = Image.open(SCREENSHOT).convert("RGB")
        new = Image.open(io.BytesIO(png)).convert("RGB")
        if old.size == new.size:
            grey = ImageChops.difference(old, new).convert("L")
            changed = grey.point(lambda v: 255 if v > 16 else 0).histogram()[255]
            if changed < old.size[0] * old.size[1] // 1000:
                return
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(png)


def answer_in_the_ui(page: Page, run_page: str, case_id: int) -> None:
    """Resume the run from its page with the form filled in; the form is saved as a picture."""
    page.goto(run_page)
    page.get_by_role("button", name="Resume").click()
    form = page.locator(".p-modal")
    expect(form.get_by_text("Record the outcome of the home visit")).to_be_visible()
    expect(form.get_by_text(f"CME-{case_id:06d}")).to_be_visible()

    def field(label: str) -> Locator:
        name = page.locator(".schema-form-property__label", has_text=re.compile(f"^{label}$"))
        return form.locator(".schema-form-property", has=name)

    # The outcome is a custom select (.p-select). In Prefect 3.9.1's classic UI a click on the
    # text of its button opens the list and closes it again at once (the click toggles it
    # twice); a click on its up-down arrows, or the down-arrow key, opens it.
    outcome = field("Outcome")
    outcome.locator(".p-select-button__icon").click()
    options = page.get_by_role("listbox")
    expect(options).to_be_visible()
    options.get_by_role("option", name="elective_home_education", exact=True).click()
    expect(outcome.locator(".p-select-button__control")).to_have_text("elective_home_education")

    # The date is a date picker with a typed date field and an Apply button.
    visited_on = field("Visited On")
    visited_on.locator(".p-date-button__control").click(force=True)  # aria-hidden, yet the target
    picker = page.locator(".p-pop-over-content", has=page.locator("input[type=date]"))
    picker.locator("input[type=date]").fill("2026-11-24")
    picker.get_by_role("button", name="Apply").click()
    expect(visited_on.locator(".p-date-button__value")).to_have_text("Nov 24th, 2026")

    field("Decided By").locator("textarea").fill("A. Officer (browser test)")
    notes = field(r"Notes \(Optional\)").locator("textarea")
    notes.fill("Parent showed the written EHE notice.")
    notes.blur()
    save_screenshot(form.locator(".p-modal__card").screenshot(animations="disabled"))

    form.get_by_role("button", name="Submit").click()
    expect(form).to_be_hidden()

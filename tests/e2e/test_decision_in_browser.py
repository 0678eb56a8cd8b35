"""A coordinator answers a decision in the Prefect UI, under `make serve` and under a worker.

A notification file goes in through the `file` deployment; its investigation asks for a home
visit, and the decision's run is made for the coordinator and suspends. Chromium starts at the
dashboard, opens the waiting run and answers it through the Resume form in at most five
counted clicks, with no case id typed; the run finishes and the case moves on. The form is
saved as docs/images/decision-form.png for the README.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from missing_education import services
from missing_education.cli_support import open_uow
from missing_education.domain import Outcome, Status
from missing_education.domain.workspace import Role
from missing_education.services import accounts, intake_files
from missing_education.settings import load_settings
from tests.e2e.conftest import (
    E2E,
    REPO,
    TODAY,
    CaseData,
    PrefectServer,
    free_port,
    stop,
    tail,
    wait_for,
    write_notifications,
)
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
MAX_CLICKS = 5
TODAY_LABEL = "Wed 25 Nov 2026 (today)"
WORKSPACE_PASSWORD = "correct horse battery staple"

# One child per set-up, with unusual names; both go in through the `file` deployment.
BROWSER_CHILDREN: dict[str, dict[str, dict[str, str]]] = {
    "deployed": {
        "browser-deployed": {
            "forename": "Cressida",
            "surname": "Thornycroft-Abiodun",
            "date_of_birth": "2014-10-19",
            "address_line1": "6 Saxifrage Court",
            "town": "Buxton",
            "postcode": "SK17 9DL",
            "parent_name": "Benedikt Thornycroft-Abiodun",
            "parent_phone": "07700900765",
        }
    },
    "workspace": {
        "browser-workspace": {
            "forename": "Leocadia",
            "surname": "Pemberton-Okafor",
            "date_of_birth": "2015-06-02",
            "address_line1": "9 Quarry Bank",
            "town": "Wirksworth",
            "postcode": "DE4 4FG",
            "parent_name": "Isambard Pemberton-Okafor",
            "parent_phone": "07700900246",
        }
    },
    "served": {
        "browser-served": {
            "forename": "Wilhelmina",
            "surname": "Ravenscroft-Adeyemi",
            "date_of_birth": "2015-03-11",
            "address_line1": "12 Thistledown Row",
            "town": "Bakewell",
            "postcode": "DE45 1BT",
            "parent_name": "Ottilie Ravenscroft-Adeyemi",
            "parent_phone": "07700900987",
        }
    },
}


@pytest.fixture(scope="module")
def served(prefect_server: PrefectServer, case_data: CaseData) -> Iterator[PrefectServer]:
    """`make serve PREFECT_PORT=<free port>`: its own server and every flow served from it."""
    port, web_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    home = prefect_server.root / "served-prefect-home"
    home.mkdir(exist_ok=True)
    env = dict(prefect_server.env)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"{url}/api",
        CME_SERVE_LIMIT="4",
        CME_WEB_PORT=str(web_port),
    )
    env.pop("PREFECT_SERVER_UI_API_URL", None)
    log = prefect_server.root / "make-serve.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PREFECT_PORT={port}"],
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = PrefectServer(
        url=url,
        home=home,
        env=env,
        root=prefect_server.root,
        log=log,
        process=process,
        web_url=f"http://127.0.0.1:{web_port}",
    )
    server.logs = [log, REPO / "prefect-server.log", REPO / "cme-web.log"]

    def serving() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"make serve exited:\n{tail(log)}")
        try:
            response = httpx.get(f"{url}/api/deployments/name/decide-closure/closure", timeout=2)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def workspace_up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{web_port}/sign-in", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(serving, timeout=180, what="make serve to serve its deployments")
        # make serve starts the case workspace beside the Prefect server and the flows.
        wait_for(workspace_up, timeout=60, what="make serve to start the case workspace")
        yield server
    finally:
        stop(process)


@dataclass
class Setup:
    """The set-up under test: `served` (make serve) or `deployed` (prefect.yaml and a worker)."""

    mode: str
    e2e: E2E


@pytest.fixture(params=["served", "deployed"])
def setup(
    request: pytest.FixtureRequest,
    e2e: E2E,
    case_data: CaseData,
) -> Iterator[Setup]:
    """Point this process at the server of the set-up asked for."""
    if request.param == "deployed":
        yield Setup("deployed", e2e)
        return
    server: PrefectServer = request.getfixturevalue("served")
    with temporary_settings(
        updates={PREFECT_API_URL: server.api_url, PREFECT_HOME: str(server.root / "client-home")}
    ):
        yield Setup("served", E2E(server=server, cases=case_data))


@contextmanager
def chromium_page() -> Iterator[Page]:
    """A Chromium page (Debian's Chromium: Playwright never downloads a browser here).

    Playwright's sync API runs an event loop while it is open, and Prefect's sync helpers
    then hand back coroutines: talk to Prefect before and after the browser, not inside it.
    A 900-pixel-high window: the form's heading must still show.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, timezone_id="Europe/London"
            )
            context.set_default_timeout(UI_TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


class Clicks:
    """Every click the coordinator makes goes through here, so the test can count them."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def click(self, what: str, target: Locator, **options: Any) -> None:
        target.click(**options)
        self.made.append(what)


def suspended_decision_runs(api_url: str, name: str) -> list[dict[str, Any]]:
    """Decision runs with this name, as the API lists them (state, tags)."""
    response = httpx.post(
        f"{api_url}/flow_runs/filter",
        json={"flow_runs": {"name": {"any_": [name]}, "tags": {"all_": ["decision"]}}},
        timeout=10,
    )
    response.raise_for_status()
    runs: list[dict[str, Any]] = response.json()
    return runs


def test_a_coordinator_answers_the_asked_decision_from_the_dashboard_in_five_clicks(
    setup: Setup,
) -> None:
    require_debian_package(str(CHROMIUM), "chromium")
    e2e = setup.e2e
    children = BROWSER_CHILDREN[setup.mode]
    path = write_notifications(e2e.server.root / f"incoming-{setup.mode}" / "n.csv", children)
    held = intake_files.hold(open_uow(load_settings()), load_settings(), path)
    e2e.run("receive-notifications/file", timeout=180, file_id=held.id)
    (case_id,) = case_ids_of(e2e, children)
    name = f"home-visit-cme-{case_id:06d}"

    def waiting() -> dict[str, Any] | None:
        runs = suspended_decision_runs(e2e.server.api_url, name)
        assert len(runs) <= 1, runs  # exactly one run per pending decision
        return runs[0] if runs and runs[0]["state_type"] == "PAUSED" else None

    run = wait_for(waiting, timeout=120, what=f"{name} to be suspended", every=1)
    assert set(run["tags"]) >= {"decision", "home-visit"}

    clicks = Clicks()
    with chromium_page() as page:
        page.goto(f"{e2e.server.url}/dashboard")
        answer_from_the_dashboard(page, clicks, name, case_id, f"A. Officer ({setup.mode})")
    assert len(clicks.made) <= MAX_CLICKS, clicks.made

    e2e.wait_until_completed(UUID(run["id"]))
    with e2e.cases.uow() as uow:
        case = uow.cases.get(case_id)
        decisions = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.EHE)
    assert [(d.answer, d.decided_by) for d in decisions] == [
        ("elective_home_education", f"A. Officer ({setup.mode})")
    ]
    assert decisions[0].details["visited_on"] == "2026-11-25"

    # The case closed: no run of it is left in the Suspended list (the school's reply too).
    def none_left() -> bool:
        response = httpx.post(
            f"{e2e.server.api_url}/flow_runs/filter",
            json={"flow_runs": {"tags": {"all_": ["decision"]}}},
            timeout=10,
        )
        response.raise_for_status()
        mine = [r for r in response.json() if r["name"].endswith(f"cme-{case_id:06d}")]
        return bool(mine) and all(r["state_type"] == "COMPLETED" for r in mine)

    wait_for(none_left, timeout=60, what="every decision run of the case to finish")
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_decision_answered_in_the_case_workspace_finishes_its_prefect_run(
    served: PrefectServer,
    case_data: CaseData,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under `make serve`: the coordinator answers on the case page, and the run Completes."""
    require_debian_package(str(CHROMIUM), "chromium")
    for name, value in (("CME_HOME", str(case_data.home)), ("CME_DATABASE_URL", case_data.url)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CME_TODAY", TODAY)
    e2e = E2E(server=served, cases=case_data)
    children = BROWSER_CHILDREN["workspace"]
    with temporary_settings(
        updates={PREFECT_API_URL: served.api_url, PREFECT_HOME: str(served.root / "client-home")}
    ):
        path = write_notifications(served.root / "incoming-workspace" / "n.csv", children)
        held = intake_files.hold(open_uow(load_settings()), load_settings(), path)
        e2e.run("receive-notifications/file", timeout=180, file_id=held.id)
        (case_id,) = case_ids_of(e2e, children)
        name = f"home-visit-cme-{case_id:06d}"

        def waiting() -> dict[str, Any] | None:
            runs = suspended_decision_runs(served.api_url, name)
            return runs[0] if runs and runs[0]["state_type"] == "PAUSED" else None

        run = wait_for(waiting, timeout=120, what=f"{name} to be suspended", every=1)
        accounts.add_user(
            case_data.uow(),
            "r.ahmed",
            full_name="Rukhsana Ahmed",
            role=Role.COORDINATOR,
            password=WORKSPACE_PASSWORD,
        )
        with chromium_page() as page:
            page.goto(f"{served.web_url}/cases/CME-{case_id:06d}")
            page.get_by_label("User name").fill("r.ahmed")
            page.get_by_label("Password").fill(WORKSPACE_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Leocadia Pemberton-Okafor")
            # The case page links to the run that waits for this decision, by its id.
            expect(page.locator(f'a[href="{served.url}/runs/flow-run/{run["id"]}"]')).to_have_count(
                1
            )
            page.locator("#answer-home_visit").select_option("elective_home_education")
            page.get_by_role("button", name="Record home visit decision").click()
            expect(page.get_by_text("Decision recorded.")).to_be_visible()
        e2e.wait_until_completed(UUID(run["id"]))
    with case_data.uow() as uow:
        case = uow.cases.get(case_id)
        decisions = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.EHE)
    assert [(d.answer, d.decided_by) for d in decisions] == [("elective_home_education", "r.ahmed")]


def case_ids_of(e2e: E2E, children: dict[str, dict[str, str]]) -> list[int]:
    """The cases the file opened for these children."""
    found = []
    forenames = {c["forename"] for c in children.values()}
    for summary in services.list_cases(e2e.cases.uow()):
        details = services.case_details(
            e2e.cases.uow(), summary["case_id"], today=date.fromisoformat(TODAY)
        )
        if details["child"]["forename"] in forenames:
            found.append(int(summary["case_id"]))
    return found


def answer_from_the_dashboard(
    page: Page, clicks: Clicks, name: str, case_id: int, who: str
) -> None:
    """Dashboard -> the waiting run -> Resume -> answer -> Submit, counting every click.

    The dashboard's chart shows each run as a bar; pointing at the Suspended one (no click)
    shows its name as a link. The name is typed with the keyboard (Tab from the answer).
    """
    bars = page.locator(".flow-runs-bar-chart__bar.bg-state-paused-500")
    expect(bars.first).to_be_visible()
    link = page.get_by_role("link", name=name)
    for n in range(bars.count()):  # the newest bar is last; more than one may be Suspended
        bars.nth(bars.count() - 1 - n).hover()
        try:
            link.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    clicks.click("the waiting run", link)
    clicks.click("Resume", page.get_by_role("button", name="Resume"))
    form = page.locator(".p-modal")
    heading = form.get_by_role("heading", name=f"CME-{case_id:06d}: record the outcome")
    expect(heading).to_be_in_viewport()  # at the top, not cut off in a 900-pixel window
    expect(form.get_by_text("safeguarding flag: no")).to_be_visible()

    def field(label: str) -> Locator:
        title = page.locator(".schema-form-property__label", has_text=re.compile(f"^{label}$"))
        return form.locator(".schema-form-property", has=title)

    answer = field(re.escape("What did the officer find?"))
    clicks.click("open the answers", answer.locator(".p-select-button__icon"))
    options = page.get_by_role("listbox")
    expect(options).to_be_visible()
    ehe = "Educated at home by the parent (EHE)"
    clicks.click("the answer", options.get_by_role("option", name=ehe, exact=True))
    expect(answer.locator(".p-select-button__control")).to_have_text(ehe)
    # The visit day defaults to today, written the UK way.
    expect(field(re.escape("Day of the visit (Optional)"))).to_contain_text(TODAY_LABEL)
    name_field = field("Your name or staff id").locator("textarea")
    for _ in range(8):  # Tab past the visit day (and each field's menu button) to the name
        if name_field.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(name_field).to_be_focused()
    page.keyboard.type(who)
    save_screenshot(form.locator(".p-modal__card").screenshot(animations="disabled"))
    clicks.click("Submit", form.get_by_role("button", name="Submit"))
    expect(form).to_be_hidden()


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

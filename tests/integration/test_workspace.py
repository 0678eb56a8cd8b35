"""The case workspace over a real case database: access, forms, corrections and the audit."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from missing_education.cli import app as cme
from missing_education.domain import Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.domain.workspace import Role
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import accounts, corrections
from missing_education.services.audit import audit_trail
from missing_education.settings import load_settings
from missing_education.web import create_app
from tests.integration.test_procedure_journeys import ACADEMY, Council

PASSWORD = "correct horse battery staple"
TODAY = date(2026, 11, 25)


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    council = Council(database_url, tmp_path)
    council.add_officer()
    council.add_officer(code="EWO2", name="Kim Osei", email="kim.osei@synthetic-county.example")
    for name, role, officer in (
        ("coord", Role.COORDINATOR, ""),
        ("ewo1", Role.OFFICER, "EWO1"),
        ("ewo2", Role.OFFICER, "EWO2"),
        ("reader", Role.READ_ONLY, ""),
    ):
        accounts.add_user(
            council.uow(),
            name,
            full_name=name.title(),
            role=role,
            password=PASSWORD,
            officer_code=officer,
        )
    return council


def client_for(council: Council, base_url: str = "http://testserver") -> TestClient:
    app = create_app(lambda: SqlUnitOfWork(council.url), load_settings())
    return TestClient(app, base_url=base_url, follow_redirects=False)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token from the caseload page."""
    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "name": name, "password": password, "next": "/"},
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/caseload")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def test_a_request_without_a_session_is_redirected_to_sign_in(council: Council) -> None:
    case_id = council.open_case()
    response = client_for(council).get(f"/cases/CME-{case_id:06d}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=/cases/CME-{case_id:06d}"


def test_a_form_without_its_csrf_token_is_refused(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    sign_in(client, "coord")
    refused = client.post(f"/cases/CME-{case_id:06d}/notes", data={"text": "forged"})
    assert refused.status_code == 403
    with council.uow() as uow:
        assert uow.workspace.notes(case_id) == []
    signin_without_token = client_for(council).post(
        "/sign-in", data={"name": "coord", "password": PASSWORD}
    )
    assert signin_without_token.status_code == 403


def test_an_officer_cannot_open_another_officers_case_by_url(council: Council) -> None:
    case_id = council.open_case()  # DE4: the visit goes to EWO1
    with council.uow() as uow:
        assert [v.officer_id for v in uow.directory.visits(case_id)] == [
            next(o.id for o in uow.directory.officers() if o.code == "EWO1")
        ]
    mine, theirs = client_for(council), client_for(council)
    sign_in(mine, "ewo1")
    sign_in(theirs, "ewo2")
    assert mine.get(f"/cases/CME-{case_id:06d}").status_code == 200
    refused = theirs.get(f"/cases/CME-{case_id:06d}")
    assert refused.status_code == 404
    assert "Khan" not in refused.text
    assert f"CME-{case_id:06d}" not in theirs.get("/caseload").text
    assert f"CME-{case_id:06d}" in mine.get("/caseload").text
    with council.uow() as uow:
        assert [a.who for a in uow.workspace.accesses(case_id)] == ["ewo1"]


def test_five_wrong_passwords_throttle_the_name(council: Council) -> None:
    client = client_for(council)
    for _ in range(5):
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
        assert token is not None
        wrong = client.post(
            "/sign-in", data={"csrf_token": token.group(1), "name": "coord", "password": "nope"}
        )
        assert wrong.status_code == 401
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    right = client.post(
        "/sign-in", data={"csrf_token": token.group(1), "name": "coord", "password": PASSWORD}
    )
    assert right.status_code == 429
    assert "Too many wrong passwords" in right.text
    assert "cme_session" not in right.cookies


def test_cookies_are_httponly_samesite_and_secure_over_https(council: Council) -> None:
    for base, secure in (("https://testserver", True), ("http://testserver", False)):
        client = client_for(council, base)
        form = client.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/sign-in",
            data={"csrf_token": token.group(1), "name": "coord", "password": PASSWORD},
        )
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("cme_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Cache-Control"] == "no-store"


def test_views_and_letter_downloads_are_recorded_and_shown_by_cme_audit(council: Council) -> None:
    case_id = council.open_case()
    letter = council.letters(case_id)[0]
    client = client_for(council)
    sign_in(client, "reader")
    assert client.get(f"/cases/CME-{case_id:06d}").status_code == 200
    pdf = client.get(f"/cases/CME-{case_id:06d}/letters/{letter.id}")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    rows = audit_trail(council.uow(), case_id)
    assert [(r["who"], r["action"]) for r in rows if r["detail"] == "case workspace"] == [
        ("reader", "viewed case"),
        ("reader", f"downloaded letter {letter.id}"),
    ]
    shown = CliRunner().invoke(cme, ["audit", "--case", str(case_id)])
    assert shown.exit_code == 0
    assert f"downloaded letter {letter.id}" in shown.output


def test_a_read_only_user_cannot_decide(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    csrf = sign_in(client, "reader")
    refused = client.post(
        f"/cases/CME-{case_id:06d}/decisions/home_visit",
        data={"csrf_token": csrf, "answer": "on_roll"},
    )
    assert refused.status_code == 400
    assert "cannot make this decision" in refused.text
    assert council.case(case_id).status is Status.INVESTIGATING


def test_the_case_page_warns_of_a_case_needing_attention_and_offers_plain_answers(
    council: Council,
) -> None:
    case_id = council.open_case()
    with council.uow() as uow:
        uow.attention.flag(case_id, "letter", "the letter could not be typeset", date(2026, 11, 25))
        uow.commit()
    client = client_for(council)
    sign_in(client, "coord")
    page = client.get(f"/cases/CME-{case_id:06d}").text
    assert 'id="needs-attention"' in page
    assert "needs attention since 2026-11-25 (letter): the letter could not be typeset" in page
    assert '<option value="family_found_no_place">Family found, no school place</option>' in page


def test_a_decision_in_the_workspace_records_the_signed_in_user(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    csrf = sign_in(client, "coord")
    answered = client.post(
        f"/cases/CME-{case_id:06d}/decisions/home_visit",
        data={"csrf_token": csrf, "answer": "elective_home_education", "notes": "EHE letter seen"},
    )
    assert answered.status_code == 303
    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.EHE)
    with council.uow() as uow:
        decided = [d for d in uow.decisions.for_case(case_id) if d.kind == "home_visit"]
    assert [(d.answer, d.decided_by) for d in decided] == [("elective_home_education", "coord")]
    again = client.post(
        f"/cases/CME-{case_id:06d}/decisions/closure",
        data={"csrf_token": csrf, "answer": "not_cme"},
    )
    assert again.status_code == 400
    assert "is closed" in again.text


def test_a_corrected_date_of_birth_recomputes_school_age_and_closes_past_it(
    council: Council,
) -> None:
    case_id = council.open_case()
    result = corrections.correct_case(
        council.uow(),
        case_id,
        "date_of_birth",
        "2008-03-04",
        by="coord",
        reason="school sent the wrong year",
        settings=council.settings,
        today=TODAY,
    )
    assert result["closed"] == Outcome.PAST_CSA.value
    assert result["compulsory_school_age"]["ends"] == "2024-06-28"
    case = council.case(case_id)
    assert case.child.date_of_birth == date(2008, 3, 4)
    assert case.csa_ends == date(2024, 6, 28)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.PAST_CSA)
    corrected = [h for h in case.history if h.why.startswith("corrected")]
    assert [(h.who, h.why) for h in corrected] == [
        (
            "coord",
            "corrected child's date of birth from '2015-03-04' to '2008-03-04': "
            "school sent the wrong year",
        )
    ]


def test_a_corrected_date_of_birth_ends_school_age_on_the_councils_autumn_term(
    council: Council,
) -> None:
    # 16 on 2 September 2026, after the June leaving date and before the autumn term began on
    # 3 September: compulsory school age ended on 26 June 2026 (Education Act 1996 s8(3)(a)).
    case_id = council.open_case()
    result = corrections.correct_case(
        council.uow(),
        case_id,
        "date_of_birth",
        "2010-09-02",
        by="coord",
        reason="birth certificate",
        settings=council.settings,
        today=TODAY,
    )
    assert result["compulsory_school_age"]["ends"] == "2026-06-26"
    assert result["closed"] == Outcome.PAST_CSA.value


def test_a_corrected_school_urn_counts_the_schools_reply_on_that_schools_calendar(
    council: Council,
) -> None:
    case_id = council.open_case(on=TODAY)
    [before] = council.deadlines(case_id, Step.SCHOOL_REPLY)
    assert before.due == date(2026, 12, 9)  # ten school days on the council's calendar
    result = corrections.correct_case(
        council.uow(),
        case_id,
        "school_urn",
        ACADEMY,
        by="coord",
        reason="the academy, not the primary",
        settings=council.settings,
        today=TODAY,
    )
    assert result["deadlines_moved"] == 1
    [after] = council.deadlines(case_id, Step.SCHOOL_REPLY)
    # The academy closes on Friday 27 November (INSET): its tenth school day is a day later.
    assert (after.due, after.school_urn, after.base_date) == (date(2026, 12, 10), ACADEMY, TODAY)
    [visit] = council.deadlines(case_id, Step.HOME_VISIT)
    assert visit.school_urn == ""  # counted on the council's days, as before


def test_a_corrected_name_keeps_the_case_open_and_a_later_notification_links_to_it(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Jon")
    corrections.correct_case(
        council.uow(),
        case_id,
        "forename",
        "John",
        by="coord",
        reason="typo",
        settings=council.settings,
        today=TODAY,
    )
    assert council.case(case_id).status is Status.INVESTIGATING
    assert council.notify(forename="John") == case_id


def test_a_correction_without_a_reason_or_to_an_unknown_field_is_refused(council: Council) -> None:
    case_id = council.open_case()
    for field, value, reason, words in (
        ("date_of_birth", "2015-03-05", "", "say why"),
        ("shoe_size", "4", "because", "cannot be corrected"),
        ("date_of_birth", "5 March 2015", "because", "YYYY-MM-DD"),
        ("date_of_birth", "2015-03-04", "because", "already"),
    ):
        with pytest.raises(corrections.CorrectionRefused, match=words):
            corrections.correct_case(
                council.uow(),
                case_id,
                field,
                value,
                by="coord",
                reason=reason,
                settings=council.settings,
                today=TODAY,
            )


def test_cme_case_correct_records_who_and_why(council: Council) -> None:
    case_id = council.open_case()
    done = CliRunner().invoke(
        cme,
        [
            "case",
            "correct",
            str(case_id),
            "surname",
            "Khan-Ali",
            "--by",
            "A. Morgan",
            "--reason",
            "parent's spelling",
        ],
    )
    assert done.exit_code == 0, done.output
    assert council.case(case_id).child.surname == "Khan-Ali"
    refused = CliRunner().invoke(
        cme, ["case", "correct", str(case_id), "nope", "x", "--by", "A", "--reason", "r"]
    )
    assert refused.exit_code == 1
    assert "cannot be corrected" in refused.output


def test_a_visit_is_reassigned_in_the_workspace_and_refused_to_a_full_officer(
    council: Council,
) -> None:
    case_id = council.open_case()
    client = client_for(council)
    csrf = sign_in(client, "coord")
    moved = client.post(
        f"/cases/CME-{case_id:06d}/visit",
        data={"csrf_token": csrf, "officer": "EWO2", "reason": "EWO1 on leave"},
    )
    assert moved.status_code == 303
    with council.uow() as uow:
        ewo2 = next(o.id for o in uow.directory.officers() if o.code == "EWO2")
        assert [v.officer_id for v in uow.directory.visits(case_id)] == [ewo2]
    council.add_officer(code="EWO3", name="Full Up", capacity="0")
    with pytest.raises(corrections.CorrectionRefused, match="is full"):
        corrections.reassign_visit(
            council.uow(),
            case_id,
            "EWO3",
            by="coord",
            reason="x",
            settings=council.settings,
            today=TODAY,
        )


def test_a_note_and_a_contact_are_added_on_the_case_page(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    csrf = sign_in(client, "ewo1")
    reference = f"CME-{case_id:06d}"
    client.post(
        f"/cases/{reference}/notes", data={"csrf_token": csrf, "text": "Neighbour says moved"}
    )
    client.post(
        f"/cases/{reference}/notes",
        data={
            "csrf_token": csrf,
            "text": "No answer",
            "contact_with": "Parent",
            "contact_method": "phone",
        },
    )
    with council.uow() as uow:
        notes = uow.workspace.notes(case_id)
    assert [(n.kind, n.who, n.text) for n in notes] == [
        ("contact", "ewo1", "No answer"),
        ("note", "ewo1", "Neighbour says moved"),
    ]
    assert "Neighbour says moved" in client.get(f"/cases/{reference}").text


def test_a_queued_postal_letter_is_cancelled_in_the_print_room(council: Council) -> None:
    case_id = council.open_case()
    council.decide(case_id, "home_visit", "family_found_no_place", on=TODAY)
    posted = [x for x in council.letters(case_id) if x.channel.value == "post"]
    assert posted, [x.step_key for x in council.letters(case_id)]
    client = client_for(council)
    csrf = sign_in(client, "coord")
    assert f"Cancel letter {posted[0].id}" in client.get("/print-room").text
    done = client.post(
        f"/print-room/letters/{posted[0].id}/cancel",
        data={"csrf_token": csrf, "reason": "family phoned: already placed"},
    )
    assert done.status_code == 303
    statuses = {x.id: x.status.value for x in council.letters(case_id)}
    assert statuses[posted[0].id] == "cancelled"
    again = client.post(
        f"/print-room/letters/{posted[0].id}/cancel", data={"csrf_token": csrf, "reason": "x"}
    )
    assert again.status_code == 400
    assert "only a queued postal letter" in again.text


def test_search_finds_a_child_by_name_date_of_birth_and_reference(council: Council) -> None:
    case_id = council.open_case(forename="Zebedee", surname="Quartermain")
    council.open_case(forename="Other", surname="Child", date_of_birth="2014-01-01")
    client = client_for(council)
    sign_in(client, "coord")
    for query in ("quarterm", "Zebedee Quartermain", "04/03/2015", f"CME-{case_id:06d}"):
        page = client.get("/search", params={"q": query})
        assert f"CME-{case_id:06d}" in page.text, query
        assert "Other Child" not in page.text, query


def test_a_new_address_is_recorded_with_the_old_one_kept_in_the_history(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    csrf = sign_in(client, "coord")
    done = client.post(
        f"/cases/CME-{case_id:06d}/address",
        data={
            "csrf_token": csrf,
            "address_line1": "4 Station Road",
            "town": "Bakewell",
            "postcode": "de45 1aa",
            "source": "housing team",
        },
    )
    assert done.status_code == 303
    case = council.case(case_id)
    assert (case.child.address_line1, case.child.town, case.child.postcode) == (
        "4 Station Road",
        "Bakewell",
        "DE45 1AA",
    )
    assert any(
        h.who == "coord" and "was 12 Mill Road, Matlock, DE4 3AB" in h.why for h in case.history
    )
    refused = CliRunner().invoke(
        cme,
        [
            "case",
            "address",
            str(case_id),
            "--line1",
            "4 Station Road",
            "--town",
            "Bakewell",
            "--postcode",
            "DE45 1AA",
            "--by",
            "coord",
            "--source",
            "again",
        ],
    )
    assert refused.exit_code == 1
    assert "already" in refused.output


def test_odd_addresses_get_a_page_and_never_a_traceback(council: Council) -> None:
    case_id = council.open_case()
    client = client_for(council)
    client.raise_server_exceptions = False
    sign_in(client, "ewo1")
    assert client.get(f"/cases/CME-{case_id:06d}/letters/99999999999999999999").status_code == 422
    assert client.get("/cases/not-a-reference").status_code == 404
    assert client.get("/cases/CME-999999").status_code == 404
    assert client.get("/officers").status_code == 403  # an officer sees their own cases only
    assert client.get("/search", params={"q": "%_\\'" * 100}).status_code == 200


def test_cme_users_add_takes_the_password_from_standard_input(council: Council) -> None:
    added = CliRunner().invoke(
        cme,
        ["users", "add", "m.jones", "--full-name", "Mo Jones", "--role", "manager"],
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    assert "Added m.jones (Mo Jones), manager." in added.output
    sign_in(client_for(council), "m.jones")
    short = CliRunner().invoke(
        cme, ["users", "add", "x.y", "--full-name", "X Y", "--role", "manager"], input="short\n"
    )
    assert short.exit_code == 1
    assert "at least 12" in short.output
    listed = CliRunner().invoke(cme, ["users", "list"])
    assert "m.jones" in listed.output
    assert PASSWORD not in listed.output


def test_a_closed_case_is_reopened_as_a_new_case_through_intake_once(council: Council) -> None:
    case_id = council.open_case()
    council.decide(case_id, "home_visit", "on_roll", on=TODAY)
    assert council.case(case_id).status is Status.CLOSED
    client = client_for(council)
    csrf = sign_in(client, "coord")
    reopened = client.post(
        f"/cases/CME-{case_id:06d}/reopen",
        data={"csrf_token": csrf, "reason": "school says the child never arrived"},
    )
    assert reopened.status_code == 303
    new_id = int(reopened.headers["location"].split("CME-")[1].split("?")[0])
    assert new_id != case_id
    old, new = council.case(case_id), council.case(new_id)
    assert (old.status, old.outcome) == (Status.CLOSED, Outcome.ON_ROLL_HERE)
    assert any(h.why.startswith(f"reopened as CME-{new_id:06d}") for h in old.history)
    assert new.status is Status.INVESTIGATING
    assert new.child == old.child
    assert "school_enquiry:1" in council.step_keys(new_id)
    again = CliRunner().invoke(
        cme, ["case", "reopen", str(case_id), "--by", "coord", "--reason", "double click"]
    )
    assert again.exit_code == 0, again.output
    # Asked again (another reason): no second case; the child's open case gets the notification.
    assert f"linked to the child's open case {new_id}" in again.output
    with council.uow() as uow:
        assert len(uow.cases.summaries()) == 2
    still_open = CliRunner().invoke(
        cme, ["case", "reopen", str(new_id), "--by", "coord", "--reason", "x"]
    )
    assert still_open.exit_code == 1
    assert "nothing to reopen" in still_open.output


def test_the_print_room_makes_a_batch_and_confirms_it_posted(council: Council) -> None:
    case_id = council.open_case()
    council.decide(case_id, "home_visit", "family_found_no_place", on=TODAY)
    client = client_for(council)
    csrf = sign_in(client, "coord")
    made = client.post("/print-room/batch", data={"csrf_token": csrf})
    assert made.headers["location"] == "/print-room?done=batch"
    room = client.get("/print-room").text
    batch = re.search(r"Confirm batch (\d+) was posted", room)
    assert batch is not None
    assert "No postal letters are waiting." in room
    confirmed = client.post(
        f"/print-room/batches/{batch.group(1)}/confirm", data={"csrf_token": csrf}
    )
    assert confirmed.headers["location"] == "/print-room?done=confirmed"
    postal = [x for x in council.letters(case_id) if x.channel.value == "post"]
    # A letter whose date had come too close was remade with new dates, and the new one posted.
    withdrawn = {x.id for x in postal if x.status.value == "withdrawn"}
    posted = [x for x in postal if x.status.value != "withdrawn"]
    assert posted and all(x.status.value == "posted" for x in posted)
    assert withdrawn == {x.replaces_letter_id for x in posted if x.replaces_letter_id}
    nothing = client.post("/print-room/batch", data={"csrf_token": csrf})
    assert nothing.headers["location"] == "/print-room?done=nothing"


def test_the_caseload_filters_by_status_officer_school_and_safeguarding(council: Council) -> None:
    plain = council.open_case()
    flagged = council.open_case(
        forename="Flagged", vulnerabilities="child_protection", postcode="S40 1AA"
    )
    client = client_for(council)
    sign_in(client, "coord")

    def shown(**params: str) -> set[int]:
        page = client.get("/caseload", params=params).text
        return {int(m) for m in re.findall(r'href="/cases/CME-(\d+)"', page)}

    assert shown() == {plain, flagged}
    assert shown(safeguarding="yes") == {flagged}
    assert shown(safeguarding="no") == {plain}
    assert shown(officer="EWO1") == {plain}  # DE4 is EWO1's area; S40 has no officer
    assert shown(school="Matlock Primary School") == {plain, flagged}
    assert shown(school="999999") == set()
    assert shown(status="escalated") == set()


def test_the_caseload_tags_cases_needing_attention_and_filters_them(council: Council) -> None:
    plain, failed = council.open_case(), council.open_case(forename="Failed", postcode="S40 1AA")
    with council.uow() as uow:
        uow.attention.flag(failed, "letter", "the letter could not be typeset", TODAY)
        uow.commit()
    client = client_for(council)
    sign_in(client, "coord")

    def shown(**params: str) -> set[int]:
        page = client.get("/caseload", params=params).text
        return {int(m) for m in re.findall(r'href="/cases/CME-(\d+)"', page)}

    assert shown(attention="yes") == {failed}
    assert shown(attention="no") == {plain}
    assert shown(attention="yes", officer="EWO1") == set()  # S40 has no officer
    page = client.get("/caseload").text
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S)
    tagged = [r for r in rows if "Needs attention</strong>" in r]
    assert len(tagged) == 1 and f"CME-{failed:06d}" in tagged[0]
    assert (
        "2 open cases" in page
        and "1 open cases" in client.get("/caseload", params={"attention": "yes"}).text
    )


def test_the_case_page_links_a_waiting_decision_to_its_prefect_run(
    council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = council.open_case()
    run_id = "0f2d6c1e-5a41-4f8e-9d8b-3c2a1b0e9f77"
    with council.uow() as uow:
        waiting = next(d for d in uow.decisions.for_case(case_id) if d.answer is None)
        uow.decisions.attach_flow_run(waiting, run_id)
        uow.commit()
    monkeypatch.setenv("CME_WEB_PREFECT_URL", "https://prefect.council.example/")
    client = client_for(council)
    sign_in(client, "coord")
    page = client.get(f"/cases/CME-{case_id:06d}").text
    assert f'href="https://prefect.council.example/runs/flow-run/{run_id}"' in page


def test_a_session_left_overnight_has_expired(
    council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(council)
    sign_in(client, "coord")
    assert client.get("/caseload").status_code == 200
    monkeypatch.setenv("CME_TODAY", "2026-11-26")  # the clock moves on a day
    expired = client.get("/caseload")
    assert expired.status_code == 303
    assert expired.headers["location"].startswith("/sign-in")


def test_an_officer_records_the_home_visit_of_their_own_case_and_nothing_else(
    council: Council,
) -> None:
    case_id = council.open_case()  # EWO1's visit
    mine, theirs = client_for(council), client_for(council)
    csrf = sign_in(mine, "ewo1")
    other_csrf = sign_in(theirs, "ewo2")
    reference = f"CME-{case_id:06d}"
    not_theirs = theirs.post(
        f"/cases/{reference}/decisions/home_visit",
        data={"csrf_token": other_csrf, "answer": "on_roll"},
    )
    assert not_theirs.status_code == 404
    not_for_officers = mine.post(
        f"/cases/{reference}/decisions/school_reply",
        data={"csrf_token": csrf, "answer": "on_roll_here"},
    )
    assert not_for_officers.status_code == 400
    assert "cannot make this decision" in not_for_officers.text
    assert council.case(case_id).status is Status.INVESTIGATING
    visited = mine.post(
        f"/cases/{reference}/decisions/home_visit",
        data={"csrf_token": csrf, "answer": "no_answer", "notes": "Calling card left"},
    )
    assert visited.status_code == 303
    with council.uow() as uow:
        decided = [d for d in uow.decisions.for_case(case_id) if d.answer == "no_answer"]
    assert [d.decided_by for d in decided] == ["ewo1"]


def test_sessions_that_have_ended_and_old_wrong_passwords_are_deleted_at_the_next_sign_in(
    council: Council,
) -> None:
    from datetime import UTC, datetime, timedelta

    from missing_education.settings import Web

    web = Web()
    nine = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    ended = accounts.sign_in(council.uow(), "coord", PASSWORD, web=web, at=nine)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(council.uow(), "ewo1", "wrong", web=web, at=nine)
    later = nine + timedelta(hours=web.session_hours, minutes=1)
    live = accounts.sign_in(council.uow(), "ewo2", PASSWORD, web=web, at=later)
    with council.uow() as uow:
        digests = uow.workspace.forget_expired(later, later - timedelta(days=1))
        assert digests == 0  # the sign-in above already deleted the ended session
        assert uow.workspace.login_failures("ewo1", nine - timedelta(minutes=1)) == 0
    assert accounts.current_session(council.uow(), ended.token, web=web, at=later) is None
    assert accounts.current_session(council.uow(), live.token, web=web, at=later) is not None


def test_a_case_without_a_date_of_birth_shows_not_known_and_is_in_the_attention_filter(
    council: Council,
) -> None:
    case_id = council.open_case(date_of_birth="")
    client = client_for(council)
    sign_in(client, "coord")

    page = client.get(f"/cases/CME-{case_id:06d}").text
    assert 'id="child-dob">not known<' in page
    assert "not known until the date of birth is recorded" in page
    assert "(date_of_birth): date of birth not known" in page
    listed = client.get("/caseload?attention=yes").text
    assert f"CME-{case_id:06d}" in listed and "not known" in listed

"""The case workspace's pages and forms (FastAPI, Jinja2, GOV.UK Frontend styles, no scripts).

Every action goes through the same services as `cme`: decisions through the decision service
that `cme decide` calls, corrections through `correct_case`, and so on, with the same guards.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi import Path as FastApiPath
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from missing_education.clock import now, today
from missing_education.domain import CaseNotFound, DomainError, Status, case_reference
from missing_education.domain.workspace import CORRECTABLE, CaseloadFilter, User, WebSession
from missing_education.ports import DecisionRuns, UnitOfWork
from missing_education.services import accounts, corrections, merging, outbox, workspace
from missing_education.services.decisions import NO_DECISION_RUNS, answer_decision
from missing_education.settings import Settings
from missing_education.web.security import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    same_token,
    security_headers,
    set_cookie,
)

HERE = Path(__file__).resolve().parent
# Ids in paths: a number the databases can hold, or 422 before any query.
RowId = Annotated[int, FastApiPath(ge=1, le=2_147_483_647)]
# Messages shown after an action succeeded (fixed words: nothing from the request is echoed).
DONE = {
    "decided": "Decision recorded.",
    "note": "Note added.",
    "contact": "Contact added to the log.",
    "corrected": "Correction recorded in the case history.",
    "address": "New address recorded.",
    "reopened": "The child was taken in again: this is the case for them now.",
    "merged": "The duplicate was merged into this case and closed.",
    "reassigned": "Home visit reassigned.",
    "cancelled": "Letter cancelled.",
    "batch": "Print batch made.",
    "confirmed": "Print batch confirmed as posted.",
    "nothing": "There were no postal letters waiting.",
}


class _SignInNeeded(Exception):
    pass


class _Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create_app(
    uow_factory: Callable[[], UnitOfWork],
    settings: Settings,
    runs: DecisionRuns = NO_DECISION_RUNS,
) -> FastAPI:
    """The workspace app over a case database (a new unit of work per use)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.middleware("http")(security_headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    web = settings.web

    def page(
        request: Request,
        template: str,
        session: WebSession | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        html = templates.get_template(template).render(
            council=settings.council.council_name,
            service=settings.council.service_name,
            user=session.user if session else None,
            csrf=session.csrf_token if session else "",
            path=request.url.path,
            done=DONE.get(request.query_params.get("done", "")),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def signed_in(request: Request) -> WebSession:
        token = request.cookies.get(SESSION_COOKIE, "")
        session = accounts.current_session(uow_factory(), token, web=web, at=now())
        if session is None:
            raise _SignInNeeded()
        return session

    async def form_of(request: Request, session: WebSession) -> FormData:
        form = await request.form()
        given = form.get("csrf_token")
        if not same_token(session.csrf_token, given if isinstance(given, str) else None):
            raise _Forbidden(
                "This form has expired or did not come from this site. "
                "Go back, reload the page and try again."
            )
        return form

    def text(form: FormData, name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    @app.exception_handler(_SignInNeeded)
    async def _to_sign_in(request: Request, _: _SignInNeeded) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = "/caseload"  # a form sent after the session ended cannot be replayed
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(_Forbidden)
    async def _forbidden(request: Request, error: _Forbidden) -> Response:
        return page(request, "error.html", None, 403, title="Not allowed", message=error.message)

    @app.exception_handler(CaseNotFound)
    async def _not_found(request: Request, _: CaseNotFound) -> Response:
        return page(
            request,
            "error.html",
            None,
            404,
            title="Case not found",
            message="No case you can see has that reference.",
        )

    @app.exception_handler(DomainError)
    async def _refused(request: Request, error: DomainError) -> Response:
        # Anything the services refuse or cannot do (the database is down): a page, never a
        # traceback. Messages name cases by reference, never a child's details.
        return page(request, "error.html", None, 503, title="Sorry", message=str(error))

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/caseload", status_code=303)

    @app.get("/sign-in", response_class=HTMLResponse)
    def sign_in_form(request: Request, next: str = "/caseload") -> Response:
        token = secrets.token_urlsafe(32)
        response = page(request, "sign_in.html", None, sign_in_token=token, next=_local(next))
        set_cookie(request, response, SIGN_IN_COOKIE, token, 3600)
        return response

    @app.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        given = form.get("csrf_token")
        if not same_token(
            request.cookies.get(SIGN_IN_COOKIE, ""), given if isinstance(given, str) else None
        ):
            raise _Forbidden(
                "The sign-in form has expired. Go back, reload the page and try again."
            )
        target = _local(text(form, "next"))
        try:
            signed = accounts.sign_in(
                uow_factory(), text(form, "name"), text(form, "password"), web=web, at=now()
            )
        except accounts.SignInRefused as refused:
            token = secrets.token_urlsafe(32)
            response = page(
                request,
                "sign_in.html",
                None,
                429 if refused.throttled else 401,
                sign_in_token=token,
                next=target,
                error=str(refused),
                name=text(form, "name")[:100],
            )
            set_cookie(request, response, SIGN_IN_COOKIE, token, 3600)
            return response
        redirect = RedirectResponse(target, status_code=303)
        # A browser-session cookie: the server ends the session after CME_WEB_SESSION_MINUTES
        # without a request, and closing the browser forgets it.
        set_cookie(request, redirect, SESSION_COOKIE, signed.token, None)
        redirect.delete_cookie(SIGN_IN_COOKIE, path="/")
        return redirect

    @app.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        session = signed_in(request)
        await form_of(request, session)
        accounts.sign_out(uow_factory(), request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/caseload", response_class=HTMLResponse)
    def caseload(
        request: Request,
        status: str = "",
        officer: str = "",
        school: str = "",
        safeguarding: str = "",
        attention: str = "",
    ) -> Response:
        session = signed_in(request)
        yes_no = {"yes": True, "no": False}
        wanted = CaseloadFilter(
            status=status if status in Status.__members__.values() else None,
            officer=officer[:32] or None,
            school=school.strip()[:200] or None,
            safeguarding=yes_no.get(safeguarding),
            needs_attention=yes_no.get(attention),
        )
        result = workspace.caseload(uow_factory(), session.user, wanted, today=today())
        return page(
            request,
            "caseload.html",
            session,
            result=result,
            statuses=[s.value for s in Status if s is not Status.CLOSED],
            filters={
                "status": status,
                "officer": officer,
                "school": school,
                "safeguarding": safeguarding,
                "attention": attention,
            },
            today=today(),
        )

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> Response:
        session = signed_in(request)
        rows = workspace.search_cases(uow_factory(), session.user, q, today=today()) if q else []
        return page(request, "search.html", session, q=q[:200], rows=rows, searched=bool(q))

    def case_view(
        request: Request,
        session: WebSession,
        reference: str,
        *,
        status_code: int = 200,
        **extra: Any,
    ) -> HTMLResponse:
        case_id = workspace.case_id_of(reference)
        details = workspace.case_page(uow_factory(), session.user, case_id, today=today())
        return page(
            request,
            "case.html",
            session,
            status_code,
            case=details,
            correctable=CORRECTABLE,
            methods=workspace.CONTACT_METHODS,
            officer_decisions=workspace.OFFICER_DECISIONS,
            run_url=web.run_url,
            today=today(),
            **extra,
        )

    @app.get("/cases/{reference}", response_class=HTMLResponse)
    def case(request: Request, reference: str) -> Response:
        session = signed_in(request)
        return case_view(request, session, reference)

    @app.get("/cases/{reference}/letters/{letter_id}")
    def letter(request: Request, reference: str, letter_id: RowId) -> Response:
        session = signed_in(request)
        case_id = workspace.case_id_of(reference)
        try:
            pieces, name = workspace.letter_file(
                uow_factory(), session.user, case_id, letter_id, settings=settings
            )
        except DomainError:
            raise CaseNotFound(case_id) from None
        if pieces is None:
            raise _Forbidden("The letter's file is no longer kept (retention).")
        # Streamed from the case database a piece at a time; no file on this host is needed.
        return StreamingResponse(
            pieces,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                # The browser's own PDF viewer is a plugin: object-src must let it show it.
                "Content-Security-Policy": "default-src 'none'; object-src 'self'; "
                "frame-ancestors 'none'",
            },
        )

    async def act(
        request: Request,
        reference: str,
        done: str,
        action: Callable[[User, FormData, int], str | None],
        *,
        anchor: str = "",
    ) -> Response:
        session = signed_in(request)
        form = await form_of(request, session)
        case_id = workspace.case_id_of(reference)
        try:
            done = action(session.user, form, case_id) or done
        except CaseNotFound:
            raise
        except DomainError as error:
            return case_view(
                request, session, reference, status_code=400, error=str(error), error_anchor=anchor
            )
        return RedirectResponse(f"/cases/{case_reference(case_id)}?done={done}", status_code=303)

    @app.post("/cases/{reference}/decisions/{kind}")
    async def decide(request: Request, reference: str, kind: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str | None:
            workspace.check_may_decide(uow_factory(), user, case_id, kind)
            details = {
                k: text(form, k).strip()
                for k in (
                    "notes",
                    "other_council",
                    "other_council_email",
                    "school",
                    "new_address",
                    "destination",
                )
                if text(form, k).strip()
            }
            # The same service as `cme decide` and the Prefect form; `runs` finishes the
            # decision's waiting Prefect run, so the Suspended list never shows stale work.
            answer_decision(
                uow_factory(),
                case_id,
                kind,
                text(form, "answer"),
                who=user.name,
                details=details,
                settings=settings,
                today=today(),
                runs=runs,
            )
            return None

        return await act(request, reference, "decided", run, anchor=f"answer-{kind}")

    @app.post("/cases/{reference}/notes")
    async def note(request: Request, reference: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str:
            contact_on = None
            if text(form, "contact_on"):
                try:
                    contact_on = date.fromisoformat(text(form, "contact_on"))
                except ValueError:
                    raise DomainError("the contact date is written YYYY-MM-DD") from None
            workspace.add_note(
                uow_factory(),
                user,
                case_id,
                text(form, "text"),
                contact_with=text(form, "contact_with"),
                contact_method=text(form, "contact_method"),
                contact_on=contact_on,
            )
            return (
                "contact" if text(form, "contact_with") or text(form, "contact_method") else "note"
            )

        return await act(request, reference, "note", run, anchor="note-text")

    @app.post("/cases/{reference}/correct")
    async def correct(request: Request, reference: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str | None:
            workspace.check_may_act(user)
            corrections.correct_case(
                uow_factory(),
                case_id,
                text(form, "field"),
                text(form, "value"),
                by=user.name,
                reason=text(form, "reason"),
                settings=settings,
                today=today(),
            )
            return None

        return await act(request, reference, "corrected", run, anchor="correct-value")

    @app.post("/cases/{reference}/address")
    async def address(request: Request, reference: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str | None:
            workspace.check_may_act(user)
            corrections.record_new_address(
                uow_factory(),
                case_id,
                address_line1=text(form, "address_line1"),
                address_line2=text(form, "address_line2"),
                town=text(form, "town"),
                postcode=text(form, "postcode"),
                by=user.name,
                source=text(form, "source"),
            )
            return None

        return await act(request, reference, "address", run, anchor="address-line1")

    @app.post("/cases/{reference}/merge")
    async def merge(request: Request, reference: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str | None:
            workspace.check_may_act(user)
            try:
                duplicate_id = workspace.case_id_of(text(form, "duplicate"))
            except CaseNotFound:
                raise DomainError("give the duplicate's case reference, e.g. CME-000123") from None
            try:
                merging.merge_cases(
                    uow_factory(),
                    case_id,
                    duplicate_id,
                    by=user.name,
                    reason=text(form, "reason"),
                    today=today(),
                    runs=runs,
                )
            except CaseNotFound as missing:
                if missing.case_id != duplicate_id:
                    raise
                raise DomainError(f"there is no case {case_reference(duplicate_id)}") from None
            return None

        return await act(request, reference, "merged", run, anchor="merge-duplicate")

    @app.post("/cases/{reference}/reopen")
    async def reopen(request: Request, reference: str) -> Response:
        session = signed_in(request)
        form = await form_of(request, session)
        case_id = workspace.case_id_of(reference)
        try:
            workspace.check_may_act(session.user)
            result = corrections.reopen_case(
                uow_factory(),
                case_id,
                by=session.user.name,
                reason=text(form, "reason"),
                settings=settings,
                today=today(),
            )
        except CaseNotFound:
            raise
        except DomainError as error:
            return case_view(
                request,
                session,
                reference,
                status_code=400,
                error=str(error),
                error_anchor="reopen-reason",
            )
        target = case_reference(result["case_id"] or case_id)
        return RedirectResponse(f"/cases/{target}?done=reopened", status_code=303)

    @app.post("/cases/{reference}/visit")
    async def reassign(request: Request, reference: str) -> Response:
        def run(user: User, form: FormData, case_id: int) -> str | None:
            workspace.check_may_act(user)
            corrections.reassign_visit(
                uow_factory(),
                case_id,
                text(form, "officer"),
                by=user.name,
                reason=text(form, "reason"),
                settings=settings,
                today=today(),
            )
            return None

        return await act(request, reference, "reassigned", run, anchor="visit-officer")

    @app.get("/officers", response_class=HTMLResponse)
    def officers(request: Request) -> Response:
        session = signed_in(request)
        if not session.user.role.sees_every_case:
            raise _Forbidden("Officer pages are for coordinators and managers.")
        pages = workspace.officer_pages(uow_factory(), today=today())
        return page(request, "officers.html", session, pages=pages, today=today())

    @app.get("/print-room", response_class=HTMLResponse)
    def print_room(request: Request, error: str = "") -> Response:
        session = signed_in(request)
        if not session.user.role.sees_every_case:
            raise _Forbidden("The print room is for coordinators and managers.")
        return page(request, "print_room.html", session, room=workspace.print_room(uow_factory()))

    async def print_action(request: Request, action: Callable[[User, FormData], str]) -> Response:
        session = signed_in(request)
        form = await form_of(request, session)
        try:
            workspace.check_may_act(session.user)
            done = action(session.user, form)
        except DomainError as error:
            return page(
                request,
                "print_room.html",
                session,
                400,
                room=workspace.print_room(uow_factory()),
                error=str(error),
            )
        return RedirectResponse(f"/print-room?done={done}", status_code=303)

    @app.post("/print-room/letters/{letter_id}/cancel")
    async def cancel(request: Request, letter_id: RowId) -> Response:
        def run(user: User, form: FormData) -> str:
            corrections.cancel_letter(
                uow_factory(), letter_id, by=user.name, reason=text(form, "reason")
            )
            return "cancelled"

        return await print_action(request, run)

    @app.post("/print-room/batch")
    async def batch(request: Request) -> Response:
        def run(user: User, form: FormData) -> str:
            made = outbox.make_print_batch(uow_factory(), settings=settings, today=today())
            return "batch" if made else "nothing"

        return await print_action(request, run)

    @app.post("/print-room/batches/{batch_id}/confirm")
    async def confirm(request: Request, batch_id: RowId) -> Response:
        def run(user: User, form: FormData) -> str:
            outbox.confirm_print_batch(
                uow_factory(), batch_id, settings=settings, posted_on=today()
            )
            return "confirmed"

        return await print_action(request, run)

    return app


def _local(target: str) -> str:
    # Only a path on this site: an open redirect would send a signed-in user anywhere.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/caseload"
    return target[:500]

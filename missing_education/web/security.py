"""Security headers, cookies and form tokens for the case workspace."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

SESSION_COOKIE = "cme_session"
SIGN_IN_COOKIE = "cme_sign_in"  # the sign-in form's token, before there is a session

# Pages hold children's details: never cached, never framed, no scripts or outside resources.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add the security headers to every response (HSTS when served over HTTPS)."""
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None
) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure whenever the page came over HTTPS."""
    # Lax, not Strict: a link from the Prefect UI to a case page must arrive signed in.
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def same_token(expected: str, given: str | None) -> bool:
    """Compare form tokens in constant time."""
    return bool(expected) and bool(given) and secrets.compare_digest(expected, given or "")

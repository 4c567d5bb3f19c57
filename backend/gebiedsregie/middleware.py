"""The app's middleware, as plain ASGI (streamed responses pass through untouched).

From the outside in:
- RequestContext: a request id (`X-Request-ID`) and one access log line per request.
- ResponseHeaders: the security headers of the NL API Design Rules, `API-Version`, and on
  HTML pages a Content-Security-Policy with a nonce for this request only.
- Starlette's CORSMiddleware, when `cors_origins` is set.
- UnexpectedErrors: runs the app's handler for unexpected errors inside the middleware above,
  so that its response and its log line carry the request id and the headers.
- RequestLimits: the length of the URL (414) and of the body, also a chunked one (413).
"""

import asyncio
import logging
import re
import secrets
import time
import uuid
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gebiedsregie import __version__
from gebiedsregie.errors import (
    PROBLEM_JSON,
    DomainError,
    FieldError,
    PayloadTooLarge,
    RequestTimeout,
    problem,
    problem_for,
)
from gebiedsregie.logs import reset_request_id, set_request_id
from gebiedsregie.settings import Settings
from gebiedsregie.validation import check_size

access_log = logging.getLogger("gebiedsregie.access")

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_URL_BYTES = 8 * 1024
# A multipart form around the upload: its boundaries and the other fields.
UPLOAD_OVERHEAD = 1024 * 1024
# The hosts of the background tiles (web/elements.py); tests/web/test_csp.py checks them.
TILE_HOSTS = ("https://service.pdok.nl", "https://tile.openstreetmap.org")
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'nonce-{nonce}'",
        f"img-src 'self' data: {' '.join(TILE_HOSTS)}",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
# Anything that is not a page (JSON, tiles, files) may load nothing and never be framed.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
# What the API reads from a request and shows in a response, for browsers elsewhere.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Crs", "Content-Type", "If-Match", "X-CSRF-Token"]
CORS_RESPONSE_HEADERS = ["API-Version", "Content-Crs", "ETag", "Location", "X-Request-ID"]


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/ogc" or path.startswith("/ogc/")


async def _send_problem(scope: Scope, receive: Receive, send: Send, body: dict[str, Any]) -> None:
    response = JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON)
    await response(scope, receive, send)


class RequestContext:
    """Give each request an id and write one access log line for it.

    A valid incoming `X-Request-ID` (a proxy's) is kept, anything else replaced by a new one.
    The line has the method, the path without its query string, the status and the duration;
    never headers, cookies or bodies.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = set_request_id(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duur_ms = round((time.perf_counter() - started) * 1000, 1)
            path = scope["path"][:200]
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                path,
                status,
                duur_ms,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duur_ms": duur_ms,
                },
            )
            reset_request_id(token)


class ResponseHeaders:
    """Security headers on every response; `Cache-Control: no-store` on the API unless the
    route chose its own caching (tiles); a Content-Security-Policy with a nonce on pages.

    The nonce is in `request.state.csp_nonce`, for the templates' inline scripts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        api = _is_api(scope["path"])
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                headers["API-Version"] = __version__
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
                if api and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                page = headers.get("content-type", "").startswith("text/html")
                headers["Content-Security-Policy"] = (
                    PAGE_CSP.format(nonce=nonce) if page else OTHER_CSP
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UnexpectedErrors:
    """Answer an unexpected error with the app's own handler for `Exception`.

    Starlette runs that handler outermost, outside all middleware; here it runs inside ours,
    so the 500 and its log line carry the request id and the headers. The error is handled
    (logged once, by the handler) and not raised further.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            handler = scope["app"].exception_handlers.get(Exception)
            if started or handler is None:
                raise
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)


class RequestLimits:
    """Refuse a URL longer than 8 KiB (414) and a body over `max_body_bytes` (413).

    A body is counted as it arrives, so a chunked one without Content-Length is stopped too.
    Upload paths (the import) have the larger `max_upload_bytes`. The settings are read per
    request, from the app.
    """

    def __init__(self, app: ASGIApp, upload_paths: Collection[str] = ()) -> None:
        self.app = app
        self.upload_paths = frozenset(upload_paths)

    def _limit(self, scope: Scope) -> int:
        settings: Settings = scope["app"].state.settings
        if scope["path"] in self.upload_paths:
            return settings.max_upload_bytes + UPLOAD_OVERHEAD
        return settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if url_bytes > MAX_URL_BYTES:
            body = problem(
                414,
                "URL te lang",
                f"De URL is {url_bytes} bytes; het maximum is {MAX_URL_BYTES} bytes.",
                "url-te-lang",
                [FieldError("url", "Te lang; stuur lange invoer in de body.", "te_lang")],
                scope["path"][:200],
            )
            await _send_problem(scope, receive, send, body)
            return
        limit = self._limit(scope)
        declared = Headers(scope=scope).get("content-length", "")
        try:
            if declared.isdigit():
                check_size(int(declared), limit)  # before reading any of it
        except PayloadTooLarge as exc:
            await _send_problem(scope, receive, send, problem_for(exc, scope["path"]))
            return

        too_large = PayloadTooLarge(
            f"Het verzoek is groter dan het maximum van {limit} bytes.",
            [FieldError("body", "Verzoek te groot.", "te_groot")],
        )
        wait_s = scope["app"].state.settings.body_timeout_s
        too_slow = RequestTimeout(
            f"De body van het verzoek kwam niet binnen {wait_s:g} s verder.",
            [FieldError("body", "Te traag verzonden.", "te_traag")],
        )
        received = 0
        refused: DomainError | None = None
        started = replaced = body_done = False

        async def receive_limited() -> Message:
            nonlocal received, refused, body_done
            if body_done:  # only the disconnect is left to wait for: no time limit
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), wait_s)
            except TimeoutError:
                refused = too_slow  # a slow body holds a connection: a slowloris
                raise too_slow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > limit:
                    refused = too_large
                    raise too_large
            return message

        async def send_checked(message: Message) -> None:
            # Whatever the app made of the interrupted body (a 400 from the form parser,
            # say), the answer is the 413 (or the 408).
            nonlocal started, replaced
            if refused and not started and message["type"] == "http.response.start":
                replaced = True
                await _send_problem(scope, receive, send, problem_for(refused, scope["path"]))
            if message["type"] == "http.response.start":
                started = True
            if not replaced:
                await send(message)

        try:
            await self.app(scope, receive_limited, send_checked)
        except Exception:
            if refused is None or started:
                raise
            await _send_problem(scope, receive, send, problem_for(refused, scope["path"]))


class PublicUrl:
    """Requests as if made to the configured public URL: every link the app writes (JSON
    links, OGC, pages) starts with it, whatever Host header a client sends."""

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        url = urlsplit(public_url)
        self.scheme = url.scheme
        self.host = url.netloc.encode("latin-1")
        port = url.port or (443 if url.scheme == "https" else 80)
        self.server = (url.hostname or "", port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope = dict(scope, scheme=self.scheme, server=self.server)
            scope["headers"] = [*headers, (b"host", self.host)]
        await self.app(scope, receive, send)


def install_middleware(app: FastAPI, settings: Settings, upload_paths: Collection[str]) -> None:
    """Add the middleware above to `app`, in its order (the last added runs outermost)."""
    if settings.public_url:
        app.add_middleware(PublicUrl, public_url=settings.public_url)
    app.add_middleware(RequestLimits, upload_paths=upload_paths)
    app.add_middleware(UnexpectedErrors)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
            max_age=600,
        )
    app.add_middleware(ResponseHeaders)
    app.add_middleware(RequestContext)

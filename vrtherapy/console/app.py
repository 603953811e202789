"""The console's web application: pairing, the gate in front of everything else, and the page itself.

The gate is plain ASGI middleware, so no route can forget it: a request without a paired device's cookie
gets the pairing page (pages) or 401 with no data (API); a request that changes something must also come
from the console's own page (Origin or Referer naming the host it was sent to) and carry the device's CSRF
token in `X-CSRF-Token`. With the SameSite=Strict cookie these are three separate locks against a forged
cross-site request. Requests naming an unexpected Host are refused (DNS rebinding) when the console is bound
to 127.0.0.1. Every response says not to be cached, framed or sniffed.

The page is plain HTML, CSS and JavaScript served from the package (`static/`): no build step, nothing
fetched from elsewhere, fine on a tablet's browser.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vrtherapy.console import live_api, records_api
from vrtherapy.console.context import ConsoleContext
from vrtherapy.console.security import PairingGate, csrf_ok, same_origin
from vrtherapy.records.models import RecordsError

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "vrtherapy_console"
#: reachable without pairing: the pairing page and what it needs, and the pairing call itself
OPEN_PATHS = {"/pair", "/static/pair.js", "/static/console.css", "/api/pair", "/favicon.ico"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
]  # fmt: skip


class Gate:
    """ASGI middleware: pairing, CSRF and Host checks before any route runs."""

    def __init__(self, app: ASGIApp, gate: PairingGate, allowed_hosts: set[str] | None) -> None:
        self.app, self.gate, self.allowed_hosts = app, gate, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        host = headers.get("host", "")

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        if self.allowed_hosts is not None and host.lower() not in self.allowed_hosts:
            await _json(secured, 421, {"error": "this console answers only at its own address"})
            return
        unsafe = method not in SAFE_METHODS
        if unsafe and not same_origin(headers.get("origin"), headers.get("referer"), host):
            await _json(secured, 403, {"error": "refused: the request did not come from the console's own page"})
            return
        if path in OPEN_PATHS:
            await self.app(scope, receive, secured)
            return
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is simply no cookie
            cookie = SimpleCookie()
        token = cookie[COOKIE].value if COOKIE in cookie else None
        device = self.gate.device(token)
        if device is None:
            if path.startswith("/api/"):
                await _json(secured, 401, {"error": "not paired: pair this browser with the code on the station"})
            else:
                await RedirectResponse("/pair", status_code=303)(scope, receive, secured)
            return
        if unsafe and not csrf_ok(device, headers.get("x-csrf-token")):
            await _json(secured, 403, {"error": "refused: missing or wrong X-CSRF-Token"})
            return
        scope.setdefault("state", {})["device"] = device
        await self.app(scope, receive, secured)


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})


def create_app(ctx: ConsoleContext, allowed_hosts: set[str] | None = None, secure_cookie: bool = False) -> ASGIApp:
    """The console for `ctx`; `allowed_hosts` (lower-case host:port) when bound to one known address."""
    app = FastAPI(title="vrtherapy console", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(RecordsError)
    async def records_error(request: Request, exc: RecordsError) -> JSONResponse:
        unknown = "unknown" in str(exc)
        return JSONResponse({"error": str(exc)}, status_code=404 if unknown else 422)

    @app.get("/pair")
    def pair_page() -> FileResponse:
        return FileResponse(STATIC / "pair.html", media_type="text/html")

    @app.post("/api/pair")
    def pair(request: Request, data: dict[str, Any]) -> Any:
        client = request.client.host if request.client else "?"
        result = ctx.gate.pair(client, str(data.get("code", "")), str(data.get("name", "")))
        if result.token is None or result.device is None:
            status = 429 if result.retry_after_s else 403
            headers = {"Retry-After": str(int(result.retry_after_s) + 1)} if result.retry_after_s else None
            return JSONResponse({"error": result.error}, status_code=status, headers=headers)
        ctx.say(f"vrtherapy: console paired with {result.device.name} ({client})")
        response = JSONResponse({"name": result.device.name, "csrf": result.device.csrf})
        response.set_cookie(COOKIE, result.token, httponly=True, samesite="strict", secure=secure_cookie, path="/")
        return response

    @app.get("/api/me")
    def me(request: Request) -> dict[str, str]:
        device = request.state.device
        return {"name": device.name, "csrf": device.csrf}

    @app.post("/api/unpair")
    def unpair(request: Request) -> Any:
        cookie = request.cookies.get(COOKIE)
        ctx.gate.forget(cookie)
        response = JSONResponse({"paired": False})
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/{name}")
    def static(name: str) -> Any:
        path = STATIC / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path)

    app.include_router(records_api.router(ctx))
    app.include_router(live_api.router(ctx))
    return Gate(app, ctx.gate, allowed_hosts)

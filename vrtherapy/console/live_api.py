"""The console's API for playlists and for the session running on this station: start it, follow its
state, watch what the patient sees, and steer it.

The live view is a long poll: the page asks for the frame after the one it has, and the request sleeps on
the web server's event loop until the encoder has a newer JPEG (see `live.py`). The page asks again as
soon as one has arrived, so a slow tablet skips frames instead of queueing them, and nothing it does
touches the session's loop. (A plain polling loop works on every tablet browser; an MJPEG stream does not
let the page count frames or notice a stall.)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from vrtherapy.console import playlists
from vrtherapy.console.context import ConsoleContext, who
from vrtherapy.console.live import Command, LiveSession, console_command
from vrtherapy.console.records_api import field_errors
from vrtherapy.console.station import StartRequest
from vrtherapy.errors import VrtherapyError

MAX_SESSION_S = 4 * 3600.0


def router(ctx: ConsoleContext) -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/catalogue")
    def catalogue() -> dict[str, Any]:
        return {"exercises": playlists.catalogue()}

    @api.get("/playlists")
    def listing() -> dict[str, Any]:
        return {"playlists": playlists.listing()}

    @api.get("/playlists/{file}")
    def playlist(file: str) -> Any:
        try:
            return playlists.as_table(file)
        except VrtherapyError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    @api.post("/playlists/check")
    def check(data: dict[str, Any]) -> Any:
        try:
            p = playlists.validate(data)
        except playlists.FieldError as exc:
            return JSONResponse({"errors": {exc.field or "form": exc.message}}, status_code=422)
        return {"ok": True, "planned_min": round(p.planned_s / 60.0, 1), "longest_min": round(p.duration_s / 60.0, 1)}

    @api.put("/playlists/{file}")
    def save(request: Request, file: str, data: dict[str, Any]) -> Any:
        try:
            path = playlists.save(file, data)
        except playlists.FieldError as exc:
            return JSONResponse({"errors": {exc.field or "form": exc.message}}, status_code=422)
        ctx.say(f"vrtherapy: {who(request)} saved the clinic playlist {path}")
        return {"file": file, "path": str(path)}

    @api.post("/session")
    def start(request: Request, data: dict[str, Any]) -> Any:
        seconds = data.get("seconds")
        if seconds not in (None, "") and (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                                          or not 0 < seconds <= MAX_SESSION_S):  # fmt: skip
            return JSONResponse({"errors": {"seconds": "seconds: a session length above 0, at most 4 hours"}},
                                status_code=422)  # fmt: skip
        req = StartRequest(patient_id=str(data.get("patient_id") or ""), playlist=str(data.get("playlist") or ""),
                           display=str(data.get("display") or "offscreen"), who=who(request),
                           seconds=None if seconds in (None, "") else float(seconds))  # fmt: skip
        try:
            live = ctx.station.start(req)
        except VrtherapyError as exc:
            return field_errors(exc, "session")
        ctx.say(f"vrtherapy: {req.who} started a session for {req.patient_id} ({req.playlist}, {req.display})")
        return live.state.to_json()

    @api.get("/session")
    async def state() -> Any:
        live = ctx.station.live
        return {"session": None} if live is None else {"session": live.state.to_json()}

    @api.post("/session/command")
    def command(request: Request, data: dict[str, Any]) -> Any:
        live = _running(ctx)
        if live is None:
            return JSONResponse({"errors": {"session": "no session is running on this station"}}, status_code=409)
        name, value = data.get("name"), data.get("value")
        try:
            command = console_command(name, value, _limb_of(live))
            if name == "pain" and not live.state.pain_question:
                raise ValueError("pain: the pain question is not being asked now")
        except ValueError as exc:
            field = str(exc).split(":")[0].split(".")[0] if ":" in str(exc) else "session"
            return JSONResponse({"errors": {field: str(exc)}}, status_code=422)
        live.submit(Command(who(request), command))
        return {"accepted": name}

    @api.get("/session/frame.jpg")
    async def frame(after: int = -1) -> Any:
        """The newest frame; with `after`, waits (up to a second) for one newer than that."""
        live = ctx.station.live
        if live is None:
            return Response(status_code=204)
        live.stream.watch()
        seq, jpeg = await live.stream.newer_than(after, timeout=1.0)
        if not jpeg or seq == after:
            return Response(status_code=204)
        return Response(jpeg, media_type="image/jpeg", headers={"X-Frame": str(seq), "Cache-Control": "no-store"})

    return api


def _running(ctx: ConsoleContext) -> LiveSession | None:
    live = ctx.station.live
    return live if live is not None and live.state.status in ("starting", "running") else None


def _limb_of(live: LiveSession) -> str:
    from vrtherapy.therapy.playlist import load_playlist

    return load_playlist(live.state.playlist).limb

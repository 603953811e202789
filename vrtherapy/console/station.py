"""The station: runs the sessions the console starts, on the main thread, one at a time.

Panda3D keeps the main thread (its graphics context and window events live there), so the web server
runs on a thread of its own and hands a session request over a queue; `Station.serve` (the main thread)
opens the one ShowBase of the process on first use, keeps it for later sessions, and runs each session
through `run_session` with the console's `LiveSession` following it.

Everything that can be checked is checked on the web thread before the request is queued (patient,
playlist, its limb against the patient's, display), so a bad choice is refused in the page at once and
nothing is recorded.
"""

from __future__ import annotations

import queue
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vrtherapy.console.live import ControlEvent, LiveSession
from vrtherapy.errors import VrtherapyError

DISPLAYS = ("xr", "window", "offscreen")


@dataclass(frozen=True)
class StartRequest:
    patient_id: str
    playlist: str  #: a playlist name the session's lookup finds (bundled or the clinic's)
    display: str  #: xr (headset), window, offscreen (preview)
    who: str
    seconds: float | None = None
    tracker: str = "synthetic"
    #: Answers given beforehand (the bench); otherwise the pain questions are asked and answered in the page.
    pain_before: int | None = None
    pain_after: int | None = None


class Station:
    """Sessions for this station's console. `base`: an open ShowBase to use (tests); otherwise one is
    opened for the first session's display and kept."""

    def __init__(self, db: Path | None, say: Callable[[str], None] = print, base: Any = None,
                 size: tuple[int, int] = (960, 540), log: Callable[[int, ControlEvent], None] | None = None,
                 pairing_code: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.db, self.say, self.base, self.size, self.log = db, say, base, size, log
        self.pairing_code = pairing_code
        self._surface: str | None = "offscreen" if base is not None else None
        self._requests: queue.Queue[tuple[StartRequest, LiveSession] | None] = queue.Queue()
        self.live: LiveSession | None = None
        self._closed = threading.Event()

    # -- the web thread -----------------------------------------------------------------------------

    def start(self, request: StartRequest) -> LiveSession:
        """Check and queue a session; raises VrtherapyError with one line when it cannot run."""
        if self.live is not None and self.live.state.status in ("starting", "running"):
            raise VrtherapyError("a session is already running on this station: stop it first")
        if request.display not in DISPLAYS:
            raise VrtherapyError(f"display: choose one of {', '.join(DISPLAYS)}")
        self._check(request)
        live = LiveSession(request.patient_id, request.playlist, request.display, request.who, self.log,
                           self.pairing_code)  # fmt: skip
        self.live = live
        self._requests.put((request, live))
        return live

    def _check(self, request: StartRequest) -> None:
        from vrtherapy.records.store import RecordStore
        from vrtherapy.render.display import surface_for
        from vrtherapy.therapy.playlist import load_playlist
        from vrtherapy.therapy.setup import pick_display

        playlist = load_playlist(request.playlist)
        with RecordStore.open(self.db) as store:
            profile = store.patient(request.patient_id)
        if playlist.limb != profile.limb:
            raise VrtherapyError(f"playlist: {playlist.name!r} is for the {playlist.limb} limb; patient "
                                 f"{profile.patient_id} is treated for the {profile.limb} limb")  # fmt: skip
        surface = surface_for(pick_display(request.display, _quiet).mode)
        if self._surface is not None and surface != self._surface:
            raise VrtherapyError(f"display: this station opened a {self._surface} view for its first session; "
                                 "restart the console to change to a " + surface + " view")  # fmt: skip

    def close(self) -> None:
        """Stop serving (from any thread): a running session is stopped, the loop returns."""
        self._closed.set()
        live = self.live
        if live is not None and live.state.status in ("starting", "running"):
            from vrtherapy.console.live import Command
            from vrtherapy.therapy.commands import Stop

            live.submit(Command("station", Stop(immediately=True)))
        self._requests.put(None)

    # -- the main thread ----------------------------------------------------------------------------

    def run_next(self, timeout: float | None = None) -> bool:
        """Run the next queued session (waiting up to `timeout` for one); False when none came."""
        try:
            item = self._requests.get(timeout=timeout)
        except queue.Empty:
            return False
        if item is not None:
            self._run(*item)
        return item is not None

    def serve(self) -> None:
        """Run queued sessions until `close()`."""
        main = threading.current_thread() is threading.main_thread()
        while not self._closed.is_set():
            if main:  # Panda3D's task manager leaves its own Ctrl-C handler behind after a session
                signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                item = self._requests.get(timeout=0.5)
            except queue.Empty:
                continue
            if item is None:
                continue
            self._run(*item)

    def _run(self, request: StartRequest, live: LiveSession) -> None:
        from vrtherapy.render.display import open_showbase, surface_for
        from vrtherapy.therapy.run_session import RunOptions, format_report, run_session
        from vrtherapy.therapy.setup import pick_display

        try:
            if self.base is None:
                surface = surface_for(pick_display(request.display, _quiet).mode)
                self.base = open_showbase(surface, self.size)
                self._surface = surface
            options = RunOptions(patient=request.patient_id, playlist=request.playlist, display=request.display,
                                 tracker=request.tracker, db=self.db, seconds=request.seconds, size=self.size,
                                 pain_before=request.pain_before, pain_after=request.pain_after)  # fmt: skip
            report = run_session(options, say=self.say, base=self.base, observer=live)
        except VrtherapyError as exc:
            self.say(f"vrtherapy: {exc}")
            live.finished(str(exc), failed=True)
            return
        except Exception as exc:  # a bug: keep the console up, say what happened
            traceback.print_exc()
            live.finished(f"the session failed: {type(exc).__name__}: {exc}", failed=True)
            return
        for line in format_report(report):
            self.say(line)
        live.finished(f"session {report.session_id} {report.status} ({report.ended_by})")


def _quiet(line: str) -> None:
    """Display fallbacks are said once, by the session itself."""

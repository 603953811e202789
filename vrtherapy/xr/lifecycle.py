"""The OpenXR session lifecycle as a plain state machine: events in, the calls to make out.

No `xr` import here on purpose: the runtime's events are translated into the small event types below
(`xr_session.py` does that), and `SessionLifecycle.handle` answers with the `Action`s to carry out,
in order. A fake event stream therefore tests every transition and the order of the calls.

Besides the runtime's states it tracks whether the patient is actually in the headset: the exercise
timer pauses while the session is not FOCUSED (headset taken off, the runtime's menu over the app)
or while XR_EXT_user_presence says nobody is wearing it, and resumes when both are back.

A lost session or instance is recreated at once; when that fails (the runtime is restarting) it is
tried again after 0.5, 1, 2, 4, 4... s, for up to `reconnect_window_s` after the loss, so a runtime
that comes back within seconds is picked up and the exercise resumes. Only then does the session
fall back to the desktop. The clock is injectable, so the schedule is tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum

#: Seconds between tries at starting a lost headset again (the last one repeats).
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0)
#: How long after a loss the headset is tried again before the session goes on at the desktop.
RECONNECT_WINDOW_S = 15.0


class SessionState(IntEnum):
    """XrSessionState, same numbers."""

    UNKNOWN = 0
    IDLE = 1
    READY = 2
    SYNCHRONIZED = 3
    VISIBLE = 4
    FOCUSED = 5
    STOPPING = 6
    LOSS_PENDING = 7
    EXITING = 8


class Action(Enum):
    BEGIN_SESSION = "xrBeginSession"
    END_SESSION = "xrEndSession"
    REQUEST_EXIT = "xrRequestExitSession"
    DESTROY_SESSION = "xrDestroySession"
    CREATE_SESSION = "xrCreateSession"
    DESTROY_INSTANCE = "xrDestroyInstance"
    CREATE_INSTANCE = "xrCreateInstance"
    PAUSE = "pause the exercise timer"
    RESUME = "resume the exercise timer"
    EXIT = "leave the headset: the session is over"
    FALL_BACK = "continue the session on the desktop display"


@dataclass(frozen=True)
class StateChanged:
    """XrEventDataSessionStateChanged."""

    state: SessionState


@dataclass(frozen=True)
class InstanceLossPending:
    """XrEventDataInstanceLossPending: the instance is about to be lost (e.g. the runtime updates)."""


@dataclass(frozen=True)
class InstanceLost:
    """A call returned XR_ERROR_INSTANCE_LOST."""


@dataclass(frozen=True)
class SessionLost:
    """A call returned XR_ERROR_SESSION_LOST."""


@dataclass(frozen=True)
class UserPresence:
    """XrEventDataUserPresenceChangedEXT: someone is (or is no longer) wearing the headset."""

    present: bool


@dataclass(frozen=True)
class ExitRequested:
    """The application wants to leave the headset (session over, or the therapist stopped it)."""


@dataclass(frozen=True)
class Recreated:
    """A CREATE_SESSION (or CREATE_INSTANCE + CREATE_SESSION) carried out by the caller succeeded."""


@dataclass(frozen=True)
class RecreateFailed:
    """... or failed."""


@dataclass(frozen=True)
class RetryDue:
    """The time for the next try at starting a lost headset again has come (`SessionLifecycle.retry_due`)."""


Event = (StateChanged | InstanceLossPending | InstanceLost | SessionLost | UserPresence | ExitRequested | Recreated
         | RecreateFailed | RetryDue)

#: States in which the application runs the frame loop (xrWaitFrame/xrBeginFrame/xrEndFrame).
RUNNING_STATES = frozenset({SessionState.READY, SessionState.SYNCHRONIZED, SessionState.VISIBLE,
                            SessionState.FOCUSED, SessionState.STOPPING})  # fmt: skip


class SessionLifecycle:
    """Follows one session (and its replacements after a loss) from creation to exit.

    `max_recreate` losses are recovered from (each with its tries within `reconnect_window_s`) before
    the headset is given up and the session falls back to the desktop.
    """

    def __init__(self, max_recreate: int = 3, reconnect_window_s: float = RECONNECT_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.state = SessionState.IDLE
        self.running = False  #: between xrBeginSession and xrEndSession
        self.user_present = True
        self.exit_requested = False
        self.finished = False  #: EXIT or FALL_BACK was handed out: no more headset
        self.recreations = 0
        self.max_recreate = max_recreate
        self._paused = True  # nothing has been shown in the headset yet
        self.reconnect_window_s, self.clock = reconnect_window_s, clock
        self.lost_at: float | None = None  #: when the loss being recovered from happened
        self.retry_at: float | None = None  #: when to try starting the headset again
        self.tries = 0  #: failed tries since the loss

    @property
    def reconnecting(self) -> bool:
        return self.lost_at is not None and not self.finished

    def retry_due(self) -> bool:
        return self.retry_at is not None and not self.finished and self.clock() >= self.retry_at

    @property
    def is_presenting(self) -> bool:
        """The runtime is showing this application's frames in the headset."""
        return self.running and self.state in (SessionState.VISIBLE, SessionState.FOCUSED)

    @property
    def should_pause(self) -> bool:
        """The exercise timer should stand still: the patient is not in the session right now."""
        return not (self.running and self.state == SessionState.FOCUSED and self.user_present)

    @property
    def should_run_frame_loop(self) -> bool:
        return self.running and not self.finished

    def handle(self, event: Event) -> list[Action]:
        """The actions to carry out for `event`, in order."""
        if self.finished:
            return []
        actions = self._transition(event)
        if self.finished:
            if Action.FALL_BACK in actions and self._paused:
                self._paused = False  # the session carries on on the desktop
                actions.append(Action.RESUME)
            return actions
        change = self._pause_change()
        # The timer stops before anything is torn down and starts again once the headset shows the scene.
        return change + actions if change == [Action.PAUSE] else actions + change

    def _transition(self, event: Event) -> list[Action]:
        if isinstance(event, StateChanged):
            return self._state_changed(event.state)
        if isinstance(event, UserPresence):
            self.user_present = event.present
            return []
        if isinstance(event, ExitRequested):
            self.exit_requested = True
            if self.running:
                return [Action.REQUEST_EXIT]  # the runtime answers with STOPPING, IDLE, EXITING
            return self._finish(Action.EXIT, session=True)
        if isinstance(event, SessionLost):
            return self._lose(instance=False)
        if isinstance(event, (InstanceLossPending, InstanceLost)):
            return self._lose(instance=True)
        if isinstance(event, Recreated):
            self.state = SessionState.IDLE
            self.lost_at, self.retry_at, self.tries = None, None, 0
            return []
        if isinstance(event, RecreateFailed):
            return self._retry_later()
        if isinstance(event, RetryDue):
            self.retry_at = None
            return [Action.CREATE_INSTANCE, Action.CREATE_SESSION]
        raise TypeError(f"not a lifecycle event: {event!r}")

    def _state_changed(self, state: SessionState) -> list[Action]:
        self.state = state
        if state == SessionState.READY:
            self.running = True
            return [Action.BEGIN_SESSION]
        if state == SessionState.STOPPING:
            self.running = False
            return [Action.END_SESSION]
        if state == SessionState.EXITING:
            return self._finish(Action.EXIT, session=True)
        if state == SessionState.LOSS_PENDING:
            return self._lose(instance=False)
        return []

    def _lose(self, instance: bool) -> list[Action]:
        self.running = False
        self.state = SessionState.LOSS_PENDING
        teardown = [Action.DESTROY_SESSION] + ([Action.DESTROY_INSTANCE] if instance else [])
        if self.exit_requested:
            self.finished = True
            return teardown + ([] if instance else [Action.DESTROY_INSTANCE]) + [Action.EXIT]
        if self.recreations >= self.max_recreate:
            self.finished = True
            return teardown + ([] if instance else [Action.DESTROY_INSTANCE]) + [Action.FALL_BACK]
        self.recreations += 1
        self.lost_at, self.retry_at, self.tries = self.clock(), None, 0
        return teardown + ([Action.CREATE_INSTANCE] if instance else []) + [Action.CREATE_SESSION]

    def _retry_later(self) -> list[Action]:
        """Starting again failed: the instance goes too; try again after a pause, or give up."""
        if self.exit_requested:
            return self._finish(Action.EXIT, session=False)
        now = self.clock()
        if self.lost_at is None or now - self.lost_at >= self.reconnect_window_s:
            return self._finish(Action.FALL_BACK, session=False)
        self.tries += 1
        self.retry_at = now + RETRY_DELAYS_S[min(self.tries, len(RETRY_DELAYS_S)) - 1]
        return [Action.DESTROY_INSTANCE]

    def _finish(self, final: Action, session: bool) -> list[Action]:
        self.running = False
        self.finished = True
        return ([Action.DESTROY_SESSION] if session else []) + [Action.DESTROY_INSTANCE, final]

    def _pause_change(self) -> list[Action]:
        pause = self.should_pause
        if pause == self._paused:
            return []
        self._paused = pause
        return [Action.PAUSE if pause else Action.RESUME]

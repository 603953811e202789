"""The OpenXR session lifecycle, driven by fake event streams: every transition and the calls in order."""

import pytest

from vrtherapy.xr.lifecycle import (
    Action,
    ExitRequested,
    InstanceLossPending,
    InstanceLost,
    Recreated,
    RecreateFailed,
    RetryDue,
    SessionLifecycle,  # fmt: skip
    SessionLost,
    SessionState,
    StateChanged,
    UserPresence,
)

S = SessionState
A = Action


def run(lifecycle, *events):
    """Each event's actions, in order."""
    return [lifecycle.handle(e) for e in events]


def to_focus(lifecycle):
    return run(lifecycle, StateChanged(S.READY), StateChanged(S.SYNCHRONIZED), StateChanged(S.VISIBLE),
               StateChanged(S.FOCUSED))  # fmt: skip


def test_a_whole_session_from_idle_to_exit_makes_the_calls_in_order():
    lc = SessionLifecycle()
    assert lc.state == S.IDLE and not lc.running and lc.should_pause and not lc.is_presenting
    assert lc.handle(StateChanged(S.IDLE)) == []
    assert to_focus(lc) == [[A.BEGIN_SESSION], [], [], [A.RESUME]]
    assert lc.running and lc.is_presenting and not lc.should_pause
    assert lc.handle(ExitRequested()) == [A.REQUEST_EXIT]  # the runtime walks the session down
    assert lc.handle(StateChanged(S.VISIBLE)) == [A.PAUSE]
    assert lc.handle(StateChanged(S.SYNCHRONIZED)) == []
    assert lc.handle(StateChanged(S.STOPPING)) == [A.END_SESSION]
    assert not lc.running and not lc.should_run_frame_loop
    assert lc.handle(StateChanged(S.IDLE)) == []
    assert lc.handle(StateChanged(S.EXITING)) == [A.DESTROY_SESSION, A.DESTROY_INSTANCE, A.EXIT]
    assert lc.finished
    assert lc.handle(StateChanged(S.READY)) == []  # nothing after the end


def test_the_frame_loop_runs_from_ready_to_stopping_only():
    lc = SessionLifecycle()
    seen = []
    for state in (S.IDLE, S.READY, S.SYNCHRONIZED, S.VISIBLE, S.FOCUSED, S.VISIBLE, S.SYNCHRONIZED, S.STOPPING, S.IDLE):
        lc.handle(StateChanged(state))
        seen.append(lc.should_run_frame_loop)
    assert seen == [False, True, True, True, True, True, True, False, False]


def test_taking_the_headset_off_and_on_pauses_and_resumes_the_exercise():
    lc = SessionLifecycle()
    to_focus(lc)
    # Taken off: the runtime drops focus (VISIBLE or further), then gives it back.
    assert run(lc, StateChanged(S.VISIBLE), StateChanged(S.SYNCHRONIZED)) == [[A.PAUSE], []]
    assert lc.should_pause and lc.running and not lc.is_presenting
    assert run(lc, StateChanged(S.VISIBLE), StateChanged(S.FOCUSED)) == [[], [A.RESUME]]
    # XR_EXT_user_presence says so directly while the session stays focused.
    assert lc.handle(UserPresence(False)) == [A.PAUSE]
    assert lc.handle(StateChanged(S.FOCUSED)) == []
    assert lc.handle(UserPresence(True)) == [A.RESUME]
    assert not lc.should_pause


def test_a_runtime_that_stops_the_session_and_starts_it_again():
    lc = SessionLifecycle()
    to_focus(lc)
    assert lc.handle(StateChanged(S.STOPPING)) == [A.PAUSE, A.END_SESSION]
    assert lc.handle(StateChanged(S.IDLE)) == []
    assert lc.handle(StateChanged(S.READY)) == [A.BEGIN_SESSION]
    assert run(lc, StateChanged(S.SYNCHRONIZED), StateChanged(S.VISIBLE), StateChanged(S.FOCUSED)) == [[], [], [A.RESUME]]


@pytest.mark.parametrize("loss", [StateChanged(S.LOSS_PENDING), SessionLost()], ids=["loss-pending", "session-lost"])
def test_a_lost_session_is_torn_down_and_recreated(loss):
    lc = SessionLifecycle(max_recreate=2)
    to_focus(lc)
    assert lc.handle(loss) == [A.PAUSE, A.DESTROY_SESSION, A.CREATE_SESSION]
    assert not lc.running and lc.recreations == 1
    assert lc.handle(Recreated()) == [] and lc.state == S.IDLE
    assert to_focus(lc) == [[A.BEGIN_SESSION], [], [], [A.RESUME]]


def test_losses_beyond_the_retries_fall_back_to_the_desktop_and_the_timer_runs_on():
    lc = SessionLifecycle(max_recreate=1)
    to_focus(lc)
    assert lc.handle(StateChanged(S.LOSS_PENDING)) == [A.PAUSE, A.DESTROY_SESSION, A.CREATE_SESSION]
    lc.handle(Recreated())
    assert lc.handle(StateChanged(S.LOSS_PENDING)) == [A.DESTROY_SESSION, A.DESTROY_INSTANCE, A.FALL_BACK, A.RESUME]
    assert lc.finished and lc.handle(StateChanged(S.READY)) == []


@pytest.mark.parametrize("loss", [InstanceLossPending(), InstanceLost()], ids=["loss-pending-event", "instance-lost"])
def test_instance_loss_recreates_instance_and_session_or_falls_back(loss):
    lc = SessionLifecycle(max_recreate=2)
    to_focus(lc)
    assert lc.handle(loss) == [A.PAUSE, A.DESTROY_SESSION, A.DESTROY_INSTANCE, A.CREATE_INSTANCE, A.CREATE_SESSION]
    # The runtime is gone for good: recreating fails, the session goes on at the desktop.
    lc.reconnect_window_s = 0.0
    assert lc.handle(RecreateFailed()) == [A.DESTROY_INSTANCE, A.FALL_BACK, A.RESUME]
    assert lc.finished


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lost_runtime_is_tried_again_with_backoff_and_picked_up_when_it_returns():
    clock = Clock()
    lc = SessionLifecycle(reconnect_window_s=15.0, clock=clock)
    to_focus(lc)
    assert lc.handle(InstanceLost())[-2:] == [A.CREATE_INSTANCE, A.CREATE_SESSION]
    tries_at = []
    for _ in range(4):  # the runtime is restarting: each try fails
        assert lc.handle(RecreateFailed()) == [A.DESTROY_INSTANCE] and lc.reconnecting and not lc.finished
        clock.now = lc.retry_at - 0.01
        assert not lc.retry_due()
        clock.now = lc.retry_at
        assert lc.retry_due()
        tries_at.append(round(clock.now - 100.0, 3))
        assert lc.handle(RetryDue()) == [A.CREATE_INSTANCE, A.CREATE_SESSION]
    assert tries_at == [0.5, 1.5, 3.5, 7.5]  # 0.5, 1, 2, 4 s apart
    assert lc.handle(Recreated()) == [] and not lc.reconnecting  # it came back
    assert to_focus(lc)[-1] == [A.RESUME]  # and the exercise goes on in the headset


def test_a_runtime_that_stays_away_past_the_window_falls_back_once():
    clock = Clock()
    lc = SessionLifecycle(reconnect_window_s=5.0, clock=clock)
    to_focus(lc)
    lc.handle(SessionLost())
    actions = []
    while not lc.finished:
        actions.append(lc.handle(RecreateFailed()))
        clock.now = lc.retry_at if lc.retry_at is not None else clock.now
        if not lc.finished:
            lc.handle(RetryDue())
    assert actions[-1] == [A.DESTROY_INSTANCE, A.FALL_BACK, A.RESUME] and clock.now - 100.0 >= 5.0
    assert sum(a.count(A.FALL_BACK) for a in actions) == 1 and not lc.retry_due()


def test_leaving_while_reconnecting_ends_the_headset_without_falling_back():
    clock = Clock()
    lc = SessionLifecycle(clock=clock)
    to_focus(lc)
    lc.handle(InstanceLost())
    lc.handle(RecreateFailed())
    lc.handle(ExitRequested())
    assert lc.finished and not lc.retry_due()


def test_exit_before_the_session_ever_ran_and_loss_while_leaving():
    lc = SessionLifecycle()
    assert lc.handle(ExitRequested()) == [A.DESTROY_SESSION, A.DESTROY_INSTANCE, A.EXIT]
    leaving = SessionLifecycle()
    to_focus(leaving)
    leaving.handle(ExitRequested())
    assert leaving.handle(SessionLost()) == [A.DESTROY_SESSION, A.DESTROY_INSTANCE, A.EXIT]  # no retry when leaving


def test_the_lifecycle_module_does_not_import_xr():
    import ast
    import inspect

    import vrtherapy.xr.lifecycle as module

    tree = ast.parse(inspect.getsource(module))
    nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    imported = {alias.name for node in nodes for alias in node.names}
    imported |= {node.module for node in nodes if isinstance(node, ast.ImportFrom)}
    assert not any(name == "xr" or (name or "").startswith("xr.") for name in imported)


def test_the_display_account_says_every_display_used_and_each_fallback_once():
    from vrtherapy.xr.display_outcome import DisplayOutcome, display_entry

    plain = display_entry("auto", "offscreen", ("headset: no runtime; using the desktop instead",), 120)
    assert plain["used"] == "offscreen" and plain["displays"] == ["offscreen"]
    assert plain["frames_by_display"] == {"offscreen": 120}
    lines: list[str] = []
    events: list[tuple[str, dict]] = []
    outcome = DisplayOutcome("window", on_event=lambda kind, detail: events.append((kind, detail)))
    outcome.fall_back("the OpenXR runtime was lost and did not come back within 15 s", lines.append)
    outcome.fall_back("reported again", lines.append)  # told once
    outcome.desktop_frames = 40

    class Headset:
        def display_summary(self):
            return outcome.display_summary(headset_frames=300)

        def summary(self):
            return {"runtime_system": "Fake"}

    entry = display_entry("xr", "xr", (), 340, Headset())
    assert lines == ["vrtherapy: headset: the OpenXR runtime was lost and did not come back within 15 s; "
                     "continuing on the window display"]  # fmt: skip
    assert entry["used"] == "window" and entry["displays"] == ["xr", "window"]
    assert entry["frames_by_display"] == {"xr": 300, "window": 40}
    assert entry["fallbacks"] == [lines[0].removeprefix("vrtherapy: ")]
    assert [kind for kind, _ in events] == ["display_fallback"] and events[0][1]["to"] == "window"

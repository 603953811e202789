"""End to end against the real OpenXR runtime (Monado, remote device set): the test holds the
controllers and hands over 127.0.0.1:4242 as a patient would, and the session hears them through
OpenXR actions and XR_EXT_hand_tracking: pause/resume/skip/stop, and the after-session pain rating
answered in the headset landing in the records.

Runs where `../shared/tools/openxr-runtime/setup` installed the runtime and pytest runs under its
loader (`.ci/run` does both); under CI=true it must not skip.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from tests.headset_stubs import Eye, Runner, Scene
from tests.monado import MonadoService, RemoteRig, missing_reason, runtime_dir

REASON = missing_reason()
pytestmark = [pytest.mark.ci_required("the OpenXR runtime (Monado)"),
              pytest.mark.skipif(REASON is not None, reason=f"no OpenXR runtime here: {REASON}")]  # fmt: skip


@pytest.fixture(scope="module")
def remote():
    folder = runtime_dir()
    assert folder is not None
    service = MonadoService(folder)
    service.start("remote")
    rig = RemoteRig()
    yield rig
    rig.close()
    service.stop()


def step_until(base, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the headset"
        base.taskMgr.step()


def press(base, rig: RemoteRig, side: str, button: str, hold_s: float = 0.25) -> None:
    """Press and release a controller button, the frames running meanwhile."""
    setattr(rig.hands[side], button, True)
    rig.send()
    until = time.monotonic() + hold_s
    step_until(base, lambda: time.monotonic() >= until)
    setattr(rig.hands[side], button, False)
    rig.send()
    until = time.monotonic() + 0.2
    step_until(base, lambda: time.monotonic() >= until)


def test_controller_buttons_pause_resume_skip_and_stop_the_session(showbase, remote):
    from vrtherapy.motion.skeleton import ArmDimensions
    from vrtherapy.xr import headset_driver

    display, note = headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", ArmDimensions(),
                                                        "offscreen", say=print)  # fmt: skip
    assert note is None
    runner = Runner()
    headset_driver.connect_runner(display, runner)
    try:
        step_until(showbase, lambda: display.headset.lifecycle.state.name == "FOCUSED")
        step_until(showbase, lambda: display.headset.tracker.samples_received > 3)
        assert display.headset.tracker.latest().source == "openxr-hand"  # the remote hand is tracked
        assert runner.calls == ["pause", "resume"]  # waiting for the headset, then FOCUSED
        press(showbase, remote, "right", "a")  # menu: pause
        press(showbase, remote, "left", "a")  # either hand: resume
        press(showbase, remote, "right", "b")  # next: skip
        press(showbase, remote, "right", "a", hold_s=2.4)  # held: stop
        assert runner.calls == ["pause", "resume", "pause", "resume", "skip", "request_stop"]
        remote.hands["right"].hand_tracking = False  # hand tracking lost: the controller's grip drives the hand
        remote.send()
        step_until(showbase, lambda: display.headset.tracker.latest().source == "openxr-controller")
    finally:
        remote.hands["right"].hand_tracking = True
        remote.send()
        display.finish()


class PatientAtTheController(threading.Thread):
    """Waits for the pain question in the headset, then answers it with the thumbstick and trigger."""

    def __init__(self, rig: RemoteRig, steps_up: int, finish: str = "trigger") -> None:
        super().__init__(daemon=True)
        self.rig, self.steps_up, self.finish = rig, steps_up, finish
        self.asking: Callable[[], bool] = lambda: False
        self.answered = threading.Event()

    def hold(self, seconds: float, **fields) -> None:
        hand = self.rig.hands["right"]
        for name, value in fields.items():
            setattr(hand, name, value)
        self.rig.send()
        time.sleep(seconds)

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while not self.asking():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        time.sleep(0.3)
        for _ in range(self.steps_up):
            self.hold(0.25, thumbstick=(0.0, 1.0))
            self.hold(0.25, thumbstick=(0.0, 0.0))
        if self.finish == "trigger":
            self.hold(0.3, trigger=1.0)
            self.hold(0.3, trigger=0.0)
        else:
            self.hold(0.3, b=True)
            self.hold(0.3, b=False)
        self.answered.set()


def run_headset_session(showbase, tmp_path, monkeypatch, patient_id: str, pain_before: int, patient,
                        on_connect) -> tuple:  # fmt: skip
    """A 3-second first-visit session in the headset for a new patient, `patient` (a thread) acting in it;
    `on_connect(display)` runs once the headset is connected. Returns (the recorded session, the report)."""
    from vrtherapy.records.store import RecordStore
    from vrtherapy.therapy import headset_commands
    from vrtherapy.therapy.run_session import RunOptions, run_session

    db = tmp_path / "records.sqlite3"
    added = subprocess.run([sys.executable, "-m", "vrtherapy", "patient", "add", "--patient", patient_id, "--side", "left",
                            "--limb", "upper", "--level", "transradial", "--db", str(db)],
                           capture_output=True, text=True)  # fmt: skip
    assert added.returncode == 0, added.stderr
    connect = headset_commands.connect_headset

    def connect_and_watch(display, runner):
        connect(display, runner)
        on_connect(display)

    monkeypatch.setattr(headset_commands, "connect_headset", connect_and_watch)
    patient.start()
    report = run_session(RunOptions(patient=patient_id, playlist="first_visit", display="xr", seconds=3.0,
                                    pain_before=pain_before, db=db), say=print, base=showbase)  # fmt: skip
    patient.join(5)
    with RecordStore.open(db) as store:
        [session] = store.sessions(patient_id)
    return session, report


@pytest.mark.parametrize("finish", ["trigger", "skip"])
def test_the_pain_rating_after_the_session_is_answered_with_the_controller(showbase, remote, tmp_path, monkeypatch,
                                                                          finish):  # fmt: skip
    patient = PatientAtTheController(remote, steps_up=3, finish=finish)

    def watch(display) -> None:
        patient.asking = display.asking_pain  # what the headset itself knows: a pain question is up

    session, report = run_headset_session(showbase, tmp_path, monkeypatch, "P1", 6, patient, watch)
    assert patient.answered.is_set(), "the pain question never came up in the headset"
    assert session.display == "xr" and session.pain_before == 6 and session.exercises
    if finish == "trigger":
        assert session.pain_after == 2 and report.pain.get("after") == 2  # empty, then 0, 1, 2: confirmed
    else:
        assert session.pain_after is None and "after" not in report.pain  # skipped: recorded without the rating


def grip_orientation(yaw: float, pitch: float) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a grip turned `yaw` about the runtime's up axis (+ to the left), then `pitch` up."""
    qy = np.array([0.0, math.sin(yaw / 2), 0.0, math.cos(yaw / 2)])
    qx = np.array([math.sin(pitch / 2), 0.0, 0.0, math.cos(pitch / 2)])
    x1, y1, z1, w1 = qy
    x2, y2, z2, w2 = qx
    return (w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2, w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2, w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2)  # fmt: skip


class PatientPointing(threading.Thread):
    """Waits for the pain question, then points the tracked right hand at a tile and holds it there,
    correcting the aim by what the panel shows (the lit tile, the dot), as a patient would."""

    def __init__(self, rig: RemoteRig, label: str) -> None:
        super().__init__(daemon=True)
        self.rig, self.label = rig, label
        self.display = None
        self.answered = threading.Event()
        self.aims = 0

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while self.display is None or not self.display.asking_pain():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        chooser = self.display._pain_panel.chooser
        target = next(t for t in chooser.layout if t.label == self.label)
        hand = self.rig.hands["right"]
        hand.curls = (1.0, 1.0, 1.0, 0.0, 1.0)  # little, ring, middle curled, index out, thumb in: pointing
        yaw = pitch = 0.0
        while time.monotonic() < deadline and not self.answered.is_set():
            hand.orientation = grip_orientation(yaw, pitch)
            self.rig.send()
            time.sleep(0.25)
            pointer = chooser.pointer
            if pointer is None:
                continue
            error_u, error_v = target.centre[0] - pointer[0], target.centre[1] - pointer[1]
            if abs(error_u) < 0.35 * target.size[0] and abs(error_v) < 0.35 * target.size[1]:
                time.sleep(2.0)  # held on the tile past the dwell time
                self.answered.set()
                break
            self.aims += 1
            yaw -= 0.8 * error_u / 0.35  # the panel is about 0.35 m from the hand
            pitch += 0.8 * error_v / 0.35
        hand.curls, hand.orientation = (0.0,) * 5, (0.0, 0.0, 0.0, 1.0)
        self.rig.send()


def test_the_pain_rating_is_answered_by_pointing_at_a_number_with_the_tracked_hand(showbase, remote, tmp_path,
                                                                                 monkeypatch):  # fmt: skip
    patient = PatientPointing(remote, "4")

    def watch(display) -> None:
        patient.display = display

    session, report = run_headset_session(showbase, tmp_path, monkeypatch, "P2", 7, patient, watch)
    assert patient.answered.is_set(), "the pointing hand never held a tile"
    assert session.pain_before == 7 and session.pain_after == 4 and report.pain.get("after") == 4

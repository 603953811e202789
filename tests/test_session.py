"""The Panda3D session driver with a fake clock and a scripted tracker: notices, delay accounting, a dying tracker."""

from dataclasses import dataclass, field

import pytest

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.driver import SessionDriver
from vrtherapy.therapy.measure import delay_summary_ms
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule
from vrtherapy.therapy.tracking_input import TRACKER_FAILED


@dataclass
class ScriptedTracker:
    """Hands over a new sample every `every` frames until `dies_at` (then reports an error)."""

    clock: object
    every: int = 3
    dies_at: int | None = None
    name: str = "scripted"
    side: str = "right"
    calls: int = 0
    on_call: object = None  #: called with the call count before each sample (a test's hook mid-run)
    error: BaseException | None = None
    running: bool = True
    _latest: object = None
    motion: SyntheticArmMotion = field(default_factory=lambda: SyntheticArmMotion(
        "right", build_schedule([("fist_open_close", 60.0)]), noise_m=0.0))

    def latest(self):
        if self.on_call is not None:
            self.on_call(self.calls)
        if self.dies_at is not None and self.calls >= self.dies_at:
            self.error, self.running = RuntimeError("camera unplugged"), False
        elif self.calls % self.every == 0:
            self._latest = self.motion.sample_at(self.calls / 30.0, t_capture=self.clock.now - 0.02)
        self.calls += 1
        return self._latest


@pytest.fixture
def driver_for(showbase):
    from vrtherapy.render.app import TherapyScene

    scenes = []

    def make(tracker, clock, seconds: float, playlist=None, **kwargs):
        scene = TherapyScene(showbase, load_scene(), {"left": build_arm_skeleton("left")}, Appearance())
        scenes.append(scene)
        pipeline = PosePipeline(MirrorSettings(show_intact=False), **kwargs)
        controller = SessionController(playlist or load_playlist("demo"), pipeline.phantom_retargeter.skeleton.names, "arm",
                                       pipeline.mirror.mode, limit_s=seconds)  # fmt: skip
        return SessionDriver(scene, tracker, pipeline, controller, fps=30.0, clock=clock, sleep=clock.sleep)

    yield make
    for scene in scenes:
        scene.destroy()


def test_delay_is_counted_once_per_new_sample(driver_for, make_clock):
    clock = make_clock()
    tracker = ScriptedTracker(clock, every=3)
    driver = driver_for(tracker, clock, 1.0)
    stats = driver.run()
    delays = driver.controller.delays_s
    assert stats.frames == pytest.approx(30, abs=1)
    assert len(delays) == pytest.approx(stats.frames / 3, abs=1)
    assert all(d == pytest.approx(0.02) for d in delays)  # capture 20 ms before the frame
    assert stats.fps == pytest.approx(30, rel=0.05)
    summary = delay_summary_ms(delays)
    assert summary["p95"] == pytest.approx(20.0) and summary["within_window"] is True


def test_dying_tracker_keeps_the_session_rendering_with_an_honest_notice(driver_for, make_clock):
    clock = make_clock()
    tracker = ScriptedTracker(clock, every=1, dies_at=10)
    driver = driver_for(tracker, clock, 1.0)
    stats = driver.run()
    assert stats.frames >= 29  # never stopped rendering
    assert stats.tracker_error == "RuntimeError: camera unplugged"
    assert driver.scene.hud.shown.notice == TRACKER_FAILED == "Tracking has stopped. Please let your therapist know."
    assert driver.controller.state().tracking == "failed"
    assert driver.scene.limbs["left"].pose is not None  # the last good pose is held


def test_stale_samples_ask_the_patient_to_come_back_into_view(driver_for, make_clock):
    clock = make_clock()
    tracker = ScriptedTracker(clock, every=10_000)  # one sample, then nothing new
    driver = driver_for(tracker, clock, 1.0)
    driver.run()
    assert driver.scene.hud.shown.notice == "Tracking paused: move your hand back into view."


def test_an_exercise_can_bring_its_own_mirror_mode(driver_for, make_clock, tmp_path):
    path = tmp_path / "modes.toml"
    path.write_text('name = "m"\nlimb = "upper"\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 0.5\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 0.5\nmirror = { scope = "fingers", degree = 0.5 }\n')
    clock = make_clock()
    scopes = []
    tracker = ScriptedTracker(clock, every=1)
    driver = driver_for(tracker, clock, 0.9, playlist=load_playlist(str(path)))
    tracker.on_call = lambda n: scopes.append((n, driver.pipeline.mirror.mode.scope, driver.pipeline.mirror.mode.degree))
    driver.run()
    assert scopes[12][1:] == ("full", 1.0)  # 0.4 s in
    assert scopes[-1][1:] == ("fingers", 0.5)


def test_a_bad_mirror_mode_in_a_playlist_names_file_exercise_and_field(tmp_path):
    from vrtherapy.errors import ConfigError

    path = tmp_path / "bad.toml"
    path.write_text('name = "m"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 3\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 3\nmirror = { degree = 1.7 }\n')
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "exercises[1].mirror.degree" in message


def test_an_added_research_delay_shows_in_the_reported_delay(driver_for, make_clock):
    from vrtherapy.motion.mirror_modes import MirrorMode
    from vrtherapy.therapy import commands as cmd

    clock = make_clock()
    driver = driver_for(ScriptedTracker(clock, every=1), clock, 2.0)
    driver.controller.submit(cmd.ChangeMirror(delay_ms=300.0), "console:test")
    driver.run()
    summary = delay_summary_ms(driver.controller.delays_s)
    assert summary["p95"] == pytest.approx(320, abs=40)  # 20 ms capture-to-frame + the 300 ms added
    assert driver.pipeline.mirror.mode == MirrorMode(delay_ms=300.0)
    assert driver.controller.modes_used[-1][1].delay_ms == 300


def test_a_limb_out_of_view_rests_with_a_calm_notice_and_comes_back(driver_for, make_clock):
    import numpy as np

    clock = make_clock()
    tracker = ScriptedTracker(clock, every=10_000)  # one sample, then the hand is gone
    driver = driver_for(tracker, clock, 4.5)
    seen = {}

    def on_call(n):
        if n == 105:  # 3.5 s in
            seen["state"] = driver.pipeline.tracking_state
            seen["notice"] = driver.scene.hud.shown.notice
            seen["pose"] = driver.scene.limbs["left"].pose.angles.copy()
            tracker.every = 1  # back in view

    tracker.on_call = on_call
    driver.run()
    assert seen["state"] == "resting"
    assert seen["notice"] == "Tracking paused: move your hand back into view. The virtual hand rests meanwhile."
    np.testing.assert_allclose(seen["pose"], driver.pipeline.modes.neutral)
    assert driver.pipeline.tracking_state == "tracking" and driver.scene.hud.shown.notice == ""

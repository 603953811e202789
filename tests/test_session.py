"""The session loop with a fake clock and a scripted tracker: notices, delay accounting, a dying tracker."""

from dataclasses import dataclass, field

import pytest

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import build_arm_skeleton
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.playlist import load_playlist
from vrtherapy.therapy.session import SessionRunner
from vrtherapy.therapy.synthetic_patient import SyntheticArmMotion, build_schedule


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ScriptedTracker:
    """Hands over a new sample every `every` frames until `dies_at` (then reports an error)."""

    clock: FakeClock
    every: int = 3
    dies_at: int | None = None
    name: str = "scripted"
    side: str = "right"
    calls: int = 0
    error: BaseException | None = None
    running: bool = True
    _latest: object = None
    motion: SyntheticArmMotion = field(default_factory=lambda: SyntheticArmMotion(
        "right", build_schedule([("fist_open_close", 60.0)]), noise_m=0.0))

    def latest(self):
        if self.dies_at is not None and self.calls >= self.dies_at:
            self.error, self.running = RuntimeError("camera unplugged"), False
        elif self.calls % self.every == 0:
            self._latest = self.motion.sample_at(self.calls / 30.0, t_capture=self.clock.now - 0.02)
        self.calls += 1
        return self._latest


@pytest.fixture
def runner_for(showbase):
    from vrtherapy.render.app import TherapyScene

    scenes = []

    def make(tracker, clock):
        scene = TherapyScene(showbase, load_scene(), {"left": build_arm_skeleton("left")}, Appearance())
        scenes.append(scene)
        return SessionRunner(scene, tracker, PosePipeline(MirrorSettings(show_intact=False)), load_playlist("demo"),
                             fps=30.0, clock=clock, sleep=clock.sleep)

    yield make
    for scene in scenes:
        scene.destroy()


def test_delay_is_counted_once_per_new_sample(runner_for):
    clock = FakeClock()
    tracker = ScriptedTracker(clock, every=3)
    stats = runner_for(tracker, clock).run(seconds=1.0)
    assert stats.frames == pytest.approx(30, abs=1)
    assert len(stats.delays_s) == pytest.approx(stats.frames / 3, abs=1)
    assert all(d == pytest.approx(0.02) for d in stats.delays_s)  # capture 20 ms before the frame
    assert stats.fps == pytest.approx(30, rel=0.05)
    summary = stats.delay_summary_ms()
    assert summary["p95"] == pytest.approx(20.0) and summary["within_window"] is True


def test_dying_tracker_keeps_the_session_rendering_with_an_honest_notice(runner_for):
    clock = FakeClock()
    tracker = ScriptedTracker(clock, every=1, dies_at=10)
    runner = runner_for(tracker, clock)
    stats = runner.run(seconds=1.0)
    assert stats.frames >= 29  # never stopped rendering
    assert stats.tracker_error == "RuntimeError: camera unplugged"
    assert runner.scene.hud._shown[3] == "Tracking has stopped. Please let your therapist know."
    assert runner.scene.limbs["left"].pose is not None  # the last good pose is held


def test_stale_samples_ask_the_patient_to_come_back_into_view(runner_for):
    clock = FakeClock()
    tracker = ScriptedTracker(clock, every=10_000)  # one sample, then nothing new
    runner = runner_for(tracker, clock)
    runner.run(seconds=1.0)
    assert runner.scene.hud._shown[3] == "Tracking paused: move your hand back into view."


def test_an_exercise_can_bring_its_own_mirror_mode(runner_for, tmp_path):
    from vrtherapy.therapy.playlist import load_playlist

    path = tmp_path / "modes.toml"
    path.write_text('name = "m"\nlimb = "upper"\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 0.5\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 0.5\nmirror = { scope = "fingers", degree = 0.5 }\n')
    clock = FakeClock()
    runner = runner_for(ScriptedTracker(clock, every=1), clock)
    runner.playlist = load_playlist(str(path))
    runner.run(seconds=0.4)
    assert runner.pipeline.mirror.mode.scope == "full"
    runner.run(seconds=0.9)
    assert runner.pipeline.mirror.mode.scope == "fingers" and runner.pipeline.mirror.mode.degree == 0.5


def test_a_bad_mirror_mode_in_a_playlist_names_file_exercise_and_field(tmp_path):
    from vrtherapy.errors import ConfigError
    from vrtherapy.therapy.playlist import load_playlist

    path = tmp_path / "bad.toml"
    path.write_text('name = "m"\nlimb = "upper"\n[[exercises]]\nid = "rest"\nduration_s = 3\n'
                    '[[exercises]]\nid = "fist_open_close"\nduration_s = 3\nmirror = { degree = 1.7 }\n')
    with pytest.raises(ConfigError) as err:
        load_playlist(str(path))
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "exercises[1].mirror.degree" in message


def test_an_added_research_delay_shows_in_the_reported_delay(runner_for):
    from vrtherapy.motion.mirror_modes import MirrorMode

    clock = FakeClock()
    runner = runner_for(ScriptedTracker(clock, every=1), clock)
    runner.pipeline.set_mode(MirrorMode(delay_ms=300))
    stats = runner.run(seconds=2.0)
    summary = stats.delay_summary_ms()
    assert summary["p95"] == pytest.approx(320, abs=40)  # 20 ms capture-to-frame + the 300 ms added
    assert stats.modes and stats.modes[0][1].delay_ms == 300


def test_a_limb_out_of_view_rests_with_a_calm_notice_and_comes_back(runner_for):
    import numpy as np

    clock = FakeClock()
    tracker = ScriptedTracker(clock, every=10_000)  # one sample, then the hand is gone
    runner = runner_for(tracker, clock)
    runner.run(seconds=3.5)
    assert runner.pipeline.tracking_state == "resting"
    assert runner.scene.hud._shown[3] == ("Tracking paused: move your hand back into view. "
                                          "The virtual hand rests meanwhile.")  # fmt: skip
    np.testing.assert_allclose(runner.scene.limbs["left"].pose.angles, runner.pipeline.modes.neutral)
    tracker.every = 1  # back in view
    runner.run(seconds=1.0)
    assert runner.pipeline.tracking_state == "tracking" and runner.scene.hud._shown[3] == ""

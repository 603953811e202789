"""The thin Panda3D driver of a session: keys and window events in, the controller's state drawn.

Each frame it takes the newest tracked sample (never waiting: the tracker runs on its own thread),
poses the limbs, ticks the `SessionController`, carries out its actions (a mirror mode to apply; the
rest goes to `on_action`, e.g. the session record), draws the state (`hud_view.hud_for`) and paces
itself to the target frame rate. It measures what only the render edge can: frames and frame rate,
and the visuo-motor delay the patient saw (capture of a movement to the frame showing it), which it
hands to the controller for the exercise's record.

Keys (desktop): Space or P pause / resume; N or right arrow skip (at a pain question: skip it); Esc
or Q stop; digits, Enter, Backspace, up / down answer the pain question. Closing the window stops
the session at once (nobody is left to answer a question). The same commands come from the headset
or a console through `SessionController.submit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vrtherapy.motion.pipeline import FramePoses, PosePipeline
from vrtherapy.render.app import TherapyScene
from vrtherapy.render.capture import capture_texture, read_rgb
from vrtherapy.therapy import commands as cmd
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.hud_view import hud_for
from vrtherapy.therapy.pacing import SESSION_FPS, FramePacer
from vrtherapy.therapy.pain import PAIN_KEYS
from vrtherapy.therapy.session_state import Action, ApplyMirror, SessionOver
from vrtherapy.therapy.tracking_input import TrackingInput
from vrtherapy.tracking.base import Tracker

FrameSink = Callable[[int, float, np.ndarray], None]

KEYS: dict[str, cmd.Command] = {"space": cmd.TogglePause(), "p": cmd.TogglePause(), "n": cmd.Skip(),
                                "arrow_right": cmd.Skip(), "escape": cmd.Stop(), "q": cmd.Stop()}  # fmt: skip


@dataclass(frozen=True)
class FrameStats:
    """What the render loop measured."""

    frames: int
    elapsed_s: float
    tracker_error: str | None  #: "Type: message" when the tracker died during the session

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0


class SessionDriver:
    def __init__(self, scene: TherapyScene, tracker: Tracker, pipeline: PosePipeline, controller: SessionController,
                 fps: float = SESSION_FPS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, residual_tracker: Tracker | None = None,
                 shown_at: Callable[[], float | None] | None = None) -> None:  # fmt: skip
        """`residual_tracker` follows the residual limb when the pipeline anchors at the stump. `shown_at`: when
        the frame just drawn reaches the eyes (a headset's predicted display time on `clock`), None when unknown;
        the visuo-motor delay runs to it (by default, to the end of drawing)."""
        self.scene, self.tracker, self.pipeline, self.controller = scene, tracker, pipeline, controller
        self.residual_tracker, self.fps = residual_tracker, fps
        self._clock, self._sleep, self._shown_at = clock, sleep, shown_at
        self.frames = 0  #: frames shown so far
        self._interrupted = False
        base = scene.base
        for key, command in KEYS.items():
            base.accept(key, controller.submit, [command, "keyboard"])
        for key in PAIN_KEYS:
            base.accept(key, controller.submit, [cmd.PainKey(key), "keyboard"])
        base.accept("window-event", self._on_window_event)

    def _step(self) -> None:
        """Render the frame and handle window and keyboard events. Panda3D holds a Ctrl-C back while it
        draws and raises it afterwards; the session then stops as a Ctrl-C between frames stops it
        (`orchestrate`): at once, recorded as stopped. A second one interrupts for real."""
        try:
            self.scene.base.taskMgr.step()
        except KeyboardInterrupt:
            if self._interrupted:
                raise
            self._interrupted = True
            self.controller.submit(cmd.Stop(immediately=True), "signal SIGINT")

    def _on_window_event(self, win) -> None:
        if win is not None and win.getProperties().getOpen() is False:
            self.controller.submit(cmd.Stop(immediately=True), "window closed")

    def run(self, on_action: Callable[[Action], None] | None = None, sink: FrameSink | None = None,
            sink_every: int = 1, on_frame: Callable[[SessionDriver], None] | None = None) -> FrameStats:  # fmt: skip
        """Run the session until it is over; every `sink_every`-th frame's pixels go to `sink(frame, t, rgb)`;
        `on_frame(driver)` is called on the loop's thread after each frame is shown (the console reads the
        frame and the state there; the commands it submits show in the next frame)."""
        base, controller, pipeline = self.scene.base, self.controller, self.pipeline
        tex = capture_texture(base.win) if sink is not None else None
        pacer = FramePacer(self.fps, self._clock, self._sleep)
        t0 = pacer.start()
        self.frames = 0
        last_shown: float | None = None
        shown_delay: float | None = None
        def act(actions: list[Action]) -> bool:
            """Carry out the controller's actions; True when the session is over."""
            over = False
            for action in actions:
                if isinstance(action, ApplyMirror) and action.mode != pipeline.mirror.mode:
                    pipeline.set_mode(action.mode)
                over = over or isinstance(action, SessionOver)
                if on_action is not None:
                    on_action(action)
            return over

        while True:
            now = self._clock()
            if act(controller.apply_commands(now)):  # before posing: a command shows in the next frame
                break
            sample = self.tracker.latest()
            residual = self.residual_tracker.latest() if self.residual_tracker is not None else None
            poses = pipeline.process(sample, residual, now)
            failed = getattr(self.tracker, "error", None) is not None or not getattr(self.tracker, "running", True)
            advice = getattr(self.tracker, "advice", "")  # what to change: wrong-side hand, nothing in view
            tracking = TrackingInput("failed" if failed else pipeline.tracking_state, sample is not None,
                                     pipeline.movement, shown_delay, str(advice or ""))  # fmt: skip
            if act(controller.tick(now, tracking)):
                break
            state = controller.state()
            if state.phantom_only:
                poses = FramePoses(poses.phantom, None, poses.t_capture)
            self.scene.show(poses, hud_for(state))
            grab = tex is not None and self.frames % sink_every == 0
            if grab:
                base.win.triggerCopy()
            self._step()
            shown = (self._shown_at() if self._shown_at is not None else None) or self._clock()
            shown_capture = poses.phantom.t_capture if poses.phantom is not None else None
            shown_delay = None
            if shown_capture is not None and shown_capture != last_shown:
                shown_delay, last_shown = shown - shown_capture, shown_capture
            if grab and sink is not None and tex is not None:
                sink(self.frames, now - t0, read_rgb(tex))
            self.frames += 1
            if on_frame is not None:
                on_frame(self)
            pacer.wait()
        error = getattr(self.tracker, "error", None)
        return FrameStats(self.frames, self._clock() - t0, None if error is None else f"{type(error).__name__}: {error}")

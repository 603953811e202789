"""The headset frame loop against a fake OpenXR runtime (pyopenxr's functions replaced, Panda3D and its
GL context real): the calls in order each frame, the session lifecycle from READY to EXITING, the eye
images really copied into the "swapchain" textures, pause/resume and controller commands reaching
the session, and a failing start falling back with one line."""

from __future__ import annotations

import ctypes
from collections import deque

import numpy as np
import pytest
import xr
from panda3d.core import CardMaker

from tests.gl_readback import gl_texture, read_gl_texture
from tests.headset_stubs import Eye, Runner, Scene
from vrtherapy.xr import headset_driver, xr_session
from vrtherapy.xr.commands import Buttons
from vrtherapy.xr.controllers import ControllerState
from vrtherapy.xr.instance import XrStartError, XrSystem
from vrtherapy.xr.swapchains import GL_RGBA8

EYE = (64, 48)
PERIOD_NS = 11_111_111


class FakeRuntime:
    """Just enough of an OpenXR runtime, recording every call."""

    def __init__(self, monkeypatch, base, buttons: dict[int, Buttons] | None = None, complete: bool = True) -> None:
        self.calls: list[str] = []
        self.events: deque = deque()
        self.layers: list[int] = []
        self.time = 1_000_000_000
        self.frame = 0
        self.buttons = buttons or {}
        base.graphicsEngine.renderFrame()  # Panda3D's GL context is current after a frame
        self.images = [gl_texture(*EYE, complete), gl_texture(*EYE, complete)]  # one per eye swapchain
        self._swapchains: list = []
        patch = monkeypatch.setattr
        patch(xr_session, "create_system", self.create_system)
        patch(xr_session, "XrControllers", self.controllers)
        for name in ("begin_session", "end_session", "destroy_session", "destroy_space", "destroy_swapchain",
                     "destroy_instance", "begin_frame", "release_swapchain_image", "wait_swapchain_image"):  # fmt: skip
            patch(xr, name, self.recorder(name))
        patch(xr, "create_session", lambda *a, **k: self.record("create_session") or "session")
        patch(xr, "enumerate_reference_spaces", lambda s: [1, 2, 3])
        patch(xr, "create_reference_space", lambda *a: self.record("create_reference_space") or xr.Space())
        patch(xr, "enumerate_swapchain_formats", lambda s: [GL_RGBA8])
        patch(xr, "create_swapchain", self.create_swapchain)
        patch(xr, "enumerate_swapchain_images", lambda handle, kind: [kind(image=self.images[self.eye_of(handle)])])
        patch(xr, "acquire_swapchain_image", lambda *a: self.record("acquire_swapchain_image") or 0)
        patch(xr, "poll_event", self.poll_event)
        patch(xr, "wait_frame", self.wait_frame)
        patch(xr, "end_frame", self.end_frame)
        patch(xr, "locate_space", self.locate_space)
        patch(xr, "locate_views", self.locate_views)
        patch(xr, "request_exit_session", self.request_exit)

    def record(self, name: str) -> None:
        self.calls.append(name)

    def recorder(self, name: str):
        return lambda *args, **kwargs: self.record(name)

    def create_system(self, context, debug, say):
        self.record("create_instance")
        return XrSystem("instance", 1, ["XR_MNDX_egl_enable"], "Fake HMD", 1, [(EYE, (512, 512))] * 2, False)

    def controllers(self, instance, session, say):
        runtime = self

        class Controllers:
            profiles = ["/interaction_profiles/khr/simple_controller"]

            def read(self, space, display_time):
                runtime.record("sync_actions")
                state = ControllerState("right", False, np.zeros(3), np.array([0, 0, 0, 1.0]), 0.0)
                return {"left": state, "right": state}, runtime.buttons.get(runtime.frame, Buttons())

            def destroy(self):
                runtime.record("destroy_action_set")

        return Controllers()

    def create_swapchain(self, session, info):
        assert (info.width, info.height) == EYE and info.format == GL_RGBA8
        self.record("create_swapchain")
        self._swapchains.append(xr.Swapchain())
        return self._swapchains[-1]

    def eye_of(self, handle) -> int:
        return next(i for i, h in enumerate(self._swapchains) if h is handle) % 2  # a new session reuses them

    def push(self, *states: int) -> None:
        self.events.extend(states)

    def poll_event(self, instance):
        if not self.events:
            raise xr.EventUnavailable()
        item = self.events.popleft()
        if isinstance(item, tuple):  # ("presence", worn): XR_EXT_user_presence
            event = xr.EventDataUserPresenceChangedEXT(is_user_present=item[1])
        else:
            event = xr.EventDataSessionStateChanged(state=xr.SessionState(item), time=self.time)
        buffer = xr.EventDataBuffer()
        ctypes.memmove(ctypes.byref(buffer), ctypes.byref(event), ctypes.sizeof(event))
        return buffer

    def wait_frame(self, session, info=None):
        self.record("wait_frame")
        self.frame += 1
        self.time += PERIOD_NS
        return xr.FrameState(predicted_display_time=self.time, predicted_display_period=PERIOD_NS, should_render=True)

    def end_frame(self, session, info):
        assert info.display_time == self.time
        self.record("end_frame")
        self.layers.append(info.layer_count)

    def locate_space(self, space, base_space, time):
        assert time == self.time
        self.record("locate_space")
        return xr.SpaceLocation(location_flags=0xF, pose=xr.Posef(position=xr.Vector3f(0, 1.2, 0)))

    def locate_views(self, session, info):
        assert info.display_time == self.time
        self.record("locate_views")
        fov = xr.Fovf(-0.8, 0.7, 0.6, -0.7)
        views = [xr.View(pose=xr.Posef(position=xr.Vector3f(x, 1.2, 0)), fov=fov) for x in (-0.032, 0.032)]
        return xr.ViewState(view_state_flags=0xF), views

    def request_exit(self, session):
        self.record("request_exit_session")
        self.push(6, 1, 8)  # STOPPING, IDLE, EXITING: the runtime walks the session down


@pytest.fixture(params=[True], ids=["complete-images"])
def headset(request, showbase, scene_root, monkeypatch):
    runtime = FakeRuntime(monkeypatch, showbase, buttons={6: Buttons(next=True), 8: Buttons(menu=True), 9: Buttons()},
                          complete=request.param)  # fmt: skip
    card = CardMaker("red-wall")
    card.setFrame(-5, 5, -5, 5)
    wall = scene_root.attachNewNode(card.generate())
    wall.setPos(0, 2.0, 1.2)  # ahead of the eye point the display recentres the head to
    wall.setColor(1, 0, 0, 1)
    wall.setLightOff(1)
    display, note = headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", None, "offscreen",
                                                        say=print)  # fmt: skip
    assert note is None
    runner = Runner()
    headset_driver.connect_runner(display, runner)
    yield runtime, display, runner, showbase
    display.finish()


def frame_calls(calls: list[str]) -> list[list[str]]:
    """The calls split into frames (each from wait_frame up to end_frame)."""
    frames, current = [], None
    for call in calls:
        if call == "wait_frame":
            current = [call]
        elif current is not None:
            current.append(call)
            if call == "end_frame":
                frames.append(current)
                current = None
    return frames


def test_each_frame_waits_begins_locates_fills_both_eyes_and_ends(headset):
    runtime, display, runner, base = headset
    base.taskMgr.step()
    assert "wait_frame" not in runtime.calls  # IDLE: no frames before the runtime says READY
    assert runner.calls == ["pause"]  # nothing in the headset yet: the exercise waits
    runtime.push(2, 3, 4, 5)  # READY, SYNCHRONIZED, VISIBLE, FOCUSED
    for _ in range(4):
        base.taskMgr.step()
    assert runtime.calls[:6] == ["create_instance", "create_session", "create_reference_space", "create_reference_space",
                                 "create_swapchain", "create_swapchain"]  # fmt: skip
    assert runtime.calls.index("begin_session") < runtime.calls.index("wait_frame")
    frames = frame_calls(runtime.calls)
    assert len(frames) == 4, " ".join(runtime.calls)
    per_eye = ["acquire_swapchain_image", "wait_swapchain_image", "release_swapchain_image"]
    for calls in frames:
        assert calls == ["wait_frame", "begin_frame", "locate_space", "locate_views", "sync_actions",
                         *per_eye, *per_eye, "end_frame"]  # fmt: skip
    assert runtime.layers == [1, 1, 1, 1]  # the projection layer each frame
    assert runner.calls == ["pause", "resume"] and display.is_presenting and not display.should_pause
    # The eye images really reached the swapchain textures: the red wall fills both eyes.
    assert display.error is None and display.copier.method == "copy_image"
    assert_red(runtime)


def assert_red(runtime):
    for name in runtime.images:
        rgba = read_gl_texture(name, EYE)
        assert (rgba[..., 0] > 200).mean() > 0.9 and (rgba[..., 1] < 40).mean() > 0.9


@pytest.mark.parametrize("headset", [False], ids=["incomplete-images"], indirect=True)
def test_headset_off_and_on_commands_and_a_clean_exit(headset):
    runtime, display, runner, base = headset
    runtime.push(2, 3, 4, 5)
    for _ in range(3):
        base.taskMgr.step()
    runtime.push(("presence", False))  # taken off: the runtime says nobody wears it ...
    base.taskMgr.step()
    assert display.should_pause and runner.calls[-1] == "pause"
    runtime.push(4, ("presence", True))  # ... and focus goes (no second pause); worn again
    base.taskMgr.step()
    assert runner.calls == ["pause", "resume", "pause"] and display.should_pause
    runtime.push(5)
    for _ in range(6):  # frames 6 to 9 carry the scripted button presses
        base.taskMgr.step()
    assert runner.calls == ["pause", "resume", "pause", "resume", "skip", "pause"]  # next, then a menu tap
    assert display.copier.method == "blit"  # glCopyImageSubData refused incomplete images: blitted instead
    assert_red(runtime)
    runtime.push(4)  # off and on again while the patient's own pause holds: it stays paused
    base.taskMgr.step()
    runtime.push(5)
    base.taskMgr.step()
    assert "resume" not in runner.calls[6:] and not display.should_pause
    display.finish()
    calls = runtime.calls
    tail = calls[calls.index("request_exit_session"):]
    assert tail.index("end_session") < tail.index("destroy_session") < tail.index("destroy_instance")
    assert tail.count("destroy_swapchain") == 2 and "destroy_action_set" in tail
    assert not display.active and runner.calls[-1] == "request_stop"
    assert base.camNode.isActive()  # the desktop view is back
    summary = display.summary()
    assert summary["frames_submitted"] == summary["frames_with_layers"] > 0 and summary["runtime_system"] == "Fake HMD"


def test_a_lost_session_is_recreated_and_a_second_loss_falls_back_to_the_desktop(headset):
    runtime, display, runner, base = headset
    display.headset.lifecycle.max_recreate = 1
    runtime.push(2, 3, 4, 5)
    for _ in range(2):
        base.taskMgr.step()
    runtime.push(7)  # LOSS_PENDING
    base.taskMgr.step()
    assert runtime.calls.count("create_session") == 2 and runtime.calls.count("destroy_session") == 1
    runtime.push(2, 3, 4, 5)
    base.taskMgr.step()
    assert display.active and runner.calls[-1] == "resume"
    runtime.push(7)
    base.taskMgr.step()
    assert not display.active and display.fell_back and runner.calls[-1] == "resume"  # the session carries on
    assert base.camNode.isActive()


def test_a_lost_instance_whose_runtime_is_gone_falls_back_without_further_calls(headset, monkeypatch):
    runtime, display, runner, base = headset
    runtime.push(2, 3, 4, 5)
    for _ in range(2):
        base.taskMgr.step()

    def lost(*args):
        raise xr.InstanceLostError()

    def gone(context, debug, say):
        runtime.record("create_instance")
        raise XrStartError("no usable OpenXR runtime (RuntimeUnavailableError)")

    monkeypatch.setattr(xr, "wait_frame", lost)
    monkeypatch.setattr(xr_session, "create_system", gone)
    display.headset.lifecycle.reconnect_window_s = 0.0  # no waiting for it to come back
    base.taskMgr.step()
    # Torn down, one try at a new instance, and no session call on the instance that never came.
    assert runtime.calls[-3:] == ["destroy_session", "destroy_instance", "create_instance"]
    assert runtime.calls.count("create_session") == 1
    assert not display.active and display.fell_back == ("the OpenXR runtime was lost and did not come back within 0 s "
                                                        "(last try: no usable OpenXR runtime (RuntimeUnavailableError))")
    summary = display.display_summary()
    assert summary["used"] == "offscreen" and summary["displays"] == ["xr", "offscreen"]
    assert summary["fallbacks"] == [f"headset: {display.fell_back}; continuing on the offscreen display"]
    assert runner.calls[-2:] == ["pause", "resume"]  # the session goes on at the desktop
    assert display.summary()["session_recreations"] == 1


def test_a_runtime_failing_at_start_is_one_line_and_auto_falls_back(showbase, monkeypatch):
    def refuse(context, debug, say):
        raise XrStartError("the OpenXR runtime is running but no headset is connected")

    monkeypatch.setattr(xr_session, "create_system", refuse)
    display, note = headset_driver.open_headset_display(showbase, Scene(), Eye(), "auto", "right", None, "offscreen")
    assert display is None and note == ("headset: the OpenXR runtime is running but no headset is connected; "
                                        "using the offscreen display instead")  # fmt: skip
    assert showbase.camNode.isActive()
    from vrtherapy.errors import DisplayUnavailable

    with pytest.raises(DisplayUnavailable, match=r"^--display xr: the OpenXR runtime is running but no headset"):
        headset_driver.open_headset_display(showbase, Scene(), Eye(), "xr", "right", None, "offscreen")

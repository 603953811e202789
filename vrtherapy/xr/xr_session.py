"""The headset session: OpenXR instance, session, spaces, swapchains, input and the frame calls.

`HeadsetSession` knows nothing of Panda3D. Each frame the display calls `begin_frame` (events,
xrWaitFrame, xrBeginFrame, xrLocateViews at the predicted display time, head, hands and controllers),
renders, fills the swapchains (`eye_images`), then `end_frame` (xrEndFrame with the projection layer).
Runtime events go through `SessionLifecycle` (plain Python); its actions are carried out here and the
ones for the application (pause, resume, exit, fall back) are handed back.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from ctypes import POINTER, byref, cast
from functools import partial
from typing import Any

import xr

from vrtherapy.tracking.sample import Side, other_side
from vrtherapy.xr import lifecycle as lc
from vrtherapy.xr.controller_hand import sample_from_grip
from vrtherapy.xr.controllers import XrControllers
from vrtherapy.xr.frame_info import EyeView, FrameInfo, HeadsetOptions, ReferenceKind
from vrtherapy.xr.graphics_binding import GlContext, make_graphics_binding
from vrtherapy.xr.hand_tracking import HandJointSource, HeadsetTracker, sample_from_joints
from vrtherapy.xr.instance import XrStartError, XrSystem, create_system, ctypes_pointer
from vrtherapy.xr.projection import FovAngles
from vrtherapy.xr.reference_space import Pose, SpaceAnchor, recentre, stage_anchor
from vrtherapy.xr.residual_limb import residual_sample
from vrtherapy.xr.swapchains import EyeSwapchain, choose_color_format, eye_size

STEREO = xr.ViewConfigurationType.PRIMARY_STEREO
VIEW_VALID = 0x1 | 0x2  # XR_VIEW_STATE_ORIENTATION_VALID_BIT | POSITION_VALID_BIT


class HeadsetSession:
    """One headset for one therapy session, across session (and instance) losses."""

    def __init__(self, context: GlContext, options: HeadsetOptions, software_gl: bool,
                 say: Callable[[str], None] = print) -> None:  # fmt: skip
        self.context, self.options, self.software_gl, self.say = context, options, software_gl, say
        self.lifecycle = lc.SessionLifecycle(reconnect_window_s=options.reconnect_window_s)
        self.system: XrSystem | None = None
        self.session = None
        self.space = None
        self.view_space = None
        self.reference: ReferenceKind = options.reference
        self.anchor: SpaceAnchor | None = stage_anchor() if options.reference == "stage" else None
        self.swapchains: list[EyeSwapchain] = []
        self.color_format = 0
        self.hands: dict[Side, HandJointSource] = {}
        self.controllers: XrControllers | None = None
        self.tracker = HeadsetTracker(options.intact_side)
        self.residual_tracker = HeadsetTracker(other_side(options.intact_side), name="openxr-residual")
        self.frames_begun = 0
        self.frames_submitted = 0
        self.frames_rendered = 0
        self.display_period_ns = 0
        self._recentre_requested = False
        self.last_head: Pose | None = None
        self.reconnections = 0  #: sessions started again after a loss
        self.last_shown_at: float | None = None  #: when the latest frame reaches the eyes (time.monotonic clock)
        self._to_timespec: Any = None  #: xrConvertTimeToTimespecTimeKHR, looked up once per instance
        self.on_event: Callable[[str, dict], None] = lambda kind, detail: None  #: lost, reconnected
        self.last_failure: str | None = None

    @property
    def xr_system(self) -> XrSystem:
        """The instance and system `start` created."""
        if self.system is None:
            raise RuntimeError("the headset session is not started")
        return self.system

    # ---- start and teardown -------------------------------------------------------------------
    def start(self) -> None:
        """Instance, system, session, spaces and swapchains; XrStartError (one line) on any failure."""
        self.system = create_system(self.context, self.options.debug, self.say)
        try:
            self._create_session()
        except xr.XrException as exc:
            self.close()
            raise XrStartError(f"the OpenXR runtime would not start a session ({type(exc).__name__})") from None
        except XrStartError:
            self.close()
            raise

    def _create_session(self) -> None:
        system = self.xr_system
        binding = make_graphics_binding(self.context)
        self._binding = binding  # the runtime may read it after xrCreateSession returns
        self.session = xr.create_session(system.instance, xr.SessionCreateInfo(
            system_id=system.system_id, next=ctypes_pointer(binding)))  # fmt: skip
        offered = [int(s) for s in xr.enumerate_reference_spaces(self.session)]
        kind = self.options.reference
        if kind == "stage" and int(xr.ReferenceSpaceType.STAGE) not in offered:
            self.say("vrtherapy: headset: no STAGE space (room-scale boundary) set up; using the seated LOCAL space")
            kind = "local"
        self.reference = kind
        space_type = xr.ReferenceSpaceType.STAGE if kind == "stage" else xr.ReferenceSpaceType.LOCAL
        self.space = xr.create_reference_space(self.session, xr.ReferenceSpaceCreateInfo(reference_space_type=space_type))
        self.view_space = xr.create_reference_space(self.session, xr.ReferenceSpaceCreateInfo(
            reference_space_type=xr.ReferenceSpaceType.VIEW))  # fmt: skip
        if kind == "stage":
            self.anchor = stage_anchor()
        else:
            self.anchor, self._recentre_requested = None, True  # anchored on the first located head
        self.color_format = choose_color_format([int(f) for f in xr.enumerate_swapchain_formats(self.session)])
        self.swapchains = [EyeSwapchain.create(self.session, self.color_format, eye_size(rec, mx, self.software_gl))
                           for rec, mx in system.view_sizes]  # fmt: skip
        if system.hand_tracking:
            self.hands = {side: HandJointSource(self.session, side) for side in ("left", "right")}
        try:
            self.controllers = XrControllers(system.instance, self.session, self.say)
        except xr.XrException as exc:
            self.controllers = None
            self.say(f"vrtherapy: headset: no controller input ({type(exc).__name__})")

    def _drop_input(self) -> None:
        for hand in self.hands.values():
            hand.destroy()
        self.hands = {}
        if self.controllers is not None:
            self.controllers.destroy()
            self.controllers = None

    def _destroy_session(self) -> None:
        self._drop_input()
        for swapchain in self.swapchains:
            _quietly(swapchain.destroy)
        self.swapchains = []
        for space in (self.space, self.view_space):
            if space is not None:
                _quietly(partial(xr.destroy_space, space))
        self.space = self.view_space = None
        if self.session is not None:
            _quietly(lambda: xr.destroy_session(self.session))
            self.session = None

    def close(self) -> None:
        """Leave everything cleanly (no exit handshake: use `request_exit` for that)."""
        if self.session is not None and self.lifecycle.running:
            _quietly(lambda: xr.end_session(self.session))
            self.lifecycle.running = False
        self._destroy_session()
        if self.system is not None:
            _quietly(self.system.destroy)
            self.system = None

    def counts(self) -> dict[str, object]:
        """Frames, recoveries and samples so far, for summary.json."""
        return {"frames_begun": self.frames_begun, "frames_submitted": self.frames_submitted,
                "frames_with_layers": self.frames_rendered, "session_recreations": self.lifecycle.recreations,
                "reconnections": self.reconnections, "tracker_samples": self.tracker.samples_received,
                "display_period_ms": round(self.display_period_ns / 1e6, 3) if self.display_period_ns else None}  # fmt: skip

    def request_exit(self) -> list[lc.Action]:
        return self._handle(lc.ExitRequested())

    def request_recentre(self) -> None:
        self._recentre_requested = True

    # ---- events ---------------------------------------------------------------------------------
    def poll_events(self) -> list[lc.Action]:
        """Drain the runtime's events; the application-level actions that resulted."""
        out: list[lc.Action] = []
        if self.lifecycle.retry_due():
            out += self._handle(lc.RetryDue())
        while self.system is not None and self.system.instance is not None:
            try:
                buffer = xr.poll_event(self.system.instance)
            except xr.EventUnavailable:
                break
            except xr.InstanceLostError:
                out += self._handle(lc.InstanceLost())
                break
            event = self._translate(buffer)
            if event is not None:
                out += self._handle(event)
        return out

    def _translate(self, buffer) -> lc.Event | None:
        kind = xr.StructureType(buffer.type)
        if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
            event = cast(byref(buffer), POINTER(xr.EventDataSessionStateChanged)).contents
            return lc.StateChanged(lc.SessionState(int(event.state)))
        if kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
            return lc.InstanceLossPending()
        if kind == xr.StructureType.EVENT_DATA_USER_PRESENCE_CHANGED_EXT:
            event = cast(byref(buffer), POINTER(xr.EventDataUserPresenceChangedEXT)).contents
            return lc.UserPresence(bool(event.is_user_present))
        if kind == xr.StructureType.EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING:
            self._recentre_requested = self.reference == "local"  # the runtime recentred: follow it
        return None

    def _handle(self, event: lc.Event) -> list[lc.Action]:
        """Feed the lifecycle and carry out its actions; the application's share is returned."""
        out: list[lc.Action] = []
        actions = self.lifecycle.handle(event)
        if lc.Action.CREATE_SESSION in actions and not isinstance(event, lc.RetryDue):
            self.on_event("headset_lost", {"cause": type(event).__name__})
            self.say(f"vrtherapy: headset: the OpenXR session was lost; reconnecting (for up to "
                     f"{self.lifecycle.reconnect_window_s:.0f} s, the exercise paused)")  # fmt: skip
        for action in actions:
            if action in (lc.Action.PAUSE, lc.Action.RESUME, lc.Action.EXIT, lc.Action.FALL_BACK):
                out.append(action)
                continue
            tries = self.lifecycle.tries
            out += self._carry_out(action)
            failed = self.lifecycle.finished or self.lifecycle.tries > tries
            if failed and action in (lc.Action.CREATE_INSTANCE, lc.Action.CREATE_SESSION):
                break  # starting again failed: the rest of the plan is void, the lifecycle has a new one
        return out

    @property
    def lost_reason(self) -> str:
        """Why the headset was given up (for the one line saying the session goes on at the desktop)."""
        window = f"{self.lifecycle.reconnect_window_s:.0f} s"
        last = f" (last try: {self.last_failure})" if self.last_failure else ""
        return f"the OpenXR runtime was lost and did not come back within {window}{last}"

    def _carry_out(self, action: lc.Action) -> list[lc.Action]:
        try:
            if action == lc.Action.BEGIN_SESSION:
                xr.begin_session(self.session, xr.SessionBeginInfo(primary_view_configuration_type=STEREO))
            elif action == lc.Action.END_SESSION:
                xr.end_session(self.session)
            elif action == lc.Action.REQUEST_EXIT:
                xr.request_exit_session(self.session)
            elif action == lc.Action.DESTROY_SESSION:
                self._destroy_session()
            elif action == lc.Action.DESTROY_INSTANCE:
                if self.system is not None:
                    _quietly(self.system.destroy)
                    self.system = None
            elif action == lc.Action.CREATE_INSTANCE:
                self.system = create_system(self.context, self.options.debug, self.say)
                self._to_timespec = None  # a function pointer belongs to its instance
            elif action == lc.Action.CREATE_SESSION:
                self._create_session()
                lost_at = self.lifecycle.lost_at
                if lost_at is not None:
                    self.on_event("headset_reconnected", {"down_s": round(self.lifecycle.clock() - lost_at, 3)})
                    self.say(f"vrtherapy: headset: reconnected to the OpenXR runtime after "
                             f"{self.lifecycle.clock() - lost_at:.1f} s; the exercise goes on in the headset")  # fmt: skip
                self.reconnections += 1
                self.last_failure = None
                return self._handle(lc.Recreated())
        except xr.SessionLostError:
            return self._handle(lc.SessionLost())
        except xr.InstanceLostError:
            return self._handle(lc.InstanceLost())
        except (xr.XrException, XrStartError) as exc:
            if action in (lc.Action.CREATE_INSTANCE, lc.Action.CREATE_SESSION):
                self.last_failure = _reason(exc)  # said once, in the line that gives the headset up
                self._destroy_session()
                return self._handle(lc.RecreateFailed())
            raise
        return []

    # ---- frames ---------------------------------------------------------------------------------
    def begin_frame(self) -> FrameInfo | None:
        """xrWaitFrame + xrBeginFrame (+ views, head and input when the frame is to be rendered);
        None when the session is not running."""
        if not self.lifecycle.should_run_frame_loop or self.session is None:
            return None
        state = xr.wait_frame(self.session, xr.FrameWaitInfo())
        xr.begin_frame(self.session, xr.FrameBeginInfo())
        self.frames_begun += 1
        self.display_period_ns = int(state.predicted_display_period)
        frame = FrameInfo(int(state.predicted_display_time), int(state.predicted_display_period),
                          bool(state.should_render))  # fmt: skip
        frame.shown_at = self.last_shown_at = self._monotonic_at(frame.display_time, frame.period_ns)
        if frame.should_render:
            self._locate(frame)
        return frame

    def _monotonic_at(self, display_time: int, period_ns: int) -> float:
        """The runtime's predicted display time on Python's `time.monotonic` clock (CLOCK_MONOTONIC), through
        XR_KHR_convert_timespec_time; without it, a frame period from now (what xrWaitFrame promises)."""
        system = self.system
        if system is not None and system.has("XR_KHR_convert_timespec_time"):
            if self._to_timespec is None:
                self._to_timespec = cast(xr.get_instance_proc_addr(system.instance, "xrConvertTimeToTimespecTimeKHR"),
                                         xr.PFN_xrConvertTimeToTimespecTimeKHR)  # fmt: skip
            spec = xr.timespec()
            if self._to_timespec(system.instance, display_time, byref(spec)) >= 0:
                return spec.tv_sec + spec.tv_nsec * 1e-9
        return time.monotonic() + period_ns * 1e-9

    def _locate(self, frame: FrameInfo) -> None:
        head_location = xr.locate_space(self.view_space, self.space, frame.display_time)
        head_ok = (int(head_location.location_flags) & VIEW_VALID) == VIEW_VALID
        if head_ok and (self._recentre_requested or self.anchor is None):
            p, q = head_location.pose.position, head_location.pose.orientation
            self.anchor = recentre((p.x, p.y, p.z), (q.x, q.y, q.z, q.w), self.options.eye_position, self.options.look_at)
            self._recentre_requested = False
        if self.anchor is None:
            frame.should_render = False  # no head pose yet: nothing sensible to draw
            return
        if head_ok:
            p, q = head_location.pose.position, head_location.pose.orientation
            frame.head = self.last_head = self.anchor.pose_to_world((p.x, p.y, p.z), (q.x, q.y, q.z, q.w))
        view_state, views = xr.locate_views(self.session, xr.ViewLocateInfo(
            view_configuration_type=STEREO, display_time=frame.display_time, space=self.space))  # fmt: skip
        if (int(view_state.view_state_flags) & VIEW_VALID) != VIEW_VALID or len(views) != 2:
            frame.should_render = False
            return
        for view in views:
            p, q, f = view.pose.position, view.pose.orientation, view.fov
            pose = self.anchor.pose_to_world((p.x, p.y, p.z), (q.x, q.y, q.z, q.w))
            frame.views.append(EyeView(FovAngles(f.angle_left, f.angle_right, f.angle_up, f.angle_down), pose, view))
        self._input(frame)

    def _input(self, frame: FrameInfo) -> None:
        """Hands, controllers and the residual-limb device; an input the runtime fails on is dropped
        for the rest of the session (the headset keeps showing the scene)."""
        try:
            self._read_input(frame)
        except (xr.SessionLostError, xr.InstanceLostError):
            raise
        except xr.XrException as exc:
            self.say(f"vrtherapy: headset: hand and controller input stopped ({type(exc).__name__})")
            self._drop_input()

    def _read_input(self, frame: FrameInfo) -> None:
        head, anchor = frame.head or self.last_head, self.anchor
        if head is None or anchor is None:  # nothing can be placed in the room before the first head pose
            return
        now = time.monotonic()
        intact = self.options.intact_side
        hand_seen = False
        hand = self.hands.get(intact)
        if hand is not None:
            joints = hand.locate(self.space, frame.display_time)
            if joints.active:
                self.tracker.push(sample_from_joints(joints, intact, now, anchor, head, self.options.dims))
                hand_seen = True
        if self.controllers is None or self.lifecycle.state != lc.SessionState.FOCUSED:
            return  # actions only sync while the session has input focus
        states, frame.buttons = self.controllers.read(self.space, frame.display_time)
        held = states[intact]
        if not hand_seen and held.pose_valid:
            grip = anchor.pose_to_world(held.position, held.orientation)
            self.tracker.push(sample_from_grip(grip, held.closure, intact, head, now, self.options.dims))
        worn = states[other_side(intact)]
        if self.options.residual_level is not None and worn.pose_valid:
            position = anchor.pose_to_world(worn.position, worn.orientation).position
            self.residual_tracker.push(residual_sample(position, self.options.residual_level, worn.side, head, now,
                                                       self.options.stump_length, self.options.dims))  # fmt: skip

    def end_frame(self, frame: FrameInfo, rendered: bool) -> None:
        """xrEndFrame: the projection layer when both eyes were rendered, else no layer."""
        layers = []
        if rendered and len(frame.views) == 2:
            layer = xr.CompositionLayerProjection(space=self.space, views=[
                xr.CompositionLayerProjectionView(pose=eye.raw.pose, fov=eye.raw.fov, sub_image=xr.SwapchainSubImage(
                    swapchain=sc.handle, image_rect=xr.Rect2Di(extent=xr.Extent2Di(sc.width, sc.height))))
                for eye, sc in zip(frame.views, self.swapchains, strict=False)])  # fmt: skip
            layers = [byref(layer)]
        xr.end_frame(self.session, xr.FrameEndInfo(display_time=frame.display_time,
                                                   environment_blend_mode=self.xr_system.blend_mode, layers=layers))  # fmt: skip
        self.frames_submitted += 1
        self.frames_rendered += bool(layers)

    def frame_failed(self, exc: BaseException) -> list[lc.Action]:
        """A frame call raised: session or instance loss goes through the lifecycle; others re-raise."""
        if isinstance(exc, xr.SessionLostError):
            return self._handle(lc.SessionLost())
        if isinstance(exc, xr.InstanceLostError):
            return self._handle(lc.InstanceLost())
        raise exc


def _quietly(call: Callable[[], object]) -> None:
    with contextlib.suppress(xr.XrException):
        call()


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, XrStartError) else type(exc).__name__


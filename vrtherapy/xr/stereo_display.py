"""The therapy scene in the headset: one Panda3D camera and offscreen texture per eye, copied into the
runtime's swapchains each frame, and the left eye mirrored on the desktop for the therapist.

Hooks into Panda3D's own frame (`taskMgr.step()`, which the session runner calls):
  * before rendering (task, sort 45): runtime events, xrWaitFrame, xrBeginFrame, xrLocateViews ->
    each eye camera's pose and lens;
  * while rendering (draw callback of a display region drawn after the eye buffers): per eye
    xrAcquireSwapchainImage / xrWaitSwapchainImage, copy the eye texture, xrReleaseSwapchainImage,
    in Panda3D's own GL context;
  * after rendering (task, sort 55): xrEndFrame with the projection layer.
xrWaitFrame paces the frames; `pace` (the runner's sleep) only sleeps while the headset does not.

Runtime lifecycle outcomes are turned into callbacks: pause/resume of the exercise timer, exit
(the session stops), fall back (the same session continues on the desktop view).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from panda3d.core import (
    Camera,
    CardMaker,
    FrameBufferProperties,
    GraphicsOutput,
    NodePath,
    PerspectiveLens,
    Point3,  # fmt: skip
    PythonCallbackObject,
    Quat,
    Texture,
    TransparencyAttrib,
)

from vrtherapy.render.antialias import antialias_eye, eye_buffer_properties, is_software_gl, remove_eye_antialiasing
from vrtherapy.render.room import FAR_PLANE_M, NEAR_PLANE_M
from vrtherapy.xr import lifecycle as lc
from vrtherapy.xr.commands import ButtonCommands, Command, PainScore
from vrtherapy.xr.display_outcome import DisplayOutcome
from vrtherapy.xr.frame_info import next_refresh
from vrtherapy.xr.gl_copy import GlFunctions, TextureCopier
from vrtherapy.xr.graphics_binding import current_gl_context
from vrtherapy.xr.pain_panel_node import PainPanelNode
from vrtherapy.xr.projection import apply_to_lens
from vrtherapy.xr.reference_space import heading, panda_quaternion
from vrtherapy.xr.swapchains import is_software_renderer
from vrtherapy.xr.xr_session import FrameInfo, HeadsetOptions, HeadsetSession

#: The guidance panel floats this far ahead of the eye point, and is this wide per HUD unit.
HUD_DISTANCE_M = 1.3
HUD_SCALE_M = 0.35
HUD_DROP_M = 0.12  #: the panel's centre sits this far below the eyes, so its text band is near the gaze


class XrStereoDisplay:
    """Headset output for one session on Panda3D's `base` (its window or offscreen buffer stays the
    therapist's mirror)."""

    def __init__(self, base, scene, options: HeadsetOptions, say: Callable[[str], None] = print,
                 fallback_mode: str = "offscreen") -> None:  # fmt: skip
        self.base, self.scene, self.options, self.say = base, scene, options, say
        self.outcome = DisplayOutcome(fallback_mode)
        self.headset: HeadsetSession | None = None
        self.on_pause: Callable[[], None] = lambda: None
        self.on_resume: Callable[[], None] = lambda: None
        self.on_exit: Callable[[], None] = lambda: None
        self.on_command: Callable[[Command], None] = lambda command: None
        self.asking_pain: Callable[[], bool] = lambda: False  #: a pain question is on the HUD
        self.active = False  #: frames go to the headset (False after a fall back or exit)
        self.paused = True
        self.error: str | None = None
        self._eyes: list[tuple[GraphicsOutput, NodePath, Texture]] = []
        self._eye_ids: list[int] = []
        self._frame: FrameInfo | None = None
        self._copied = 0
        self._shown_at: float | None = None
        self._nodes: list[NodePath] = []
        self._copy_region: Any = None  #: a Panda3D DisplayRegion
        self._hud_parent: NodePath | None = None
        self._mirror_clear: tuple[Any, bool, Any] | None = None  #: the 2-D region and how it cleared
        self._buttons = ButtonCommands()
        self._pain_panel: PainPanelNode | None = None
        self.copy_method = ""
        self.info: dict = {}

    @property
    def _headset(self) -> HeadsetSession:
        """The headset session `start` opened (the frame tasks and callbacks run only after it)."""
        if self.headset is None:
            raise RuntimeError("the headset display is not started")
        return self.headset

    # ---- start --------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the headset session and the eye buffers; XrStartError (one line) when it cannot."""
        base = self.base
        base.graphicsEngine.renderFrame()  # Panda3D's GL context is current after a frame
        context = current_gl_context()
        renderer = base.win.getGsg().getDriverRenderer()
        self.headset = HeadsetSession(context, self.options, is_software_renderer(renderer), self.say)
        self.headset.on_event = lambda kind, detail: self.outcome.event(kind, **detail)
        self._headset.start()
        gl = GlFunctions(context.get_proc_address)
        self.copier = TextureCopier(gl)
        self.copy_method = self.copier.method
        self._build_eyes()
        self._build_mirror()
        self._move_hud_into_world()
        self._pain_panel = PainPanelNode(base.render, self.options.eye_position, self.options.look_at)
        base.camNode.setActive(False)  # the desktop shows the left eye instead of a third rendering
        base.taskMgr.add(self._before_render, "xr-begin-frame", sort=45)
        base.taskMgr.add(self._after_render, "xr-end-frame", sort=55)
        base.accept("r", self.recentre)
        h = self._headset
        self.info = {"runtime_system": h.xr_system.system_name, "graphics_binding": context.api, "gl_renderer": renderer,
                     "reference_space": h.reference, "swapchain_format": hex(h.color_format),
                     "eye_size": [[sc.width, sc.height] for sc in h.swapchains], "copy": self.copy_method,
                     "hand_tracking": h.xr_system.hand_tracking,
                     "controller_profiles": h.controllers.profiles if h.controllers is not None else []}  # fmt: skip
        self.active = True
        self._headset.tracker.start()
        self._headset.residual_tracker.start()

    def _build_eyes(self) -> None:
        base = self.base
        props = FrameBufferProperties()
        props.setRgbaBits(8, 8, 8, 8)
        props.setDepthBits(24)
        props = eye_buffer_properties(props, is_software_gl(base.win))  # multisampled on a GPU (render/antialias.py)
        background = base.getBackgroundColor()
        for i, swapchain in enumerate(self._headset.swapchains):
            texture = Texture(f"xr-eye-{i}")
            buffer = base.win.makeTextureBuffer(f"xr-eye-{i}", swapchain.width, swapchain.height, texture, False, props)
            if buffer is None:
                raise RuntimeError("Panda3D could not make an offscreen buffer for an eye")
            buffer.setSort(-100 + i)
            buffer.setClearColor(background)
            camera = base.render.attachNewNode(Camera(f"xr-eye-{i}", PerspectiveLens()))
            region = buffer.makeDisplayRegion()
            region.setCamera(camera)
            self._eyes.append((buffer, camera, antialias_eye(base, buffer, texture)))  # FXAA'd on software GL
            self._nodes.append(camera)
        copy_camera = NodePath(Camera("xr-copy"))  # an empty scene: the region only runs the callback
        self._nodes.append(copy_camera)
        self._copy_region = base.win.makeDisplayRegion()
        self._copy_region.setSort(1000)
        self._copy_region.setCamera(copy_camera)
        self._copy_region.setDrawCallback(PythonCallbackObject(self._copy_eyes))

    def _build_mirror(self) -> None:
        """The left eye on the desktop (or offscreen) view, letterboxed to the eye's aspect ratio."""
        buffer, _, texture = self._eyes[0]
        eye_aspect = buffer.getXSize() / buffer.getYSize()
        win_aspect = self.base.getAspectRatio()
        sx, sz = (eye_aspect / win_aspect, 1.0) if eye_aspect < win_aspect else (1.0, win_aspect / eye_aspect)
        card = CardMaker("xr-mirror")
        card.setFrame(-sx, sx, -sz, sz)
        card.setUvRange(texture)  # Panda3D may pad the texture beyond the eye's size
        mirror = self.base.render2d.attachNewNode(card.generate())
        mirror.setTexture(texture)
        mirror.setBin("background", 0)
        self._nodes.append(mirror)
        region = self.base.cam2d.node().getDisplayRegion(0)
        self._mirror_clear = (region, region.getClearColorActive(), region.getClearColor())
        region.setClearColor((0.0, 0.0, 0.0, 1.0))  # the main 3D view no longer clears the window
        region.setClearColorActive(True)

    def _move_hud_into_world(self) -> None:
        """The guidance panel floats in the room ahead of the patient (aspect2d is not in the headset)."""
        hud = getattr(self.scene, "hud", None)
        if hud is None:
            return
        eye, look = Point3(*self.options.eye_position), Point3(*self.options.look_at)
        forward = look - eye
        forward.setZ(0)
        forward.normalize()
        panel = self.base.render.attachNewNode("xr-hud")
        panel.setPos(eye + forward * HUD_DISTANCE_M - Point3(0, 0, HUD_DROP_M))
        panel.setH(_degrees(heading(np.array([forward.x, forward.y, 0.0]))))
        panel.setScale(HUD_SCALE_M)
        panel.setLightOff(1)
        panel.setShaderOff(1)
        panel.setDepthTest(False)
        panel.setDepthWrite(False)
        panel.setBin("fixed", 50)
        panel.setTransparency(TransparencyAttrib.MAlpha)
        self._hud_parent = hud.root.getParent()
        hud.root.reparentTo(panel)
        self._nodes.append(panel)

    # ---- per frame ----------------------------------------------------------------------------
    @property
    def is_presenting(self) -> bool:
        return self.active and self.headset is not None and self.headset.lifecycle.is_presenting

    @property
    def should_pause(self) -> bool:
        return self.active and self.headset is not None and self.headset.lifecycle.should_pause

    def shown_at(self) -> float | None:
        """When the frame just drawn reaches the patient's eyes: the runtime's predicted display time (on the
        `time.monotonic` clock), None when the frame did not go to the headset. The visuo-motor delay in the
        headset runs to this moment, not to when rendering finished."""
        return self._shown_at if self.active else None

    def pace(self, seconds: float) -> None:
        """The session runner's sleep: xrWaitFrame paces a running headset, otherwise sleep."""
        if not (self.active and self._headset.lifecycle.should_run_frame_loop):
            time.sleep(seconds)

    def head_midline(self):
        """The patient's sagittal plane under the head as last tracked (for calibration), or None."""
        from vrtherapy.xr.reference_space import midline_from_head

        head = self.headset.last_head if self.headset is not None else None
        return None if head is None else midline_from_head(head)

    def recentre(self) -> None:
        if self.headset is not None:
            self._headset.request_recentre()

    def _before_render(self, task):
        if not self.active:
            return task.done
        self._frame, self._copied, self._shown_at = None, 0, None
        try:
            self._app_actions(self._headset.poll_events())
            if self.active:
                self._frame = self._headset.begin_frame()
        except Exception as exc:
            self._frame_failed(exc)
        frame = self._frame
        render = frame is not None and frame.should_render
        views = frame.views if frame is not None and render else [None, None]
        for (buffer, camera, _), view in zip(self._eyes, views, strict=False):
            buffer.setActive(render)
            if view is not None:
                camera.setPos(self.base.render, Point3(*view.pose.position))
                camera.setQuat(self.base.render, Quat(*panda_quaternion(view.pose.orientation)))
                apply_to_lens(camera.node().getLens(), view.fov, NEAR_PLANE_M, FAR_PLANE_M)
        if frame is not None:
            now, asking = time.monotonic(), self.asking_pain()
            for command in self._buttons.update(frame.buttons, now, asking):
                self._command(command)
            if self._pain_panel is not None:
                tile = self._pain_panel.update(asking, self._headset.tracker.latest(), now)
                if tile is not None:
                    self._command("pain_skip" if tile.score is None else PainScore(tile.score))
        return task.cont

    def _copy_eyes(self, cbdata) -> None:
        cbdata.upcall()
        frame = self._frame
        if frame is None or not frame.should_render or not self.active:
            return
        try:
            if not self._eye_ids:  # GL names exist once Panda3D has rendered into the textures
                gsg = self.base.win.getGsg()
                self._eye_ids = [tex.prepareNow(0, gsg.getPreparedObjects(), gsg).getNativeId() for _, _, tex in self._eyes]
            for swapchain, source in zip(self._headset.swapchains, self._eye_ids, strict=False):
                image = swapchain.acquire()
                self.copier.copy(source, image, swapchain.width, swapchain.height)
                swapchain.release()
                self._copied += 1
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def _after_render(self, task):
        if not self.active:
            return task.done
        frame = self._frame
        if frame is not None:
            try:
                self._headset.end_frame(frame, rendered=self._copied == 2)
                self._shown_at = next_refresh(frame.shown_at, frame.period_ns * 1e-9) if self._copied == 2 else None
            except Exception as exc:
                self._frame_failed(exc)
        self._frame = None
        return task.cont

    def _frame_failed(self, exc: Exception) -> None:
        self._frame = None
        try:
            self._app_actions(self._headset.frame_failed(exc))
        except Exception as other:
            self._fall_back(f"the OpenXR runtime failed ({type(other).__name__}: {other})")

    def _app_actions(self, actions: list[lc.Action]) -> None:
        for action in actions:
            if action == lc.Action.PAUSE:
                self._set_paused(True)
            elif action == lc.Action.RESUME:
                self._set_paused(False)
            elif action == lc.Action.EXIT:
                if not self._headset.lifecycle.exit_requested:
                    self.say("vrtherapy: headset: the OpenXR runtime ended the session")
                self._stop_presenting()
                self.on_exit()
            elif action == lc.Action.FALL_BACK:
                self._fall_back(self._headset.lost_reason)

    def _command(self, command: Command) -> None:
        if command == "recentre":
            self.recentre()
        self.on_command(command)

    @property
    def fell_back(self) -> str | None:
        return self.outcome.fell_back

    def _fall_back(self, reason: str) -> None:
        self.outcome.fall_back(reason, self.say)
        self._stop_presenting()
        self._set_paused(False)
        self.base.taskMgr.add(self._count_desktop_frame, "xr-desktop-frames", sort=60)

    def _count_desktop_frame(self, task):
        self.outcome.desktop_frames += 1
        return task.cont

    def _set_paused(self, paused: bool) -> None:
        """The headset's share of pausing: a pause the patient asked for (menu button) outlasts
        taking the headset off and on."""
        if paused == self.paused:
            return
        self.paused = paused
        if paused:
            self.on_pause()
        elif not self._buttons.paused:
            self.on_resume()

    def _stop_presenting(self) -> None:
        """Back to the plain desktop view: no eye buffers, the main camera and the 2D HUD restored."""
        if not self.active:
            return
        self.active = False
        base = self.base
        for buffer, _, _ in self._eyes:
            remove_eye_antialiasing(base, buffer)
            base.graphicsEngine.removeWindow(buffer)
        self._eyes = []
        if self._copy_region is not None:
            base.win.removeDisplayRegion(self._copy_region)
            self._copy_region = None
        if self._pain_panel is not None:
            self._pain_panel.destroy()
            self._pain_panel = None
        hud = getattr(self.scene, "hud", None)
        if hud is not None and self._hud_parent is not None:
            hud.root.reparentTo(self._hud_parent)
        for node in self._nodes:
            node.removeNode()
        self._nodes = []
        base.camNode.setActive(True)
        if self._mirror_clear is not None:
            region, active, color = self._mirror_clear
            region.setClearColor(color)
            region.setClearColorActive(active)
            self._mirror_clear = None
        base.ignore("r")
        if self.headset is not None:
            self._headset.close()

    # ---- end ------------------------------------------------------------------------------------
    def finish(self) -> None:
        """Leave the headset at the end of the therapy session: request exit, let the runtime walk
        the session through STOPPING (xrEndSession) to EXITING, then tear down."""
        if self.active and self.headset is not None:
            try:
                self._app_actions(self._headset.request_exit())
                deadline = time.monotonic() + 2.0
                while self.active and time.monotonic() < deadline:
                    self.base.taskMgr.step()  # keeps frames flowing while the runtime stops the session
            except Exception:
                pass
        self._stop_presenting()
        base = self.base
        base.taskMgr.remove("xr-begin-frame")
        base.taskMgr.remove("xr-end-frame")
        base.taskMgr.remove("xr-desktop-frames")

    def display_summary(self) -> dict:
        """summary.json's `display` fields for what really happened (see `DisplayOutcome`)."""
        return self.outcome.display_summary(self.headset.frames_rendered if self.headset is not None else 0)

    def summary(self) -> dict:
        """What the headset did, for summary.json."""
        return {**self.info, "fell_back": self.fell_back, "error": self.error,
                **(self.headset.counts() if self.headset is not None else {})}


def _degrees(radians: float) -> float:
    return math.degrees(radians)

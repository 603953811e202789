"""Controllers through an OpenXR action set: grip pose and closure for a synthesized hand, buttons for
session commands.

Actions (both hands): `grip_pose`, `squeeze` and `trigger` (hand closure: the larger of the two; the
trigger also confirms a pain answer), `menu` (pause/resume, hold to stop), `next` (skip the exercise or
the pain question), `recentre`, `thumbstick` (up/down steps the pain score). Suggested bindings cover
the common interaction profiles; the runtime picks the one matching the controllers in hand. The
mapping of buttons is in `SUGGESTED_BINDINGS`, a plain table, so that it can be read and tested.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from ctypes import c_uint64
from dataclasses import dataclass

import numpy as np
import xr

from vrtherapy.tracking.sample import Side
from vrtherapy.xr.commands import Buttons

HANDS: tuple[Side, ...] = ("left", "right")
ACTIONS: dict[str, str] = {  # name -> kind
    "grip_pose": "pose", "squeeze": "float", "trigger": "float", "menu": "boolean", "next": "boolean",
    "recentre": "boolean", "thumbstick": "vector2",
}  # fmt: skip

#: interaction profile -> (action, input path under /user/hand/<side>/, hands it applies to)
SUGGESTED_BINDINGS: dict[str, list[tuple[str, str, tuple[Side, ...]]]] = {
    "/interaction_profiles/khr/simple_controller": [
        ("grip_pose", "input/grip/pose", HANDS), ("trigger", "input/select/click", HANDS),
        ("menu", "input/menu/click", HANDS),
    ],
    "/interaction_profiles/oculus/touch_controller": [
        ("grip_pose", "input/grip/pose", HANDS), ("squeeze", "input/squeeze/value", HANDS),
        ("trigger", "input/trigger/value", HANDS), ("recentre", "input/thumbstick/click", HANDS),
        ("menu", "input/x/click", ("left",)), ("next", "input/y/click", ("left",)),
        ("menu", "input/a/click", ("right",)), ("next", "input/b/click", ("right",)),
        ("thumbstick", "input/thumbstick", HANDS),
    ],
    "/interaction_profiles/valve/index_controller": [
        ("grip_pose", "input/grip/pose", HANDS), ("squeeze", "input/squeeze/value", HANDS),
        ("trigger", "input/trigger/value", HANDS), ("recentre", "input/thumbstick/click", HANDS),
        ("menu", "input/a/click", HANDS), ("next", "input/b/click", HANDS), ("thumbstick", "input/thumbstick", HANDS),
    ],
    "/interaction_profiles/htc/vive_controller": [
        ("grip_pose", "input/grip/pose", HANDS), ("squeeze", "input/squeeze/click", HANDS),
        ("trigger", "input/trigger/value", HANDS), ("menu", "input/menu/click", HANDS),
        ("next", "input/trackpad/click", HANDS), ("thumbstick", "input/trackpad", HANDS),
    ],
    "/interaction_profiles/microsoft/motion_controller": [
        ("grip_pose", "input/grip/pose", HANDS), ("squeeze", "input/squeeze/click", HANDS),
        ("trigger", "input/trigger/value", HANDS), ("menu", "input/menu/click", HANDS),
        ("next", "input/trackpad/click", HANDS), ("recentre", "input/thumbstick/click", HANDS),
        ("thumbstick", "input/thumbstick", HANDS),
    ],
}  # fmt: skip

POSE_VALID = 0x1 | 0x2  # orientation and position valid


@dataclass(frozen=True)
class ControllerState:
    """One controller this frame; positions in the reference space (OpenXR axes)."""

    side: Side
    pose_valid: bool
    position: np.ndarray
    orientation: np.ndarray  #: (x, y, z, w)
    closure: float


class XrControllers:
    """The action set on one session: create, attach, then `read` once per frame."""

    def __init__(self, instance, session, say: Callable[[str], None] = print) -> None:
        self.instance, self.session = instance, session
        self.hand_paths = {side: xr.string_to_path(instance, f"/user/hand/{side}") for side in HANDS}
        self.action_set = xr.create_action_set(instance, xr.ActionSetCreateInfo(
            action_set_name="therapy", localized_action_set_name="Therapy session", priority=0))  # fmt: skip
        kinds = {"pose": xr.ActionType.POSE_INPUT, "float": xr.ActionType.FLOAT_INPUT,
                 "boolean": xr.ActionType.BOOLEAN_INPUT, "vector2": xr.ActionType.VECTOR2F_INPUT}  # fmt: skip
        subpaths = (c_uint64 * 2)(*[self.hand_paths[s] for s in HANDS])
        self.actions = {name: xr.create_action(self.action_set, xr.ActionCreateInfo(
            action_type=kinds[kind], action_name=name.replace("_", "-"), localized_action_name=name.replace("_", " "),
            count_subaction_paths=2, subaction_paths=subpaths)) for name, kind in ACTIONS.items()}  # fmt: skip
        self.profiles = self._suggest(say)
        xr.attach_session_action_sets(session, xr.SessionActionSetsAttachInfo(action_sets=[self.action_set]))
        self.grip_spaces = {side: xr.create_action_space(session, xr.ActionSpaceCreateInfo(
            action=self.actions["grip_pose"], subaction_path=self.hand_paths[side])) for side in HANDS}  # fmt: skip

    def _suggest(self, say: Callable[[str], None]) -> list[str]:
        accepted = []
        for profile, table in SUGGESTED_BINDINGS.items():
            bindings = [xr.ActionSuggestedBinding(self.actions[action],
                                                  xr.string_to_path(self.instance, f"/user/hand/{side}/{path}"))
                        for action, path, sides in table for side in sides]  # fmt: skip
            try:
                xr.suggest_interaction_profile_bindings(self.instance, xr.InteractionProfileSuggestedBinding(
                    interaction_profile=xr.string_to_path(self.instance, profile), suggested_bindings=bindings))  # fmt: skip
                accepted.append(profile)
            except xr.XrException as exc:  # a runtime may not know every profile
                say(f"vrtherapy: headset: controller profile {profile.rsplit('/', 1)[-1]} not offered ({type(exc).__name__})")
        return accepted

    def read(self, space, display_time: int) -> tuple[dict[Side, ControllerState], Buttons]:
        """Sync the actions and read both controllers (call only while the session is FOCUSED)."""
        xr.sync_actions(self.session, xr.ActionsSyncInfo(active_action_sets=[xr.ActiveActionSet(self.action_set, xr.NULL_PATH)]))
        states: dict[Side, ControllerState] = {}
        pressed = {"menu": False, "next": False, "recentre": False}
        stick_y, trigger = 0.0, 0.0
        for side in HANDS:
            path = self.hand_paths[side]
            pull = self._float("trigger", path)
            closure = max(self._float("squeeze", path), pull)
            trigger = max(trigger, pull)
            y = self._stick_y(path)
            stick_y = y if abs(y) > abs(stick_y) else stick_y
            for name in pressed:
                pressed[name] |= self._bool(name, path)
            location = xr.locate_space(self.grip_spaces[side], space, display_time)
            valid = (int(location.location_flags) & POSE_VALID) == POSE_VALID and self._pose_active(path)
            p, q = location.pose.position, location.pose.orientation
            states[side] = ControllerState(side, valid, np.array([p.x, p.y, p.z]), np.array([q.x, q.y, q.z, q.w]), closure)
        return states, Buttons(**pressed, stick_y=stick_y, trigger=trigger)

    def _float(self, name: str, path) -> float:
        state = xr.get_action_state_float(self.session, xr.ActionStateGetInfo(self.actions[name], path))
        return float(state.current_state) if state.is_active else 0.0

    def _stick_y(self, path) -> float:
        state = xr.get_action_state_vector2f(self.session, xr.ActionStateGetInfo(self.actions["thumbstick"], path))
        return float(state.current_state.y) if state.is_active else 0.0

    def _bool(self, name: str, path) -> bool:
        state = xr.get_action_state_boolean(self.session, xr.ActionStateGetInfo(self.actions[name], path))
        return bool(state.is_active and state.current_state)

    def _pose_active(self, path) -> bool:
        return bool(xr.get_action_state_pose(self.session, xr.ActionStateGetInfo(self.actions["grip_pose"], path)).is_active)

    def destroy(self) -> None:
        for space in self.grip_spaces.values():
            with contextlib.suppress(xr.XrException):
                xr.destroy_space(space)
        with contextlib.suppress(xr.XrException):
            xr.destroy_action_set(self.action_set)  # destroys its actions too

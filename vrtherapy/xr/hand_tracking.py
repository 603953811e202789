"""XR_EXT_hand_tracking as a tracker: the headset's 26 hand joints -> `TrackedSample`s.

`HeadsetTracker` satisfies the `Tracker` protocol (tracking/base.py) the session runner takes from a
webcam: `latest()` hands over the newest sample without waiting. It is fed by the headset's frame
loop, which locates the joints at each frame's predicted display time (`HandJointSource`), so it
needs no thread of its own. A joint whose position the runtime does not report valid is flagged invalid in the sample
(`TrackedSample.valid`); the shoulder and elbow, which no headset tracks, are estimated
(body_estimate.py).
"""

from __future__ import annotations

import contextlib
import ctypes
from ctypes import byref, cast
from dataclasses import dataclass

import numpy as np
import xr

from vrtherapy.frames import OPENXR_TO_WORLD
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.tracking.openxr_hand import arm_points_from_openxr
from vrtherapy.tracking.sample import Side, TrackedSample
from vrtherapy.xr.body_estimate import behind_hand, elbow_between, shoulder_from_head
from vrtherapy.xr.reference_space import Pose, SpaceAnchor

JOINT_COUNT = 26  # XR_HAND_JOINT_COUNT_EXT
POSITION_VALID = 0x2  # XR_SPACE_LOCATION_POSITION_VALID_BIT
POSITION_TRACKED = 0x8  # XR_SPACE_LOCATION_POSITION_TRACKED_BIT
KNUCKLES = [7, 12, 17, 22]  # the four fingers' proximal joints in XrHandJointEXT order


@dataclass(frozen=True)
class HandJoints:
    """One hand's joints as the runtime located them (reference-space positions, OpenXR axes)."""

    positions: np.ndarray  #: (26, 3)
    radii: np.ndarray  #: (26,)
    valid: np.ndarray  #: (26,) position valid
    active: bool


#: XrHandJointLocationEXT as numpy sees it (flags, orientation xyzw, position xyz, radius: 40 bytes),
#: so the 26 joints the runtime wrote become arrays in one step instead of a Python loop per joint.
JOINT_LOCATION_DTYPE = np.dtype([("flags", "<u8"), ("orientation", "<f4", (4,)), ("position", "<f4", (3,)),
                                 ("radius", "<f4")])  # fmt: skip


def joints_from_locations(locations) -> HandJoints:
    """An `XrHandJointLocationsEXT` (26 joint_locations in a ctypes array) -> arrays, one numpy view of
    the runtime's memory (no per-joint Python work)."""
    if int(locations.joint_count) != JOINT_COUNT:
        raise ValueError(f"expected {JOINT_COUNT} hand joints, got {int(locations.joint_count)}")
    array = locations.joint_locations
    if not isinstance(array, ctypes.Array):  # a bare pointer to the first joint
        array = (xr.HandJointLocationEXT * JOINT_COUNT).from_address(ctypes.addressof(array.contents))
    if ctypes.sizeof(array) != JOINT_COUNT * JOINT_LOCATION_DTYPE.itemsize:
        raise ValueError("XrHandJointLocationEXT does not have the expected 40-byte layout")
    raw = np.frombuffer(array, dtype=JOINT_LOCATION_DTYPE, count=JOINT_COUNT)
    active = bool(locations.is_active)
    valid = ((raw["flags"] & POSITION_VALID) != 0) & active
    return HandJoints(raw["position"].astype(float), raw["radius"].astype(float), valid, active)


def sample_from_joints(joints: HandJoints, side: Side, t_capture: float, anchor: SpaceAnchor, head: Pose,
                       dims: ArmDimensions) -> TrackedSample:  # fmt: skip
    """The arm sample a headset's hand joints make, in the room's frame."""
    world = anchor.points_to_world(joints.positions)
    wrist = world[1]  # XR_HAND_JOINT_WRIST_EXT
    shoulder = shoulder_from_head(head.position, head.rotation, side)
    knuckles = world[KNUCKLES].mean(axis=0)
    toward = behind_hand(wrist, knuckles, dims.forearm) if joints.valid[KNUCKLES].all() else None
    elbow = elbow_between(shoulder, wrist, dims, side, toward) if joints.valid[1] else np.full(3, np.nan)
    # arm_points_from_openxr takes OpenXR axes: hand it the anchored joints in those axes.
    points, valid = arm_points_from_openxr(world @ OPENXR_TO_WORLD, joints.valid, shoulder, elbow)
    points = np.where(np.isfinite(points), points, 0.0)
    return TrackedSample("arm", side, t_capture, points, valid, confidence=float(valid.mean()), source="openxr-hand")


class HeadsetTracker:
    """The `Tracker` for one arm followed by the headset: hand tracking when the runtime sees the hand,
    else the hand synthesized from a controller. Fed each frame by the headset session (`push`)."""

    def __init__(self, side: Side, name: str = "openxr") -> None:
        self.name = name
        self.side = side
        self.samples_received = 0
        self.error: BaseException | None = None
        self.running = False
        self._latest: TrackedSample | None = None

    def start(self) -> None:
        self.running = True

    def latest(self) -> TrackedSample | None:
        return self._latest

    def stop(self) -> None:
        self.running = False

    def push(self, sample: TrackedSample) -> None:
        if self.running:
            self._latest = sample
            self.samples_received += 1


class HandJointSource:
    """The runtime's XR_EXT_hand_tracking tracker for one hand."""

    def __init__(self, session, side: Side) -> None:
        self.side = side
        hand = xr.HandEXT.LEFT if side == "left" else xr.HandEXT.RIGHT
        self._handle = xr.create_hand_tracker_ext(session, xr.HandTrackerCreateInfoEXT(hand=hand))

    def locate(self, space, display_time: int) -> HandJoints:
        return joints_from_locations(locate_hand_joints(self._handle, space, display_time))

    def destroy(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(xr.XrException):
                xr.destroy_hand_tracker_ext(self._handle)
            self._handle = None


def locate_hand_joints(handle, space, display_time: int):
    """xrLocateHandJointsEXT for all 26 joints (pyopenxr's wrapper passes an empty array)."""
    locations = xr.HandJointLocationsEXT(joint_count=JOINT_COUNT,
                                         joint_locations=(xr.HandJointLocationEXT * JOINT_COUNT)())  # fmt: skip
    function = cast(xr.get_instance_proc_addr(handle.instance, "xrLocateHandJointsEXT"), xr.PFN_xrLocateHandJointsEXT)
    result = xr.check_result(function(handle, xr.HandJointsLocateInfoEXT(base_space=space, time=display_time),
                                      byref(locations)))  # fmt: skip
    if result.is_exception():
        raise result
    return locations


"""A controller or tracker worn on the residual arm -> the `residual` sample stump anchoring takes.

The device sits at the end of the stump. Below the elbow the elbow is placed by the two-bone chain
shoulder -> stump end with the stump's length (measured by the therapist); above the elbow the stump
end is the upper arm's end. The shoulder is estimated from the head. Pure numpy, world frame.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from vrtherapy.motion.anchoring import AmputationLevel
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.tracking.sample import ARM_POINTS, Side, TrackedSample
from vrtherapy.xr.body_estimate import elbow_between, shoulder_from_head
from vrtherapy.xr.reference_space import Pose


def residual_sample(device_position: np.ndarray, level: AmputationLevel, side: Side, head: Pose, t_capture: float,
                    stump_length: float, dims: ArmDimensions | None = None) -> TrackedSample:  # fmt: skip
    """The residual arm's sample: shoulder, elbow and stump end valid as the level needs, the hand
    landmarks invalid (there is no hand)."""
    if level not in ("forearm", "upper_arm"):
        raise ValueError(f"a device on the arm anchors a forearm or upper_arm stump, not {level!r}")
    dims = dims or ArmDimensions()
    end = np.asarray(device_position, float)
    shoulder = shoulder_from_head(head.position, head.rotation, side)
    points = np.zeros((len(ARM_POINTS), 3))
    valid = np.zeros(len(ARM_POINTS), bool)
    points[0] = shoulder
    if level == "forearm":
        points[1] = elbow_between(shoulder, end, replace(dims, forearm=stump_length), side)
        points[2] = end
        valid[:3] = True
    else:
        points[1] = end
        valid[:2] = True
    return TrackedSample("arm", side, t_capture, points, valid, source="openxr-residual")

"""The plain data type between retargeting and the scene: one limb's joint angles at one instant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vrtherapy.tracking.sample import Side


@dataclass(frozen=True, eq=False)
class LimbPose:
    """Joint angles (J, 3) = (flexion, deviation, twist) radians, and where the limb's root sits.

    `root_rotation`/`root_position` place the skeleton's root frame (at the shoulder) in the world.
    `t_capture` is carried from the tracked sample so the renderer can measure visuo-motor delay.
    """

    side: Side
    angles: np.ndarray
    root_position: np.ndarray
    root_rotation: np.ndarray
    t_capture: float

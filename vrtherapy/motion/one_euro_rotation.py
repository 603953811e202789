"""One Euro smoothing for rotations (joint orientations from a headset's hand tracking, say).

Rotations are not vectors: smoothing quaternion components separately leaves the unit sphere and
bends the path. Here each step slerps from the previous estimate towards the new rotation by the One
Euro filter's alpha, whose cutoff rises with the (low-passed) angular speed. Vectorised over joints,
with scipy's `Rotation` doing the rotation arithmetic.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vrtherapy.motion.one_euro import OneEuroParams, _alpha


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(N, 4) unit quaternions (x, y, z, w) moved from q0 the fraction t ((N,)) of the way to q1, the
    short way round."""
    start = Rotation.from_quat(q0)
    step = (start.inv() * Rotation.from_quat(q1)).as_rotvec()  # the short way: at most half a turn
    return (start * Rotation.from_rotvec(step * np.asarray(t, float)[:, None])).as_quat()


def angle_between(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """(N,) rotation angle (radians) from q0 to q1."""
    return (Rotation.from_quat(q0).inv() * Rotation.from_quat(q1)).magnitude()


class OneEuroRotationFilter:
    """Filters (N, 4) unit quaternions (x, y, z, w) frame by frame.

    min_cutoff (Hz) smooths a still joint; beta (per rad/s) raises the cutoff with angular speed.
    """

    def __init__(self, params: OneEuroParams = OneEuroParams(min_cutoff=0.2, beta=0.3, d_cutoff=1.0)) -> None:
        self.params = params
        self._q: np.ndarray | None = None
        self._speed: np.ndarray | None = None
        self._t: float | None = None
        self._rate = params.rate_hz

    def filter(self, q: np.ndarray, t: float, valid: np.ndarray | None = None) -> np.ndarray:
        """Filtered (N, 4) rotations; joints not `valid` (or given as a zero quaternion) hold their
        last estimate."""
        q = np.asarray(q, float)
        length = np.linalg.norm(q, axis=-1)
        seen = (length > 1e-9) & (np.ones(len(q), bool) if valid is None else np.asarray(valid, bool))
        q = np.where(seen[:, None], q / np.where(seen, length, 1.0)[:, None], 0.0)
        if self._q is None or self._speed is None or self._t is None:
            # a joint never seen yet starts at the identity
            self._q = np.where(seen[:, None], q, np.eye(4)[3])
            self._speed, self._t = np.zeros(len(q)), t
            return self._q.copy()
        q = np.where(seen[:, None], q, self._q)
        if t > self._t:
            self._rate = 1.0 / (t - self._t)
        self._t = t
        a_d = _alpha(self.params.d_cutoff, self._rate)
        self._speed = a_d * angle_between(self._q, q) * self._rate + (1.0 - a_d) * self._speed
        a = _alpha(self.params.min_cutoff + self.params.beta * self._speed, self._rate)
        self._q = slerp(self._q, q, np.asarray(a))
        return self._q.copy()

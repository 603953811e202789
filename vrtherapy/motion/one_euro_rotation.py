"""One Euro smoothing for rotations (joint orientations from a headset's hand tracking, say).

Rotations are not vectors: smoothing quaternion components separately leaves the unit sphere and
bends the path. Here each step slerps from the previous estimate towards the new rotation by the One
Euro filter's alpha, whose cutoff rises with the (low-passed) angular speed. Vectorised over joints.
"""

from __future__ import annotations

import numpy as np

from vrtherapy.motion.one_euro import OneEuroParams, _alpha
from vrtherapy.motion.rotations import normalize


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between (N, 4) unit quaternions by (N,) fractions, shortest way."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[:, None] < 0.0, -q1, q1)  # q and -q are the same rotation
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin = np.sin(theta)
    small = sin < 1e-6
    w0 = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / np.where(small, 1.0, sin))
    w1 = np.where(small, t, np.sin(t * theta) / np.where(small, 1.0, sin))
    return normalize(w0[:, None] * q0 + w1[:, None] * q1)


def angle_between(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """(N,) rotation angle (radians) from q0 to q1."""
    return 2.0 * np.arccos(np.clip(np.abs(np.sum(q0 * q1, axis=-1)), 0.0, 1.0))


class OneEuroRotationFilter:
    """Filters (N, 4) unit quaternions (any fixed component order) frame by frame.

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
        if self._q is None:
            # a joint never seen yet starts at the identity (any fixed component order keeps it unit)
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
        self._q = slerp(self._q, q, a)
        return self._q.copy()

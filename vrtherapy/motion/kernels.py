"""Every numba-compiled kernel of the per-frame path, in one module.

Why compiled: the per-frame budget is a fraction of a millisecond per limb, and these loops work one
joint or one 3-vector at a time, where each numpy call costs several microseconds (more than the
arithmetic): retargeting is about 60 such steps, chaining transforms down the skeleton one per joint,
the One Euro filter a dozen array calls on 24 points. Compiled, each is well under a microsecond.
For the same reason the rotations here are written out by hand rather than taken from scipy's
`Rotation` (which costs tens of microseconds per call); the tests hold them to scipy.

Why one module: numba caches each kernel on disk and checks only the source file the kernel lives
in; a kernel calling a jitted function in another file keeps running its stale compiled copy after
that other file changes. With every kernel here, any edit recompiles them all.

The Python-side wrappers that prepare arguments live with their stage (`rotations`, `retarget`,
`kinematics`, `one_euro`); `kernel_prep` compiles everything ahead of time (`vrtherapy prepare`).
"""

from __future__ import annotations

import math

import numpy as np

from vrtherapy.motion.numba_cache import kernel
from vrtherapy.tracking.sample import HAND_OFFSET

_WRIST, _KNUCKLES = HAND_OFFSET, np.array([5, 9, 13, 17]) + HAND_OFFSET
#: Elbow bend (sine of the angle) over which the upper arm's roll passes from the thumb side of the
#: hand (a straight arm has no elbow plane) to the elbow plane; smooth, so reaching never snaps.
ROLL_FROM_HAND_BELOW, ROLL_FROM_ELBOW_ABOVE = 0.03, 0.20


# --- Rotations (single joints) ------------------------------------------------------------


@kernel
def clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


@kernel
def smoothstep(lo: float, hi: float, x: float) -> float:
    t = clamp((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@kernel
def frame3(y: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """`frame_from_y_and_z_hint` for one frame."""
    n = max(math.sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]), 1e-12)
    yx, yy, yz = y[0] / n, y[1] / n, y[2] / n
    d = z_hint[0] * yx + z_hint[1] * yy + z_hint[2] * yz
    zx, zy, zz = z_hint[0] - d * yx, z_hint[1] - d * yy, z_hint[2] - d * yz
    n = max(math.sqrt(zx * zx + zy * zy + zz * zz), 1e-12)
    zx, zy, zz = zx / n, zy / n, zz / n
    out = np.empty((3, 3))
    out[0, 0], out[0, 1], out[0, 2] = yy * zz - yz * zy, yx, zx
    out[1, 0], out[1, 1], out[1, 2] = yz * zx - yx * zz, yy, zy
    out[2, 0], out[2, 1], out[2, 2] = yx * zy - yy * zx, yz, zz
    return out


@kernel
def euler3(angles: np.ndarray, side_sign: float) -> np.ndarray:
    """`euler_to_matrix` for one joint's (3,) angles."""
    c_, b, a = angles[0], -side_sign * angles[1], side_sign * angles[2]
    ca, sa, cb, sb, cc, sc = math.cos(a), math.sin(a), math.cos(b), math.sin(b), math.cos(c_), math.sin(c_)
    m = np.empty((3, 3))
    m[0, 0], m[0, 1], m[0, 2] = ca * cb, sa * sc - ca * sb * cc, ca * sb * sc + sa * cc
    m[1, 0], m[1, 1], m[1, 2] = sb, cb * cc, -cb * sc
    m[2, 0], m[2, 1], m[2, 2] = -sa * cb, sa * sb * cc + ca * sc, ca * cc - sa * sb * sc
    return m


@kernel
def matrix_to_euler3(m: np.ndarray, side_sign: float) -> np.ndarray:
    """`matrix_to_euler` for one matrix: (3,) angles."""
    out = np.empty(3)
    out[0] = math.atan2(-m[1, 2], m[1, 1])
    out[1] = -side_sign * math.asin(clamp(m[1, 0], -1.0, 1.0))
    out[2] = side_sign * math.atan2(-m[2, 0], m[0, 0])
    return out


@kernel
def clamp_angles(angles: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """(3,) angles clamped to a joint's (3, 2) limits."""
    out = np.empty(3)
    for k in range(3):
        out[k] = clamp(angles[k], limits[k, 0], limits[k, 1])
    return out


# --- Retargeting ----------------------------------------------------------------------


@kernel
def palm_frame(points: np.ndarray) -> np.ndarray:
    """A frame fixed to the palm: Y from the wrist to the knuckles' centre, Z across the knuckles."""
    w, i, m, r, little = points[_WRIST], points[_KNUCKLES[0]], points[_KNUCKLES[1]], points[_KNUCKLES[2]], points[_KNUCKLES[3]]
    return frame3((i + m + r + little) * 0.25 - w, i - little)


@kernel
def roll_hint(y: np.ndarray, child: np.ndarray, fallback: np.ndarray, below: float, above: float,
              away: float) -> tuple[np.ndarray, float, float]:  # fmt: skip
    """The direction a hinge bends `child` away from axis `y` (times `away`: +1 towards, -1 away from
    the bend), blended into `fallback` as the hinge straightens; also the bend and along components."""
    along = child @ y
    perp = child - along * y
    bend = math.sqrt(perp @ perp)
    hint = away * perp / max(bend, 1e-9)
    w = smoothstep(below, above, bend / max(math.sqrt(child @ child), 1e-9))
    if w < 1.0:
        side = fallback - (fallback @ y) * y
        hint = w * hint + (1.0 - w) * side
    return hint, bend, along


@kernel
def solve_arm(pts, sign, r0, limits, palm_to_hand, ua, fa, wr, chain_joints, seg_start, seg_end, base_rest):
    angles = np.zeros((r0.shape[0], 3))
    upper = pts[1]
    fore = pts[HAND_OFFSET] - pts[1]
    hand_frame = palm_frame(pts) @ palm_to_hand
    y = upper / max(math.sqrt(upper @ upper), 1e-9)
    thumb_side = hand_frame[:, 0].copy()  # straight elbow: the arm's front follows the thumb side
    hint, bend, along = roll_hint(y, fore, thumb_side, ROLL_FROM_HAND_BELOW, ROLL_FROM_ELBOW_ABOVE, 1.0)
    ua_frame = frame3(y, hint)
    a_ua = clamp_angles(matrix_to_euler3(r0[ua].T @ ua_frame, sign), limits[ua])
    a_fa = np.zeros(3)
    a_fa[0] = clamp(math.atan2(bend, along), limits[fa, 0, 0], limits[fa, 0, 1])
    fa_frame = r0[ua] @ euler3(a_ua, sign) @ r0[fa] @ euler3(a_fa, sign)
    a_wr = clamp_angles(matrix_to_euler3(r0[wr].T @ fa_frame.T @ hand_frame, sign), limits[wr])
    hand_frame = fa_frame @ r0[wr] @ euler3(a_wr, sign)
    angles[ua], angles[fa], angles[wr] = a_ua, a_fa, a_wr

    for c in range(chain_joints.shape[0]):
        base = hand_frame @ base_rest[c]  # the rest frame of the chain's base joint
        seg = np.empty((3, 3))
        for k in range(3):
            d = pts[seg_end[c, k]] - pts[seg_start[c, k]]
            seg[k] = d / max(math.sqrt(d @ d), 1e-9)
        u = base.T @ seg[0]
        j = chain_joints[c, 0]
        flex = clamp(math.asin(clamp(u[2], -1.0, 1.0)), limits[j, 0, 0], limits[j, 0, 1])
        dev = clamp(sign * math.atan2(u[0], u[1]), limits[j, 1, 0], limits[j, 1, 1])
        angles[j, 0], angles[j, 1] = flex, dev
        # The base joint's frame after flexion and deviation: Y runs along the segment, Z is its
        # palmar side, X the hinge axis of the whole chain (hinges keep it), so each further
        # flexion is a rotation of (Y, Z) about that fixed axis.
        b = -sign * dev
        cb, sb, cf, sf = math.cos(b), math.sin(b), math.cos(flex), math.sin(flex)
        along_v = base[:, 0] * (-cf * sb) + base[:, 1] * (cf * cb) + base[:, 2] * sf
        front_v = base[:, 0] * (sb * sf) + base[:, 1] * (-cb * sf) + base[:, 2] * cf
        for k in range(1, 3):
            j = chain_joints[c, k]
            f = clamp(math.atan2(seg[k] @ front_v, seg[k] @ along_v), limits[j, 0, 0], limits[j, 0, 1])
            angles[j, 0] = f
            cf, sf = math.cos(f), math.sin(f)
            along_v, front_v = cf * along_v + sf * front_v, cf * front_v - sf * along_v
    return angles


# --- Forward kinematics ------------------------------------------------------------


@kernel
def chain(angles, sign, rest_rotations, offsets, parents, twist_joint, wrist, share, root):
    """Parents precede children, so one pass down the joint list chains every transform."""
    out = np.empty((len(parents), 4, 4))
    local = np.zeros((4, 4))
    local[3, 3] = 1.0
    for j in range(len(parents)):
        a = angles[j].copy()
        if j == twist_joint:  # the forearm shows part of the wrist's forearm rotation
            a[2] = share * angles[wrist, 2]
        elif j == wrist and twist_joint >= 0:
            a[2] = (1.0 - share) * angles[wrist, 2]
        local[:3, :3] = rest_rotations[j] @ euler3(a, sign)
        local[:3, 3] = offsets[j]
        out[j] = (root if parents[j] < 0 else out[parents[j]]) @ local
    return out


@kernel
def chain_into_shader(angles, sign, rest_rotations, offsets, parents, twist_joint, wrist, share, root_rotation,
                       root_position, inverse_bind, out):
    root = np.eye(4)
    root[:3, :3] = root_rotation
    root[:3, 3] = root_position
    chained = chain(angles, sign, rest_rotations, offsets, parents, twist_joint, wrist, share, root)
    for j in range(len(parents)):
        out[j] = (chained[j] @ inverse_bind[j]).T


# --- One Euro filter ------------------------------------------------------------


@kernel
def one_euro_step(x, valid, t, rate, a_d, x_hat, dx_hat, t_seen, reset_after, min_cutoff, beta, groups):
    """One filter step, in place, over all landmarks (compiled: a dozen numpy calls cost more)."""
    n = x.shape[0]
    prev = np.empty((n, 3))
    dx = np.empty((n, 3))
    for i in range(n):
        restart = valid[i] and t - t_seen[i] > reset_after  # unseen for a while: start where it is now
        for k in range(3):
            prev[i, k] = x[i, k] if restart else x_hat[i, k]
            old = 0.0 if restart else dx_hat[i, k]
            dx[i, k] = a_d * (x[i, k] - prev[i, k]) * rate + (1.0 - a_d) * old
    speed = np.abs(dx)  # per coordinate, as the reference filter
    if groups.shape[0] == n:  # the mean velocity of each group of landmarks that move together
        n_groups = groups.max() + 1
        sums = np.zeros((n_groups, 3))
        counts = np.zeros(n_groups)
        for i in range(n):
            if valid[i]:
                sums[groups[i]] += dx[i]
                counts[groups[i]] += 1.0
        for i in range(n):
            g = groups[i]
            v = sums[g] / max(counts[g], 1.0)
            speed[i, :] = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    two_pi = 2.0 * math.pi
    for i in range(n):
        if not valid[i]:
            continue  # unseen this frame: hold the last estimate
        for k in range(3):
            cutoff = min_cutoff[i] + beta[i] * speed[i, k]
            a = 1.0 / (1.0 + rate / (two_pi * cutoff))
            x_hat[i, k] = a * x[i, k] + (1.0 - a) * prev[i, k]
            dx_hat[i, k] = dx[i, k]
        t_seen[i] = t


# --- Render edge: the shader's dual quaternions, and contact with a surface ---------------------
# Row-vector joint matrices as the skin shader takes them (`kinematics.write_shader_joint_matrices`).


@kernel
def dual_quaternions_into(matrices, n, out):
    """(n, 2, 4) unit dual quaternions (real, dual; quaternions x, y, z, w) of the first `n` row-vector
    rigid matrices, written into `out`: Shepperd's method, each from its largest component (as
    `limbs/skinning.dual_quaternions`, which the tests hold this to)."""
    q = np.empty(4)
    for j in range(n):
        m = matrices[j]  # row-vector: the column-vector rotation r[a, b] is m[b, a]
        r00, r11, r22 = float(m[0, 0]), float(m[1, 1]), float(m[2, 2])
        trace = r00 + r11 + r22
        m01, m02, m10, m12, m20, m21 = float(m[0, 1]), float(m[0, 2]), float(m[1, 0]), float(m[1, 2]), float(m[2, 0]), \
            float(m[2, 1])
        d0, d1, d2 = m12 - m21, m20 - m02, m01 - m10
        s0, s1, s2 = m01 + m10, m12 + m21, m20 + m02
        if r00 >= r11 and r00 >= r22 and r00 >= trace:  # the first largest, as numpy's argmax
            a = math.sqrt(max(1.0 + 2.0 * r00 - trace, 1e-12)) * 2.0
            q[0], q[3], q[1], q[2] = 0.25 * a, d0 / a, s0 / a, s2 / a
        elif r11 >= r22 and r11 >= trace:
            a = math.sqrt(max(1.0 + 2.0 * r11 - trace, 1e-12)) * 2.0
            q[1], q[3], q[2], q[0] = 0.25 * a, d1 / a, s1 / a, s0 / a
        elif r22 >= trace:
            a = math.sqrt(max(1.0 + 2.0 * r22 - trace, 1e-12)) * 2.0
            q[2], q[3], q[0], q[1] = 0.25 * a, d2 / a, s2 / a, s1 / a
        else:
            a = math.sqrt(max(1.0 + trace, 1e-12)) * 2.0
            q[0], q[1], q[2], q[3] = d0 / a, d1 / a, d2 / a, 0.25 * a
        q /= math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
        tx, ty, tz = float(m[3, 0]), float(m[3, 1]), float(m[3, 2])
        out[j, 0] = q
        # 0.5 * (t, 0) * real
        out[j, 1, 0] = 0.5 * (q[3] * tx + ty * q[2] - tz * q[1])
        out[j, 1, 1] = 0.5 * (q[3] * ty + tz * q[0] - tx * q[2])
        out[j, 1, 2] = 0.5 * (q[3] * tz + tx * q[1] - ty * q[0])
        out[j, 1, 3] = -0.5 * (tx * q[0] + ty * q[1] + tz * q[2])


@kernel
def skin_points(matrices, vertices, indices, weights):
    """(N, 3) linear-blend skinned points: homogeneous `vertices` (N, 4), their joints and weights (N, K)."""
    out = np.zeros((vertices.shape[0], 3))
    for i in range(vertices.shape[0]):
        for k in range(indices.shape[1]):
            m = matrices[indices[i, k]]
            w = weights[i, k]
            for c in range(3):
                out[i, c] += w * (vertices[i, 0] * m[0, c] + vertices[i, 1] * m[1, c] + vertices[i, 2] * m[2, c]
                                  + vertices[i, 3] * m[3, c])
    return out


@kernel
def _rotate_joints_from(matrices, first, n, pivot, ax, ay, angle):
    """Rotate joints first..n-1 (row-vector, in place) by `angle` about the horizontal axis (ax, ay, 0)
    through `pivot`."""
    c, s = math.cos(angle), math.sin(angle)
    r = np.empty((3, 3))  # Rodrigues, axis (ax, ay, 0)
    r[0, 0], r[0, 1], r[0, 2] = c + ax * ax * (1 - c), ax * ay * (1 - c), ay * s
    r[1, 0], r[1, 1], r[1, 2] = ax * ay * (1 - c), c + ay * ay * (1 - c), -ax * s
    r[2, 0], r[2, 1], r[2, 2] = -ay * s, ax * s, c
    about_t = np.zeros((4, 4))  # the column-vector transform, transposed for row vectors
    for a in range(3):
        about_t[3, a] = pivot[a]
        for b in range(3):
            about_t[a, b] = r[b, a]
            about_t[3, a] -= r[a, b] * pivot[b]
    about_t[3, 3] = 1.0
    row = np.empty(4)
    for j in range(first, n):
        for a in range(4):
            for b in range(4):
                row[b] = matrices[j, a, 0] * about_t[0, b] + matrices[j, a, 1] * about_t[1, b] \
                    + matrices[j, a, 2] * about_t[2, b] + matrices[j, a, 3] * about_t[3, b]
            matrices[j, a, :] = row


@kernel
def _place(m, p):
    """Point `p` (3,) moved by the row-vector matrix `m`."""
    out = np.empty(3)
    for c in range(3):
        out[c] = p[0] * m[0, c] + p[1] * m[1, c] + p[2] * m[2, c] + m[3, c]
    return out


@kernel
def _lowest(points, mask):
    """Index of the lowest of `points` where `mask`; -1 when none."""
    best, z = -1, np.inf
    for i in range(points.shape[0]):
        if mask[i] and points[i, 2] < z:
            best, z = i, points[i, 2]
    return best


@kernel
def rest_on_surface(matrices, n, vertices, indices, weights, is_hand, height, area, has_area, rest_positions, wrist,
                    snap):
    """Move the limb (row-vector matrices[:n], in place) onto the surface at `height`, as
    `render/contact.py` describes; returns (vertical offset in m, tip of the hand about the wrist in
    radians). `area`: the table top (x_min, x_max, y_min, y_max) when `has_area`; `wrist` < 0: no hand."""
    points = skin_points(matrices, vertices, indices, weights)
    count = points.shape[0]
    over = np.ones(count, np.bool_)
    if has_area:
        for i in range(count):
            over[i] = area[0] <= points[i, 0] <= area[1] and area[2] <= points[i, 1] <= area[3]
    placing = over & ~is_hand if has_area else over  # on a table the forearm places the arm
    low = _lowest(points, placing)
    offset = 0.0
    if low >= 0:
        gap = points[low, 2] - height
        offset = -gap if gap <= 0.0 else -gap * min(max(2.0 - gap / snap, 0.0), 1.0)
    for j in range(n):
        matrices[j, 3, 2] += offset
    if not has_area or wrist < 0:
        return offset, 0.0
    points[:, 2] += offset
    hand, arm = over & is_hand, over & ~is_hand
    low_hand, low_arm = _lowest(points, hand), _lowest(points, arm)
    if low_hand < 0 or low_arm < 0:
        return offset, 0.0
    arm_gap, hand_gap = points[low_arm, 2] - height, points[low_hand, 2] - height
    elbow, wrist_at = _place(matrices[wrist - 2], rest_positions[wrist - 2]), _place(matrices[wrist], rest_positions[wrist])
    lowest = points[low_hand]
    if hand_gap < 0.0:  # sinking: the forearm turns up about the elbow
        ax, ay = wrist_at[0] - elbow[0], wrist_at[1] - elbow[1]
        norm = math.hypot(ax, ay)
        reach = math.hypot(lowest[0] - elbow[0], lowest[1] - elbow[1])
        if norm < 1e-6 or reach < 0.05:
            return offset, 0.0
        angle = -math.asin(min(-hand_gap / reach, 0.6))
        _rotate_joints_from(matrices, wrist - 2, n, elbow, -ay / norm, ax / norm, angle)
        return offset, angle
    if arm_gap > 0.002:
        return offset, 0.0
    ax, ay = wrist_at[0] - elbow[0], wrist_at[1] - elbow[1]  # a hovering hand tips down about the wrist
    norm = math.hypot(ax, ay)
    reach = math.hypot(lowest[0] - wrist_at[0], lowest[1] - wrist_at[1])
    if norm < 1e-6 or reach < 0.02:
        return offset, 0.0
    angle = math.asin(min(hand_gap / reach, 0.5)) * min(max(2.0 - hand_gap / snap, 0.0), 1.0)
    _rotate_joints_from(matrices, wrist, n, wrist_at, -ay / norm, ax / norm, angle)
    return offset, angle

"""Measuring how badly a posed limb mesh cuts through itself: folded triangles and interpenetration.

Skinning that fails at full flexion shows as triangles turned inside out (their normal points into
the limb) and as skin of one part pushed inside another (the back of the fingers inside the palm in a
fist). Both are measured on the posed mesh:

* `folded_fraction`: the share of triangles whose posed geometric normal points against their
  skinned vertex normals.
* `penetration_mm`: how deep (millimetres) the skin of one rigid part lies inside another: each
  posed vertex is taken back into a part's rest frame by the inverse of that part's bone transform,
  where the part's own distance field (from the arm's anatomy, `ArmBody`) says how far inside it is.
  Vertices the part's bone moves (any weight) are not tested against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vrtherapy.limbs.arm_body import _DIGIT_THICKNESS, DIGITS, ArmBody
from vrtherapy.limbs.limb_mesh import LimbMesh
from vrtherapy.limbs.sdf import ellipsoid, round_cone, smin


def folded_fraction(mesh: LimbMesh, posed: np.ndarray, posed_normals: np.ndarray) -> float:
    """Share of triangles whose posed face normal disagrees with their posed vertex normals."""
    a, b, c = (posed[mesh.triangles[:, i]] for i in range(3))
    face = np.cross(b - a, c - a)
    area = np.linalg.norm(face, axis=1)
    vertex = posed_normals[mesh.triangles].sum(axis=1)
    ok = area > 1e-12
    return float(np.mean(np.einsum("ij,ij->i", face[ok], vertex[ok]) < 0.0))


@dataclass(frozen=True)
class _Part:
    name: str
    bone: int
    sdf: Callable[[np.ndarray], np.ndarray]  # rest-frame points -> signed distance (m)


def _hand_parts(body: ArmBody) -> list[_Part]:
    parts = []

    def palm(p: np.ndarray) -> np.ndarray:
        q = body.to_hand(p)
        d = body.palm_sdf(q)
        return smin(d, ellipsoid(q - body.hypothenar_centre, body.hypothenar_radii), 0.010 * body.sx)

    parts.append(_Part("palm", body.idx["wrist"], palm))
    for digit in DIGITS:
        frame = body.digit_frames[digit]
        origin = body.digit_cones[digit][0][0]
        chain = body.chains[digit]
        for i, (a, b, r1, r2) in enumerate(body.digit_cones[digit]):
            la, lb = (a - origin) @ frame, (b - origin) @ frame

            def segment(p: np.ndarray, la=la, lb=lb, r1=r1, r2=r2, frame=frame, origin=origin) -> np.ndarray:
                local = (p - origin) @ frame
                local[:, 2] /= _DIGIT_THICKNESS
                return round_cone(local, la, lb, r1, r2) * _DIGIT_THICKNESS

            parts.append(_Part(f"{digit}-{i}", chain.joints[i + 1], segment))
    return parts


def penetration_mm(body: ArmBody, mesh: LimbMesh, skinning_matrices: np.ndarray, posed: np.ndarray,
                   depth_mm: float = 2.0) -> tuple[float, int]:  # fmt: skip
    """Deepest penetration (mm) of hand skin into another rigid part of the hand, and how many
    vertices lie deeper than `depth_mm`. Only the hand (past the wrist) is tested."""
    hand = np.flatnonzero(mesh.vertices[:, 1] > body.wrist_y - 0.01)
    deepest, count = 0.0, 0
    weights = mesh.joint_weights[hand]
    indices = mesh.joint_indices[hand]
    for part in _hand_parts(body):
        moved_by_part = ((indices == part.bone) & (weights > 0.0)).any(axis=1)
        test = hand[~moved_by_part]
        if not len(test):
            continue
        inverse = np.linalg.inv(skinning_matrices[part.bone])
        rest = posed[test] @ inverse[:3, :3].T + inverse[:3, 3]
        d = -part.sdf(rest) * 1000.0
        deepest = max(deepest, float(d.max(initial=0.0)))
        count += int((d > depth_mm).sum())
    return deepest, count


def winding_numbers(points: np.ndarray, vertices: np.ndarray, triangles: np.ndarray, chunk: int = 96) -> np.ndarray:
    """Generalised winding number of a triangle mesh at each point (about 1 inside, 0 outside; the
    solid angle of every triangle summed, after Van Oosterom and Strackee)."""
    tri = vertices[triangles]  # (T, 3, 3)
    out = np.empty(len(points))
    for start in range(0, len(points), chunk):
        p = points[start : start + chunk, None, None, :]
        r = tri[None] - p  # (P, T, 3, 3)
        length = np.linalg.norm(r, axis=-1)
        a, b, c = r[..., 0, :], r[..., 1, :], r[..., 2, :]
        la, lb, lc = length[..., 0], length[..., 1], length[..., 2]
        det = np.einsum("ptk,ptk->pt", a, np.cross(b, c))
        den = (la * lb * lc + np.einsum("ptk,ptk->pt", a, b) * lc + np.einsum("ptk,ptk->pt", b, c) * la
               + np.einsum("ptk,ptk->pt", c, a) * lb)  # fmt: skip
        out[start : start + chunk] = np.arctan2(det, den).sum(axis=1) / (2.0 * np.pi)
    return out


def buried_fraction(mesh: LimbMesh, posed: np.ndarray, posed_normals: np.ndarray, region: np.ndarray,
                    offset: float = 0.001) -> float:  # fmt: skip
    """Share of the vertices in `region` (ids) that lie inside the posed mesh even after a step of
    `offset` metres out along their normal: skin buried in another part of the limb."""
    probes = posed[region] + offset * posed_normals[region]
    return float(np.mean(winding_numbers(probes, posed, mesh.triangles) > 0.5))


def distance_to_part(body: ArmBody, part: str, skinning_matrices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Signed distance (m, negative inside) from posed `points` to one rigid part of the posed hand:
    "palm", or a digit's segment "<digit>-<i>" (i = 0, 1, 2 from its base), e.g. "index-1" for the
    index finger's middle phalanx; measured in the part's rest frame, where its shape is known."""
    [found] = [p for p in _hand_parts(body) if p.name == part]
    inverse = np.linalg.inv(skinning_matrices[found.bone])
    return found.sdf(points @ inverse[:3, :3].T + inverse[:3, 3])

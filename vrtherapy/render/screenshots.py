"""`vrtherapy models screenshots`: pictures of the virtual limbs and rooms, for a person to judge them.

Open hand, fist, pinch, pointing and the foot at about arm's length, and the two first-person views a
patient sees (the clinic room with both hands on the table, the lower-limb room with both feet on the
floor), rendered offscreen by the app's own renderer, for every skin-tone preset (or one tone), and
gathered in one contact sheet: a row per tone, a column per picture.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from panda3d.core import Point3
from PIL import Image, ImageDraw

from vrtherapy.frames import SEATED_RIGHT_HIP
from vrtherapy.frames import SEATED_RIGHT_SHOULDER as RIGHT_SHOULDER
from vrtherapy.limbs.appearance import SKIN_TONES, Appearance
from vrtherapy.motion.calibration import SEATED_LEG_DEG, relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.hand_shapes import FIST_FINGERS_DEG, FIST_THUMB_DEG
from vrtherapy.motion.kinematics import forward_kinematics
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import FINGERS, build_arm_skeleton
from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.display import open_showbase
from vrtherapy.render.scene_spec import load_scene

HIP = np.array([0.09, 0.0, 0.5])
CLOSE_EYE, CLOSE_TARGET = (0.00, 0.08, 1.12), (0.20, 0.45, 0.78)
FOOT_EYE, FOOT_TARGET = (0.55, 0.95, 0.45), (0.09, 0.50, 0.06)


def _hand(shape: str) -> np.ndarray:
    sk = build_arm_skeleton("right")
    deg = relaxed_arm_degrees(sk.names)
    curl = {"open": (0, 0, 0), "pinch": (42, 48, 28), "rest": (35, 45, 30)}
    for f in FINGERS:
        kind = {"open": "open", "fist": "fist", "point": "open" if f == "index" else "fist",
                "pinch": "pinch" if f == "index" else "rest"}[shape]  # fmt: skip
        mcp, pip, dip = FIST_FINGERS_DEG[f] if kind == "fist" else curl[kind]
        spread = {"index": 8, "middle": 0, "ring": -6, "little": -12}[f] if shape == "open" else 0
        deg[sk.index(f"{f}_proximal")] = (mcp, spread, 0)
        deg[sk.index(f"{f}_intermediate")] = (pip, 0, 0)
        deg[sk.index(f"{f}_distal")] = (dip, 0, 0)
    thumbs: dict[str, tuple[float, float, float, float]] = {"open": (-5, 25, 0, 0), "fist": FIST_THUMB_DEG,
                                                            "point": FIST_THUMB_DEG}  # fmt: skip
    thumb = thumbs.get(shape)
    if shape == "pinch":
        thumb = _pinch_thumb(deg)
    assert thumb is not None
    deg[sk.index("thumb_metacarpal")] = (thumb[0], thumb[1], 0)
    deg[sk.index("thumb_proximal")] = (thumb[2], 0, 0)
    deg[sk.index("thumb_distal")] = (thumb[3], 0, 0)
    deg[sk.index("wrist")] = (-10, 0, -60)  # palm turned a little towards the viewer
    return np.radians(deg)


@cache
def _pinch_thumb_cached(key: bytes) -> tuple[float, float, float, float]:
    from scipy.optimize import minimize

    sk = build_arm_skeleton("right")
    deg = np.frombuffer(key).reshape(-1, 3).copy()
    thumb_tip, index_tip = sk.index("thumb_tip"), sk.index("index_tip")
    radius = 0.0085  # the pads meet: tips one pad's thickness apart

    def gap(x: np.ndarray) -> float:
        d = deg.copy()
        d[sk.index("thumb_metacarpal")] = (x[0], x[1], 0)
        d[sk.index("thumb_proximal")] = (x[2], 0, 0)
        d[sk.index("thumb_distal")] = (x[3], 0, 0)
        _, pos = forward_kinematics(sk, np.radians(d))
        return float((np.linalg.norm(pos[thumb_tip] - pos[index_tip]) - radius) ** 2 + 1e-7 * (x @ x))

    best = minimize(gap, np.array([30.0, 30.0, 15.0, 15.0]), method="Nelder-Mead", options={"maxiter": 600})
    return tuple(float(v) for v in best.x)  # type: ignore[return-value]


def _pinch_thumb(deg: np.ndarray) -> tuple[float, float, float, float]:
    """Thumb angles that bring its tip to the index fingertip (an "O" between them)."""
    return _pinch_thumb_cached(np.ascontiguousarray(deg, float).tobytes())


def _seated_legs(side: str) -> LimbPose:
    sk = build_leg_skeleton(side)  # type: ignore[arg-type]
    deg = np.array([SEATED_LEG_DEG.get(n, (0.0, 0.0, 0.0)) for n in sk.names])
    root = SEATED_RIGHT_HIP * (1.0 if side == "right" else np.array([-1.0, 1.0, 1.0]))
    return LimbPose(side, np.radians(deg), root, np.eye(3), 0.0)  # type: ignore[arg-type]


def _resting_arm(side: str) -> LimbPose:
    sk = build_arm_skeleton(side)  # type: ignore[arg-type]
    root = RIGHT_SHOULDER * (1.0 if side == "right" else np.array([-1.0, 1.0, 1.0]))
    return LimbPose(side, np.radians(relaxed_arm_degrees(sk.names)), root, np.eye(3), 0.0)  # type: ignore[arg-type]


#: name -> (limb, pose maker or None for the first-person view of both limbs, eye, target)
Vec3 = tuple[float, float, float]
#: name: (limb, the joint angles (None: the first-person room view), eye, target)
SHOTS: dict[str, tuple[str, Callable[[], np.ndarray] | None, Vec3 | None, Vec3 | None]] = {
    "open_hand": ("arm", lambda: _hand("open"), CLOSE_EYE, CLOSE_TARGET),
    "fist": ("arm", lambda: _hand("fist"), CLOSE_EYE, CLOSE_TARGET),
    "pinch": ("arm", lambda: _hand("pinch"), CLOSE_EYE, CLOSE_TARGET),
    "pointing": ("arm", lambda: _hand("point"), CLOSE_EYE, CLOSE_TARGET),
    "foot": ("leg", lambda: np.radians(relaxed_leg_degrees(build_leg_skeleton("right").names)), FOOT_EYE, FOOT_TARGET),
    "clinic_room": ("arm", None, None, None),
    "lower_limb_room": ("leg", None, None, None),
}  # fmt: skip


def take_screenshots(folder: Path, skin_tone: str | None = None, size: tuple[int, int] = (800, 600)) -> list[Path]:
    """Render SHOTS into `folder` as PNG files, for one tone (files directly in `folder`) or for every
    preset (a subfolder per tone), and `contact_sheet.png`; returns the paths written."""
    from vrtherapy.render.app import TherapyScene

    folder.mkdir(parents=True, exist_ok=True)
    tones = [skin_tone] if skin_tone else list(SKIN_TONES)
    base = open_showbase("offscreen", size)
    spec = load_scene()
    paths: list[Path] = []
    sheet: dict[str, dict[str, Image.Image]] = {tone: {} for tone in tones}
    try:
        for limb in ("arm", "leg"):
            build = build_arm_skeleton if limb == "arm" else build_leg_skeleton
            close = TherapyScene(base, spec, {"right": build("right")}, Appearance(), with_hud=False)
            both = TherapyScene(base, spec, {s: build(s) for s in ("left", "right")}, Appearance(), with_hud=False)
            for tone in tones:
                appearance = Appearance.from_tone(tone)
                for scene in (close, both):
                    scene.set_appearance(appearance)
                for name, (kind, angles, eye, target) in SHOTS.items():
                    if kind != limb:
                        continue
                    scene = close if angles is not None else both
                    for other in (close, both):
                        other.root.hide() if other is not scene else other.root.show()
                    if angles is not None and eye is not None and target is not None:
                        root = RIGHT_SHOULDER if limb == "arm" else HIP
                        base.camLens.setMinFov(40)
                        base.camera.setPos(*eye)
                        base.camera.lookAt(Point3(*target))
                        scene.show(FramePoses(LimbPose("right", angles(), root, np.eye(3), 0.0), None, 0.0))
                    else:
                        make = _resting_arm if limb == "arm" else _seated_legs
                        scene.place_eye()
                        scene.show(FramePoses(make("left"), make("right"), 0.0))
                    image = Image.fromarray(grab_rgb(base))
                    out = folder if skin_tone else folder / tone
                    out.mkdir(exist_ok=True)
                    path = out / f"{name}.png"
                    image.save(path)
                    paths.append(path)
                    sheet[tone][name] = image
            close.destroy()
            both.destroy()
    finally:
        base.destroy()
    path = folder / "contact_sheet.png"
    contact_sheet(sheet).save(path)
    paths.append(path)
    return paths


def contact_sheet(images: dict[str, dict[str, Image.Image]], cell: tuple[int, int] = (240, 180)) -> Image.Image:
    """One picture: a row per skin tone, a column per shot, labelled."""
    names = [n for n in SHOTS if any(n in row for row in images.values())]
    label_w, label_h = 90, 18
    sheet = Image.new("RGB", (label_w + cell[0] * len(names), label_h + cell[1] * len(images)), (245, 245, 242))
    draw = ImageDraw.Draw(sheet)
    for j, name in enumerate(names):
        draw.text((label_w + j * cell[0] + 4, 3), name.replace("_", " "), fill=(30, 30, 30))
    for i, (tone, row) in enumerate(images.items()):
        draw.text((6, label_h + i * cell[1] + cell[1] // 2 - 6), tone, fill=(30, 30, 30))
        for j, name in enumerate(names):
            if name in row:
                sheet.paste(row[name].resize(cell, Image.Resampling.LANCZOS), (label_w + j * cell[0], label_h + i * cell[1]))
    return sheet

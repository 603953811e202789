"""`vrtherapy models screenshots`: close-up pictures of the virtual limbs, for a person to judge them.

Open hand, fist, pointing and the foot, rendered offscreen by the app's own renderer in the clinic
room, at about arm's length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from panda3d.core import Point3
from PIL import Image

from vrtherapy.frames import SEATED_RIGHT_SHOULDER as RIGHT_SHOULDER
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.calibration import relaxed_arm_degrees, relaxed_leg_degrees
from vrtherapy.motion.leg_skeleton import build_leg_skeleton
from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.pose import LimbPose
from vrtherapy.motion.skeleton import FINGERS, build_arm_skeleton
from vrtherapy.render.capture import grab_rgb
from vrtherapy.render.display import open_showbase
from vrtherapy.render.scene_spec import load_scene

HIP = np.array([0.09, 0.0, 0.5])


def _hand(shape: str) -> np.ndarray:
    sk = build_arm_skeleton("right")
    deg = relaxed_arm_degrees(sk.names)
    curl = {"open": (0, 0, 0), "fist": (80, 95, 62)}
    for f in FINGERS:
        mcp, pip, dip = curl["open" if shape == "open" or (shape == "point" and f == "index") else "fist"]
        spread = {"index": 8, "middle": 0, "ring": -6, "little": -12}[f] if shape == "open" else 0
        deg[sk.index(f"{f}_proximal")] = (mcp, spread, 0)
        deg[sk.index(f"{f}_intermediate")] = (pip, 0, 0)
        deg[sk.index(f"{f}_distal")] = (dip, 0, 0)
    thumb = {"open": (-5, 25, 0, 0), "fist": (38, 5, 45, 55), "point": (35, 5, 40, 45)}[shape]
    deg[sk.index("thumb_metacarpal")] = (thumb[0], thumb[1], 0)
    deg[sk.index("thumb_proximal")] = (thumb[2], 0, 0)
    deg[sk.index("thumb_distal")] = (thumb[3], 0, 0)
    deg[sk.index("wrist")] = (-10, 0, -60)  # palm turned a little towards the viewer
    return np.radians(deg)


SHOTS = {
    "open_hand": ("arm", lambda: _hand("open"), (0.00, 0.08, 1.12), (0.20, 0.45, 0.78)),
    "fist": ("arm", lambda: _hand("fist"), (0.00, 0.08, 1.12), (0.20, 0.45, 0.78)),
    "pointing": ("arm", lambda: _hand("point"), (0.00, 0.08, 1.12), (0.20, 0.45, 0.78)),
    "foot": ("leg", lambda: np.radians(relaxed_leg_degrees(build_leg_skeleton("right").names)),
             (0.55, 0.95, 0.45), (0.09, 0.50, 0.06)),
}  # fmt: skip


def take_screenshots(folder: Path, skin_tone: str = "medium", size: tuple[int, int] = (800, 600)) -> list[Path]:
    """Render SHOTS of the right limbs into `folder` as PNG files; returns their paths."""
    from vrtherapy.render.app import TherapyScene

    folder.mkdir(parents=True, exist_ok=True)
    base = open_showbase("offscreen", size)
    spec = load_scene()
    appearance = Appearance.from_tone(skin_tone)
    paths = []
    try:
        for limb in ("arm", "leg"):
            skeleton = (build_arm_skeleton if limb == "arm" else build_leg_skeleton)("right")
            scene = TherapyScene(base, spec, {"right": skeleton}, appearance, with_hud=False)
            base.camLens.setMinFov(40)
            for name, (kind, angles, eye, target) in SHOTS.items():
                if kind != limb:
                    continue
                root = RIGHT_SHOULDER if limb == "arm" else HIP
                scene.show(FramePoses(LimbPose("right", angles(), root, np.eye(3), 0.0), None, 0.0))
                base.camera.setPos(*eye)
                base.camera.lookAt(Point3(*target))
                path = folder / f"{name}.png"
                Image.fromarray(grab_rgb(base)).save(path)
                paths.append(path)
            scene.destroy()
    finally:
        base.destroy()
    return paths

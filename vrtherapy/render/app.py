"""The therapy scene: the room, the patient's eye point, the virtual limbs and the HUD, drawn per frame.

`TherapyScene` owns what is on screen and nothing else: it is handed poses and HUD text each frame and
renders one frame. Loading data and pacing the loop belong to the session (`therapy/session.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from panda3d.core import NodePath

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.limbs.fitted import model_path_for
from vrtherapy.limbs.model_io import load_limb_model
from vrtherapy.motion.pipeline import FramePoses
from vrtherapy.motion.skeleton import Skeleton
from vrtherapy.render.antialias import enable_antialiasing
from vrtherapy.render.backdrop import Backdrop
from vrtherapy.render.body import build_body
from vrtherapy.render.contact_shadow import ContactShadows
from vrtherapy.render.hud import Hud, HudState
from vrtherapy.render.limb_node import LimbNode, load_skin_shader
from vrtherapy.render.room import build_room, place_camera, table_top_height
from vrtherapy.render.scene_spec import SceneSpec, scene_for_limb
from vrtherapy.tracking.sample import LimbKind, Side


@dataclass(frozen=True)
class SkinLights:
    """The scene's lights as the skin shader takes them (the room uses Panda3D's own lights)."""

    key_dir: tuple[float, float, float]
    key_color: tuple[float, float, float]
    fill_dir: tuple[float, float, float]
    fill_color: tuple[float, float, float]
    sky: tuple[float, float, float]
    ground: tuple[float, float, float]

    @staticmethod
    def from_scene(spec: SceneSpec) -> SkinLights:
        # (scene_spec gives every directional light a direction)
        suns = [(li, li.direction) for li in spec.lights if li.kind == "directional" and li.direction is not None]
        directional = [li for li, direction in suns if direction[2] < 0.5]
        ambient = np.sum([li.color for li in spec.lights if li.kind == "ambient"] or [(0.4, 0.4, 0.4)], axis=0)
        bounce = np.sum([li.color for li, direction in suns if direction[2] >= 0.5] or [(0.0, 0.0, 0.0)], axis=0)
        none = ((0.0, 0.0, -1.0), (0.0, 0.0, 0.0))
        key = (directional[0].direction, directional[0].color) if directional else none
        fill = (directional[1].direction, directional[1].color) if len(directional) > 1 else none
        def vec(v) -> tuple[float, float, float]:
            return tuple(float(c) for c in v)  # type: ignore[return-value]

        return SkinLights(
            key_dir=vec(key[0]), key_color=vec(key[1]), fill_dir=vec(fill[0]), fill_color=vec(fill[1]),
            sky=vec(ambient), ground=vec(ambient * 0.55 + bounce),
        )


class TherapyScene:
    """Everything drawn in a session, under one node so a test or a new session can drop it whole."""

    def __init__(self, base, spec: SceneSpec, skeletons: dict[Side, Skeleton], appearance: Appearance,
                 with_hud: bool = True) -> None:  # fmt: skip
        self.base = base
        # Lower-limb sessions look at the feet, in their own room (the scene's `lower_limb_scene`) or
        # with the table moved aside; upper-limb ones at the table.
        self.limb: LimbKind = "leg" if any(s.limb == "leg" for s in skeletons.values()) else "arm"
        spec = scene_for_limb(spec, self.limb)
        self.spec = spec
        self.root = base.render.attachNewNode("therapy-scene")
        base.setBackgroundColor(*spec.background, 1.0)
        self.eye = spec.eye_lower if self.limb == "leg" else spec.eye
        self.antialiasing = enable_antialiasing(base)
        # Software GL: the still room and body come from an anti-aliased cache (`backdrop.py`).
        self.backdrop = Backdrop(base, self.root) if self.antialiasing.method == "silhouette" else None
        self.room = build_room(spec, self.root, with_table=self.limb == "arm")  # its lights go on self.root
        place_camera(base.camera, base.camLens, self.eye)
        self.body = build_body(self.root, appearance, self.limb)
        self._keep_still(self.room, self.body)
        lights = SkinLights.from_scene(spec)
        shader = load_skin_shader()
        self.limbs: dict[Side, LimbNode] = {}
        self.shadows: dict[Side, ContactShadows] = {}
        for side, skeleton in skeletons.items():
            model = load_limb_model(model_path_for(side, skeleton.limb, skeleton.dimensions), base.loader)
            limb = LimbNode(model, skeleton, self.root, appearance, shader)
            for name, value in (("u_key_dir", lights.key_dir), ("u_key_color", lights.key_color),
                                ("u_fill_dir", lights.fill_dir), ("u_fill_color", lights.fill_color),
                                ("u_sky_color", lights.sky), ("u_ground_color", lights.ground)):  # fmt: skip
                limb.node.setShaderInput(name, value)
            self.limbs[side] = limb
            if skeleton.limb == "arm" and spec.table_shown:  # hands rest on the table
                t = spec.table
                area = (-t.width / 2, t.width / 2, t.near_edge_y, t.near_edge_y + t.depth)
                self.shadows[side] = ContactShadows(self.root, table_top_height(t), area)
                limb.set_surface(table_top_height(t), area)
            else:  # feet rest on the floor
                self.shadows[side] = ContactShadows(self.root, 0.0)
                limb.set_surface(0.0)
        self.hud = Hud(base.aspect2d, base.getAspectRatio()) if with_hud else None
        for limb_node in self.limbs.values():
            limb_node.set_edge_antialiasing(self.antialiasing.method == "silhouette")
        if self.backdrop is not None:
            self.backdrop.prime()

    def set_appearance(self, appearance: Appearance) -> None:
        """Dress the limbs and the body anew (another skin tone or clothing)."""
        for limb in self.limbs.values():
            limb.set_appearance(appearance)
        self.body.removeNode()
        self.body = build_body(self.root, appearance, self.limb)
        self._keep_still(self.body)

    def _keep_still(self, *nodes: NodePath) -> None:
        """Draw `nodes` (parts of the scene that never move) from the backdrop cache, where there is one."""
        if self.backdrop is not None:
            for node in nodes:
                node.reparentTo(self.backdrop.node)

    def place_eye(self) -> None:
        """Put the camera back at the scene's seated eye point."""
        place_camera(self.base.camera, self.base.camLens, self.eye)
        if self.backdrop is not None:
            self.backdrop.prime()

    def show(self, poses: FramePoses, hud: HudState | None = None) -> None:
        """Set this frame's limb poses and HUD text (drawn by the next `render`)."""
        by_side = {p.side: p for p in (poses.phantom, poses.intact) if p is not None}
        eye = np.array(self.base.cam.getPos(self.base.render))
        for side, limb in self.limbs.items():
            if limb.update(by_side.get(side), eye):
                self.shadows[side].update(limb.shadow_segments())
        if hud is not None and self.hud is not None:
            self.hud.update(hud)

    def destroy(self) -> None:
        if self.root.isEmpty():
            return  # already destroyed
        self.antialiasing.remove()
        if self.backdrop is not None:
            self.backdrop.destroy()
        if self.hud is not None:
            self.hud.destroy()
        self.root.removeNode()
        self.base.render.clearLight()

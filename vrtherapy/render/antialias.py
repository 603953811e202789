"""Anti-aliasing for every display: multisampling where the GL offers it; on software GL, an FXAA post
pass over the still room and body (drawn once, `backdrop.py`) and the limbs' silhouettes anti-aliased in
their own shader, or (on request) an FXAA post pass over every whole frame.

Jagged, speckled silhouette edges make a limb look like a computer model. A GPU driver gives
multisampled framebuffers almost for free. Mesa's software rasteriser (llvmpipe, what tests and
GPU-less machines use) pays for every sample (4x multisampling measured 8-10x the frame time here) and
for every full-screen pass (FXAA, our own small shader `shaders/fxaa.*.glsl`, measured +60 % or more of
the frame), so there the default is "silhouette": the room and the body, which do not move while the
eye keeps still, go through FXAA once into a cached backdrop (`backdrop.py`: a frame then costs less
than drawing the room live), and the skin shader fades the last pixel of the limb's outline into what
lies behind it (alpha from the pixel's footprint of the surface's turn away from the eye), which costs
only the limb's own pixels. `VRTHERAPY_ANTIALIAS=fxaa` asks for the FXAA pass over every frame instead
(pictures for a report, where frame time does not matter); `none` turns it off.

* `enable_antialiasing(base)`: the desktop window or offscreen buffer (FXAA: FilterManager redirects
  the 3D view into a texture and draws it through the shader; the 2D overlay is untouched).
* `antialias_eye(base, buffer, texture)`: a headset eye's offscreen buffer (`xr/stereo_display.py`):
  returns the texture to hand to the runtime: the multisample-resolved one, the eye's own (silhouette
  mode: the same skin shader; a moving head leaves no still view to cache, so the room is drawn live),
  or an FXAA'd copy.
"""

from __future__ import annotations

import os
from importlib import resources

from panda3d.core import (
    AntialiasAttrib,
    CardMaker,
    FrameBufferProperties,
    GraphicsOutput,
    NodePath,
    OrthographicLens,
    Shader,
    Texture,
)

SAMPLES = 4  #: multisamples asked for where the GL is hardware
_SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software")
_ATTR = "_vrtherapy_antialiasing"


def is_software_gl(output: GraphicsOutput) -> bool:
    """True when `output` is drawn by a software rasteriser (Mesa llvmpipe and kin)."""
    renderer = output.getGsg().getDriverRenderer().lower()
    return any(name in renderer for name in _SOFTWARE_RENDERERS)


def fxaa_shader() -> Shader:
    folder = resources.files("vrtherapy.render") / "shaders"
    return Shader.make(Shader.SL_GLSL, (folder / "fxaa.vert.glsl").read_text(), (folder / "fxaa.frag.glsl").read_text())


def eye_buffer_properties(props: FrameBufferProperties, software: bool) -> FrameBufferProperties:
    """Ask for multisampling in a headset eye's buffer properties unless the GL is software."""
    if not software:
        props.setMultisamples(SAMPLES)
    return props


def clamp_edges(texture: Texture) -> Texture:
    """FXAA's filtered taps reach past the picture's edge: there they must read the edge, not wrap
    around to the opposite side (the default repeat would blend the bottom rows into the top)."""
    texture.setWrapU(Texture.WM_clamp)
    texture.setWrapV(Texture.WM_clamp)
    return texture


def _set_texel(quad: NodePath, texture: Texture) -> None:
    quad.setShaderInput("u_texel", (1.0 / max(1, texture.getXSize()), 1.0 / max(1, texture.getYSize())))


class Antialiasing:
    """The anti-aliasing of the main window; `method` is 'multisample', 'fxaa' or 'none'."""

    def __init__(self, base) -> None:
        self.base = base
        self.users = 0
        self._manager = None
        self._quad: NodePath | None = None
        self._scene_tex: Texture | None = None
        if base.win.getFbProperties().getMultisamples() > 0:
            base.render.setAntialias(AntialiasAttrib.MMultisample)
            self.method = "multisample"
            return
        self.method = software_method()
        if self.method != "fxaa":
            return
        from direct.filter.FilterManager import FilterManager

        manager = FilterManager(base.win, base.cam)
        scene_tex = clamp_edges(Texture("aa-scene"))
        quad = manager.renderSceneInto(colortex=scene_tex)
        if quad is None:  # no offscreen buffers on this GL: leave the view as it is
            manager.cleanup()
            self.method = "none"
            return
        quad.setShader(fxaa_shader())
        quad.setShaderInput("u_scene", scene_tex)
        self._manager, self._quad, self._scene_tex = manager, quad, scene_tex
        self.method = "fxaa"
        self.update()

    def update(self) -> None:
        """Follow the buffer's size (FilterManager resizes it with the window)."""
        if self._quad is not None and self._scene_tex is not None:
            _set_texel(self._quad, self._scene_tex)

    def remove(self) -> None:
        """Give up one hold on the anti-aliasing (see `enable_antialiasing`); the last one removes it."""
        self.users -= 1
        if self.users > 0:
            return
        if getattr(self.base, _ATTR, None) is self:
            delattr(self.base, _ATTR)
        if self._manager is not None:
            self._manager.cleanup()
            self._manager = None
            self._quad = None
        elif self.method == "multisample":
            self.base.render.clearAntialias()


def enable_antialiasing(base) -> Antialiasing:
    """Anti-alias `base`'s 3D view: multisampling when its framebuffer has samples, else FXAA.

    One per window, shared: every scene on the window holds it, and it goes when the last lets go
    (`remove`)."""
    current = getattr(base, _ATTR, None)
    if current is None:
        current = Antialiasing(base)
        setattr(base, _ATTR, current)
    current.users += 1
    return current


_EYE_PASSES: dict[int, GraphicsOutput] = {}


def remove_eye_antialiasing(base, buffer: GraphicsOutput) -> None:
    """Drop the FXAA pass `antialias_eye` made for `buffer`, if any (call before removing `buffer`)."""
    post = _EYE_PASSES.pop(id(buffer), None)
    if post is not None:
        base.graphicsEngine.removeWindow(post)


def software_method() -> str:
    """The anti-aliasing used where the framebuffer has no multisamples: 'silhouette' (default), 'fxaa'
    or 'none' (`VRTHERAPY_ANTIALIAS`)."""
    method = os.environ.get("VRTHERAPY_ANTIALIAS", "silhouette").strip().lower()
    return method if method in ("silhouette", "fxaa", "none") else "silhouette"


def fxaa_pass(base, output: GraphicsOutput, texture: Texture) -> NodePath:
    """Draw `texture` through FXAA into `output` (an offscreen buffer, drawn after the one that made
    `texture`): a full-screen quad of its own, seen by an orthographic camera. Returns the quad."""
    scene = NodePath("fxaa-pass")
    card = CardMaker("fxaa-quad")
    card.setFrameFullscreenQuad()
    card.setUvRange(texture)
    quad = scene.attachNewNode(card.generate())
    quad.setShader(fxaa_shader())
    quad.setShaderInput("u_scene", clamp_edges(texture))
    _set_texel(quad, texture)
    quad.setDepthTest(False)
    quad.setDepthWrite(False)
    lens = OrthographicLens()
    lens.setFilmSize(2, 2)
    lens.setNearFar(-1000, 1000)
    camera = base.makeCamera(output, lens=lens, scene=scene)
    camera.reparentTo(scene)
    return quad


def antialias_eye(base, buffer: GraphicsOutput, texture: Texture) -> Texture:
    """The texture a headset eye should hand to the runtime: `texture` itself when `buffer` is
    multisampled or the silhouettes are anti-aliased in the skin shader, else the output of an FXAA
    pass over it (a second buffer drawn after `buffer`; `remove_eye_antialiasing` drops it)."""
    if buffer.getFbProperties().getMultisamples() > 0 or software_method() != "fxaa":
        return texture
    out = Texture(f"{texture.getName()}-fxaa")
    props = FrameBufferProperties()
    props.setRgbaBits(8, 8, 8, 8)
    post = base.win.makeTextureBuffer(f"{buffer.getName()}-fxaa", buffer.getXSize(), buffer.getYSize(), out, False, props)
    if post is None:
        return texture
    post.setSort(buffer.getSort() + 1)
    post.setClearColorActive(False)
    fxaa_pass(base, post, texture)
    _EYE_PASSES[id(buffer)] = post
    return out

"""The static part of the scene (the room and the seated body) drawn once into a texture, anti-aliased
by a post pass, and laid behind every frame while the eye keeps still: software GL's anti-aliasing for
everything that is not a limb.

Why: under Mesa's software rasteriser (llvmpipe, what tests and GPU-less clinic laptops use) a
post-process pass over the whole frame costs about as much as drawing the room (FXAA measured +16 ms
on a 17 ms frame at 960x540: each texture read is a gather done in software), and multisampling is
8-10x the frame. But on the desktop and offscreen the eye does not move, and neither do the room or the
body: only the limbs, their contact shadows and the HUD change from frame to frame. So the still part
is drawn once, with depth, into textures; the FXAA pass (`shaders/fxaa.frag.glsl`) runs over it once;
and each frame a full-screen pass copies colour and depth back (two reads per pixel, cheaper than
drawing the room) before the limbs are drawn into it as usual, their silhouettes anti-aliased by the
skin shader (`antialias.py`). The frame costs less than drawing the room live and every edge is smooth.

When the eye moves, the lens changes, or a part of the still scene is hidden, shown or replaced, the
backdrop is drawn anew in that same frame: its buffer is drawn first in every frame, and the check runs
as its camera culls (a `CallbackNode`), so it holds whoever calls `renderFrame`; in the frames between,
that buffer draws and clears nothing and keeps what it has. An eye that keeps moving (30 frames in
a row) sees the still scene drawn live until it holds still; so does a window just resized, for one
frame. Cameras other than the main one (a headset's eyes) always see it drawn live.
"""

from __future__ import annotations

from importlib import resources

from panda3d.core import (
    CallbackNode,
    CardMaker,
    ClockObject,
    ColorBlendAttrib,
    DepthTestAttrib,
    FrameBufferProperties,
    GraphicsOutput,
    GraphicsPipe,
    LMatrix4f,
    NodePath,
    OmniBoundingVolume,
    PythonCallbackObject,
    RenderAttrib,
    Shader,
    Texture,
    WindowProperties,
)

from vrtherapy.render.antialias import clamp_edges, fxaa_pass

_SORT = -100  #: drawn before the window (sort 0) and anything else
_MOVING_FRAMES = 30  #: a new view this many frames in a row (a second): the eye is moving, the still scene is drawn live


def _shader(name: str) -> Shader:
    folder = resources.files("vrtherapy.render") / "shaders"
    return Shader.make(Shader.SL_GLSL, (folder / f"{name}.vert.glsl").read_text(), (folder / f"{name}.frag.glsl").read_text())


def _full_screen_quad(parent: NodePath, name: str) -> NodePath:
    card = CardMaker(name)
    card.setFrameFullscreenQuad()
    quad = parent.attachNewNode(card.generate())
    quad.node().setBounds(OmniBoundingVolume())
    quad.node().setFinal(True)
    return quad


class Backdrop:
    """The still scene under `self.root` drawn for `base.cam` from a cache (see the module docstring)."""

    def __init__(self, base, parent: NodePath) -> None:
        self.base = base
        #: what is cached: put the still parts of the scene under it
        self.root = NodePath("backdrop-scene")
        self.root.reparentTo(parent)
        self._gate = self.root.attachNewNode(CallbackNode("backdrop-gate"))
        self._gate.node().setCullCallback(PythonCallbackObject(self._cull_still))
        self._composite = NodePath(CallbackNode("backdrop-composite"))
        self._composite.reparentTo(parent)
        self._composite.node().setCullCallback(PythonCallbackObject(self._cull_composite))
        self._composite.node().setBounds(OmniBoundingVolume())
        self._composite.node().setFinal(True)
        quad = _full_screen_quad(self._composite, "backdrop-quad")
        quad.setShader(_shader("backdrop"))
        quad.setBin("background", 0)
        quad.setAttrib(DepthTestAttrib.make(RenderAttrib.MAlways))
        quad.setDepthWrite(True)
        quad.setAttrib(ColorBlendAttrib.make(ColorBlendAttrib.MNone))
        quad.setLightOff(1)
        self._quad = quad
        self._buffers: list[GraphicsOutput] = []
        self._camera: NodePath | None = None
        self._size: tuple[int, int] | None = None
        self._drawn_key: tuple | None = None  #: what the textures show (set while the backdrop camera culls)
        self._last_key: tuple | None = None  #: the view the frame before
        self._moving = 0  #: frames in a row with a new view
        self._redrawn_frame = -1
        self._key_of: tuple[int, tuple] = (-1, ())
        self.redraws = 0  #: how many times the backdrop was drawn (tests, bench)

    @property
    def node(self) -> NodePath:
        """Where the still parts go (children of this node are cached)."""
        return self._gate

    def _key(self) -> tuple:
        """What the still scene looks like from the main camera this frame: eye, lens, size, and its parts
        (worked out once a frame; three cull callbacks ask)."""
        frame = ClockObject.getGlobalClock().getFrameCount()
        if self._key_of[0] != frame:
            base = self.base
            key = (LMatrix4f(base.cam.getMat(base.render)), LMatrix4f(base.camLens.getProjectionMat()),
                   base.win.getXSize(), base.win.getYSize(),
                   tuple((child.getKey(), child.isHidden()) for child in self._gate.getChildren()))  # fmt: skip
            self._key_of = (frame, key)
        return self._key_of[1]

    def _cull_still(self, data) -> None:
        camera = data.getTrav().getScene().getCameraPath()
        if self._camera is not None and camera == self._camera:
            self._cull_for_backdrop(data)
        elif camera != self.base.cam or self._key() != self._drawn_key:
            data.upcall()  # another camera (a headset's eye), or no backdrop for this view: drawn live
            if camera == self.base.cam and (self.base.win.getXSize(), self.base.win.getYSize()) != self._size:
                self.prime()  # a new window size: new buffers, drawn from the next frame

    def _cull_for_backdrop(self, data) -> None:
        """The backdrop camera culls first in every frame: it redraws the backdrop when the view has
        changed (so the main camera finds it current in the same frame), else draws nothing and keeps it."""
        key = self._key()
        frame = ClockObject.getGlobalClock().getFrameCount()
        self._moving = self._moving + 1 if key != self._last_key else 0  # frames in a row with a new view
        self._last_key = key
        # (an eye that keeps moving sees the still scene drawn live until it holds still for a frame)
        # (buffers of another size than the window's: the main camera draws live and has new ones made)
        changed = key != self._drawn_key and self._moving <= _MOVING_FRAMES and (key[2], key[3]) == self._size
        self._buffers[0].setClearColorActive(changed)
        self._buffers[0].setClearDepthActive(changed)
        if changed:
            self._drawn_key = key
            self._redrawn_frame = frame
            self.redraws += 1
            data.upcall()

    def _cull_smoothing(self, data) -> None:
        if self._redrawn_frame == ClockObject.getGlobalClock().getFrameCount():
            data.upcall()

    def _cull_composite(self, data) -> None:
        if data.getTrav().getScene().getCameraPath() == self.base.cam and self._key() == self._drawn_key:
            data.upcall()

    def prime(self) -> None:
        """Have the buffers ready for the window's size (the backdrop is then drawn in the coming frame)."""
        size = (self.base.win.getXSize(), self.base.win.getYSize())
        if size != self._size:
            self._make_buffers(*size)

    def _make_buffers(self, width: int, height: int) -> None:
        self._remove_buffers()
        base = self.base
        props = FrameBufferProperties()
        props.setRgbaBits(8, 8, 8, 8)
        props.setDepthBits(24)
        color, depth, smooth = clamp_edges(Texture("backdrop-color")), Texture("backdrop-depth"), Texture("backdrop-smooth")
        scene_buffer = base.graphicsEngine.makeOutput(
            base.pipe, "backdrop", _SORT, props, WindowProperties.size(width, height), GraphicsPipe.BFRefuseWindow,
            base.win.getGsg(), base.win,
        )
        if scene_buffer is None:  # no offscreen buffers on this GL: the room stays drawn live
            self._size = (width, height)
            return
        scene_buffer.addRenderTexture(color, GraphicsOutput.RTMBindOrCopy, GraphicsOutput.RTPColor)
        scene_buffer.addRenderTexture(depth, GraphicsOutput.RTMBindOrCopy, GraphicsOutput.RTPDepth)
        scene_buffer.setClearColor(base.win.getClearColor())
        scene_buffer.setClearColorActive(True)
        scene_buffer.setClearDepthActive(True)
        self._camera = base.makeCamera(scene_buffer, lens=base.camLens)
        self._camera.reparentTo(base.cam)
        self._camera.node().setScene(self.root)
        self._camera.node().setInitialState(self.root.getNetState())
        # Once drawn, the FXAA pass smooths it into the texture the composite reads.
        post = base.win.makeTextureBuffer("backdrop-fxaa", width, height, smooth, False, props)
        post.setSort(_SORT + 1)
        post.setClearColorActive(False)
        quad = fxaa_pass(base, post, color)  # drawn only in the frames the backdrop is (`_cull_smoothing`)
        gate = quad.getParent().attachNewNode(CallbackNode("backdrop-fxaa-gate"))
        gate.node().setCullCallback(PythonCallbackObject(self._cull_smoothing))
        quad.reparentTo(gate)
        self._quad.setShaderInput("u_color", smooth)
        self._quad.setShaderInput("u_depth", depth)
        self._buffers = [scene_buffer, post]
        self._size = (width, height)

    def _remove_buffers(self) -> None:
        for buffer in self._buffers:
            self.base.graphicsEngine.removeWindow(buffer)
        self._buffers = []
        if self._camera is not None:
            self._camera.removeNode()
            self._camera = None
        self._drawn_key = None

    def destroy(self) -> None:
        self._remove_buffers()
        self._composite.removeNode()
        self.root.removeNode()

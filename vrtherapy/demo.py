"""`vrtherapy demo`: the main job on default settings, from a clean machine.

A synthetic patient (intact right hand by default) works through the demo playlist; the virtual left
hand mirrors it in the clinic room. Renders on the best display available (headset -> window ->
offscreen) and, without a screen, leaves a video, key frames and `summary.json` in an output folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.therapy.driver import SessionDriver
from vrtherapy.therapy.orchestrate import run_plan
from vrtherapy.therapy.pacing import SESSION_FPS
from vrtherapy.therapy.playlist import DEFAULT_PLAYLIST_FOR_LIMB, load_playlist
from vrtherapy.therapy.session_plan import SessionPlan
from vrtherapy.therapy.setup import limb_kind
from vrtherapy.tracking.sample import Side, other_side


@dataclass(frozen=True)
class DemoOptions:
    display: str = "auto"
    seconds: float | None = None  #: None: the whole playlist
    output: Path | None = None
    affected_side: Side = "left"  #: the missing (or paretic) side, where the virtual limb is drawn
    show_intact: bool = True
    playlist: str | None = None  #: None: the demo, or for a replayed leg recording the lower-limb playlist
    scene: str | None = None
    size: tuple[int, int] = (960, 540)
    fps: float = SESSION_FPS
    skin_tone: str = "medium"
    tracker_rate_hz: float = 30.0
    tracker: str = "synthetic"  #: synthetic, replay:FILE, mediapipe:SOURCE (`therapy.tracker_factory`) or headset
    #: Seconds a limb out of view holds its last pose before easing to rest (`motion.tracking_loss`).
    rest_after_s: float = LossSettings().hold_s


_part = {"arm": "hand", "leg": "foot"}


def _default_playlist(tracker: str) -> str:
    """The demo playlist, or the default one for the limb a replayed recording holds."""
    if tracker.startswith("replay:"):
        from vrtherapy.tracking.recording import read_header

        return DEFAULT_PLAYLIST_FOR_LIMB[read_header(Path(tracker.partition(":")[2])).limb]
    return DEFAULT_PLAYLIST_FOR_LIMB["arm"]


def default_output_folder() -> Path:
    return Path("vrtherapy-output") / datetime.now().strftime("demo-%Y%m%d-%H%M%S")


def run_demo(options: DemoOptions, say=print) -> Path:
    """Run the demo; returns the output folder (which holds summary.json)."""
    scene_spec = load_scene(options.scene)
    playlist = load_playlist(options.playlist or _default_playlist(options.tracker))
    Appearance.from_tone(options.skin_tone)
    intact: Side = other_side(options.affected_side)
    limb = limb_kind(playlist.limb)  # the synthetic patient moves the limb the playlist is for
    folder = options.output or default_output_folder()
    plan = SessionPlan(
        playlist, scene_spec, options.skin_tone, limb, options.affected_side,
        ArmDimensions() if limb == "arm" else LegDimensions(), display=options.display, tracker=options.tracker,
        tracker_rate_hz=options.tracker_rate_hz, fps=options.fps, size=options.size, show_intact=options.show_intact,
        rest_after_s=options.rest_after_s, limit_s=options.seconds, output=folder)  # fmt: skip
    seconds = playlist.duration_s if options.seconds is None else options.seconds

    def ready(driver: SessionDriver, shown: str, headset: object) -> None:
        say(f"vrtherapy: {playlist.name!r}, {seconds:.0f} s on the {shown} display "
            f"(virtual {options.affected_side} {_part[limb]} mirrors the {intact} {_part[limb]})")  # fmt: skip

    run_plan(plan, say, on_ready=ready)
    return folder

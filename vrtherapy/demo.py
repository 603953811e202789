"""`vrtherapy demo`: the main job on default settings, from a clean machine.

A synthetic patient (intact right hand by default) works through the demo playlist; the virtual left
hand mirrors it in the clinic room. Renders on the best display available (headset -> window ->
offscreen) and, without a screen, leaves a video, key frames and `summary.json` in an output folder.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from vrtherapy.errors import VrtherapyError
from vrtherapy.limbs.appearance import Appearance
from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.pipeline import MirrorSettings, PosePipeline
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.private_files import private_folder
from vrtherapy.render.display import DisplayChoice, open_showbase, surface_for
from vrtherapy.render.scene_spec import load_scene
from vrtherapy.summary_file import write_json
from vrtherapy.therapy.playlist import DEFAULT_PLAYLIST_FOR_LIMB, load_playlist
from vrtherapy.therapy.session import SessionRunner
from vrtherapy.therapy.setup import build_skeletons, limb_kind, patient_script, pick_display, prepare_motion
from vrtherapy.therapy.tracker_factory import open_source
from vrtherapy.tracking.base import ThreadedTracker
from vrtherapy.tracking.sample import Side, other_side
from vrtherapy.xr.display_outcome import display_entry


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
    fps: float = 30.0
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
    appearance = Appearance.from_tone(options.skin_tone)
    intact: Side = other_side(options.affected_side)
    limb = limb_kind(playlist.limb)  # the synthetic patient moves the limb the playlist is for
    dims = ArmDimensions() if limb == "arm" else LegDimensions()
    if options.tracker == "headset" and limb != "arm":
        raise VrtherapyError(f"--tracker headset: the headset tracks hands; {playlist.name!r} is for the leg")
    # Opened before the display, so a missing camera or a bad recording costs nothing to find out.
    source = None if options.tracker == "headset" else open_source(
        options.tracker, intact, limb, schedule=patient_script(playlist),
        dims=dims if isinstance(dims, ArmDimensions) else None,
        rate_hz=options.tracker_rate_hz)  # fmt: skip
    for note in getattr(source, "notes", ()):
        say(f"vrtherapy: {note}")
    folder = options.output or default_output_folder()
    private_folder(folder)  # it may show a patient's own recorded motion
    choice = pick_display(options.display, say)
    seconds = playlist.duration_s if options.seconds is None else options.seconds

    prepare_motion(say)
    mirror = MirrorSettings(intact_side=intact, show_intact=options.show_intact)
    base = open_showbase(surface_for(choice.mode), options.size)
    from vrtherapy.demo_output import DemoRecorder
    from vrtherapy.render.app import TherapyScene

    skeletons = build_skeletons(limb, options.affected_side, dims, options.show_intact)
    scene = TherapyScene(base, scene_spec, skeletons, appearance)
    headset = None
    if choice.mode == "xr":  # the headset, or one line saying why the desktop is used instead
        from vrtherapy.xr.headset_driver import open_headset_display

        hand_dims = dims if isinstance(dims, ArmDimensions) else ArmDimensions()
        headset, note = open_headset_display(base, scene, scene.eye, options.display, intact, hand_dims,
                                             surface_for(choice.mode), say)  # fmt: skip
        if headset is None:
            say(f"vrtherapy: {note}")
            choice = DisplayChoice(surface_for(choice.mode), choice.notes + (note,))
    if source is None and headset is None:
        raise VrtherapyError("--tracker headset: the headset is not in use (see --display)")
    tracker = headset.headset.tracker if source is None else ThreadedTracker(source)  # the headset's hand or controller
    pipeline = PosePipeline(mirror, dims, limb=limb, loss=LossSettings(hold_s=options.rest_after_s))
    runner = SessionRunner(scene, tracker, pipeline, playlist, fps=options.fps,
                           sleep=headset.pace if headset is not None else time.sleep)  # xrWaitFrame paces a headset
    if headset is not None:
        from vrtherapy.xr.headset_driver import connect_runner

        connect_runner(headset, runner)
    # Reading frames back from software GL costs about as much as drawing them, so the video keeps
    # every second frame (15 fps at the default 30) and the session itself keeps its frame rate.
    capture_every = 2 if options.fps > 20 else 1
    recorder = DemoRecorder(folder, playlist, options.fps / capture_every) if choice.mode == "offscreen" else None
    say(f"vrtherapy: {playlist.name!r}, {seconds:.0f} s on the {choice.mode} display "
        f"(virtual {options.affected_side} {_part[limb]} mirrors the {intact} {_part[limb]})")  # fmt: skip
    tracker.start()
    started = time.time()
    try:
        stats = runner.run(seconds, sink=recorder, sink_every=capture_every)
    finally:
        tracker.stop()
        if headset is not None:
            headset.finish()
    files = recorder.finish(stats.elapsed_s) if recorder is not None else []
    advisor = getattr(getattr(tracker, "source", None), "advisor", None)  # the webcam's: what was wrong
    summary = {
        "frames_rendered": stats.frames,
        "seconds": round(stats.elapsed_s, 3),
        "fps": round(stats.fps, 2),
        "target_fps": options.fps,
        "video_fps": None if recorder is None else options.fps / capture_every,
        "video": None if recorder is None else recorder.video_summary(),
        "limb": limb,
        "display": display_entry(options.display, choice.mode, choice.notes, stats.frames, headset),
        "window_size": list(options.size),
        "tracker": {"name": tracker.name, "rate_hz": options.tracker_rate_hz,
                    "samples": tracker.samples_received, "error": stats.tracker_error,
                    "usable_samples": getattr(tracker, "samples_usable", tracker.samples_received),
                    "advice": advisor.last_advice if advisor is not None else ""},
        "mirror": {**asdict(mirror), "affected_side": options.affected_side,
                   "phantom_side": mirror.phantom_side},
        "mirror_modes_used": [{"from_s": t, **asdict(mode)} for t, mode in stats.modes],
        "visuomotor_delay_ms": stats.delay_summary_ms(),
        "rejected_samples": dict(pipeline.rejected),
        "playlist": {"name": playlist.name, "exercises": [e.id for e in playlist.exercises]},
        "scene": scene_spec.name,
        "skin_tone": options.skin_tone,
        "started_at": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "stopped_by_user": stats.stopped_by_user,
        "files": [str(p.relative_to(folder)) for p in files],
    }  # fmt: skip
    write_json(folder / "summary.json", summary)
    scene.destroy()
    base.destroy()
    return folder

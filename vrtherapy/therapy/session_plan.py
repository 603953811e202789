"""What a session needs, as one value: the playlist, scene, limb, display, tracker and the run's bounds.

Both `vrtherapy demo` and `vrtherapy run` build one after checking their inputs, and hand it to
`therapy.orchestrate.run_plan`; `therapy.session_summary` reads it back for summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vrtherapy.motion.leg_skeleton import LegDimensions
from vrtherapy.motion.skeleton import ArmDimensions
from vrtherapy.motion.tracking_loss import LossSettings
from vrtherapy.render.scene_spec import SceneSpec
from vrtherapy.therapy.pacing import SESSION_FPS
from vrtherapy.therapy.pain import PAIN_QUESTION, PainWhen
from vrtherapy.therapy.playlist import Playlist
from vrtherapy.tracking.sample import LimbKind, Side


@dataclass(frozen=True)
class SessionPlan:
    """Everything a session needs, checked by the caller (files loaded, values in range)."""

    playlist: Playlist
    scene: SceneSpec
    skin_tone: str
    limb: LimbKind
    affected: Side  #: where the virtual limb is drawn
    dims: ArmDimensions | LegDimensions
    display: str = "auto"
    tracker: str = "synthetic"
    tracker_rate_hz: float = 30.0
    fps: float = SESSION_FPS
    size: tuple[int, int] = (960, 540)
    show_intact: bool = True
    rest_after_s: float = LossSettings().hold_s
    #: The patient's relaxed pose (degrees, (J, 3) rows) from their calibration; None: the default one.
    neutral_deg: tuple[tuple[float, float, float], ...] | None = None
    max_s: float | None = None  #: the session's cap, with the calm reminder (besides the playlist's own)
    limit_s: float | None = None  #: a preview's run time: cut off after this many seconds
    ask_pain: tuple[PainWhen, ...] = ()  #: questions to ask where someone can answer (a window, a headset)
    pain_question: str = PAIN_QUESTION
    closing_s: float = 0.0  #: how long "Well done" stays up where someone is watching
    #: Someone answers the pain questions from elsewhere (the therapist's console), so they are asked offscreen too.
    answered_elsewhere: bool = False
    output: Path | None = None  #: where to leave what a person reviews (video, key frames, summary.json)
    capture_everywhere: bool = False  #: grab frames for the video in a window too (default: offscreen only)

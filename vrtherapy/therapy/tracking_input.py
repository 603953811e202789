"""What the session controller is told about tracking each frame, and what the patient is told about it.

The driver reads the tracker and the pose pipeline; the controller only sees this summary, so it
never touches a tracker and a test can script any tracking situation (waiting, lost, failed).
"""

from __future__ import annotations

from dataclasses import dataclass

from vrtherapy.motion.pose import LimbPose
from vrtherapy.therapy.session_state import TrackingStatus
from vrtherapy.tracking.sample import LimbKind

TRACKER_FAILED = "Tracking has stopped. Please let your therapist know."
WAITING_FOR_TRACKER = "Waiting for the tracker..."


@dataclass(frozen=True)
class TrackingInput:
    """What the driver saw of tracking this frame."""

    status: TrackingStatus = "waiting"  #: the pipeline's tracking state, or "failed"
    has_sample: bool = False  #: the tracker has delivered anything at all
    #: The tracked limb's own movement (`PosePipeline.movement`); counted once per capture time.
    movement: LimbPose | None = None
    #: A new movement reached the phantom on the last frame shown: capture-to-display seconds.
    shown_delay_s: float | None = None
    #: The tracker's line on what to change when the limb is not tracked (`tracking.tracking_advice`).
    advice: str = ""


def tracking_notice(tracking: TrackingInput, limb: LimbKind) -> str:
    """The calm line for the patient about tracking; "" when all is well."""
    if tracking.status == "failed":
        return TRACKER_FAILED
    if not tracking.has_sample:
        return WAITING_FOR_TRACKER
    if tracking.advice:
        return tracking.advice
    if tracking.status in ("holding", "resting"):  # the limb is out of view
        part = "hand" if limb == "arm" else "foot"
        rest = f" The virtual {part} rests meanwhile." if tracking.status == "resting" else ""
        return f"Tracking paused: move your {part} back into view.{rest}"
    return ""

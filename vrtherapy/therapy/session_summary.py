"""`summary.json`: what a session did, for the person who reviews it (`demo`, and `run --output`).

Built from the controller's final state and the driver's frame counts: the display and its fallbacks,
the tracker, the mirror and the modes used, the visuo-motor delay, each exercise's outcome, the pain
answers, how the session ended, and the change log of commands (who changed what, when).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vrtherapy.summary_file import write_json
from vrtherapy.therapy.commands import command_fields
from vrtherapy.therapy.controller import SessionController
from vrtherapy.therapy.driver import FrameStats
from vrtherapy.therapy.measure import delay_summary_ms
from vrtherapy.therapy.session_plan import SessionPlan
from vrtherapy.therapy.session_state import SessionState
from vrtherapy.xr.display_outcome import display_entry

if TYPE_CHECKING:
    from vrtherapy.motion.pipeline import PosePipeline


def session_summary(plan: SessionPlan, state: SessionState, stats: FrameStats, controller: SessionController, tracker: Any,
                    pipeline: PosePipeline, shown: str, notes: tuple[str, ...], started: float, recorder: Any,
                    video_fps: float | None, headset: Any, files: list[Path]) -> dict[str, Any]:  # fmt: skip
    mirror = pipeline.mirror
    advisor = getattr(getattr(tracker, "source", None), "advisor", None)  # the webcam's: what was wrong
    return {
        "frames_rendered": stats.frames,
        "seconds": round(stats.elapsed_s, 3),
        "fps": round(stats.fps, 2),
        "target_fps": plan.fps,
        "video_fps": video_fps,
        "video": None if recorder is None else recorder.video_summary(),
        "limb": plan.limb,
        "display": display_entry(plan.display, shown, notes, stats.frames, headset),
        "window_size": list(plan.size),
        "tracker": {"name": tracker.name, "rate_hz": plan.tracker_rate_hz,
                    "samples": tracker.samples_received, "error": stats.tracker_error,
                    "usable_samples": getattr(tracker, "samples_usable", tracker.samples_received),
                    "advice": advisor.overall() if advisor is not None else ""},
        "mirror": {**asdict(mirror), "affected_side": plan.affected, "phantom_side": mirror.phantom_side},
        "mirror_modes_used": [{"from_s": t, **asdict(mode)} for t, mode in controller.modes_used],
        "visuomotor_delay_ms": delay_summary_ms(controller.delays_s),
        "rejected_samples": dict(pipeline.rejected),
        "playlist": {"name": plan.playlist.name, "exercises": [e.id for e in plan.playlist.exercises]},
        "scene": plan.scene.name,
        "skin_tone": plan.skin_tone,
        "started_at": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "stopped_by_user": state.ended_by == "stopped",
        "session": {
            "ended_by": state.ended_by,
            "exercises_done": state.exercises_done,
            "exercises_planned": state.exercises_planned,
            "pain": {"before": state.pain_before, "after": state.pain_after},
            "outcomes": [{**asdict(o), "started_at": o.started_at.isoformat(timespec="seconds")} for o in state.outcomes],
            "changes": [{"at": c.applied_at.isoformat(timespec="seconds"), "session_s": c.session_s, "source": c.source,
                         "command": getattr(c.command, "name", ""), **_fields(c.command), "result": c.result,
                         "detail": c.detail} for c in controller.changes()],
        },
        "files": [str(p.relative_to(plan.output)) if plan.output is not None else str(p) for p in files],
    }  # fmt: skip


def _fields(command: object) -> dict[str, Any]:
    try:
        return command_fields(command)  # type: ignore[arg-type]
    except TypeError:
        return {}


def write_summary(folder: Path, summary: dict[str, Any]) -> Path:
    return write_json(folder / "summary.json", summary)

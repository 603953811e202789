"""Setting a session up, shared by `vrtherapy demo` and `vrtherapy run`: the limbs for a patient, the scene
they are drawn in, the display, and what the synthetic patient performs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from vrtherapy.motion.kernel_prep import prepare_kernels
from vrtherapy.motion.leg_skeleton import LegDimensions, build_leg_skeleton
from vrtherapy.motion.skeleton import ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.render.display import DisplayChoice, choose_display
from vrtherapy.therapy.exercises import rest_exercise
from vrtherapy.therapy.playlist import Playlist
from vrtherapy.therapy.session_state import SessionState
from vrtherapy.tracking.sample import LimbKind, Side, other_side
from vrtherapy.xr.runtime_probe import probe_openxr_runtime

Say = Callable[[str], None]


def limb_kind(limb: Literal["upper", "lower"]) -> LimbKind:
    return "arm" if limb == "upper" else "leg"


def dimensions_for(limb: LimbKind, measurements: dict[str, float]) -> tuple[ArmDimensions | LegDimensions, list[str]]:
    """Segment lengths from a patient's measurements (metres, named as the dimension fields, e.g.
    upper_arm, forearm, thigh, shank, foot_length; `hand` is the hand's length and scales the palm and
    fingers); returns the dimensions and the names that were not used."""
    kind: type[ArmDimensions] | type[LegDimensions] = ArmDimensions if limb == "arm" else LegDimensions
    fields = {f.name for f in dataclasses.fields(kind) if f.type in ("float", float)}
    changes: dict[str, Any] = {k: float(v) for k, v in measurements.items() if k in fields}
    dims = kind(**changes)
    if isinstance(dims, ArmDimensions) and "hand" in measurements:
        k = float(measurements["hand"]) / dims.hand_length
        t1, t2, t3 = (x * k for x in dims.thumb)
        dims = dataclasses.replace(dims, palm_length=dims.palm_length * k, thumb=(t1, t2, t3),
                                   phalanges=tuple((p1 * k, p2 * k, p3 * k) for p1, p2, p3 in dims.phalanges))  # fmt: skip
        changes["hand"] = k
    return dims, sorted(set(measurements) - set(changes))


def build_skeletons(limb: LimbKind, affected: Side, dims, show_intact: bool = True) -> dict[Side, Skeleton]:
    """The phantom limb on the affected side, and the intact limb's twin when it is shown."""
    build = build_arm_skeleton if limb == "arm" else build_leg_skeleton
    skeletons = {affected: build(affected, dims)}
    if show_intact:
        intact = other_side(affected)
        skeletons[intact] = build(intact, dims)
    return skeletons


def pick_display(requested: str, say: Say) -> DisplayChoice:
    """The display to use, each fallback said in one line."""
    choice = choose_display(requested, xr_probe=probe_openxr_runtime)
    for note in choice.notes:
        say(f"vrtherapy: {note}")
    return choice


def prepare_motion(say: Say) -> None:
    prepare_kernels(say)


def patient_script(playlist: Playlist) -> list[tuple[str, float]]:
    """What the synthetic patient performs for a playlist: each exercise for the time its target
    repetitions take at the patient's pace (so exactly `reps` of them), or for its duration; then the
    rest break resting."""
    rest = rest_exercise(playlist.limb).id
    script: list[tuple[str, float]] = []
    for i, item in enumerate(playlist.exercises):
        script.append((item.id, item.planned_s))
        if playlist.rest_after(i) > 0:
            script.append((rest, playlist.rest_after(i)))
    return script


class PatientClock:
    """Where in `patient_script` the synthetic patient is, from the session's state: the start of the
    exercise (or rest break) under way in the script plus the time it has run. Following the session
    rather than its total time keeps the patient on the right movement after a skip, a pause or an
    exercise that ran longer than planned (it goes on repeating it); between parts it holds still."""

    def __init__(self, playlist: Playlist) -> None:
        self.playlist = playlist
        self._starts: list[tuple[float, float, float]] = []  # per exercise: its start, its length, its rest's start
        t = 0.0
        for i, item in enumerate(playlist.exercises):
            rest_start = t + item.planned_s
            self._starts.append((t, item.planned_s, rest_start))
            t = rest_start + (playlist.rest_after(i) if playlist.rest_after(i) > 0 else 0.0)
        self._last = 0.0

    def __call__(self, state: SessionState) -> float:
        if state.exercise is not None and state.seconds_left is not None:
            index = state.exercise.index
            start, length, rest_start = self._starts[index]
            if state.phase == "exercise":
                elapsed = state.exercise.time_limit_s - state.seconds_left
                self._last = start + (elapsed % length if length > 0 else 0.0)
            elif state.phase == "rest":
                rest = self.playlist.rest_after(index)
                self._last = rest_start + min(max(0.0, rest - state.seconds_left), rest)
        return self._last

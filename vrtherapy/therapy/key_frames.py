"""One key frame per exercise, chosen by the session's own timeline (no Panda3D, no clock of its own).

The frame kept for an exercise is the first one shown past 55 % of the time the exercise takes at a
comfortable pace (its repetitions, or its duration): the movement is well under way, and the frame is
labelled with the exercise the controller says is on, so rests, repetitions that end an exercise
early, pauses and skips can never shift a label onto the wrong picture. An exercise that ends before
that point (skipped, stopped, capped) keeps its first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vrtherapy.therapy.playlist import Playlist
from vrtherapy.therapy.session_state import SessionState

KEY_FRACTION = 0.55


@dataclass(frozen=True)
class KeyFrame:
    index: int  #: the exercise's position in the playlist
    name: str  #: "04_wrist_flexion_extension"
    session_s: float  #: when it was shown
    exercise_s: float  #: how far into its exercise (active time)
    rgb: np.ndarray


class KeyFrames:
    def __init__(self, playlist: Playlist, state: Callable[[], SessionState]) -> None:
        self.playlist, self._state = playlist, state
        self._frames: dict[int, KeyFrame] = {}
        self._final: set[int] = set()

    def offer(self, rgb: np.ndarray) -> None:
        """The frame just shown; kept if it is its exercise's key frame (or the fallback for one)."""
        state = self._state()
        exercise = state.exercise
        if state.phase != "exercise" or exercise is None or state.seconds_left is None:
            return
        i = exercise.index
        if i in self._final:
            return
        elapsed = exercise.time_limit_s - state.seconds_left
        final = elapsed >= KEY_FRACTION * self.playlist.exercises[i].planned_s
        if final or i not in self._frames:
            self._frames[i] = KeyFrame(i, f"{i + 1:02d}_{exercise.id}", state.session_s, elapsed, rgb.copy())
            if final:
                self._final.add(i)

    def frames(self) -> list[KeyFrame]:
        """In playlist order."""
        return [self._frames[i] for i in sorted(self._frames)]

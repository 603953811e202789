"""What the patient sees for a session state: `SessionState` -> `HudState`, no Panda3D.

One function, so the desktop window, the headset and the offscreen frames a therapist reviews all
say the same thing, and a test can read exactly what a phase shows.
"""

from __future__ import annotations

from vrtherapy.render.hud_state import HudState
from vrtherapy.therapy.pain import PAIN_HINT, PAIN_SCALE
from vrtherapy.therapy.session_state import SessionState

REMINDER_TITLE = "Time to rest"
REMINDER_BANNER = "That is enough for today."
REMINDER_DETAIL = "You have reached today's session length.\nLet your limbs rest and breathe slowly. Well done."
PAUSED_DETAIL = "Press Space to continue, N to skip this exercise, Esc to stop."
SKIP_QUESTION_HINT = "N skips the question."


def hud_for(state: SessionState) -> HudState:
    notice, progress = state.notice, state.progress
    if state.pain is not None:
        title = "Before we start" if state.pain.when == "before" else "Before you finish"
        return HudState(title=title, progress=progress, notice=notice, banner=state.pain.question,
                        banner_detail=f"{PAIN_SCALE}\n{PAIN_HINT} {SKIP_QUESTION_HINT}", answer=state.pain.display)  # fmt: skip
    banner, detail = ("Paused", PAUSED_DETAIL) if state.paused else ("", "")
    exercise = state.exercise
    if state.phase == "exercise" and exercise is not None:
        if exercise.target_reps is not None:
            # Finger exercises show the flexion they are counted on: 0 straight, 1 a fist.
            label = "repetitions" if exercise.flexion is None else f"repetitions, flexion {exercise.flexion:.1f}"
            return HudState(title=exercise.name, instruction=exercise.instruction,
                            counter=f"{exercise.reps or 0} / {exercise.target_reps}", counter_label=label,
                            progress=progress, notice=notice, banner=banner, banner_detail=detail)  # fmt: skip
        label = "" if exercise.reps is None else f"{exercise.reps} done"
        return HudState(title=exercise.name, instruction=exercise.instruction, seconds_left=state.seconds_left,
                        counter_label=label, progress=progress, notice=notice, banner=banner, banner_detail=detail)  # fmt: skip
    if state.phase == "rest":
        following = f" Next: {state.next_exercise}." if state.next_exercise is not None else ""
        return HudState(title="Rest", instruction=f"Let the limb rest and breathe slowly.{following}",
                        seconds_left=state.seconds_left, counter_label="rest", progress=progress, notice=notice,
                        banner=banner, banner_detail=detail)  # fmt: skip
    if state.phase == "reminder":
        return HudState(title=REMINDER_TITLE, progress=1.0, notice=notice, banner=REMINDER_BANNER,
                        banner_detail=REMINDER_DETAIL)  # fmt: skip
    if state.phase in ("closing", "ended"):
        return HudState(title="Well done", instruction="The session is complete.", progress=1.0, notice=notice)
    return HudState(title=state.playlist, progress=0.0, notice=notice)

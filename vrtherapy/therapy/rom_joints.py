"""The joint each exercise's range of motion measures, named as a clinician would ("knee flexion"), for the
records: stored with each exercise result and used by reports of results recorded without it.

The exercise catalogue (`exercises`) names the skeleton's bone and angle (`shank` flexion); the
records name the joint that angle is (`knee` flexion). The records layer sits below this one and is
handed `exercise_joint` by the commands that make reports and exports.
"""

from __future__ import annotations

from vrtherapy.therapy.exercises import EXERCISES

#: The skeleton's bone names (`motion/skeleton.py`, `motion/leg_skeleton.py`) as the joint a clinician names.
_JOINTS = {"shank": "knee", "foot": "ankle", "thigh": "hip", "wrist": "wrist", "forearm": "elbow", "upper_arm": "shoulder",
           "thumb_metacarpal": "thumb CMC", "index_proximal": "index MCP", "middle_proximal": "middle MCP",
           "ring_proximal": "ring MCP", "little_proximal": "little MCP"}  # fmt: skip
_AXES = {"flexion": "flexion", "twist": "rotation", "deviation": "abduction"}


def joint_name(bone: str, axis: str) -> str:
    """"knee flexion" for the shank's flexion angle, and so on."""
    return f"{_JOINTS.get(bone, bone.replace('_', ' '))} {_AXES.get(axis, axis)}"


def exercise_joint(exercise_id: str) -> str | None:
    """The joint and axis an exercise's range of motion measures; None for an unknown exercise or rest."""
    exercise = EXERCISES.get(exercise_id)
    if exercise is None or exercise.reps is None:
        return None
    signal = exercise.reps
    return joint_name(signal.rom_joint, signal.rom_axis) if signal.rom_joint else signal.label

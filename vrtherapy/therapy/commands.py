"""The commands that drive a running session, whoever gives them: the desktop keys, the headset's
controllers, the therapist's web console, a signal handler.

Each command is a small frozen dataclass, checked when it is made (a bad one raises ValueError
naming the field, before it reaches the session), so every input path drives the session through
the same vocabulary and the session record can say who changed what. `SessionController.submit`
queues them from any thread; they are applied at the next tick, in order.

`command_from(name, payload)` builds one from plain data (a web request, a test script):
`command_from("mirror", {"gain": 1.5})`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

from vrtherapy.motion.mirror_modes import SCOPES
from vrtherapy.therapy.pain import PAIN_KEYS, check_pain


@dataclass(frozen=True)
class Pause:
    """Freeze the exercise or rest timer (and the session's length) until resumed."""

    name: ClassVar[str] = "pause"


@dataclass(frozen=True)
class Resume:
    name: ClassVar[str] = "resume"


@dataclass(frozen=True)
class TogglePause:
    """Pause if running, resume if paused (the desktop's Space key, the headset's menu button)."""

    name: ClassVar[str] = "toggle_pause"


@dataclass(frozen=True)
class Skip:
    """End the exercise or rest break under way (not completed) and go on; at a pain question, skip it."""

    name: ClassVar[str] = "skip"


@dataclass(frozen=True)
class Stop:
    """End the session. The exercise under way is recorded as stopped, then the after-session pain
    question is asked (where it is asked at all). `immediately`: end now without the question (a signal,
    a closed window: nobody is there to answer). At the before-session question the patient leaves and
    no session took place."""

    immediately: bool = False
    name: ClassVar[str] = "stop"

    def __post_init__(self) -> None:
        if not isinstance(self.immediately, bool):
            raise ValueError(f"stop.immediately: must be true or false, got {self.immediately!r}")


@dataclass(frozen=True)
class PainKey:
    """A key for the pain question: "0"-"9", "enter", "backspace", "arrow_up", "arrow_down"."""

    key: str
    name: ClassVar[str] = "pain_key"

    def __post_init__(self) -> None:
        if self.key not in PAIN_KEYS:
            raise ValueError(f"pain_key.key: must be one of {', '.join(PAIN_KEYS)}, got {self.key!r}")


@dataclass(frozen=True)
class PainAnswer:
    """A whole answer to the pain question on screen (0-10), confirmed at once."""

    score: int
    name: ClassVar[str] = "pain_answer"

    def __post_init__(self) -> None:
        check_pain(self.score, "pain_answer.score")


@dataclass(frozen=True)
class SkipPainQuestion:
    """Go on without answering the pain question on screen; the session is recorded without that score."""

    name: ClassVar[str] = "skip_pain_question"


@dataclass(frozen=True)
class ChangeMirror:
    """Change the mirror mode live; fields left None keep their value. The change holds until an
    exercise that brings its own mirror mode begins. `phantom_only`: hide the intact limb's twin."""

    degree: float | None = None
    gain: float | None = None
    scope: str | None = None
    delay_ms: float | None = None
    phantom_only: bool | None = None
    name: ClassVar[str] = "mirror"

    def __post_init__(self) -> None:
        for field_name in ("degree", "gain", "delay_ms"):
            value = getattr(self, field_name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value)):  # fmt: skip
                raise ValueError(f"mirror.{field_name}: must be a number, got {value!r}")
        if self.scope is not None and self.scope not in SCOPES:
            raise ValueError(f"mirror.scope: must be one of {', '.join(SCOPES)}, got {self.scope!r}")
        if self.phantom_only is not None and not isinstance(self.phantom_only, bool):
            raise ValueError(f"mirror.phantom_only: must be true or false, got {self.phantom_only!r}")
        if all(getattr(self, f.name) is None for f in fields(self)):
            raise ValueError("mirror: give at least one of degree, gain, scope, delay_ms, phantom_only")


Command = Pause | Resume | TogglePause | Skip | Stop | PainKey | PainAnswer | SkipPainQuestion | ChangeMirror

#: Every command type by its name.
COMMANDS: dict[str, type[Command]] = {c.name: c for c in (Pause, Resume, TogglePause, Skip, Stop, PainKey, PainAnswer,
                                                          SkipPainQuestion, ChangeMirror)}  # fmt: skip


def command_from(name: str, payload: Mapping[str, object] | None = None) -> Command:
    """A command from its name and fields (plain data); ValueError naming what is wrong."""
    kind = COMMANDS.get(name)
    if kind is None:
        raise ValueError(f"command: unknown {name!r} (known: {', '.join(COMMANDS)})")
    payload = dict(payload or {})
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(payload) - known)
    if unknown:
        raise ValueError(f"{name}: unknown field {', '.join(unknown)}" + (f" (known: {', '.join(sorted(known))})"
                                                                            if known else " (it takes none)"))  # fmt: skip
    return kind(**payload)  # type: ignore[arg-type]


def command_fields(command: Command) -> dict[str, object]:
    """The command's fields as plain data (the inverse of `command_from`), e.g. for the session record."""
    return {f.name: getattr(command, f.name) for f in fields(command)}

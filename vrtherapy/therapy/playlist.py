"""Exercise playlists: TOML files under `scenes/playlists/`, validated on load.

    name = "Upper limb, standard"
    limb = "upper"              # "upper" (arm and hand) or "lower" (leg and foot)
    max_minutes = 20            # optional: the session ends, with a calm reminder, after this long

    [[exercises]]
    id = "fist_open_close"      # from the exercise catalogue (therapy/exercises.py)
    reps = 10                   # target repetitions: the exercise ends when they are done ...
    duration_s = 60             # ... or after this many seconds (without reps: how long it runs)
    rest_s = 20                 # optional: a rest break after this exercise
    instruction = "..."         # optional: replaces the catalogue's instruction
    mirror = { scope = "fingers", degree = 0.8, gain = 1.0, delay_ms = 0 }   # optional mirror mode

Each exercise needs `duration_s`, `reps`, or both. With `reps` alone its time limit is three times
what the repetitions take at a comfortable pace (at least 30 s), so a patient who cannot finish them
is never stuck. A rest break after the last exercise is not taken (the session is over).

Decisions on repeats: an exercise may appear more than once (sets: "10 fists, rest, 10 fists", or the
same exercise again under another mirror mode), but an entry that repeats the one before it exactly
with no rest between them is refused as a copy-paste slip (make it one entry, or add `rest_s` to make
sets). A key written twice in one table is refused by the TOML reader itself, naming the line.
`max_minutes` is a safety cap, not a way to shorten a playlist: a playlist that cannot finish within
its own cap at a comfortable pace is refused.

Errors are one line naming the file, the exercise and the field:
`upper.toml: exercises[2].id: unknown exercise 'fist'`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vrtherapy.config import InvalidValue, load_toml
from vrtherapy.errors import ConfigError
from vrtherapy.motion.mirror_modes import MirrorMode, scope_problem
from vrtherapy.resources import clinic_playlists_dir, playlists_dir
from vrtherapy.therapy.exercises import EXERCISES, Exercise, get_exercise

#: With `reps` and no `duration_s`: the time limit is this many times the repetitions' own time ...
REPS_TIME_LIMIT_FACTOR = 3.0
#: ... and at least this many seconds.
MIN_REPS_TIME_LIMIT_S = 30.0
MAX_INSTRUCTION_CHARS = 240  #: what fits the headset HUD in large type
#: The most exercises in one playlist: three hours of one-minute exercises with rests between them.
MAX_EXERCISES = 200
#: The largest playlist file read, bytes: MAX_EXERCISES entries with full instructions take about 100 KB.
MAX_PLAYLIST_BYTES = 256 * 1024
MAX_NAME_CHARS = 120  #: a playlist's name, as shown on the HUD and in reports


@dataclass(frozen=True)
class PlaylistItem:
    id: str
    #: Seconds the exercise runs; with `reps`, its time limit (filled in when only `reps` is given).
    duration_s: float | None = field(default=None, metadata={"gt": 0.0, "max": 3600.0})
    #: Target repetitions: the exercise ends when they are done.
    reps: int | None = field(default=None, metadata={"min": 1, "max": 500})
    #: Rest break after this exercise, seconds.
    rest_s: float = field(default=0.0, metadata={"min": 0.0, "max": 900.0})
    instruction: str | None = None
    mirror: MirrorMode | None = None  #: None: the session's own mirror mode

    def __post_init__(self) -> None:
        if self.id not in EXERCISES:
            raise InvalidValue("id", f"unknown exercise {self.id!r} (known: {', '.join(sorted(EXERCISES))})")
        if self.duration_s is None and self.reps is None:
            raise InvalidValue("duration_s", "give duration_s (seconds), reps (target repetitions), or both")
        if self.reps is not None and self.exercise.reps is None:
            raise InvalidValue("reps", f"{self.id!r} has no repetitions to count; give duration_s instead")
        if self.instruction is not None:
            if not self.instruction.strip():
                raise InvalidValue("instruction", "is empty; leave it out to use the standard instruction")
            if len(self.instruction) > MAX_INSTRUCTION_CHARS:
                raise InvalidValue("instruction", f"is {len(self.instruction)} characters; keep it under "
                                                  f"{MAX_INSTRUCTION_CHARS} so it can be read in the headset")  # fmt: skip
        if self.duration_s is None:
            limit = max(MIN_REPS_TIME_LIMIT_S, REPS_TIME_LIMIT_FACTOR * self.reps * self.exercise.rep_seconds)  # type: ignore[operator]
            object.__setattr__(self, "duration_s", float(min(3600.0, math.ceil(limit))))

    @property
    def exercise(self) -> Exercise:
        return get_exercise(self.id)

    @property
    def text(self) -> str:
        return self.instruction or self.exercise.instruction

    @property
    def limit_s(self) -> float:
        """The longest this exercise runs, seconds."""
        return float(self.duration_s)  # type: ignore[arg-type]

    @property
    def planned_s(self) -> float:
        """How long the exercise takes at a comfortable pace: its repetitions, or its duration."""
        if self.reps is None:
            return self.limit_s
        return min(self.limit_s, self.reps * self.exercise.rep_seconds)


@dataclass(frozen=True)
class Playlist:
    name: str = field(metadata={"max_chars": MAX_NAME_CHARS})
    limb: Literal["upper", "lower"]
    exercises: tuple[PlaylistItem, ...] = field(metadata={"max_items": MAX_EXERCISES})
    #: The session ends (with a calm reminder to rest) after this many minutes of exercise and rest.
    max_minutes: float | None = field(default=None, metadata={"gt": 0.0, "max": 180.0})

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty (it is shown to the patient and kept in the records)")
        if not self.exercises:
            raise InvalidValue("exercises", "a playlist needs at least one exercise")
        limb = "arm" if self.limb == "upper" else "leg"
        for i, item in enumerate(self.exercises):
            if item.exercise.limb != self.limb:
                raise InvalidValue(f"exercises[{i}].id", f"{item.id!r} is for the {item.exercise.limb} limb; "
                                   f"this playlist is for the {self.limb} limb")  # fmt: skip
            if i > 0 and item == self.exercises[i - 1] and item.rest_s == 0:
                raise InvalidValue(f"exercises[{i}]", f"repeats exercises[{i - 1}] exactly with no rest between; "
                                   "make them one entry, or add rest_s to make sets")  # fmt: skip
            if item.mirror is None:
                continue
            problem = scope_problem(limb, item.mirror.scope)
            if problem:
                raise InvalidValue(f"exercises[{i}].mirror.scope", problem)
            if item.mirror.copy:
                raise InvalidValue(f"exercises[{i}].mirror.copy",
                                   "copy mode belongs to the whole session (it tracks the residual limb), not to one exercise")
        if self.max_minutes is not None and self.planned_s > self.max_minutes * 60.0:
            raise InvalidValue("max_minutes", f"the exercises and rests take {self.planned_s / 60:.1f} min at a "
                               f"comfortable pace, more than the cap of {self.max_minutes:g} min; "
                               "shorten the playlist or raise the cap")  # fmt: skip

    def rest_after(self, index: int) -> float:
        """The rest break after exercise `index` (none after the last)."""
        return self.exercises[index].rest_s if index < len(self.exercises) - 1 else 0.0

    @property
    def duration_s(self) -> float:
        """The longest the playlist can take: every exercise to its time limit, and the rests."""
        return sum(item.limit_s + self.rest_after(i) for i, item in enumerate(self.exercises))

    @property
    def planned_s(self) -> float:
        """How long the playlist takes at a comfortable pace."""
        return sum(item.planned_s + self.rest_after(i) for i, item in enumerate(self.exercises))

    @property
    def max_s(self) -> float | None:
        return None if self.max_minutes is None else self.max_minutes * 60.0


DEFAULT_DEMO_PLAYLIST = "demo"
#: What the synthetic patient performs when no playlist is named, by the limb tracked.
DEFAULT_PLAYLIST_FOR_LIMB = {"arm": DEFAULT_DEMO_PLAYLIST, "leg": "lower"}


def playlist_path(name_or_path: str) -> Path:
    """A playlist name (without .toml) from `scenes/playlists/` or, failing that, the clinic's own
    playlists (`resources.clinic_playlists_dir()`, made in the console); or a path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    bundled = playlists_dir() / f"{name_or_path}.toml"
    clinic = clinic_playlists_dir() / f"{name_or_path}.toml"
    return clinic if not bundled.exists() and clinic.exists() else bundled


def known_playlists() -> dict[str, Path]:
    """Every playlist found by name: the bundled ones, then the clinic's own (a bundled name wins)."""
    found: dict[str, Path] = {}
    for folder in (playlists_dir(), clinic_playlists_dir()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found.setdefault(path.stem, path)
    return found


def load_playlist(name_or_path: str) -> Playlist:
    path = playlist_path(name_or_path)
    if not path.exists() and path.parent == playlists_dir():
        known = ", ".join(sorted(known_playlists()))
        raise ConfigError(f"{path}: no such playlist (known: {known})")
    return load_toml(path, Playlist, MAX_PLAYLIST_BYTES)

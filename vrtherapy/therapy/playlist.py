"""Exercise playlists: TOML files under `scenes/playlists/`, validated on load.

    name = "First look"
    limb = "upper"

    [[exercises]]
    id = "fist_open_close"      # from the exercise catalogue (therapy/exercises.py)
    duration_s = 20             # how long the exercise runs
    instruction = "..."         # optional: overrides the catalogue's instruction
    mirror = { scope = "fingers", degree = 0.8, gain = 1.0, delay_ms = 0 }   # optional mirror mode

Errors name the file, the exercise and the field: `demo.toml: exercises[2].id: unknown exercise 'fist'`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vrtherapy.config import InvalidValue, load_toml
from vrtherapy.errors import ConfigError
from vrtherapy.motion.mirror_modes import MirrorMode, scope_problem
from vrtherapy.resources import playlists_dir
from vrtherapy.therapy.exercises import EXERCISES, Exercise, get_exercise


@dataclass(frozen=True)
class PlaylistItem:
    id: str
    duration_s: float = field(metadata={"gt": 0.0, "max": 3600.0})
    instruction: str | None = None
    mirror: MirrorMode | None = None  #: None: the session's own mirror mode

    def __post_init__(self) -> None:
        if self.id not in EXERCISES:
            raise InvalidValue("id", f"unknown exercise {self.id!r} (known: {', '.join(sorted(EXERCISES))})")

    @property
    def exercise(self) -> Exercise:
        return get_exercise(self.id)

    @property
    def text(self) -> str:
        return self.instruction or self.exercise.instruction


@dataclass(frozen=True)
class Playlist:
    name: str
    limb: Literal["upper", "lower"]
    exercises: tuple[PlaylistItem, ...]

    def __post_init__(self) -> None:
        if not self.exercises:
            raise InvalidValue("exercises", "a playlist needs at least one exercise")
        limb = "arm" if self.limb == "upper" else "leg"
        for i, item in enumerate(self.exercises):
            if item.exercise.limb != self.limb:
                raise InvalidValue(f"exercises[{i}].id", f"{item.id!r} is a {item.exercise.limb}-limb exercise in a {self.limb}-limb playlist")
            if item.mirror is None:
                continue
            problem = scope_problem(limb, item.mirror.scope)
            if problem:
                raise InvalidValue(f"exercises[{i}].mirror.scope", problem)
            if item.mirror.copy:
                raise InvalidValue(f"exercises[{i}].mirror.copy",
                                   "copy mode belongs to the whole session (it tracks the residual limb), not to one exercise")

    @property
    def duration_s(self) -> float:
        return sum(item.duration_s for item in self.exercises)


DEFAULT_DEMO_PLAYLIST = "demo"


def playlist_path(name_or_path: str) -> Path:
    """A playlist name from `scenes/playlists/` (without .toml) or a path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    return playlists_dir() / f"{name_or_path}.toml"


def load_playlist(name_or_path: str) -> Playlist:
    path = playlist_path(name_or_path)
    if not path.exists() and path.parent == playlists_dir():
        known = ", ".join(sorted(p.stem for p in playlists_dir().glob("*.toml")))
        raise ConfigError(f"{path}: no such playlist (known: {known})")
    return load_toml(path, Playlist)

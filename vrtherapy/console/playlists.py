"""Playlists made in the console: the exercise catalogue offered, playlists read as plain tables, and a
clinic playlist written as a TOML file in the clinic's folder after the same loader as every playlist file
(`config.parse_dataclass` into `therapy.playlist.Playlist`) has accepted it.

The file is what the session reads (`load_playlist` finds it by name), so a playlist saved here runs
exactly as the therapist saw it validated. The bundled playlists can be opened as a starting point but are
never overwritten: a clinic playlist needs a name of its own. Files are written under a temporary name and
renamed, so a crash never leaves half a playlist.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from vrtherapy.config import parse_dataclass
from vrtherapy.errors import ConfigError
from vrtherapy.resources import clinic_playlists_dir, playlists_dir
from vrtherapy.therapy.exercises import EXERCISES
from vrtherapy.therapy.playlist import Playlist, known_playlists, load_playlist

_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")
_ITEM_KEYS = ("id", "reps", "duration_s", "rest_s", "instruction", "mirror")


@dataclass(frozen=True)
class FieldError(Exception):
    """A playlist value refused, with the field it belongs to (e.g. "exercises[2].reps") for the page."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def catalogue() -> list[dict[str, Any]]:
    """The exercises a playlist may use, with what the page needs to offer them."""
    return [{"id": e.id, "name": e.name, "limb": e.limb, "instruction": e.instruction,
             "counts_reps": e.reps is not None, "rep_seconds": e.rep_seconds}
            for e in EXERCISES.values()]  # fmt: skip


def listing() -> list[dict[str, Any]]:
    """Every playlist the session can find, bundled and the clinic's, with a summary each."""
    clinic = clinic_playlists_dir().resolve()
    out = []
    for name, path in known_playlists().items():
        entry: dict[str, Any] = {"file": name, "source": "clinic" if path.resolve().parent == clinic else "bundled"}
        try:
            playlist = load_playlist(name)
        except ConfigError as exc:
            entry.update(title=name, problem=str(exc))
        else:
            entry.update(title=playlist.name, limb=playlist.limb, exercises=len(playlist.exercises),
                         planned_min=round(playlist.planned_s / 60.0, 1))  # fmt: skip
        out.append(entry)
    return out


def as_table(file: str) -> dict[str, Any]:
    """A playlist as the page edits it (every exercise with its own values, nothing implied)."""
    playlist = load_playlist(file)
    items = []
    for item in playlist.exercises:
        entry: dict[str, Any] = {"id": item.id, "reps": item.reps, "duration_s": item.duration_s, "rest_s": item.rest_s,
                                 "instruction": item.instruction}  # fmt: skip
        if item.mirror is not None:
            m = item.mirror
            entry["mirror"] = {"scope": m.scope, "degree": m.degree, "gain": m.gain, "delay_ms": m.delay_ms}
        items.append(entry)
    return {"file": file, "name": playlist.name, "limb": playlist.limb, "max_minutes": playlist.max_minutes,
            "exercises": items}  # fmt: skip


def validate(table: dict[str, Any]) -> Playlist:
    """The playlist a table describes, checked by the playlist loader; FieldError names the field."""
    data = _toml_table(table)
    try:
        return parse_dataclass(data, Playlist, "playlist")
    except ConfigError as exc:
        text = str(exc).removeprefix("playlist: ")
        field, _, message = text.partition(": ")
        if not message:
            field, message = "", text
        raise FieldError(field, message) from None


def save(file: str, table: dict[str, Any]) -> Path:
    """Validate and write a clinic playlist as `<file>.toml`; returns the path. The written file is read
    back through `load_playlist`, which is what a session does."""
    if not isinstance(file, str) or not _FILE_NAME.fullmatch(file):
        raise FieldError("file", "use 1 to 48 lower-case letters, digits, '_' or '-', starting with a letter or digit")
    if (playlists_dir() / f"{file}.toml").exists():
        raise FieldError("file", f"{file!r} is a bundled playlist; save the clinic's version under another name")
    validate(table)
    folder = clinic_playlists_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{file}.toml"
    partial = path.with_name(f".{file}.toml.part")
    text = "# Made in the vrtherapy console. The same rules as every playlist file apply (therapy/playlist.py).\n"
    partial.write_text(text + tomli_w.dumps(_toml_table(table)), encoding="utf-8")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)
    load_playlist(file)  # what the session will read
    return path


def _toml_table(table: dict[str, Any]) -> dict[str, Any]:
    """The page's table as the TOML file holds it: empty values left out, numbers as the file has them."""
    if not isinstance(table, dict):
        raise FieldError("", "a playlist must be a table")
    data: dict[str, Any] = {}
    for key in ("name", "limb", "max_minutes"):
        if table.get(key) not in (None, ""):
            data[key] = table[key]
    items = table.get("exercises")
    if not isinstance(items, list):
        raise FieldError("exercises", "a playlist needs a list of exercises")
    data["exercises"] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise FieldError(f"exercises[{i}]", "must be a table")
        entry = {k: v for k, v in item.items() if k in _ITEM_KEYS and v not in (None, "")}
        if isinstance(entry.get("mirror"), dict):
            entry["mirror"] = {k: v for k, v in entry["mirror"].items() if v not in (None, "")}
        unknown = sorted(set(item) - set(_ITEM_KEYS))
        if unknown:
            raise FieldError(f"exercises[{i}].{unknown[0]}", f"unknown key (known: {', '.join(_ITEM_KEYS)})")
        data["exercises"].append(entry)
    return data

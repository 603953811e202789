"""Where the project's data folders (`models/`, `scenes/`) are found.

They live beside the package in the source tree; `VRTHERAPY_HOME` points elsewhere (e.g. a clinic's own
scenes) when set. The clinic's own playlists (made in the console) live in a per-user folder next to the
bundled ones: `VRTHERAPY_PLAYLISTS`, else the user data folder's `vrtherapy/playlists/`; the bundled folder
is part of the installed program and may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    env = os.environ.get("VRTHERAPY_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent


def models_dir() -> Path:
    return project_home() / "models"


def scenes_dir() -> Path:
    return project_home() / "scenes"


def playlists_dir() -> Path:
    return scenes_dir() / "playlists"


def clinic_playlists_dir() -> Path:
    """The clinic's own playlists (may not exist yet)."""
    env = os.environ.get("VRTHERAPY_PLAYLISTS")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("vrtherapy", appauthor=False)) / "playlists"

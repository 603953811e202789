"""Where the project's data folders (`models/`, `scenes/`) are found.

They live beside the package in the source tree; `VRTHERAPY_HOME` points elsewhere (e.g. a clinic's own
scenes) when set.
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

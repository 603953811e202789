"""Where the project's data folders (`models/`, `scenes/`) are found, and where derived data is cached.

They live beside the package in the source tree; `VRTHERAPY_HOME` points elsewhere (e.g. a clinic's own
scenes) when set. What vrtherapy derives on a machine (compiled kernels, generated meshes) goes to the
per-user cache, in a folder per vrtherapy version so an upgrade never reads an older version's files.
The clinic's own playlists (made in the console) live in a per-user folder next to the bundled ones:
`VRTHERAPY_PLAYLISTS`, else the user data folder's `vrtherapy/playlists/`; the bundled folder is part of
the installed program and may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

from vrtherapy import __version__


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


def version_cache_dir() -> Path:
    """`<user cache dir>/vrtherapy-<version>`: this version's derived files on this machine
    (`VRTHERAPY_CACHE_DIR` points elsewhere when set)."""
    env = os.environ.get("VRTHERAPY_CACHE_DIR")
    if env:
        return Path(env)
    return Path(user_cache_dir()) / f"vrtherapy-{__version__}"


def clinic_playlists_dir() -> Path:
    """The clinic's own playlists (may not exist yet)."""
    env = os.environ.get("VRTHERAPY_PLAYLISTS")
    if env:
        return Path(env)
    return Path(user_data_dir("vrtherapy", appauthor=False)) / "playlists"

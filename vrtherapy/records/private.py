"""Owner-only folders and files for patient data (records, reports, exports), whatever the umask.

Modes passed to mkdir/open are filtered by the process umask, so each is set explicitly afterwards.
Folders that already exist are left as they are (they may be shared on purpose); only folders this
module creates are made private.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """Create `folder` and any missing parents as owner-only folders; return it."""
    missing: list[Path] = []
    parent = Path(folder)
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made by another process in between
            continue
        os.chmod(path, FOLDER_MODE)
    return Path(folder)


def create_private_file(path: Path) -> bool:
    """Create an empty owner-only file at `path` unless one exists; True if it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def make_private(path: Path) -> Path:
    """Restrict an existing file this program wrote to its owner; return it."""
    os.chmod(path, FILE_MODE)
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write `text` to an owner-only file, under a temporary name first so no half-written file is left."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(make_private(partial), path)
    return path

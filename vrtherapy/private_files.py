"""Owner-only folders and files for what holds a patient's motion (recordings, session output), whatever the umask.

A file is created owner-only from its first byte (`os.open` with mode 0o600 and O_EXCL, then `fchmod`,
since the umask can only take bits away), never created loose and tightened later. Only folders this
module creates are made owner-only (0o700); folders that already exist are left as they are (a clinic
may share one on purpose).

The records store has its own copy of these rules (`records/private.py`) so that `records/` needs
nothing from the rest of the package.
"""

from __future__ import annotations

import errno
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
    if not parent.is_dir():  # a file where a folder should be
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(parent))
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made by another process in between
            continue
        os.chmod(path, FOLDER_MODE)
    return Path(folder)


def create_private(path: Path) -> int:
    """Create the new file `path` owner-only (its folder too, if missing) and return a descriptor open
    for writing; FileExistsError if it exists (nothing is ever overwritten)."""
    private_folder(Path(path).parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def private_path(path: Path) -> Path:
    """`path` made ready for a library that writes it by name (a video, an image): created empty and
    owner-only if missing, made owner-only if there (it is about to be replaced); returns it."""
    try:
        os.close(create_private(Path(path)))
    except FileExistsError:
        os.chmod(path, FILE_MODE)
    return Path(path)


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to the new owner-only file `path`, replacing it whole if it exists (via `path.part`)."""
    part = Path(f"{path}.part")
    part.unlink(missing_ok=True)
    fd = create_private(part)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(part, path)
    return Path(path)

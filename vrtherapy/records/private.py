"""Owner-only folders and files for patient data (records, reports, exports), whatever the umask.

Modes passed to mkdir/open are filtered by the process umask, so each is set explicitly afterwards.
Files are owner-only from their first byte (opened with mode 0600, then fchmod), never made loose and
tightened later; they are written under a temporary `.part` name and renamed when complete, and a
`.part` left by a failure (a full disk) is removed, so no half-written file is left where a finished
one is expected. Folders that already exist are left as they are (they may be shared on purpose);
only folders this module creates are made private. (`vrtherapy/private_files.py` holds the same rules
for the rest of the package; records keep their own so that `records/` needs nothing from above it.)
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vrtherapy import private_files as files
from vrtherapy.records.checks import RecordsError

FOLDER_MODE = files.FOLDER_MODE
FILE_MODE = files.FILE_MODE


def private_folder(folder: Path) -> Path:
    """Create `folder` and any missing parents as owner-only folders (`vrtherapy.private_files`); return it.
    A folder that cannot be made becomes one RecordsError line."""
    try:
        return files.private_folder(folder)
    except OSError as error:
        raise _write_error(Path(error.filename or folder), error) from None


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


def open_private(path: Path) -> Path:
    """Create (or empty) `path` as an owner-only file, for a library that then writes it by name."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


@contextmanager
def written_privately(path: Path) -> Iterator[Path]:
    """Yield `path`.part, owner-only and empty, for the block to write; rename it to `path` when the block
    ends well, remove it otherwise. A full or read-only disk becomes one RecordsError line."""
    partial = path.with_name(path.name + ".part")
    try:
        open_private(partial)
        yield partial
        os.replace(partial, path)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _write_error(path, error) from None
        raise


def write_private_text(path: Path, text: str) -> Path:
    """Write `text` to an owner-only file, under a temporary name first so no half-written file is left."""
    with written_privately(path) as partial:
        _write_all(partial, text.encode("utf-8"))
    return path


def _write_all(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def guarded(path: Path, write: Callable[[Path], None]) -> Path:
    """`write(partial)` into an owner-only `.part` file renamed to `path` when done (see `written_privately`)."""
    with written_privately(path) as partial:
        write(partial)
    return path


def _write_error(path: Path, error: OSError) -> RecordsError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return RecordsError(f"{path}: the disk is full: free some space and try again (nothing was left half-written)")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RecordsError(f"{path}: this user may not write here: choose another --output or fix the folder's permissions")
    return RecordsError(f"{path}: cannot be written ({error.strerror or error}): check the disk and the folder")

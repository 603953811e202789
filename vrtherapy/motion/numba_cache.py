"""Where numba keeps the compiled motion kernels, and the decorator that puts them there.

numba's on-disk cache (`cache=True`) normally sits in `__pycache__` next to the source: inside an
installed package that folder may be read-only, is shared by every user, and outlives an upgrade.
Ours goes to the per-user cache folder, keyed by vrtherapy's version (`kernel_cache_dir`); the user's
own `NUMBA_CACHE_DIR`, when set, wins.

numba reads its cache folder from the process-wide `numba.config.CACHE_DIR` when a function is
decorated; `kernel` sets it only for the length of the decoration and puts it back, so other numba
users in the process keep theirs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

from vrtherapy.resources import version_cache_dir

F = TypeVar("F", bound=Callable[..., Any])

#: numba's settings (read at run time from its config module, which declares no types)
_config: Any = numba.config


def kernel_cache_dir() -> Path:
    """The folder numba caches vrtherapy's kernels in: `NUMBA_CACHE_DIR` when set, else
    `<user cache dir>/vrtherapy-<version>/numba`."""
    own = os.environ.get("NUMBA_CACHE_DIR")
    if own:
        return Path(own)
    return version_cache_dir() / "numba"


def kernel(function: F) -> F:
    """`numba.njit(cache=True)`, cached in `kernel_cache_dir()`."""
    previous = _config.CACHE_DIR
    _config.CACHE_DIR = str(kernel_cache_dir())
    try:
        compiled = numba.njit(cache=True)(function)
    finally:
        _config.CACHE_DIR = previous
    return cast(F, compiled)  # called like the Python function it compiles

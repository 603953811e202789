"""`vrtherapy prepare`, and getting a process ready for frames: the command-level edge of `motion.kernel_prep`.

Installers and CI run `vrtherapy prepare` once, so a patient's first session starts at once rather than
waiting for numba to compile the motion kernels and for the seated body to be surfaced (both are then
cached per user and per version).

`ready_for_frames` is what a session command does before its first frame: load (or compile) the
kernels, then sweep the heap once and freeze what is left (`gc.freeze`), so that the collector's full
sweeps over the large, long-lived heap of compiled code never land in the middle of a session frame.
Freezing the heap changes the whole process, which is why it happens here, at the command's edge,
and not inside the library.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

from vrtherapy.motion.kernel_prep import kernels_prepared, prepare_kernels
from vrtherapy.motion.numba_cache import kernel_cache_dir
from vrtherapy.render.body import body_mesh

Say = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def prepare(say: Say = _stderr) -> float:
    """Compile the motion kernels and surface the seated body for this machine (or find them made); returns
    the seconds taken."""
    already = kernels_prepared()
    seconds = prepare_kernels(say)
    state = "already compiled, loaded" if already else "compiled"
    say(f"vrtherapy: motion kernels {state} in {seconds:.1f} s (cache: {kernel_cache_dir()})")
    started = time.monotonic()
    for kind in ("arm", "leg"):
        body_mesh(kind)
    say(f"vrtherapy: the seated body's meshes ready in {time.monotonic() - started:.1f} s")
    return seconds + time.monotonic() - started


def ready_for_frames(say: Say = _stderr) -> None:
    """Kernels loaded (compiled first if need be, said step by step), the heap swept and frozen."""
    prepare_kernels(say)
    gc.collect()
    gc.freeze()

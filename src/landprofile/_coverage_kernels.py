"""Which zonal kernels run a strip: numpy's for a small first call, numba's after.

Numba's import and first kernel call (its cached machine code) take 0.7-1.1 s of
GIL-bound Python: more than a small first call's whole work. Small strips therefore go
to the numpy versions (:mod:`landprofile._kernels_np`, same operations in the same
order) until a process has put enough cells through them; then numba loads once and
serves every strip. The state is per process and shared by its threads.
"""

from __future__ import annotations

import threading
from types import ModuleType

import numpy as np

__all__ = ["kernels", "kernels_for", "numba_loaded"]

#: Strips up to this many cells go to the numpy kernels while numba is not loaded ...
SMALL_STRIP_CELLS = 1_000_000
#: ... until a process has put this many cells through them (~0.2 s of numpy work, a
#: fraction of numba's load): past it, numba loads and takes every strip.
NUMPY_BUDGET_CELLS = 10_000_000
_numpy_cells = 0

_kernels_ready = threading.Event()
_kernels_lock = threading.Lock()


def kernels() -> ModuleType:
    """The numba kernels, loaded (numba's import and cached code) on the first call."""
    if not _kernels_ready.is_set():
        with _kernels_lock:
            _load_kernels()
    from landprofile import _kernels

    return _kernels


def numba_loaded() -> bool:
    """Whether this process has loaded the numba kernels (then they serve every strip)."""
    return _kernels_ready.is_set()


def _numpy_will_do(cells: int) -> bool:
    return (
        not _kernels_ready.is_set()
        and cells <= SMALL_STRIP_CELLS
        and _numpy_cells + cells <= NUMPY_BUDGET_CELLS
    )


def kernels_for(cells: int, *, charge: bool = False) -> ModuleType:
    """The kernels for a strip of ``cells`` cells.

    Numpy ones for small strips in a process that has not loaded numba (and has not
    done much yet): they finish before numba would have loaded. Else numba's.
    ``charge``: count the strip against the budget (once per strip, at its first kernel).
    """
    global _numpy_cells
    if _numpy_will_do(cells):
        if charge:
            _numpy_cells += cells  # approximate across threads; only a budget
        from landprofile import _kernels_np

        return _kernels_np
    return kernels()


def _try_load_kernels() -> bool:
    """Load the kernels unless another thread is at it; whether they are ready."""
    if _kernels_lock.acquire(blocking=False):
        try:
            _load_kernels()
        finally:
            _kernels_lock.release()
    return _kernels_ready.is_set()


def _load_kernels() -> None:
    # Called with _kernels_lock held.
    if _kernels_ready.is_set():
        return
    from landprofile import _kernels

    # The first call of any kernel sets up numba's compiler context and loads the
    # cached machine code: that, not the import, is most of the cost.
    _kernels.accumulate_edges(np.zeros((0, 4)), 0, 1, np.zeros((1, 3)))
    _kernels_ready.set()

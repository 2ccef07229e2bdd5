"""Load numba and the coverage kernels on a background thread, once per process.

The first call of a numba kernel in a fresh process initialises LLVM and loads the
cached machine code: about 0.45 s, paid by every CLI run and every new kernel. Most of
it runs in C++ (llvmlite calls release the GIL), so it can overlap the imports, file
reads and geometry work that come before the first strip is counted. The kernel warmed
here is the one every statistic starts with, with the exact argument types of real
calls, so no new specialisation is ever compiled. ``LANDPROFILE_NO_WARMUP=1`` turns it
off.
"""

from __future__ import annotations

import atexit
import os
import threading

__all__ = ["start"]

_thread: threading.Thread | None = None
_lock = threading.Lock()


def _run() -> None:
    try:
        import numpy as np

        from landprofile import _coverage as cov

        segs = np.array(
            [[0.5, 0.5, 1.5, 0.5], [1.5, 0.5, 1.5, 1.5], [1.5, 1.5, 0.5, 1.5], [0.5, 1.5, 0.5, 0.5]]
        )
        cov.accumulate_edges(segs, 0, 2, np.zeros((2, 4)))
    except Exception:  # a warm-up must never break anything; the real call will say why
        pass


def _join() -> None:
    # a daemon thread still inside LLVM at interpreter exit can crash it: wait for it
    if _thread is not None:
        _thread.join(timeout=10)


def start() -> None:
    """Start the warm-up (no-op when already started or disabled)."""
    global _thread
    if os.environ.get("LANDPROFILE_NO_WARMUP"):
        return
    with _lock:
        if _thread is not None:
            return
        _thread = threading.Thread(target=_run, name="landprofile-warmup", daemon=True)
        _thread.start()
        atexit.register(_join)

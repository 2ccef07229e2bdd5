"""Step reporting for long computations: the library says what it is doing, callers show it.

A ``progress`` callback is called as ``progress(step, None)`` when a step starts and
``progress(step, seconds)`` when it ends. The CLI draws a live line from it
(:mod:`landprofile._console`); a notebook user may pass ``print``-like functions; the
library itself prints nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: ``progress(step, seconds)``: ``seconds`` is ``None`` when the step starts.
Progress = Callable[[str, float | None], None]


class Steps:
    """Times consecutive named steps and reports each start and end to ``progress``.

    Parameters
    ----------
    progress
        The callback, or ``None`` to time silently.
    prefix
        Put before each step name (``"boundary · "``), for steps nested in a stage.
    """

    def __init__(self, progress: Progress | None, prefix: str = "") -> None:
        self.progress = progress
        self.prefix = prefix
        self.timings: dict[str, float] = {}
        self._current: str | None = None
        self._t0 = 0.0

    def start(self, name: str) -> None:
        """End the current step, if any, and start ``name``."""
        self.end()
        self._current = name
        self._t0 = time.perf_counter()
        if self.progress is not None:
            self.progress(self.prefix + name, None)

    def end(self) -> None:
        """End the current step (nothing if none is running)."""
        if self._current is None:
            return
        seconds = time.perf_counter() - self._t0
        self.timings[self._current] = seconds
        name, self._current = self._current, None
        if self.progress is not None:
            self.progress(self.prefix + name, seconds)


def nested(progress: Progress | None, prefix: str) -> Progress | None:
    """A callback reporting to ``progress`` with ``prefix`` before each step name."""
    if progress is None:
        return None
    return lambda step, seconds: progress(prefix + step, seconds)


def interruptible(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, run so that Ctrl-C stops the wait at once.

    Python handles a signal only between bytecodes of the main thread: during a
    30-second numba kernel that releases the GIL, Ctrl-C would wait for the kernel to
    end. The kernel runs on a daemon thread instead, and the main thread waits in
    short, interruptible slices. An interrupted kernel is abandoned (its result
    dropped); the CLI then exits without waiting for it.
    """
    out: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread
            out["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="landprofile-kernel", daemon=True).start()
    while not done.wait(0.2):
        pass
    if "error" in out:
        raise out["error"]
    return out["value"]

"""Run a benchmark's child process inside a fresh cgroup-v1 memory group with a hard limit.

Why a cgroup: a process's RSS counts the pages of its memory-mapped files only while the
kernel keeps them, and with RAM free it keeps them all, so RSS alone cannot prove a run fits
a limit. The page cache a cgroup's processes fill is charged to that cgroup; a run that
finishes inside a group whose ``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes``
(memory plus swap) are both set to the limit has been *proven* within it, file pages
included. ``memory.max_usage_in_bytes`` is the group's peak (anonymous memory plus page
cache); ``memory.failcnt`` counts the times the group hit its limit and the kernel had to
reclaim (write back and drop pages) before it could charge more; an OOM kill shows in
``memory.oom_control`` (``oom_kill``) and as a child killed by ``SIGKILL``.

Only cgroup v1 (``/sys/fs/cgroup/memory``) is handled: it is what the benchmark machine
has. :func:`memory_cgroup` makes one group with a unique name, and removes that group,
and only that one, afterwards.

Usage::

    with memory_cgroup(8 * 2**30) as cg:
        proc = subprocess.Popen(cmd, preexec_fn=cg.enter)
        rc = proc.wait()
        figures = cg.figures(rc)
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

#: Where the cgroup-v1 memory controller is mounted.
ROOT = Path("/sys/fs/cgroup/memory")


class CgroupUnavailableError(RuntimeError):
    """The memory cgroup cannot be made here (no cgroup v1, or not writable)."""


class MemoryCgroup:
    """One memory cgroup this process made: join it, sample it, read its figures."""

    def __init__(self, path: Path, limit_bytes: int) -> None:
        self.path = path
        self.limit_bytes = limit_bytes

    def _read(self, name: str) -> str:
        return (self.path / name).read_text()

    def _int(self, name: str) -> int:
        return int(self._read(name).strip())

    def enter(self) -> None:
        """Move the calling process into the group (for ``Popen(preexec_fn=...)``).

        Runs in the forked child before ``exec``: everything the benchmarked program
        allocates or reads, from its first byte, is charged to the group.
        """
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def stat(self) -> dict[str, int]:
        """``memory.stat`` as a mapping (``rss`` is anonymous memory, ``cache`` page cache)."""
        out = {}
        for line in self._read("memory.stat").splitlines():
            key, _, value = line.partition(" ")
            with contextlib.suppress(ValueError):
                out[key] = int(value)
        return out

    def oom_kills(self) -> int:
        """OOM kills in the group (the ``oom_kill`` line of ``memory.oom_control``)."""
        for line in self._read("memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def procs(self) -> list[int]:
        """The processes still in the group."""
        return [int(p) for p in self._read("cgroup.procs").split()]

    def figures(self, returncode: int | None = None) -> dict:
        """The group's peak, failure counts and whether the OOM killer fired."""
        oom = self.oom_kills()
        killed = returncode is not None and returncode == -signal.SIGKILL
        return {
            "cgroup": str(self.path),
            "limit_bytes": self.limit_bytes,
            "max_usage_bytes": self._int("memory.max_usage_in_bytes"),
            "memsw_max_usage_bytes": self._int("memory.memsw.max_usage_in_bytes"),
            "failcnt": self._int("memory.failcnt"),
            "memsw_failcnt": self._int("memory.memsw.failcnt"),
            "oom_kills": oom,
            # an OOM kill is a SIGKILL; any other SIGKILL was someone else's
            "oom_killed": oom > 0 or killed,
        }


def _refuse(why: str) -> CgroupUnavailableError:
    return CgroupUnavailableError(
        f"--memory-limit-gb needs a writable cgroup-v1 memory controller at {ROOT} "
        f"(a directory with memory.limit_in_bytes and memory.memsw.limit_in_bytes that "
        f"this user can make groups in, usually as root): {why}. Run without "
        f"--memory-limit-gb to measure without a hard limit."
    )


def _check_root() -> None:
    if not (ROOT / "memory.limit_in_bytes").is_file():
        raise _refuse(f"{ROOT} is not a cgroup-v1 memory controller")
    if not (ROOT / "memory.memsw.limit_in_bytes").is_file():
        # without memsw, swap would let a run exceed the limit unseen
        raise _refuse("memory.memsw.* is missing (the kernel does not account swap)")
    if not os.access(ROOT, os.W_OK):
        raise _refuse(f"{ROOT} is not writable by this user (uid {os.getuid()})")


def _remove(path: Path, grace_s: float = 30.0) -> None:
    """Remove the group once its processes are gone (ending leftovers of ours).

    The only processes in the group are the child this module's caller started and its
    descendants (a cluster's workers), so a leftover after the grace period is ended by
    its process id, never by name.
    """
    procs = path / "cgroup.procs"
    deadline = time.monotonic() + grace_s
    while True:
        try:
            pids = [int(p) for p in procs.read_text().split()]
        except FileNotFoundError:
            return
        if not pids:
            break
        if time.monotonic() > deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + grace_s
        time.sleep(0.2)
    # rmdir can fail with EBUSY for a moment after the last task left
    for _ in range(50):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    path.rmdir()


@contextlib.contextmanager
def memory_cgroup(limit_bytes: int, prefix: str = "lp-bench") -> Iterator[MemoryCgroup]:
    """Make a fresh memory cgroup limited to ``limit_bytes`` (memory and memory+swap).

    Parameters
    ----------
    limit_bytes
        The hard limit, applied to ``memory.limit_in_bytes`` and
        ``memory.memsw.limit_in_bytes``.
    prefix
        The start of the group's name; the rest (this process's id and a time stamp)
        makes it unique, so an existing group is never reused or removed.

    Raises
    ------
    CgroupUnavailableError
        When there is no writable cgroup-v1 memory controller, or the limit does not hold.
    """
    if limit_bytes <= 0:
        raise ValueError(f"the memory limit must be positive bytes, got {limit_bytes}")
    _check_root()
    path = ROOT / f"{prefix}-{os.getpid()}-{time.time_ns()}"
    try:
        path.mkdir()
    except OSError as exc:
        raise _refuse(f"could not make {path}: {exc.strerror}") from None
    try:
        # memory first: memsw may never be below it
        (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
        (path / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
        cg = MemoryCgroup(path, limit_bytes)
        # the kernel rounds to pages: the limit read back must not exceed the one asked
        for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
            got = cg._int(name)
            if got > limit_bytes:
                raise _refuse(f"{name} reads {got} after writing {limit_bytes}")
        yield cg
    finally:
        _remove(path)

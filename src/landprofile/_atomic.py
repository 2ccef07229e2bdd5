"""Atomic output: write to a temporary file beside the target, rename into place.

Temporary names carry the writing process's id and host (``.{name}.lp{pid}-{host}.…``),
so that the leftovers of a run killed outright (``kill -9``, a power cut) are recognised
and removed by the next write to the same target — only those, only when their process
is gone, never anything else.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "dead_owner", "owner_tag", "remove_stale"]


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def owner_tag() -> str:
    """``lp{pid}-{host}``: who writes a temporary file or folder."""
    return f"lp{os.getpid()}-{_host()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, under another user
    return True


def dead_owner(tag: str) -> bool:
    """Whether ``lp{pid}-{host}`` names a process of this host that is gone."""
    m = re.fullmatch(r"lp(\d+)-([0-9a-f]{6})", tag)
    return bool(m) and m.group(2) == _host() and not _alive(int(m.group(1)))


def remove_stale(target: Path) -> list[Path]:
    """Remove the temporaries a dead landprofile process left for ``target``.

    Matches only ``.{target.name}.lp{pid}-{host}.*`` on this host whose process is gone.
    Returns what was removed.
    """
    pattern = re.compile(re.escape(f".{target.name}.") + r"lp(\d+)-([0-9a-f]{6})\.")
    removed = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = pattern.match(p.name)
        if not m or not dead_owner(f"lp{m.group(1)}-{m.group(2)}"):
            continue
        try:
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it to ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched, so
    a failed run never leaves a half-written output. The rename is atomic on POSIX. A
    target claimed by :func:`landprofile._owned.claim` is checked again just before the
    rename (a file that appeared there since is kept) and recorded after it.
    """
    from landprofile.errors import OutputError

    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.{owner_tag()}.",
            suffix=".tmp" + target.suffix,
            dir=target.parent,
        )
    except OSError as exc:
        raise OutputError(
            f"cannot write '{target}': {exc.strerror or exc} (choose a folder you can write to)"
        ) from None
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers (GDAL drivers) want to create the file themselves
    from landprofile import _owned

    try:
        yield tmp_path
        # a target a command claimed before its work (landprofile._owned): still as it
        # was then, and recorded as ours once written
        _owned.before_replace(target)
        os.replace(tmp_path, target)
        _owned.after_replace(target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()

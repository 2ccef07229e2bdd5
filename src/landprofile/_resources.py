"""A resource guard: gridded stages estimate their memory before they allocate.

A resolution mistyped by a factor of 100 (0.3 m for 30 m) asks a 110,000 ha landscape
for 12 billion cells: without a guard the process dies in a ``MemoryError`` or is killed
by the system with no message. Each gridded stage calls :func:`check_cells` with its
cell count and its measured peak bytes per cell first; past the limit it raises
:class:`ResourceLimitError` with the estimate, the limit and the finest resolution that
fits.
"""

from __future__ import annotations

import math
import os

from landprofile.errors import ResourceLimitError

__all__ = ["available_bytes", "check_cells", "gib_text", "memory_limit_bytes"]

GIB = 1024**3
#: Share of the available memory a stage may plan to use.
AVAILABLE_SHARE = 0.8


def available_bytes() -> int:
    """Memory available to a new allocation (``MemAvailable`` on Linux), in bytes."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 * GIB  # unknown: a laptop's worth


def gib_text(nbytes: float) -> str:
    """GiB for a message, never printed as 0.0 for a positive amount."""
    g = nbytes / GIB
    return f"{g:,.1f}" if g >= 0.1 else f"{g:.2g}"


def memory_limit_bytes() -> int:
    """The limit: ``lp.options.max_memory_gb`` if set, else 80 % of the available memory."""
    from landprofile._options import options

    if options.max_memory_gb is not None:
        return int(float(options.max_memory_gb) * GIB)
    return int(AVAILABLE_SHARE * available_bytes())


def check_cells(what: str, cells: int, bytes_per_cell: float, res_m: float | None) -> None:
    """Raise :class:`ResourceLimitError` if ``cells`` would need more than the limit.

    Parameters
    ----------
    what
        The stage and its input, for the message.
    cells
        Cells the stage will hold.
    bytes_per_cell
        The stage's measured peak memory per cell.
    res_m
        The cell size (m), to say the finest resolution that fits (cells go as 1/res²).
    """
    need = cells * bytes_per_cell
    limit = memory_limit_bytes()
    if need <= limit:
        return
    fits = ""
    if res_m is not None and res_m > 0:
        finest = res_m * math.sqrt(need / limit)
        fits = f"; the finest resolution that fits is about {math.ceil(finest * 10) / 10:g} m"
    raise ResourceLimitError(
        f"{what}: {cells:,} cells would need about {need / GIB:,.1f} GiB of memory, more "
        f"than the limit of {limit / GIB:,.1f} GiB (80 % of the memory available, or "
        f"lp.options.max_memory_gb / LANDPROFILE_MAX_MEMORY_GB){fits}"
    )

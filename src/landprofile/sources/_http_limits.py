"""How long a download may wait and how slow it may go: the ``LANDPROFILE_HTTP_*`` settings.

Read from the environment at each call (so a test, or a long session, can change them)
and checked there: a value that is not a finite number inside its range is a named
:class:`~landprofile.errors.InvalidParameterError` listing what is accepted, before any
byte is asked for — never ``nan`` carried into GDAL's settings, nor ``inf`` into a
rounding that overflows.

``LANDPROFILE_HTTP_IDLE_S`` (30)
    No byte at all for this long (connecting included) aborts the transfer.
``LANDPROFILE_HTTP_LOW_SPEED_BPS`` (1024) and ``LANDPROFILE_HTTP_LOW_SPEED_S`` (30)
    Fewer than ``BPS`` bytes a second on average over ``S`` seconds aborts it: a trickle
    that never quite stops is a stall too.
``LANDPROFILE_HTTP_TOTAL_S`` (21600, six hours)
    The whole transfer; large enough for a HydroBASINS region on a slow line, because
    the low-speed limit, not this, is what catches a dead connection.

The same limits are given to GDAL (``GDAL_HTTP_LOW_SPEED_*``) for windowed reads.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

__all__ = ["CONNECT_TIMEOUT_S", "RETRIES", "SETTINGS", "Limits", "gdal_env", "limits"]

CONNECT_TIMEOUT_S = 8
RETRIES = 2

#: A week: no single wait of a download is meant to be longer (GDAL takes whole seconds
#: as a C long, and a socket timeout must be a finite float).
_WEEK_S = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Limits:
    """How long a download may wait (seconds) and how slow it may go (bytes/s)."""

    idle_s: float = 30.0
    low_speed_bps: float = 1024.0
    low_speed_s: float = 30.0
    total_s: float = 6 * 3600.0


#: Each setting: (variable, Limits field, unit, upper bound).
SETTINGS: tuple[tuple[str, str, str, float], ...] = (
    ("LANDPROFILE_HTTP_IDLE_S", "idle_s", "seconds", _WEEK_S),
    ("LANDPROFILE_HTTP_LOW_SPEED_BPS", "low_speed_bps", "bytes per second", 1e12),
    ("LANDPROFILE_HTTP_LOW_SPEED_S", "low_speed_s", "seconds", _WEEK_S),
    ("LANDPROFILE_HTTP_TOTAL_S", "total_s", "seconds", 4 * _WEEK_S),
)


def _env_number(name: str, default: float, unit: str, top: float) -> float:
    """The value of ``name`` (``default`` when unset or blank), checked: finite, in range.

    Raises
    ------
    InvalidParameterError
        Naming the variable, the value, and what is accepted.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    accepted = (
        f"expected a number of {unit} above 0 and at most {top:g} (default {default:g}; "
        f"unset {name} for the default)"
    )
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
        finite = False
    else:
        finite = math.isfinite(value)
    if not finite or not 0 < value <= top:
        from landprofile.errors import InvalidParameterError

        raise InvalidParameterError(f"{name}={raw!r}: {accepted}")
    return value


def limits() -> Limits:
    """The limits in effect, read and checked at each call.

    Raises
    ------
    InvalidParameterError
        A ``LANDPROFILE_HTTP_*`` variable is not a finite number within its range.
    """
    d = Limits()
    return Limits(
        **{
            field: _env_number(var, getattr(d, field), unit, top)
            for var, field, unit, top in SETTINGS
        }
    )


def gdal_env() -> dict[str, str]:
    """GDAL's HTTP settings for windowed reads, with the same limits as downloads."""
    lim = limits()
    return {
        # GDAL_HTTP_TIMEOUT is curl's cap on a whole request: a 1024-px block from a slow
        # host (4 MB of float32 at 64 KB/s is a minute) must not be cut while it moves,
        # so it is the total limit; what cuts a stall is curl's low-speed pair, whose
        # time is the idle limit when that is shorter (a host sending nothing at all is
        # below any speed, and is given up within LANDPROFILE_HTTP_IDLE_S)
        "GDAL_HTTP_TIMEOUT": str(max(1, round(lim.total_s))),
        "GDAL_HTTP_CONNECTTIMEOUT": str(max(1, round(min(CONNECT_TIMEOUT_S, lim.idle_s)))),
        "GDAL_HTTP_LOW_SPEED_LIMIT": str(max(1, round(lim.low_speed_bps))),
        "GDAL_HTTP_LOW_SPEED_TIME": str(max(1, round(min(lim.idle_s, lim.low_speed_s)))),
        "GDAL_HTTP_MAX_RETRY": str(RETRIES),
        "GDAL_HTTP_RETRY_DELAY": "1",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff",
        "VSI_CACHE": "TRUE",
    }

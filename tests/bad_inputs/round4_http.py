"""Round four, downloads (issue 36): every LANDPROFILE_HTTP_* value is checked where it
is read — a finite number in its range, else a named error listing what is accepted
(nan and inf were accepted, then an internal error in gdal_env)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

_BAD = {
    "LANDPROFILE_HTTP_IDLE_S": ["nan", "inf", "-inf", "0", "abc"],
    "LANDPROFILE_HTTP_LOW_SPEED_BPS": ["nan", "inf", "-1"],
    "LANDPROFILE_HTTP_LOW_SPEED_S": ["NaN", "1e400", "-0"],
    "LANDPROFILE_HTTP_TOTAL_S": ["nan", "inf", "1e300"],
}


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """Each bad value, through a named land cover read from the corpus's folder mirror."""
    from landprofile import errors as E  # noqa: N812

    rows = []
    for var, values in _BAD.items():
        for value in values:
            rows.append(
                (
                    f"http: {var}={value}",
                    lambda f, o, var=var, value=value: h._env(
                        {var: value}, lambda: h._named(f, o, cache=o.parent / "cache")
                    ),
                    E.InvalidParameterError,
                    f"{var}={value!r}: expected a number of",
                )
            )
    return rows

"""Package-wide defaults a user may set once (``lp.options``), light to import.

Every setting is checked where it is read: an environment variable when the stage that
uses it asks for it (not at import, so a bad value names itself in the command that
needs it, and ``import landprofile`` never fails on the environment), an ``lp.options``
attribute when it is assigned. :func:`env_number` and :func:`check_number` are the one
check for every numeric setting of the package (the HTTP limits use them too).
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = ["Options", "check_number", "env_number", "options"]

#: Accepted ranges of the numeric options: (integer, low, high, low excluded).
_RANGES: dict[str, tuple[bool, float, float, bool]] = {
    # 1 TiB of plan is beyond any machine this runs on; 0 would divide the guard's estimate
    "max_memory_gb": (False, 0.0, 1_000_000.0, True),
    # below 16 cells the halo (at least two cells each side) dwarfs the core
    "zoning_tile_cells": (True, 16, 1_000_000, False),
}
_ENV = {
    "max_memory_gb": "LANDPROFILE_MAX_MEMORY_GB",
    "zoning_tile_cells": "LANDPROFILE_ZONING_TILE_CELLS",
    "offline_maps": "LANDPROFILE_OFFLINE_MAPS",
}
_FLAGS_TRUE = ("1", "true", "yes", "on")
_FLAGS_FALSE = ("", "0", "false", "no", "off")


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _accepted(integer: bool, low: float | None, high: float | None, low_open: bool) -> str:
    kind = "a whole number" if integer else "a number"
    if low is not None and high is not None:
        lo = f"above {_num(low)}" if low_open else f"from {_num(low)}"
        return f"{kind} {lo} {'up ' if low_open else ''}to {_num(high)}"
    if low is not None:
        return f"{kind} {'above' if low_open else 'of at least'} {_num(low)}"
    if high is not None:
        return f"{kind} of at most {_num(high)}"
    return f"a finite {kind}"


def check_number(
    what: str,
    value: Any,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    hint: str = "",
) -> float | int:
    """``value`` as a finite number in range, else :class:`~landprofile.errors.SettingError`.

    Parameters
    ----------
    what
        The setting as the user wrote it (``"lp.options.max_memory_gb"``,
        ``"LANDPROFILE_HTTP_IDLE_S"``), for the message.
    value
        A number, or text holding one (an environment variable's value).
    integer
        Only whole numbers are accepted (``2.0`` is, ``2.5`` is not); returns an ``int``.
    low, high
        The accepted range (inclusive; ``low_open`` excludes ``low``).
    hint
        Appended to the message (what the setting does, how to unset it).

    Returns
    -------
    float or int
        The value.

    Raises
    ------
    SettingError
        Not a number, not finite, not whole when ``integer``, or out of range; the
        message names ``what``, the value and the accepted range.

    Examples
    --------
    >>> check_number("LANDPROFILE_ZONING_TILE_CELLS", "512", integer=True, low=16, high=1e6)
    512
    >>> check_number("lp.options.max_memory_gb", 0, low=0, high=1e6, low_open=True)
    Traceback (most recent call last):
    ...
    landprofile.errors.SettingError: lp.options.max_memory_gb=0 is not accepted: ...
    """
    from landprofile.errors import SettingError

    accepted = _accepted(integer, low, high, low_open)
    tail = f" ({hint})" if hint else ""

    def refuse(why: str) -> SettingError:
        return SettingError(f"{what}={value!r} is not accepted: {why}; expected {accepted}{tail}")

    if isinstance(value, bool) or value is None:
        raise refuse("not a number")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            number = float(text)
        except ValueError:
            raise refuse("not a number") from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise refuse(f"not a number (a {type(value).__name__})") from None
    if not math.isfinite(number):
        raise refuse("not finite")
    if integer and number != math.floor(number):
        raise refuse("not a whole number")
    if low is not None and (number <= low if low_open else number < low):
        raise refuse("out of range")
    if high is not None and number > high:
        raise refuse("out of range")
    return int(number) if integer else number


def env_number(
    name: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    default: float | int | None = None,
    low_open: bool = False,
) -> float | int | None:
    """The environment variable ``name`` as a checked number; ``default`` when unset or empty.

    Read at each call, so the check happens where the setting is used; see
    :func:`check_number` for the checks and the error.

    Examples
    --------
    >>> import os
    >>> os.environ["LANDPROFILE_EXAMPLE_S"] = "abc"
    >>> env_number("LANDPROFILE_EXAMPLE_S", low=0, high=60, default=30.0)
    Traceback (most recent call last):
    ...
    landprofile.errors.SettingError: LANDPROFILE_EXAMPLE_S='abc' is not accepted: not a number; ...
    >>> del os.environ["LANDPROFILE_EXAMPLE_S"]
    >>> env_number("LANDPROFILE_EXAMPLE_S", low=0, high=60, default=30.0)
    30.0
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return check_number(
        name,
        raw,
        integer=integer,
        low=low,
        high=high,
        low_open=low_open,
        hint=f"or unset {name} for the default",
    )


def _env_flag(name: str) -> bool:
    from landprofile.errors import SettingError

    raw = os.environ.get(name, "")
    text = raw.strip().lower()
    if text in _FLAGS_TRUE:
        return True
    if text in _FLAGS_FALSE:
        return False
    raise SettingError(
        f"{name}={raw!r} is not accepted: expected one of 1, true, yes, on (or 0, false, "
        f"no, off, or unset {name})"
    )


class Options:
    """Defaults of the package; change them as attributes (``lp.options.offline_maps = True``).

    An attribute never assigned takes its environment variable, read (and checked) when
    a stage asks for it; an assigned one is checked on assignment and wins over the
    environment; ``del lp.options.name`` goes back to the environment.

    Attributes
    ----------
    offline_maps
        Every ``.explore()`` map inlines the vendored Leaflet (as the card does) and
        draws no tile layer, so it shows in a notebook without internet. Default: the
        ``LANDPROFILE_OFFLINE_MAPS`` environment variable (``1``, ``true``), else off.
    max_memory_gb
        The memory (GiB) a gridded stage (zoning, a DEM catchment) may plan to use before
        it refuses with :class:`~landprofile.errors.ResourceLimitError`; above 0, at most
        1,000,000; ``None``: 80 % of the memory available when the stage starts.
        Default: ``LANDPROFILE_MAX_MEMORY_GB``.
    zoning_tile_cells
        Zoning runs in tiles of this many cells a side (a whole number from 16 to
        1,000,000; the same answer as one grid, in bounded memory;
        ``landprofile.zoning.tiles``); ``None``: tiles only when the whole analysis grid
        does not fit in ``max_memory_gb``. Default: ``LANDPROFILE_ZONING_TILE_CELLS``.
    data_mirror
        A mirror of the open sources (:mod:`landprofile.sources`): a folder or an http(s)
        URL. Default: ``LANDPROFILE_DATA_MIRROR``.

    Examples
    --------
    >>> import landprofile as lp
    >>> saved = lp.options.offline_maps
    >>> lp.options.offline_maps = True  # maps draw no tiles and inline Leaflet
    >>> lp.options.offline_maps
    True
    >>> lp.options.offline_maps = saved
    >>> lp.options.zoning_tile_cells = 2.5
    Traceback (most recent call last):
    ...
    landprofile.errors.SettingError: lp.options.zoning_tile_cells=2.5 is not accepted: ...
    """

    _NAMES = ("offline_maps", "data_mirror", "max_memory_gb", "zoning_tile_cells")

    def __init__(self) -> None:
        object.__setattr__(self, "_set", {})

    def __getattr__(self, name: str) -> Any:
        # only called for names not found the ordinary way: the options not assigned
        if name not in Options._NAMES:
            raise AttributeError(f"lp.options has no option {name!r}; options: {Options._NAMES}")
        if name == "offline_maps":
            return _env_flag(_ENV[name])
        if name == "data_mirror":
            return None  # the mirror's reader takes LANDPROFILE_DATA_MIRROR itself
        integer, low, high, low_open = _RANGES[name]
        return env_number(_ENV[name], integer=integer, low=low, high=high, low_open=low_open)

    def __setattr__(self, name: str, value: Any) -> None:
        from landprofile.errors import SettingError

        if name not in Options._NAMES:
            raise SettingError(
                f"lp.options has no option {name!r}; options: {', '.join(Options._NAMES)}"
            )
        if value is None and name != "offline_maps":
            # None is "the default": the environment again (code that saves an option
            # and puts it back must not pin the default over a later environment value)
            self.__delattr__(name)
            return
        if name == "offline_maps":
            value = bool(value)
        elif name == "data_mirror":
            if value is not None and not isinstance(value, str | os.PathLike):
                raise SettingError(
                    f"lp.options.data_mirror={value!r} is not accepted: expected a folder or "
                    "an http(s) URL as text, or None"
                )
            value = None if value is None else os.fspath(value)
        elif value is not None:
            integer, low, high, low_open = _RANGES[name]
            value = check_number(
                f"lp.options.{name}",
                value,
                integer=integer,
                low=low,
                high=high,
                low_open=low_open,
                hint="or None for the default",
            )
        self._set[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._set.pop(name, None)
        if name in self.__dict__:
            object.__delattr__(self, name)

    def __repr__(self) -> str:
        shown = []
        for name in Options._NAMES:
            try:
                shown.append(f"{name}={getattr(self, name)!r}")
            except Exception as exc:  # a bad environment value: show it, do not fail
                shown.append(f"{name}=<{exc}>")
        return f"Options({', '.join(shown)})"


#: The package's options.
options = Options()

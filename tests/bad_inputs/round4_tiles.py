"""Round four, tiles (issue 38): a grid that does not fit even in tiles is refused with
what the tiled run needs in positive numbers and the limit that would let it run (it
said "one tile of -338 cells a side ... about 0.0 h")."""

from __future__ import annotations

from typing import Any

import landprofile as lp
from landprofile import errors as E  # noqa: N812


def _fine(h: Any) -> Any:
    # 11 km x 11 km at 2 m: 30 M cells, far past 0.01 GiB even in tiles
    return lp.zoning.candidates(h.good_ls(), resolution_m=2)


def cases(h: Any) -> list:
    return [
        (
            "tiles4: refused in tiles, the limit that would let it run",
            lambda f, o: h._with_limit(0.01, lambda: _fine(h)),
            E.ResourceLimitError,
            "set lp.options.max_memory_gb / LANDPROFILE_MAX_MEMORY_GB to",
        ),
        (
            "tiles4: refused in tiles, the tile's side is the smallest cut, not negative",
            lambda f, o: h._with_limit(0.01, lambda: _fine(h)),
            E.ResourceLimitError,
            "one tile of 256 cells a side",
        ),
    ]

"""Round four, zoning: no confident answer from a land cover zoning cannot interpret
(issue 36 item 6). A land cover whose every value its legend does not know is refused
by name before any zoning work; a partly known one still zones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from make_bad_inputs import T, _tif

import landprofile as lp
from landprofile import errors as E  # noqa: N812


def build(root: Path, files: dict) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    f = {"lc_unknown": root / "lc_unknown.tif", "lc_unknown_nodata": root / "lc_unk_nd.tif"}
    # values 200/201: none is an ESA WorldCover class
    rows = np.broadcast_to(np.arange(150)[:, None], (150, 150))
    _tif(f["lc_unknown"], np.where(rows < 75, 200, 201).astype(np.uint8), T)
    # unknown values and nodata (0): still nothing the legend knows
    data = np.full((150, 150), 250, np.uint8)
    data[:, :40] = 0
    _tif(f["lc_unknown_nodata"], data, T, nodata=0)
    return f


def _zones(h: Any, lc: Path, **kw: Any) -> Any:
    return lp.zoning.candidates(h.good_ls(), land_cover=lc, resolution_m=200, **kw)


def cases(h: Any) -> list:
    return [
        *locate_cases(h),
        (
            "zoning4: land cover all unknown to the legend",
            lambda f, o: _zones(h, f["lc_unknown"]),
            E.LegendMismatchError,
            "lc_unknown.tif",
        ),
        (
            "zoning4: land cover all unknown, the values named",
            lambda f, o: _zones(h, f["lc_unknown"]),
            E.LegendMismatchError,
            "(200, 201)",
        ),
        (
            "zoning4: land cover unknown beside nodata",
            lambda f, o: _zones(h, f["lc_unknown_nodata"]),
            E.LegendMismatchError,
            "esa_worldcover_v200",
        ),
        (
            "zoning4: land cover all unknown through the CLI's legend advice",
            lambda f, o: _zones(h, f["lc_unknown"], legend="esa_worldcover_v100"),
            E.LegendMismatchError,
            "legend=",
        ),
    ]


def locate_cases(h: Any) -> list:
    """locate's messages say the true cause (issue 36 item 9)."""
    return [
        (
            "zoning4: total_area_ha below the smallest zone names min_ha, not overlap",
            lambda f, o: lp.zoning.locate(h._zres(), total_area_ha=10),
            E.SelectionWarning,
            "below the smallest zone locate places",
        ),
    ]

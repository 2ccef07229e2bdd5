"""Round four, Copernicus GLO-30's withheld tiles (issue 37 item 6).

Land the Copernicus programme withheld from GLO-30 Public (Armenia, Azerbaijan) was
reported as "(ocean?)" and read as missing: it is now named as withheld, tile by tile
with its countries, as a warning when other tiles remain and an error when none does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from shapely.geometry import box

import landprofile as lp
from landprofile import errors as E  # noqa: N812

_STEM = "Copernicus_DSM_COG_10_N40_00_E042_00_DEM"


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """A folder mirror holding one published tile (N40E042, Turkey) and nothing else."""
    from landprofile.testing import write_geotiff

    mirror = root / "copdem_mirror"
    tile = mirror / "copernicus-dem-30m" / _STEM / f"{_STEM}.tif"
    tile.parent.mkdir(parents=True, exist_ok=True)
    data = np.random.default_rng(40).uniform(900, 1500, (100, 100)).astype("float32")
    write_geotiff(tile, data, Affine(0.01, 0, 42.0, 0, -0.01, 41.0), "EPSG:4326")
    return {"copdem_mirror": mirror}


def _ls(w: float, s: float, e: float, n: float) -> lp.Landscape:
    return lp.Landscape(
        name="caucasus",
        geometry=box(w, s, e, n),
        crs=4326,
        provenance=lp.Provenance(method="custom", source="test"),
    )


def _elevation(h: Any, f: dict[str, Path], o: Path, bounds: tuple) -> Any:
    env = {"LANDPROFILE_DATA_MIRROR": f["copdem_mirror"], "LANDPROFILE_CACHE": o.parent / "cache"}
    return h._env(env, lambda: lp.elevation(_ls(*bounds), "copdem30"))


def cases(h: Any) -> list:
    return [
        (
            "copdem4: a landscape wholly in withheld tiles, named with its countries",
            lambda f, o: _elevation(h, f, o, (44.4, 40.1, 44.6, 40.3)),  # Yerevan
            E.DataSourceError,
            "N40E044 (Armenia, Azerbaijan)",
        ),
        (
            "copdem4: a landscape partly in a withheld tile, named as withheld (not ocean?)",
            lambda f, o: _elevation(h, f, o, (42.8, 40.4, 43.2, 40.6)),
            E.WithheldTileWarning,
            "N40E043 (Armenia)",
        ),
    ]

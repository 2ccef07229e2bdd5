"""Round four, the named products (issue 37 item 5): a year of one WorldPop series asked
of the other, an R2025A year outside 2015-2030, and an Earth Genome name that is a folder
or leaves its product root, are refused by name before anything is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from landprofile import errors as E  # noqa: N812


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    import landprofile as lp

    box = (-2.0, 5.0, -1.9, 5.1)

    def raster(name: str) -> Callable[[dict, Path], Any]:
        from landprofile.sources import raster as read

        return lambda f, o: read(name, box)

    def vector(name: str) -> Callable[[dict, Path], Any]:
        return lambda f, o: lp.read_vector(name)

    return [
        (
            "credits: worldpop 2025 is another series",
            raster("worldpop:GHA/2025"),
            E.InvalidParameterError,
            "worldpop-r2025a:ISO3/YEAR",
        ),
        (
            "credits: r2025a before 2015",
            raster("worldpop-r2025a:GHA/2010"),
            E.InvalidParameterError,
            "YEAR 2015-2030",
        ),
        (
            "credits: earthgenome-amw folder",
            vector("earthgenome-amw:cumulative_detections/"),
            E.InvalidParameterError,
            "a folder is not a file",
        ),
        (
            "credits: earthgenome-amw escaping",
            vector("earthgenome-amw:../secrets.geojson"),
            E.InvalidParameterError,
            "source.coop/earthgenome/amazon-mining-watch",
        ),
    ]

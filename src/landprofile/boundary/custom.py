"""Landscapes from the user's own polygons."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry.base import BaseGeometry

from landprofile.boundary._common import buffer_metres, clip_to, dissolve, polygonal_parts
from landprofile.crs import check_same_crs
from landprofile.errors import InvalidParameterError
from landprofile.landscape import Landscape, Provenance
from landprofile.vector import read_vector

__all__ = ["from_polygons"]


def from_polygons(
    src: Any,
    *,
    name: str,
    layer: str | int | None = None,
    buffer_m: float | None = None,
    clip: Any = None,
    crs: Any = None,
) -> Landscape:
    """Make a landscape from one or many polygons, dissolved into one.

    Parameters
    ----------
    src
        Anything :func:`landprofile.read_vector` reads, or a list of such sources
        (files, GeoDataFrames), which must then share one CRS.
    name
        The landscape's name.
    layer
        Layer to read from a multi-layer source.
    buffer_m
        Optional buffer in metres (negative shrinks), computed in a local azimuthal
        equidistant projection centred on the features, never in degrees. With a
        positive buffer, points and lines are accepted (e.g. a corridor along a river).
    clip
        Optional polygon layer (e.g. a country) to clip the result to; reprojected to the
        landscape's CRS on purpose.
    crs
        CRS for sources that carry none (WKT strings, shapely geometries).

    Returns
    -------
    Landscape
        In the CRS of the source; holes and parts are kept.

    Raises
    ------
    GeometryTypeError
        Points or lines without a positive ``buffer_m``.
    CRSMismatchError
        Several sources in different CRSs.
    EmptySelectionError
        Nothing left after the clip.

    Examples
    --------
    >>> import landprofile as lp
    >>> from shapely.geometry import box
    >>> square = box(600_000, 600_000, 601_000, 601_000)  # 1 km in UTM zone 30N
    >>> ls = lp.from_polygons(square, name="Square", crs="EPSG:32630")
    >>> round(ls.area_ha, 1)
    100.1
    >>> wider = lp.from_polygons(square, name="Square + 100 m", crs="EPSG:32630", buffer_m=100)
    >>> round(wider.area_ha)  # 1.2 km square, corners rounded: 144 - 4 × (1 - π/4) ha
    143
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(f"name must be a non-empty string, got {name!r}")
    if buffer_m is not None and not isinstance(buffer_m, int | float):
        raise InvalidParameterError(f"buffer_m must be a number of metres, got {buffer_m!r}")
    sources = _as_sources(src)
    frames = [read_vector(s, layer=layer, crs=crs) for s in sources]
    labels = [str(f.attrs.get("landprofile_source", "input")) for f in frames]
    if len(frames) > 1:
        check_same_crs(
            [
                (f"input {i + 1} ({lbl})", f.crs)
                for i, (lbl, f) in enumerate(zip(labels, frames, strict=True))
            ]
        )
    gcrs = frames[0].crs
    label = labels[0] if len(labels) == 1 else f"{len(labels)} sources ({', '.join(labels)})"
    notes: list[str] = [
        f"{lbl}: {r}"
        for lbl, f in zip(labels, frames, strict=True)
        for r in f.attrs.get("landprofile_load_report", [])
    ]
    allow_other = buffer_m is not None and buffer_m > 0
    geoms = np.concatenate(
        [
            polygonal_parts(f, lbl, allow_other=allow_other)
            for f, lbl in zip(frames, labels, strict=True)
        ]
    )
    if buffer_m:
        geoms = buffer_metres(geoms, gcrs, float(buffer_m))
    geom = dissolve(geoms)
    params: dict[str, Any] = {"n_features": len(geoms)}
    if buffer_m:
        params["buffer_m"] = float(buffer_m)
    if clip is not None:
        geom, clip_label = clip_to(geom, gcrs, clip, label)
        params["clip"] = clip_label
    provenance = Provenance(
        method="custom",
        source=label,
        layer=None if layer is None else str(layer),
        parameters=params,
        notes=tuple(notes),
    )
    return Landscape(name=name, geometry=geom, crs=gcrs, provenance=provenance)


def _as_sources(src: Any) -> list[Any]:
    if isinstance(src, list | tuple) and src and not all(isinstance(s, BaseGeometry) for s in src):
        return list(src)
    if isinstance(src, gpd.GeoDataFrame | gpd.GeoSeries):
        return [src]
    return [src]

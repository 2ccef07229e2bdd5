"""Back to the user's CRS, with the final cut made against the user's own geometry.

Zones are built in the equal-area analysis CRS. Projecting them back is exact to about
a millimetre (PROJ's ellipsoidal Lambert azimuthal inverse goes through a series for
the authalic latitude), so a zone cut along a concession's edge in the analysis CRS
could come back a millimetre inside it — square metres along a long edge. The last cut
is therefore made in the output CRS, against the features as the user gave them
(projected only when the user's layer is in another CRS): the exact-edge rules
(``buffer_m = 0``) and the landscape boundary. Buffered rules need no second cut:
their polygons are drawn at least 1 cm outside the true buffer
(:func:`landprofile.zoning.constraints.buffer_out`).

:func:`write_zoning` writes a result in the format its file name says.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile.geodesy import project
from landprofile.landscape import Landscape
from landprofile.zoning.constraints import Constraints
from landprofile.zoning.rules import RuleSet

__all__ = ["ZONING_FORMATS", "final_cut", "to_crs", "write_zoning"]

#: What a zoning output holds, by extension (the CLI's ``zones --out`` help says the same).
ZONING_FORMATS: dict[str, str] = {
    ".gpkg": "GeoPackage: every layer - zones, other suitable land, exclusions, "
    "conflicts, candidate regions - with the rules and summary",
    ".geojson": "GeoJSON, EPSG:4326: the zones layer only",
    ".parquet": "GeoParquet: the zones layer only",
}


#: Edge length (m) results are densified to before they go back to the user's CRS:
#: neighbouring zones' shared edges, split at different vertices, must map to the same
#: line (at 50 m the chords differ by micrometres, not the 0.3 mm of 1 km edges).
OUTPUT_SEGMENT_M = 50.0


def to_crs(gdf: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in ``crs``, edges densified first (see :func:`project`)."""
    if gdf.crs is None:
        return gdf.set_crs(crs, allow_override=True)
    geoms = project(gdf.geometry.to_numpy(), gdf.crs, crs, OUTPUT_SEGMENT_M)
    return gdf.set_geometry(geoms, crs=crs)


def final_cut(
    zones: np.ndarray,
    landscape: Landscape,
    originals: dict[str, gpd.GeoSeries | None],
    cons: Constraints,
    rs: RuleSet,
    crs: Any,
) -> np.ndarray:
    """Zones (in ``crs``) ∩ the landscape − the unbuffered exclusions, all in ``crs``."""
    out = np.asarray(zones, dtype=object).copy()
    if not len(out):
        return out
    cut: list[np.ndarray] = []
    for name, rows in cons.rows.items():
        rule = rs.exclude[name]
        src = originals.get(rule["layer"])
        if float(rule.get("buffer_m", 0.0)) > 0 or src is None or not len(rows):
            continue
        cut.append(project(src.to_numpy()[rows], src.crs, crs))
    if cut:
        feats = np.concatenate(cut)
        tree = shapely.STRtree(feats)
        zi, fj = tree.query(out, predicate="intersects")
        for i in np.unique(zi):
            hits = feats[fj[zi == i]]
            out[i] = shapely.difference(
                out[i], hits[0] if len(hits) == 1 else shapely.union_all(hits)
            )
    boundary = project([landscape.geometry], landscape.crs, crs)[0]
    shapely.prepare(boundary)
    outside = ~shapely.contains_properly(boundary, out)
    if outside.any():
        out[outside] = shapely.intersection(out[outside], boundary)
    # the cuts remove at most millimetre slivers: keep polygons only
    return np.array([_polygonal(g) for g in out], dtype=object)


def _polygonal(geom: Any) -> Any:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def write_zoning(
    result: Any,
    path: str | os.PathLike[str],
    *,
    sources: list[dict[str, Any]] | None = None,
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
) -> Path:
    """Write a :class:`~landprofile.zoning.result.ZoningResult` as its extension says.

    Parameters
    ----------
    result
        The zoning result.
    path
        ``.gpkg``: every layer, the rules and the summary
        (:meth:`~landprofile.zoning.result.ZoningResult.to_gpkg`); ``.geojson``: the
        zones layer in EPSG:4326 (RFC 7946 allows no other CRS, and one layer per
        file); ``.parquet``: the zones layer as GeoParquet, in the result's CRS.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        For a shapefile or any other extension (the message lists the accepted ones),
        or a folder that cannot be written.

    Notes
    -----
    ``sources`` (inputs with their citations) goes into the GeoPackage's metadata;
    ``layers``, ``land_cover`` and ``legend`` (the card's, see
    :func:`landprofile.qgis.gpkg.map_inputs`) are drawn around the zones in it.
    """
    from landprofile._vector_out import vector_format, write_vector

    ext = vector_format(path, ZONING_FORMATS, "the zoning")
    if ext == ".gpkg":
        result.to_gpkg(path, sources=sources, layers=layers, land_cover=land_cover, legend=legend)
    elif ext == ".geojson":
        result.to_geojson(path, layer="zones")
    else:
        write_vector(result.zones, path)
    return Path(path)

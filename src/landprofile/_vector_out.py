"""Vector outputs in the format their file name says: .gpkg, .geojson or .parquet.

The format is checked from the name before any work runs (:func:`vector_format`), so a
misspelt or unsupported extension costs nothing; :func:`write_vector` then writes one
layer atomically. Shapefiles are refused: their field names are cut to 10 characters
(``boundary_definition``, ``nearest_exclusion`` would come back mangled) and a file
holds one layer, so they would not be what their name promises either.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from landprofile.errors import OutputError

__all__ = ["VECTOR_FORMATS", "vector_format", "write_vector"]

#: The vector formats written, by extension, with what each holds.
VECTOR_FORMATS: dict[str, str] = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON, EPSG:4326 (RFC 7946)",
    ".parquet": "GeoParquet",
}


def _accepted(formats: dict[str, str]) -> str:
    return "; ".join(f"{ext} ({what})" for ext, what in formats.items())


def vector_format(
    path: str | os.PathLike[str], formats: dict[str, str] | None = None, what: str = "layer"
) -> str:
    """The extension of ``path`` (lower case) if it is one of ``formats``.

    Parameters
    ----------
    path
        The output file the user named.
    formats
        Accepted extensions and what each holds (default :data:`VECTOR_FORMATS`); the
        descriptions go into the error message.
    what
        What is written, for the message (``"the zones"``).

    Returns
    -------
    str
        ``".gpkg"``, ``".geojson"`` or ``".parquet"``.

    Raises
    ------
    OutputError
        For a shapefile (why it is refused) or any other extension, listing the
        accepted ones.
    """
    formats = formats or VECTOR_FORMATS
    name = Path(path).name.lower()
    ext = Path(name).suffix
    if ext == ".shp" or name.endswith(".shp.zip"):
        raise OutputError(
            f"output '{path}': a shapefile cannot hold {what} faithfully (its field names "
            "are cut to 10 characters and it holds a single layer); accepted: " + _accepted(formats)
        )
    if ext not in formats:
        raise OutputError(
            f"output '{path}': unknown vector format '{ext or '(none)'}'; accepted: "
            + _accepted(formats)
        )
    return ext


def write_vector(
    gdf: Any, path: str | os.PathLike[str], layer: str = "layer", lang: str = "en"
) -> Path:
    """Write one GeoDataFrame atomically in the format of ``path``'s extension.

    Parameters
    ----------
    gdf
        The layer (a :class:`geopandas.GeoDataFrame` with a CRS).
    path
        ``.gpkg`` (the layer named ``layer``, in ``gdf``'s CRS), ``.geojson`` (in
        EPSG:4326, as RFC 7946 requires) or ``.parquet`` (GeoParquet, ``gdf``'s CRS).
    layer
        The GeoPackage layer name. A GeoPackage (version 1.3, which QGIS 3.22 reads
        without a warning) gives a layer named as a card layer (``boundary``...) the
        card's style as its default QGIS style (see :mod:`landprofile.qgis`).
    lang
        The language of that style's field aliases.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        For another extension (see :func:`vector_format`), or a folder that cannot be
        written.
    """
    from landprofile._atomic import atomic_path

    ext = vector_format(path)
    path = Path(path)
    with atomic_path(path) as tmp:
        if ext == ".gpkg":
            import pyogrio

            # the layer is named, not taken from the temporary file's name (GPKG
            # refuses the dots in it)
            from landprofile.qgis.gpkg import GPKG_VERSION, style_layer

            pyogrio.write_dataframe(
                gdf, tmp, layer=layer, driver="GPKG", dataset_options={"VERSION": GPKG_VERSION}
            )
            style_layer(tmp, layer, gdf, lang)
        elif ext == ".geojson":
            out = gdf.to_crs(4326) if gdf.crs is not None else gdf
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(out.to_json(drop_id=True, ensure_ascii=False))
        else:
            gdf.to_parquet(tmp)
    return path

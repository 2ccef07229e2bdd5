"""The user's identities: which column names a site, and how to name any feature.

Results are keyed by the user's own ids: ``site_id_field`` when given, else the first
column (case-insensitive) among :data:`SITE_ID_FIELDS`, else the index of a
GeoDataFrame that has a meaningful one, else a stable ``S0001``-style id from the
site's row position in the user's layer (stable across landscapes and runs).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landprofile.errors import DuplicateIdError, MissingFieldError

__all__ = ["SITE_ID_FIELDS", "feature_labels", "site_ids"]

#: Columns tried, in order, as the sites' id.
SITE_ID_FIELDS = (
    "site_id",
    "siteid",
    "id",
    "fid",
    "code",
    "site_code",
    "site_name",
    "name",
    "nom",
    "nombre",
)

#: Columns that name a feature of a constraint layer, most telling first (WDPA, mining
#: cadastre exports, OSM and Natural Earth conventions).
_LABEL_FIELDS = (
    ("licence", "license", "licence_no", "license_no", "permit", "permit_no", "code"),
    ("holder", "titulaire", "titular", "owner", "company"),
    ("name", "nom", "nombre", "orig_name", "shapename", "name_en"),
    ("wdpaid", "wdpa_pid", "id", "fid"),
)


def _find(columns: Any, wanted: tuple[str, ...]) -> str | None:
    folded = {str(c).casefold(): c for c in columns}
    for w in wanted:
        if w in folded:
            return folded[w]
    return None


def site_ids(sites: gpd.GeoDataFrame, id_field: str | None) -> tuple[np.ndarray, str, bool]:
    """The sites' ids, the id column's name and whether the ids were generated.

    Raises
    ------
    MissingFieldError
        ``id_field`` is given but is not a column of the sites layer.
    DuplicateIdError
        ``id_field`` has empty or repeated values.
    """
    cols = [c for c in sites.columns if c != sites.geometry.name]
    if id_field is not None:
        if id_field not in cols:
            raise MissingFieldError(
                f"site_id_field {id_field!r} is not a field of the sites layer; fields: "
                + (", ".join(map(str, cols)) or "none")
            )
        _check_ids(sites[id_field], id_field)
        return sites[id_field].astype(str).to_numpy(), id_field, False
    found = _find(cols, SITE_ID_FIELDS)
    if found is not None and not sites[found].isna().any() and sites[found].is_unique:
        return sites[found].astype(str).to_numpy(), found, False
    if not sites.attrs.get("landprofile_default_index", True) and sites.index.is_unique:
        name = sites.index.name or "site_index"
        return np.array([str(v) for v in sites.index]), str(name), False
    pos = sites.attrs.get("landprofile_positions", np.arange(len(sites)))
    return np.array([f"S{p + 1:04d}" for p in pos]), "site_id", True


def _check_ids(values: pd.Series, field: str) -> None:
    """An id column the user named must name each site once (conflicts are keyed by it)."""
    problems = []
    null = values.isna() | (values.astype(str).str.strip() == "")
    if null.any():
        rows = ", ".join(map(str, values.index[null][:5])) + (" ..." if null.sum() > 5 else "")
        problems.append(f"{int(null.sum())} site(s) have none (rows {rows})")
    counts = values[~null].astype(str).value_counts()
    dup = counts[counts > 1]
    if len(dup):
        shown = ", ".join(f"{k!r} x{v}" for k, v in dup.head(5).items())
        problems.append(f"{len(dup)} id(s) appear more than once ({shown})")
    if problems:
        raise DuplicateIdError(
            f"site_id_field {field!r} must name each site once: "
            + "; ".join(problems)
            + "; fix the layer, or leave site_id_field out for stable generated ids (S0001...)"
        )


def feature_labels(gdf: gpd.GeoDataFrame, fallback: str) -> np.ndarray:
    """A short label per feature from its identifying columns (``licence X, holder Y``).

    Features with none of the known columns get ``fallback #<row>`` (or ``#<row>`` when
    ``fallback`` is empty; 1-based position in
    the user's layer).
    """
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    found = [f for f in (_find(cols, group) for group in _LABEL_FIELDS) if f is not None][:2]
    pos = gdf.attrs.get("landprofile_positions", np.arange(len(gdf)))
    columns = [gdf[f].tolist() for f in found]
    out = []
    for i in range(len(gdf)):
        vals = [str(col[i]) for col in columns if not _missing(col[i])]
        out.append(", ".join(vals) if vals else f"{fallback} #{pos[i] + 1}".lstrip())
    return np.array(out, dtype=object)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA or str(v) == ""

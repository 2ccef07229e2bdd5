"""Landscapes from administrative units selected by name or code."""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from landprofile.boundary._common import dissolve, polygonal_parts
from landprofile.errors import (
    AdminFieldError,
    EmptySelectionError,
    InvalidParameterError,
    LandprofileWarning,
    NameNotFoundError,
)
from landprofile.landscape import Landscape, Provenance
from landprofile.vector import read_vector

__all__ = ["detect_admin_fields", "from_admin", "normalize_name"]

_LEVELLED_NAME = re.compile(r"^(?:NAME_(\d)|ADM(\d)_(?:EN|FR|ES|PT|REF|NAME))$", re.IGNORECASE)
_LEVELLED_CODE = re.compile(r"^(?:GID_(\d)|HASC_(\d)|ADM(\d)_PCODE)$", re.IGNORECASE)
#: Name fields of flat schemas, in order of preference (matched ignoring case).
_FLAT_NAMES = (
    "shapeName",
    "name",
    "nom",
    "nombre",
    "admin",
    "name_en",
    "name_fr",
    "name_es",
    "country",
    "country_name",
    "cntry_name",
    "pays",
    "pais",
    "país",
    "admin_name",
)
#: Code fields of flat schemas, in order of preference (matched ignoring case).
_FLAT_CODES = (
    "shapeISO",
    "shapeID",
    "pcode",
    "code",
    "iso_a3",
    "adm0_a3",
    "iso3",
    "iso",
    "country_code",
)

#: A hole left by the union that is smaller than this share of the union's area, and
#: not covered by an unselected unit, is a gap between units that do not quite share
#: their borders (a digitising sliver), and is filled.
SLIVER_MAX_SHARE = 1e-4


def normalize_name(text: Any) -> str:
    """Fold case and accents and collapse separators, for forgiving name matching.

    ``"Côte-d'Ivoire"`` and ``"cote d ivoire"`` normalise to the same string.
    """
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"[\s\-_'’.,/]+", " ", s)
    return s.strip()


#: Generic words of admin unit names ("Western Region", "Région du Centre", "Distrito
#: Central"): a name that matches no unit exactly is tried again without them.
_ADMIN_WORDS = frozenset(
    {
        "arrondissement",
        "assembly",
        "canton",
        "commune",
        "comuna",
        "county",
        "de",
        "del",
        "departamento",
        "departement",
        "department",
        "des",
        "district",
        "distrito",
        "division",
        "du",
        "estado",
        "la",
        "le",
        "les",
        "metropole",
        "metropolitan",
        "municipal",
        "municipality",
        "municipio",
        "parroquia",
        "prefecture",
        "province",
        "provincia",
        "region",
        "regions",
        "state",
        "subdivision",
    }
)


def _strip_admin_words(normalised: str) -> str:
    kept = [w for w in normalised.split() if w not in _ADMIN_WORDS]
    return " ".join(kept) if kept else normalised


def detect_admin_fields(columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """Find the name fields and code fields of an admin layer's own level.

    Recognises geoBoundaries (``shapeName``, ``shapeISO``, ``shapeID``), GADM
    (``NAME_n``, ``GID_n``, ``HASC_n``) and OCHA COD-AB (``ADMn_EN/FR/ES/PT/REF``,
    ``ADMn_PCODE``); for the levelled schemas only the deepest level present is used,
    since that is the level the features are.

    Returns
    -------
    (name_fields, code_fields)
    """
    cols = list(columns)

    def levelled(pattern: re.Pattern[str]) -> list[str]:
        found = [
            (int(next(g for g in m.groups() if g)), c) for c in cols if (m := pattern.match(c))
        ]
        if not found:
            return []
        top = max(level for level, _ in found)
        return [c for level, c in found if level == top]

    def flat(candidates: tuple[str, ...]) -> list[str]:
        # "NAME", "Name" and "name" are the same field to a user
        folded = [(c.casefold(), c) for c in cols]
        return [c for want in candidates for f, c in folded if f == want.casefold()]

    names = flat(_FLAT_NAMES) + levelled(_LEVELLED_NAME)
    codes = flat(_FLAT_CODES) + levelled(_LEVELLED_CODE)
    return names, codes


def from_admin(
    src: Any,
    names: str | Iterable[str] | None = None,
    codes: str | Iterable[str] | None = None,
    *,
    field: str | None = None,
    name: str | None = None,
    layer: str | int | None = None,
) -> Landscape:
    """Make a landscape from administrative units, selected and dissolved.

    Parameters
    ----------
    src
        An admin layer: anything :func:`landprofile.read_vector` reads (geoBoundaries,
        GADM, OCHA COD-AB or any layer with a name or code field).
    names
        Unit names to select; matching ignores case, accents and separators.
    codes
        Unit codes to select (exact match, case-insensitive), e.g. ``"GH-WP"``.
    field
        The field to match against; detected among the common schemas when ``None``.
    name
        The landscape's name; the selected names joined by " + " when ``None``.
    layer
        Layer of a multi-layer source.

    Returns
    -------
    Landscape
        The union of the selected units in the layer's CRS, with shared borders removed.
        Gaps between units smaller than ``SLIVER_MAX_SHARE`` of the union that no other
        unit covers are filled and reported in the provenance notes.

    Raises
    ------
    NameNotFoundError
        Names or codes not in the layer; the message lists the closest matches.
    AdminFieldError
        No name or code field found or the given ``field`` is absent.
    EmptySelectionError
        Neither names nor codes given.

    Examples
    --------
    >>> import landprofile as lp
    >>> from landprofile.demo import sample_data_dir
    >>> districts = sample_data_dir() / "synthetic_districts_sw_ghana.geojson"
    >>> ls = lp.from_admin(districts, names=["Aboso", "Prestea"], name="Gold belt")
    >>> ls.name, ls.provenance.method, ls.provenance.parameters["units"]
    ('Gold belt', 'admin', ['Aboso', 'Prestea'])
    >>> f"{ls.area_ha:,.0f} ha"
    '... ha'
    """
    want_names = _as_list(names, "names")
    want_codes = _as_list(codes, "codes")
    if not want_names and not want_codes:
        raise EmptySelectionError(
            "from_admin needs names=[...] or codes=[...] to select administrative units"
        )
    gdf = read_vector(src, layer=layer)
    label = str(gdf.attrs.get("landprofile_source", "admin layer"))
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    name_fields, code_fields = detect_admin_fields(cols)
    if field is not None:
        if field not in cols:
            raise AdminFieldError(
                f"{label}: field {field!r} not found; fields present: {', '.join(cols)}"
            )
        name_fields = [field] if want_names else []
        code_fields = [field] if want_codes else []
    if want_names and not name_fields:
        raise AdminFieldError(
            f"{label}: no name field found (looked for geoBoundaries shapeName, GADM NAME_n, "
            f"OCHA ADMn_EN/FR/ES, name); fields present: {', '.join(cols)}; pass field=..."
        )
    if want_codes and not code_fields:
        raise AdminFieldError(
            f"{label}: no code field found (looked for shapeISO, shapeID, GID_n, ADMn_PCODE, "
            f"code); fields present: {', '.join(cols)}; pass field=..."
        )

    selected = np.zeros(len(gdf), dtype=bool)
    notes: list[str] = list(gdf.attrs.get("landprofile_load_report", []))
    for wanted, fields, normalise in (
        (want_names, name_fields, normalize_name),
        (want_codes, code_fields, lambda v: str(v).strip().casefold()),
    ):
        if not wanted:
            continue
        keys = {
            f: np.array([normalise(v) if not pd.isna(v) else "" for v in gdf[f]], dtype=object)
            for f in fields
        }
        loose = (
            {f: np.array([_strip_admin_words(k) for k in keys[f]], dtype=object) for f in fields}
            if normalise is normalize_name
            else None
        )
        missing = []
        for w in wanted:
            target = normalise(w)
            hit = np.zeros(len(gdf), dtype=bool)
            for f in fields:
                hit |= keys[f] == target
            if not hit.any() and loose is not None:
                # "Western" for "Western Region": accepted only when it is unambiguous.
                target_loose = _strip_admin_words(target)
                for f in fields:
                    hit |= loose[f] == target_loose
                if hit.sum() == 1:
                    matched = str(gdf[fields[0]].iloc[int(np.flatnonzero(hit)[0])])
                    notes.append(f"{w!r} matched {matched!r} ignoring admin words")
                elif hit.sum() > 1:
                    hit[:] = False
            if not hit.any():
                missing.append(w)
            elif hit.sum() > 1:
                shown = sorted({str(gdf[fields[0]].iloc[i]) for i in np.flatnonzero(hit)})
                msg = f"{w!r} matches {int(hit.sum())} units ({', '.join(shown)}); all are used"
                notes.append(msg)
                warnings.warn(f"{label}: {msg}", LandprofileWarning, stacklevel=2)
            selected |= hit
        if missing:
            raise NameNotFoundError(_not_found_message(gdf, fields, missing, normalise, label))

    chosen = gdf.loc[selected]
    parts = polygonal_parts(chosen, label)
    geom = dissolve(parts)
    geom, filled = _fill_slivers(geom, gdf.geometry.to_numpy()[~selected])
    if filled:
        notes.append(
            f"filled {filled} gap(s) between the selected units smaller than "
            f"{SLIVER_MAX_SHARE:g} of the union's area and covered by no other unit"
        )
    used_field = (name_fields if want_names else code_fields)[0]
    display = [str(v) for v in chosen[used_field].tolist()]
    params: dict[str, Any] = {
        "field": ", ".join(name_fields if want_names else code_fields),
        "n_units": int(selected.sum()),
        "units": display,
    }
    if want_names:
        params["names"] = want_names
    if want_codes:
        params["codes"] = want_codes
    provenance = Provenance(
        method="admin",
        source=label,
        layer=None if layer is None else str(layer),
        parameters=params,
        notes=tuple(notes),
    )
    return Landscape(
        name=name or " + ".join(display),
        geometry=geom,
        crs=gdf.crs,
        provenance=provenance,
    )


def _as_list(value: str | Iterable[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int):
        return [str(value)]
    try:
        return [str(v) for v in value]
    except TypeError:
        raise InvalidParameterError(
            f"{what} must be a string or a list of strings, got {value!r}"
        ) from None


def _not_found_message(
    gdf: gpd.GeoDataFrame, fields: list[str], missing: list[str], normalise: Any, label: str
) -> str:
    originals: dict[str, str] = {}
    for f in fields:
        for v in gdf[f].dropna().astype(str):
            originals.setdefault(normalise(v), v)
    lines = []
    for w in missing:
        close = difflib.get_close_matches(normalise(w), list(originals), n=5, cutoff=0.5)
        hint = ", ".join(repr(originals[c]) for c in close) if close else "no close match"
        lines.append(f"{w!r} (closest: {hint})")
    return (
        f"{label}: not found in field(s) {', '.join(fields)}: "
        + "; ".join(lines)
        + f". The layer has {len(originals)} distinct values"
    )


def _fill_slivers(geom: BaseGeometry, others: np.ndarray) -> tuple[BaseGeometry, int]:
    polys = list(shapely.get_parts(geom))
    total = geom.area
    tree = shapely.STRtree(others) if len(others) else None
    filled = 0
    out = []
    for poly in polys:
        keep = []
        for ring in poly.interiors:
            hole = Polygon(ring)
            if hole.area < SLIVER_MAX_SHARE * total:
                covered = 0.0
                if tree is not None:
                    idx = tree.query(hole, predicate="intersects")
                    if len(idx):
                        covered = shapely.union_all(shapely.intersection(others[idx], hole)).area
                if covered < 0.5 * hole.area:
                    filled += 1
                    continue
            keep.append(ring)
        out.append(Polygon(poly.exterior, keep))
    if not filled:
        return geom, 0
    merged = shapely.union_all(out) if len(out) > 1 else out[0]
    return merged, filled

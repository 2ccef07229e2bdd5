"""The :class:`Profile` value: everything the card shows about one landscape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from landprofile._paths import portable
from landprofile._progress import Progress, Steps
from landprofile.errors import InvalidParameterError, UnreadableFileError
from landprofile.i18n import fmt_number
from landprofile.landscape import Landscape
from landprofile.profile import stats as _stats
from landprofile.profile.overlap import overlap
from landprofile.raster import read_raster

__all__ = ["Profile", "profile"]

_SCHEMA = "landprofile.profile/1"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Profile:
    """A landscape and its computed profile fields.

    Attributes
    ----------
    landscape
        The landscape (name, boundary, provenance, geodesic size).
    land_cover
        Tidy composition table from :func:`landprofile.land_cover`, or ``None``.
    population
        ``{"population", "density_per_km2", "kind", "nodata_ha", "outside_ha"}`` or ``None``.
    elevation
        ``{"min_m", "max_m", "mean_m", "p5_m", ...}`` or ``None``.
    overlaps
        Layer name → table from :func:`landprofile.overlap`.
    sources
        One record per input dataset: ``{"role", "source", ...}``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> tif = halves_land_cover(folder / "lc.tif")
    >>> prof = lp.profile(square_landscape(), land_cover=tif, legend="esa_worldcover_v200")
    >>> prof.groups()[["group", "natural"]]
          group  natural
    0    forest     True
    1  cropland    False
    >>> saved = prof.to_json(folder / "profile.json")
    >>> lp.Profile.from_json(saved).land_cover["value"].tolist()
    [10, 40]
    """

    landscape: Landscape
    land_cover: pd.DataFrame | None = None
    population: Mapping[str, Any] | None = None
    elevation: Mapping[str, Any] | None = None
    overlaps: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    sources: tuple[Mapping[str, Any], ...] = ()
    created: str = field(default_factory=_now)
    version: str = ""

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """An interactive :class:`folium.Map` of the profile, like geopandas' ``explore``.

        Draws what the card's map draws: ``layers=`` (role -> vector source),
        ``land_cover=`` / ``legend=`` (an image overlay), the boundary; ``tiles=``,
        ``lang=`` and ``context=`` as in :meth:`Landscape.explore`.
        """
        from landprofile.maps import explore_profile

        return explore_profile(self, m, **kwargs)

    def _repr_html_(self) -> str:
        from landprofile._repr import render
        from landprofile.legend import GROUPS

        groups = []
        if self.land_cover is not None:
            g = self.groups().head(5)
            groups = [
                {"name": GROUPS[k].name("en"), "color": GROUPS[k].color, "share": f"{100 * v:.1f}"}
                for k, v in zip(g["group"], g["share"], strict=True)
            ]
        ls = self.landscape
        pop = self.population
        return render(
            "profile",
            name=ls.name,
            area_ha=f"{ls.area_ha:,.0f}",
            scale=ls.scale,
            population=fmt_number(pop["population"], "en") if pop else None,
            natural=f"{100 * self.natural_share:.1f}" if self.natural_share is not None else None,
            groups=groups,
        )

    def groups(self) -> pd.DataFrame:
        """Composition by ecosystem group, largest first.

        Columns ``group``, ``group_name``, ``natural``, ``area_ha`` and ``share``.
        """
        if self.land_cover is None:
            return pd.DataFrame(columns=["group", "group_name", "natural", "area_ha", "share"])
        cls = self.land_cover[self.land_cover["kind"] == "class"]
        out = cls.groupby(["group", "group_name", "natural"], as_index=False)[
            ["area_ha", "share"]
        ].sum()
        return out.sort_values("area_ha", ascending=False).reset_index(drop=True)

    @property
    def natural_share(self) -> float | None:
        """Share of the classified area that is natural or semi-natural habitat."""
        if self.land_cover is None:
            return None
        cls = self.land_cover[self.land_cover["kind"] == "class"]
        return float(cls.loc[cls["natural"].astype(bool), "share"].sum())

    def to_dict(self, *, relative_to: str | Path | None = None) -> dict[str, Any]:
        """JSON-serialisable form, with no absolute path of this machine in it.

        Paths of input files become relative to ``relative_to`` (e.g. the config's
        folder) when given, else bare file names.
        """
        out = {
            "schema": _SCHEMA,
            "version": self.version,
            "created": self.created,
            "landscape": self.landscape.to_dict(),
            "land_cover": None if self.land_cover is None else _table_to_dict(self.land_cover),
            "population": None if self.population is None else _strict(self.population),
            "elevation": None if self.elevation is None else _strict(self.elevation),
            "overlaps": {k: _table_to_dict(v) for k, v in self.overlaps.items()},
            "sources": [dict(s) for s in self.sources],
        }
        return portable(out, None if relative_to is None else Path(relative_to))

    def to_json(
        self,
        path: str | Path | None = None,
        *,
        indent: int = 2,
        relative_to: str | Path | None = None,
    ) -> str:
        """Serialise to JSON; also write it (atomically) to ``path`` when given.

        Input paths are written relative to ``relative_to``, else as file names.
        """
        text = json.dumps(
            self.to_dict(relative_to=relative_to), indent=indent, ensure_ascii=False, default=str
        )
        if path is not None:
            from landprofile._atomic import atomic_path

            with atomic_path(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, src: str | Path) -> Profile:
        """Read a profile from JSON text or a JSON file written by :meth:`to_json`."""
        text = str(src)
        if not text.lstrip().startswith("{"):
            path = Path(src)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise UnreadableFileError(
                    f"profile JSON '{path}' could not be read: {exc}"
                ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableFileError(f"profile JSON is not valid JSON: {exc}") from None
        if data.get("schema") != _SCHEMA:
            raise InvalidParameterError(
                f"not a landprofile profile (schema {data.get('schema')!r}, expected {_SCHEMA!r})"
            )

        return cls(
            landscape=Landscape.from_dict(data["landscape"]),
            land_cover=None if data["land_cover"] is None else _table_from_dict(data["land_cover"]),
            population=data["population"],
            elevation=data["elevation"],
            overlaps={k: _table_from_dict(v) for k, v in data["overlaps"].items()},
            sources=tuple(data["sources"]),
            created=data["created"],
            version=data.get("version", ""),
        )


def _cited(src: Any) -> dict[str, str]:
    """The citation, licence and DOI of a named source's version (CC BY asks for them)."""
    from landprofile.sources.catalogue import citation_for

    c = citation_for(src)
    return {k: v for k, v in (c or {}).items() if k != "name"}


def _credited(
    role: str, src: Any, credits: Mapping[str, Any] | None, *, source: Any, synthetic: bool = False
) -> dict[str, Any]:
    """A source record: role, source, the input's credit (see :mod:`landprofile.credits`)."""
    from landprofile.credits import credit_for, lookup, record

    c = credit_for(role, src, lookup(credits, role, src), synthetic=synthetic)
    # the catalogue's own keys first (a key it adds later is kept), the credit's over them
    return _cited(src) | record(c, source=source)


#: Land-cover cells wider than this (m) are too coarse for a landscape profile: a
#: landscape of a few hundred thousand ha then holds only hundreds of cells and every
#: class smaller than a cell (a river's forest, a mining area) is lost.
COARSE_CELL_M = 1000.0


def _coarse(r: Any, landscape: Landscape) -> dict[str, Any]:
    """Warn (DataWarning) when the land cover's cells are too coarse for the landscape."""
    import math
    import warnings

    from landprofile.errors import DataWarning, user_stacklevel

    a, e = abs(r.transform.a), abs(r.transform.e)
    if r.crs.is_geographic:
        lat = math.radians(landscape.bounds_lonlat[1] / 2 + landscape.bounds_lonlat[3] / 2)
        cell_m = math.sqrt(a * 111_320 * math.cos(lat) * e * 110_574)
    else:
        unit = r.crs.axis_info[0].unit_conversion_factor if r.crs.axis_info else 1.0
        cell_m = math.sqrt(a * e) * unit
    if cell_m <= COARSE_CELL_M:
        return {"cell_m": round(cell_m, 1)}
    n_cells = landscape.area_ha * 1e4 / cell_m**2
    warnings.warn(
        f"the land cover {r.label} has cells about {cell_m / 1000:.1f} km across: "
        f"{landscape.name!r} ({landscape.area_ha:,.0f} ha) holds about {n_cells:,.0f} of "
        "them, so classes smaller than a cell are lost and the shares are coarse; use a "
        "finer source, e.g. worldcover:2021 (10 m)",
        DataWarning,
        stacklevel=user_stacklevel(),
    )
    return {"cell_m": round(cell_m, 1), "coarse": True}


def _strict(values: Mapping[str, Any]) -> dict[str, Any]:
    # NaN (no data) becomes null: the file stays strict JSON
    return {k: None if isinstance(v, float) and v != v else v for k, v in values.items()}


def _table_to_dict(df: pd.DataFrame) -> dict[str, Any]:
    # Python's float repr round-trips exactly (pandas' to_json keeps 15 digits only);
    # NaN becomes null so the file stays strict JSON.
    records = [
        [None if isinstance(v, float) and v != v else v for v in row]
        for row in df.astype(object).itertuples(index=False, name=None)
    ]
    return {
        "columns": [str(c) for c in df.columns],
        "dtypes": [str(t) for t in df.dtypes],
        "data": records,
    }


def _table_from_dict(obj: Mapping[str, Any]) -> pd.DataFrame:
    df = pd.DataFrame(obj["data"], columns=obj["columns"])
    for col, dtype in zip(obj["columns"], obj["dtypes"], strict=True):
        if dtype.startswith(("float", "int", "bool")):
            df[col] = df[col].astype(
                dtype if not dtype.startswith("int") or df[col].notna().all() else "float64"
            )
        else:
            df[col] = df[col].astype(dtype) if dtype != "object" else df[col]
    return df


def _box(landscape: Any, src: Any) -> Any:
    """The landscape's box when ``src`` is a data name (read by window), else None."""
    from landprofile.sources.catalogue import parse_name

    return landscape.bounds_lonlat if parse_name(src) is not None else None


def profile(
    landscape: Landscape,
    *,
    land_cover: Any = None,
    legend: Any = None,
    population: Any = None,
    population_kind: str | None = None,
    dem: Any = None,
    layers: Mapping[str, Any] | None = None,
    lang: str = "en",
    progress: Progress | None = None,
    credits: Mapping[str, Any] | None = None,
) -> Profile:
    """Compute a landscape's profile from the rasters and layers given.

    Parameters
    ----------
    landscape
        The landscape.
    land_cover, legend
        Land cover raster and its legend (built-in name or file; ESA WorldCover v200 when
        ``None``).
    population, population_kind
        Population raster and how to read it (``"count"`` by default, or
        ``"density_per_km2"``).
    dem
        Elevation raster (metres).
    layers
        Name → vector source, or name → ``(source, by_field)``: protected areas,
        concessions, ASM sites...
    lang
        Language of class names in the land cover table.
    progress
        Told each step (``land_cover``, ``population``, ``elevation``, ``overlap:<name>``)
        as ``progress(step, None)`` when it starts and ``progress(step, seconds)`` when
        it ends.
    credits
        Who made each input and on what terms, by role (``boundary``, ``land_cover``,
        ``population``, ``dem``, a layer's name) or by file name: a text (the credit) or
        a mapping of ``credit``, ``licence``, ``citation``, ``doi``, ``version``,
        ``synthetic`` (see :mod:`landprofile.credits`). A file's sidecar
        (``<file>.credit.toml``) and a named source's own citation are read otherwise;
        an input with none is listed as "credit not given".

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> ls = square_landscape()  # 1 km square; west half tree cover, east half cropland
    >>> tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")
    >>> prof = lp.profile(ls, land_cover=tif, legend="esa_worldcover_v200")
    >>> prof.land_cover[["name", "share"]].round(3)
             name  share
    0  Tree cover    0.5
    1    Cropland    0.5
    >>> round(prof.natural_share, 3)
    0.5
    """
    from landprofile import __version__
    from landprofile.credits import check_credits

    check_credits(credits, "credits=")  # a bad credit is named before any work
    steps = Steps(progress)
    src0 = landscape.provenance.source
    sources: list[dict[str, Any]] = [_credited("boundary", src0, credits, source=src0)]
    lc = None
    if land_cover is not None:
        steps.start("land_cover")
        r = read_raster(land_cover, bounds=_box(landscape, land_cover))
        from landprofile.sources.catalogue import legend_for

        leg = legend or legend_for(land_cover) or "esa_worldcover_v200"
        lc = _stats.land_cover(landscape, r, legend=leg, lang=lang)
        rec = _credited("land_cover", land_cover, credits, source=r.label)
        sources.append(rec | {"legend": lc.attrs["legend"]} | _coarse(r, landscape))
    pop = None
    if population is not None:
        steps.start("population")
        r = read_raster(population, bounds=_box(landscape, population))
        kind = population_kind or "count"
        df = _stats.population(landscape, r, kind=kind)  # type: ignore[arg-type]
        pop = {k: float(v) for k, v in df.iloc[0].drop("landscape").items()} | {"kind": kind}
        rec = _credited("population", population, credits, source=r.label)
        sources.append(rec | {"kind": kind})
    elev = None
    if dem is not None:
        steps.start("elevation")
        r = read_raster(dem, bounds=_box(landscape, dem))
        df = _stats.elevation(landscape, r)
        elev = {k: float(v) for k, v in df.iloc[0].drop("landscape").items()}
        sources.append(_credited("dem", dem, credits, source=r.label))
    ovl: dict[str, pd.DataFrame] = {}
    for name, spec in (layers or {}).items():
        src, by = spec if isinstance(spec, tuple) else (spec, None)
        steps.start(f"overlap:{name}")
        ovl[name] = overlap(landscape, src, by=by, layer_name=name)
        label = (
            str(src)
            if not hasattr(src, "attrs")
            else str(getattr(src, "attrs", {}).get("landprofile_source", name))
        )
        # overlap layers are credited like rasters (they were listed without any credit)
        syn = bool(ovl[name].attrs.get("synthetic", False))
        rec = _credited(name, src, credits, source=label, synthetic=syn)
        sources.append(rec | {"role": f"layer:{name}"})
    clip = landscape.provenance.parameters.get("clip")
    if clip:  # last: sources[0] is the boundary, [1] the first raster (as before)
        sources.append(_credited("boundary_clip", clip, credits, source=clip))
    steps.end()
    return Profile(
        landscape=landscape,
        land_cover=lc,
        population=pop,
        elevation=elev,
        overlaps=ovl,
        sources=tuple(sources),
        version=__version__,
    )

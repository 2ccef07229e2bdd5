"""The zoning result: zones, exclusions and conflicts in the user's CRS, and their files."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from landprofile._atomic import atomic_path
from landprofile._gpkg import GPKG_TIMESTAMP, freeze_gpkg
from landprofile.errors import InvalidParameterError
from landprofile.i18n import LANGS
from landprofile.zoning.explain import conflict_label, fact_columns, rule_label, why, why_short
from landprofile.zoning.grid import AnalysisGrid
from landprofile.zoning.rules import RuleSet

__all__ = ["GPKG_TIMESTAMP", "ZoningContext", "ZoningResult"]


@dataclass(frozen=True)
class ZoningContext:
    """What ``locate`` needs from :func:`candidates`.

    The score grid and the mask of the cells that passed the rules, the exclusions as
    exact geometry, the layers on the analysis grid and as given, and the suitable
    land as exact zones (the user's CRS). Kept in memory only, never written.
    """

    suit: Any
    cons: Any
    layers: dict[str, Any]
    originals: dict[str, Any]
    parts: Any
    #: The suitable land as exact pieces (candidates' zones): the user's CRS, and the grid's.
    suitable_geoms: Any
    suitable_geoms_grid: Any
    #: The score and suitable mask read by window (``landprofile.zoning.cells.Cells``:
    #: ``ArrayCells`` for one grid, ``TiledCells`` reading the tiles' store), and the
    #: regions' table (``cells.RegionTable``: first cell, box, cells of each region).
    cells: Any = None
    regions: Any = None
    #: One grid's suitable mask; ``None`` for a tiled run (read from ``cells``).
    suitable_mask: Any = None

    @property
    def suitable(self) -> Any:
        """The whole grid's mask of the cells that passed the rules.

        A tiled run keeps none: it is stitched from the tiles on first use, into an
        unlinked file (``cells.TiledCells.grids``), for a caller that asks (no step of
        the run does: they read ``cells`` by window).
        """
        if self.suitable_mask is not None or self.cells is None:
            return self.suitable_mask
        return self.cells.grids()[1]


@dataclass(frozen=True)
class ZoningResult:
    """Candidate zones, exclusions, conflicts and a summary, in the output CRS.

    ``zones`` are ranked (``rank`` 1 is the best) with their ``why`` in ``lang``;
    ``exclusions`` hold one row per exclusion rule (its land inside the landscape);
    ``conflicts`` one row per (site, rule), keyed by the sites' own id column
    (``summary["site_id_field"]``). :meth:`in_language` gives the same result in French,
    English or Spanish.

    After ``locate`` (or ``candidates(..., select=...)``), ``zones``
    are the selected
    few, ``other_suitable`` the rest of the land that passed the rules (one row) and
    ``selection`` how they were chosen (method, objective, bound, gap, the candidates).

    Examples
    --------
    >>> import geopandas as gpd
    >>> import landprofile as lp
    >>> from shapely.geometry import LineString, Point
    >>> from landprofile.testing import SQUARE_CRS, square_landscape
    >>> river = gpd.GeoDataFrame(
    ...     geometry=[LineString([(601_000, 600_000), (601_000, 602_000)])], crs=SQUARE_CRS)
    >>> sites = gpd.GeoDataFrame(
    ...     {"site_id": ["S1"]}, geometry=[Point(601_050, 601_000)], crs=SQUARE_CRS)
    >>> res = lp.zoning.candidates(square_landscape(2000), sites=sites, rivers=river)
    >>> res.conflicts[["site_id", "rule"]]  # the site lies in the river buffer
      site_id   rule
    0      S1  rivers
    >>> res.summary["n_sites_in_conflict"], res.exclusions["rule"].tolist()
    (1, ['rivers'])
    >>> res.in_language("fr").lang
    'fr'
    """

    zones: gpd.GeoDataFrame
    exclusions: gpd.GeoDataFrame
    conflicts: gpd.GeoDataFrame
    summary: dict[str, Any]
    rules: RuleSet
    grid: AnalysisGrid = field(repr=False)
    factor_weights: dict[str, float] = field(default_factory=dict)
    #: Facts each zone's explanation is made of (same order as ``zones``).
    facts: tuple[dict[str, Any], ...] = field(default=(), repr=False, compare=False)
    lang: str = "en"
    #: The landscape the zones were proposed for.
    landscape: Any = field(default=None, repr=False, compare=False)
    #: Seconds spent per step (not written to the GeoPackage, which must be reproducible).
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    #: The land that passed the rules outside the selected zones (after ``locate``).
    other_suitable: gpd.GeoDataFrame | None = field(default=None, compare=False)
    #: How the zones were selected (after ``locate``), with every candidate region.
    selection: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    #: The score grid and exact exclusions ``locate`` works on (in memory only).
    context: ZoningContext | None = field(default=None, repr=False, compare=False)

    @property
    def crs(self) -> Any:
        """The CRS of zones, exclusions and conflicts."""
        return self.zones.crs

    def why(self, lang: str | None = None) -> pd.Series:
        """Each zone's explanation in ``lang`` (``fr``, ``en``, ``es``; default: the result's)."""
        lang = _check_lang(lang or self.lang)
        return pd.Series(
            [why(f, self.rules, lang) for f in self.facts], index=self.zones.index, name="why"
        )

    def in_language(self, lang: str) -> ZoningResult:
        """The same result with explanations, rule and conflict names in ``lang``."""
        lang = _check_lang(lang)
        if lang == self.lang:
            return self
        zones = self.zones.copy()
        zones["why"] = self.why(lang).to_numpy()
        if "why_short" in zones.columns:
            zones["why_short"] = [why_short(f, self.rules, lang) for f in self.facts]
        if "nearest_exclusion" in zones.columns:
            cols = fact_columns(list(self.facts), self.rules, lang)
            zones["nearest_exclusion"] = cols["nearest_exclusion"]
            zones["overlaps"] = cols["overlaps"]
        exclusions = self.exclusions.copy()
        exclusions["label"] = [rule_label(r, self.rules, lang) for r in exclusions["rule"]]
        conflicts = self.conflicts.copy()
        if len(conflicts):
            conflicts["rule_label"] = [rule_label(r, self.rules, lang) for r in conflicts["rule"]]
            conflicts["conflict_label"] = [conflict_label(k, lang) for k in conflicts["conflict"]]
        return dataclasses.replace(
            self, zones=zones, exclusions=exclusions, conflicts=conflicts, lang=lang
        )

    def to_gpkg(
        self,
        path: str | os.PathLike[str],
        *,
        sources: list[dict[str, Any]] | None = None,
        layers: dict[str, Any] | None = None,
        land_cover: Any = None,
        legend: Any = None,
    ) -> None:
        """Write the zoning and the card's map to one GeoPackage that QGIS opens styled.

        Zones, other suitable land, exclusions, conflicts and candidate regions in the
        result's CRS; around them what the card's map draws: the landscape boundary,
        the user's layers (``layers``: by role, as given to the card; by default the
        geometries the zoning read), the offline context layer and, when given, the
        land cover clipped to the landscape (``land_cover``, ``legend``). Each layer has
        a default QGIS style (``layer_styles``) made from the card's styles, and a QGIS
        project named after the landscape is stored in the file (``qgis_projects``);
        see ``landprofile.qgis``. GeoPackage 1.3, written atomically.

        The rule set is stored as dataset metadata (``landprofile_rules``), the summary
        as ``landprofile_summary`` and, when given, the inputs with their citations,
        licences and DOIs as ``landprofile_sources`` (CC BY data travels with its
        attribution). The same result always gives the same bytes.
        """
        from pathlib import Path

        from landprofile._gpkg import without_wall_clock
        from landprofile._paths import portable
        from landprofile.qgis.gpkg import write_gpkg

        # file names, not this machine's paths (a rules file given by its full path)
        rules = portable(json.loads(self.rules.to_json()), None)
        meta = {
            "landprofile_rules": json.dumps(rules, sort_keys=True, default=str),
            "landprofile_summary": json.dumps(
                # no wall-clock seconds: the same zones give the same bytes
                portable(without_wall_clock(self.summary), None),
                sort_keys=True,
                default=str,
            ),
        }
        if sources:
            meta["landprofile_sources"] = json.dumps(
                portable(list(sources), None), sort_keys=True, default=str, ensure_ascii=False
            )
        with atomic_path(path) as tmp:
            write_gpkg(
                self,
                tmp,
                name=Path(path).name,
                meta=meta,
                layers=layers,
                land_cover=land_cover,
                legend=legend,
            )
            freeze_gpkg(tmp)

    def to_geojson(self, path: str | os.PathLike[str], layer: str = "zones") -> None:
        """Write one layer as GeoJSON in EPSG:4326 (RFC 7946), atomically.

        ``layer`` is ``zones``, ``exclusions``, ``conflicts`` or, after ``locate``,
        ``other_suitable`` or ``candidate_regions``.
        """
        layers = dict(self._layers())
        if layer not in layers:
            raise InvalidParameterError(f"layer {layer!r} is not one of {', '.join(layers)}")
        gdf = layers[layer].to_crs(4326)
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            fh.write(gdf.to_json(drop_id=True, ensure_ascii=False))

    def _layers(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        out = [("zones", self.zones)]
        if self.other_suitable is not None:
            out.append(("other_suitable", self.other_suitable))
        out += [("exclusions", self.exclusions), ("conflicts", self.conflicts)]
        if self.selection is not None:
            out.append(("candidate_regions", self.selection["candidates"]))
        return out

    def explore(self, m: Any = None, **kwargs: Any) -> Any:
        """An interactive :class:`folium.Map` of the zones, exclusions and the landscape.

        Zones coloured by rank with their explanation in the popup, exclusions (hidden
        at first), the boundary; ``tiles=``, ``lang=`` (default: the result's),
        ``layers=``, ``context=`` and ``offline=`` as in :meth:`landprofile.Profile.explore`.
        """
        from landprofile.maps import explore_zoning

        return explore_zoning(self, None, m, **kwargs)

    def _repr_html_(self) -> str:
        from landprofile._repr import render

        s = self.summary
        sel = s.get("selection")
        short = "why_short" if "why_short" in self.zones.columns else None
        shown = self.zones.head(10)
        return render(
            "zoning",
            rules=s["rules"],
            n_zones=s["n_zones"],
            candidate_ha=f"{s['candidate_ha']:,.0f}",
            share=f"{100 * s['candidate_share']:.1f}",
            suitable_ha=f"{s.get('suitable_ha', s['candidate_ha']):,.0f}",
            suitable_share=f"{100 * s.get('suitable_share', s['candidate_share']):.1f}",
            allowed_share=f"{100 * s.get('suitable_share_of_allowed', 0.0):.1f}",
            weak=not s.get("rules_discriminate", True),
            no_data=", ".join(s.get("factors_without_data", [])),
            selection={
                "n_candidates": sel["n_candidates"],
                "method": sel["method"],
                "status": sel["status"],
                # None: no bound was proved (time limit, relaxation cut short)
                "gap": None if sel.get("gap") is None else f"{100 * sel['gap']:.2g}",
            }
            if sel
            else None,
            other_ha=f"{s.get('other_suitable_ha', 0.0):,.0f}",
            n_conflict=s["n_sites_in_conflict"],
            n_sites=s["n_sites"],
            more=len(shown) < len(self.zones),
            zones=[
                {
                    "id": z.zone_id,
                    "area": f"{z.area_ha:,.0f}",
                    "score": f"{z.score:.2f}",
                    "why": getattr(z, short) if short else "",
                }
                for z in shown.itertuples()
            ],
        )


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidParameterError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    return lang

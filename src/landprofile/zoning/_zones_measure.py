"""The zones step's measures of the final polygons, as independent tasks on two threads.

Split from :mod:`landprofile.zoning.zones` along the data flow. Once the zones are cut,
each measure reads them and one input layer: the sites inside, the distance to each
layer's nearest feature, each exclusion rule's distance and overlap, the concessions
left open. The measures do not depend on one another, and their work is GEOS calls
that release the GIL, so they run as tasks on two threads (on the 1,000,000 ha
benchmark: 1.0 s on one thread, 0.55-0.72 s on two, the same numbers).

A prepared geometry is not safe to use from two threads at once (GEOS builds its
indexes lazily, on first use, without a lock: two threads sharing one prepared array
crashed the process in ``tests/test_zones_measure.py``), so each thread works on its
own copy of the zones, prepared for it; the copies hold the same coordinates, so every
task gives the number it gives on one thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landprofile.zoning._zone_geometry import geometries, sites_inside
from landprofile.zoning._zones_clip import near_part
from landprofile.zoning._zones_nearest import nearest
from landprofile.zoning.constraints import Constraints
from landprofile.zoning.identity import feature_labels
from landprofile.zoning.rules import RuleSet

__all__: list[str] = []

#: Overlap with exclusions a zone may keep (m²): floating-point noise of the clipping.
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class Measures:
    """What the zones' explanations and columns are made of, per zone (final order)."""

    n_sites: np.ndarray
    sites_ha: np.ndarray
    #: layer -> (distance m, position of the nearest feature or -1)
    nearest_of: dict[str, tuple[np.ndarray, np.ndarray]]
    #: rule -> distance (m) from each zone to the rule's features
    rule_dist: dict[str, np.ndarray]
    #: rule -> land (m²) each zone shares with the rule's exclusion
    rule_overlap: dict[str, np.ndarray]
    open_concessions: list[list[str]]


class _ZonesPerThread:
    """The zones for the calling thread: the given array for the first, a copy for others."""

    def __init__(self, zones: np.ndarray) -> None:
        self._zones = zones
        self._free = [zones]
        self._lock = threading.Lock()
        self._local = threading.local()

    def get(self) -> np.ndarray:
        own = getattr(self._local, "zones", None)
        if own is None:
            with self._lock:
                own = self._free.pop() if self._free else shapely.transform(self._zones, _same)
            shapely.prepare(own)
            self._local.zones = own
        return own


def _same(xy: np.ndarray) -> np.ndarray:
    return xy


def measure(
    final: np.ndarray,
    layers: dict[str, gpd.GeoDataFrame | None],
    cons: Constraints,
    rs: RuleSet,
    dist_layers: tuple[str, ...],
) -> Measures:
    """Every measure of the final zones (grid CRS), the independent ones on two threads.

    ``dist_layers`` are the layers whose nearest feature each zone names. Buffered rules
    are checked by distance first (a zone closer to a feature than the buffer breaks the
    rule; only those zones measure the land they share with it), the others by overlap.
    """
    zones = _ZonesPerThread(final)
    rules = {
        name: (rs.exclude[name]["layer"], rows, float(rs.exclude[name].get("buffer_m", 0.0)))
        for name, rows in cons.rows.items()
    }
    # the threads get geometry arrays only: no pandas (and its warnings blocks) on them
    geoms = {lay: geometries(g) for lay, g in layers.items() if g is not None}
    tasks: dict[Any, Callable[[np.ndarray], Any]] = {}
    for lay in dist_layers:
        tasks[("nearest", lay)] = partial(nearest, gdf=geoms.get(lay), threads=1)
    for name, (lay, rows, buffer_m) in rules.items():
        if not (len(rows) == len(geoms[lay]) and lay in dist_layers):
            tasks[("rule", name)] = partial(nearest, gdf=geoms[lay], rows=rows, threads=1)
        if buffer_m == 0.0:
            tasks[("overlap", name)] = partial(_overlap_m2, feats=geoms[lay][rows])
    tasks["sites"] = partial(sites_inside, sites=geoms.get("sites"))
    conc = layers.get("concessions")
    tasks["open"] = partial(
        _open_concessions,
        geoms=geoms.get("concessions", np.empty(0, dtype=object)),
        labels=feature_labels(conc, "concession") if conc is not None and len(conc) else [],
        excluding=_excluding_rows(cons, rs),
    )
    # the largest first, so that the two threads end together
    order = sorted(tasks, key=lambda k: -_size(k, layers, rules))
    with ThreadPoolExecutor(2) as pool:
        futures = {k: pool.submit(lambda f: f(zones.get()), tasks[k]) for k in order}
        done = {k: f.result() for k, f in futures.items()}
    nearest_of = {lay: done[("nearest", lay)] for lay in dist_layers}
    rule_dist: dict[str, np.ndarray] = {}
    rule_overlap: dict[str, np.ndarray] = {}
    for name, (lay, _rows, buffer_m) in rules.items():
        rule_dist[name] = (done.get(("rule", name)) or nearest_of[lay])[0]
        if buffer_m == 0.0:
            rule_overlap[name] = done[("overlap", name)]
            continue
        # closer than the buffer by the distance test: measure the land it shares with
        # the buffered features; below the tolerance it is clear, not "0.0 m²"
        ov = np.zeros(len(final))
        near = np.flatnonzero(rule_dist[name] < buffer_m - 0.01)
        if len(near):
            ov[near] = shapely.area(shapely.intersection(final[near], cons.rule_union(name)))
        rule_overlap[name] = ov
    n_sites, sites_ha = done["sites"]
    return Measures(n_sites, sites_ha, nearest_of, rule_dist, rule_overlap, done["open"])


def _size(key: Any, layers: dict, rules: dict) -> int:
    """A task's expected cost: the number of features it measures the zones against."""
    if key in ("sites", "open"):
        g = layers.get("sites" if key == "sites" else "concessions")
        return 0 if g is None else len(g)
    kind, what = key
    lay = what if kind == "nearest" else rules[what][0]
    g = layers.get(lay)
    return 0 if g is None else (len(g) if kind == "nearest" else len(rules[what][1]))


def _overlap_m2(zones: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """Per zone, the summed area (m²) it shares with any of ``feats``."""
    out = np.zeros(len(zones))
    if not len(feats) or not len(zones):
        return out
    zi, fj = shapely.STRtree(feats).query(zones, predicate="intersects")
    if len(zi):
        near = near_part(zones[zi], feats[fj])
        np.add.at(out, zi, shapely.area(shapely.intersection(near, feats[fj])))
    return out


def _excluding_rows(cons: Constraints, rs: RuleSet) -> np.ndarray:
    """Positions of the concessions some exclusion rule shuts (sorted)."""
    rows = [r for name, r in cons.rows.items() if rs.exclude[name]["layer"] == "concessions"]
    return np.unique(np.concatenate(rows)).astype(np.int64) if rows else np.zeros(0, np.int64)


def _open_concessions(
    zones: np.ndarray, geoms: np.ndarray, labels: Any, excluding: np.ndarray
) -> list[list[str]]:
    """Per zone, the concessions it overlaps that the rules leave open to ASM.

    ``geoms``: the concessions; ``labels``: what an explanation calls each;
    ``excluding``: the positions of those an exclusion rule shuts.
    """
    out: list[list[str]] = [[] for _ in range(len(zones))]
    if not len(geoms) or not len(zones):
        return out
    zi, cj = shapely.STRtree(geoms).query(zones, predicate="intersects")
    open_ = ~np.isin(cj, excluding)
    zi, cj = zi[open_], cj[open_]
    if not len(zi):
        return out
    # one array call for every pair, in the index's order as before
    shared = shapely.area(shapely.intersection(geoms[cj], near_part(zones[zi], geoms[cj])))
    for i, j in zip(
        zi[shared > OVERLAP_TOLERANCE_M2].tolist(),
        cj[shared > OVERLAP_TOLERANCE_M2].tolist(),
        strict=True,
    ):
        out[i].append(str(labels[j]))
    return out

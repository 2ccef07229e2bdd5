"""Watershed boundaries: from basin polygons with a topology, or from a DEM and an outlet."""

from landprofile.watershed.basins import BasinIndex, basin_index, from_basins
from landprofile.watershed.dem import (
    catchment,
    catchment_polygon,
    catchments,
    condition,
    flow_accumulation,
    flow_directions,
    from_dem,
    snap_outlet,
    stream_network,
)

__all__ = [
    "BasinIndex",
    "basin_index",
    "catchment",
    "catchment_polygon",
    "catchments",
    "condition",
    "flow_accumulation",
    "flow_directions",
    "from_basins",
    "from_dem",
    "snap_outlet",
    "stream_network",
]

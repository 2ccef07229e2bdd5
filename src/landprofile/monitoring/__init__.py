"""Monitoring stage: a profile is a baseline; a second date makes it a monitoring report.

:func:`change` gives land-cover transitions between two rasters over a landscape (exact
coverage, true cell areas); :func:`footprint_timeline` the mining footprint by date
(union per date, new area, cumulative area, inside protected areas and concessions,
near rivers), with geodesic areas.
"""

from landprofile.monitoring.footprint import footprint_timeline
from landprofile.monitoring.landcover import ChangeResult, change
from landprofile.monitoring.landcover_series import LandCoverSeries, land_cover_series

__all__ = [
    "ChangeResult",
    "LandCoverSeries",
    "change",
    "footprint_timeline",
    "land_cover_series",
]

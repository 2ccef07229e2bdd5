"""Monitoring stage: a profile is a baseline; a second date makes it a monitoring report.

:func:`change` gives land-cover transitions between two rasters over a landscape (exact
coverage, true cell areas); :func:`footprint_timeline` the mining footprint by date
(union per date, new area, cumulative area, inside protected areas and concessions,
near rivers), with geodesic areas; :func:`alerts` where new mining appeared since the
previous date, piece by piece, summing to the timeline's new area.
"""

from landprofile.monitoring.alerts import alerts
from landprofile.monitoring.footprint import footprint_timeline
from landprofile.monitoring.landcover import ChangeResult, change
from landprofile.monitoring.landcover_series import LandCoverSeries, land_cover_series

__all__ = [
    "ChangeResult",
    "LandCoverSeries",
    "alerts",
    "change",
    "footprint_timeline",
    "land_cover_series",
]

"""Profile stage: zonal statistics and overlaps of a landscape, gathered in a Profile."""

from landprofile.profile.overlap import overlap
from landprofile.profile.profile import Profile, profile
from landprofile.profile.stats import elevation, land_cover, population

__all__ = ["Profile", "elevation", "land_cover", "overlap", "population", "profile"]

"""Boundary methods: each returns a :class:`landprofile.Landscape`."""

from landprofile.boundary.admin import from_admin
from landprofile.boundary.custom import from_polygons

__all__ = ["from_admin", "from_polygons"]

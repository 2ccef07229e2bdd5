"""Maps as folium objects: the same layers, styles and popups in a notebook and in the card.

``Landscape.explore()``, ``Profile.explore()`` and ``ZoningResult.explore()`` return a
:class:`folium.Map` (or add to the one given), following geopandas' ``.explore()``
conventions; the profile card draws the same map made offline
(:func:`landprofile.maps.offline.make_offline`: assets inlined, no tile layer).
"""

from landprofile.maps.explore import explore_landscape, explore_profile, explore_zoning

__all__ = ["explore_landscape", "explore_profile", "explore_zoning"]

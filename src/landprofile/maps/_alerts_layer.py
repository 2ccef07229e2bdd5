"""The alerts of new mining as a layer of the card's map (and its legend row)."""

from __future__ import annotations

from typing import Any

from landprofile.i18n import strings
from landprofile.maps.layers import add_vector
from landprofile.maps.styles import STYLES

__all__ = ["add_alerts"]

#: The popup's fields, when the alerts have them.
_FIELDS = ("alert_id", "date", "since", "area_ha", "protected_ha", "concession_ha", "river_ha")


def add_alerts(m: Any, alerts: Any, lang: str, out: Any, tol_m: float) -> None:
    """Draw ``alerts`` (``lp.alerts``' GeoDataFrame) as the ``alerts`` layer, shown."""
    if alerts is None or not len(alerts):
        return
    s = strings(lang)
    gdf = alerts.copy()
    for c in ("date", "since"):
        if c in gdf.columns:
            gdf[c] = gdf[c].astype(str).str[:10].replace({"NaT": "", "None": "", "nan": ""})
    fields = [c for c in _FIELDS if c in gdf.columns]
    labels = {c: s.get(f"field_{c}", c) for c in fields}
    labels.update({"alert_id": s["mon_alert_id"], "since": s["mon_since"]})
    out.stats["alerts"] = add_vector(
        m,
        gdf,
        "alerts",
        s["mon_alerts"],
        tol_m=tol_m,
        fields=fields,
        field_labels=labels,
        lang=lang,
    )
    out.legend.append((str(STYLES["alerts"]["fillColor"]), s["mon_alerts"]))

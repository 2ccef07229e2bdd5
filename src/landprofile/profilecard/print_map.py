"""The card's map as a static image for print: the same layers, styles and legend.

Drawn with matplotlib in Web Mercator (as the interactive map), with the land cover
image the interactive map shows, the user's layers in the same styles
(:mod:`landprofile.maps.styles`), the zones coloured by score class and labelled, the
other suitable land, the boundary, a scale bar true at the landscape's latitude and a
north arrow. The legend is the card's own (HTML, below the image).
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
from pyproj import Transformer

from landprofile.maps.styles import STYLES, score_color

__all__ = ["map_png"]

_MERC = "EPSG:3857"
#: Drawing order of the user's layers (under the zones).
_ROLES = ("protected", "concessions", "water", "rivers", "roads", "settlements", "sites")


def _nice(x: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``x``."""
    p = 10 ** math.floor(math.log10(x))
    return max(m * p for m in (1, 2, 5) if m * p <= x)


def _style(key: str) -> dict[str, Any]:
    st = STYLES.get(key, {})
    return {
        "edgecolor": st.get("color", "#333"),
        "facecolor": st.get("fillColor", "none") if st.get("fill", True) else "none",
        "alpha": float(st.get("fillOpacity", 1.0)) if st.get("fill", True) else 1.0,
        "linewidth": float(st.get("weight", 1)) * 0.5,
    }


def _plot(ax: Any, gdf: Any, key: str, **over: Any) -> None:
    if gdf is None or not len(gdf):
        return
    st = {**_style(key), **over}
    kinds = set(gdf.geom_type)
    if kinds <= {"Point", "MultiPoint"}:
        gdf.plot(
            ax=ax,
            color=st["facecolor"] if st["facecolor"] != "none" else st["edgecolor"],
            edgecolor=st["edgecolor"],
            markersize=6,
            linewidth=0.4,
        )
    elif kinds <= {"LineString", "MultiLineString"}:
        dashed = "dashArray" in STYLES.get(key, {})
        gdf.plot(
            ax=ax,
            color=st["edgecolor"],
            linewidth=max(st["linewidth"], 0.6),
            linestyle="--" if dashed else "-",
        )
    else:
        gdf.plot(
            ax=ax,
            facecolor=st["facecolor"],
            edgecolor=st["edgecolor"],
            linewidth=st["linewidth"],
            alpha=st["alpha"],
        )


def map_png(
    landscape: Any,
    *,
    layers: dict[str, Any],
    zoning: Any,
    lc_image: dict[str, Any] | None,
    width_in: float = 7.0,
    alerts: Any = None,
    dpi: int = 200,
) -> str:
    """The static map as a PNG data URI (``alerts``: lp.alerts' pieces, over the layers)."""
    from landprofile.vector import read_vector

    bound = landscape.to_gdf().to_crs(_MERC)
    x0, y0, x1, y1 = bound.total_bounds
    pad = 0.06 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    aspect = (y1 - y0) / (x1 - x0)
    fig = plt.figure(figsize=(width_in, min(max(width_in * aspect, 3.0), 9.0)))
    # geopandas' plot() ends with plt.draw(), which redraws the whole figure (the land
    # cover image resampled, every layer so far) after each layer: quadratic in the
    # layers and most of the map's time. Drawing once, at savefig, gives the same image.
    fig.canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor("#eef2ee")
    if lc_image is not None:
        raw = base64.b64decode(lc_image["url"].split(",", 1)[1])
        img = mpimg.imread(io.BytesIO(raw), format="png")
        (s, w), (n, e) = lc_image["bounds"]
        to = Transformer.from_crs(4326, _MERC, always_xy=True)
        (ix0, ix1), (iy0, iy1) = to.transform([w, e], [s, n])
        ax.imshow(img, extent=(ix0, ix1, iy0, iy1), alpha=0.75, zorder=1, interpolation="nearest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the offline context: country borders, rivers and towns around the landscape
        from landprofile.maps.context import context_layers

        for key, gdf in context_layers(landscape.bounds_lonlat).items():
            _plot(ax, gdf.to_crs(_MERC).cx[x0:x1, y0:y1], f"context_{key}")
        for role in _ROLES:
            src = layers.get(role)
            if src is None:
                continue
            gdf = read_vector(src[0] if isinstance(src, tuple) else src)
            gdf = gdf.to_crs(_MERC).cx[x0:x1, y0:y1]
            _plot(ax, gdf, role)
        if alerts is not None and len(alerts):
            _plot(ax, alerts.to_crs(_MERC), "alerts")
        if zoning is not None:
            other = zoning.other_suitable
            if other is not None and len(other):
                _plot(ax, other.to_crs(_MERC), "other_suitable")
            z = zoning.zones.to_crs(_MERC)
            if len(z):
                lo = float(zoning.summary.get("min_score", 0.4))
                z.plot(
                    ax=ax,
                    facecolor=[score_color(float(v), lo) for v in z["score"]],
                    edgecolor=str(STYLES["zones"]["color"]),
                    linewidth=0.8,
                    alpha=0.85,
                    zorder=5,
                )
                # ids beside the zones: a short list stays readable on paper
                if len(z) <= 30:
                    for zid, p in zip(z["zone_id"], z.geometry.representative_point(), strict=True):
                        ax.annotate(
                            zid,
                            (p.x, p.y),
                            xytext=(4, 4),
                            textcoords="offset points",
                            fontsize=6.5,
                            fontweight="bold",
                            color="#49006a",
                            zorder=6,
                        )
    bound.boundary.plot(ax=ax, color="#111111", linewidth=1.4, zorder=7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, landscape, x0, x1, y0, y1)
    _north_arrow(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _scale_bar(ax: Any, landscape: Any, x0: float, x1: float, y0: float, y1: float) -> None:
    # Mercator stretches by 1 / cos(latitude): a true length at the landscape's latitude
    lat = landscape.centroid_lonlat[1]
    k = 1 / max(math.cos(math.radians(lat)), 1e-6)
    true_m = _nice((x1 - x0) / k / 4)
    length = true_m * k
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for i in range(2):
        ax.add_patch(
            plt.Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor="#111" if i == 0 else "#fff",
                edgecolor="#111",
                linewidth=0.6,
                zorder=8,
            )
        )
    text = f"{true_m / 1000:g} km" if true_m >= 1000 else f"{true_m:g} m"
    ax.text(bx, by + 1.8 * h, "0", fontsize=6.5, ha="center", zorder=8)
    ax.text(bx + length, by + 1.8 * h, text, fontsize=6.5, ha="center", zorder=8)


def _north_arrow(ax: Any) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#111", "linewidth": 1.2},
        zorder=8,
    )

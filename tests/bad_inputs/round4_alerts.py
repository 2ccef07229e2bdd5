"""Round four, the alerts of new mining (issue 39 item 1): ``lp.alerts`` given footprints
it cannot date or compare, and layers it cannot name, says so by name.

A layer with no date field or a date that does not read is an error naming the field or
the value; footprints with no polygon at all an error; one date only, or a date with no
polygon in the landscape, a warning (the result still means something: no alerts, or
alerts against all earlier dates).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """Footprints with a date field but no feature, and an undated pair of layers."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    root.mkdir(parents=True, exist_ok=True)
    out = {}
    # a GeoPackage: an empty GeoJSON keeps no field, a GeoPackage keeps its schema
    empty = root / "fp_empty_dated.gpkg"
    gpd.GeoDataFrame(
        {"year": pd.Series([], dtype="int64")}, geometry=gpd.GeoSeries([], crs=4326)
    ).to_file(empty, driver="GPKG", engine="pyogrio")
    out["fp_empty_dated"] = empty
    # two dated polygons far outside the good landscape (-2.0..-1.9, 5.0..5.1)
    far = root / "fp_far_2019.geojson"
    gpd.GeoDataFrame({"year": [2019]}, geometry=[box(10.0, 45.0, 10.01, 45.01)], crs=4326).to_file(
        far, driver="GeoJSON"
    )
    out["fp_far_2019"] = far
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The rows: alerts of footprints that cannot be dated, compared or named."""
    import landprofile as lp
    from landprofile import errors as E  # noqa: N812

    def two(f: dict) -> dict:
        return {2020: f["fp_2020"], 2021: f["fp_2021"]}

    return [
        (
            "alerts4: footprints without a date field",
            lambda f, o: lp.alerts(h.good_ls(), f["fp_2020"]),
            E.MissingFieldError,
            "no date field among date, year",
        ),
        (
            "alerts4: date_field that is not a field",
            lambda f, o: lp.alerts(h.good_ls(), f["fp_bowtie"], date_field="when"),
            E.MissingFieldError,
            "date_field 'when' is not a field of the footprints; fields: year",
        ),
        (
            "alerts4: a date key that does not read",
            lambda f, o: lp.alerts(h.good_ls(), {"soon": f["fp_2020"], 2021: f["fp_2021"]}),
            E.InvalidParameterError,
            "footprints key: 'soon' is not a date",
        ),
        (
            "alerts4: one date only",
            lambda f, o: lp.alerts(h.good_ls(), {2020: f["fp_2020"]}),
            E.DataWarning,
            "one date only (2020-01-01): it is the baseline, so there are no alerts",
        ),
        (
            "alerts4: footprints with no polygon at all",
            lambda f, o: lp.alerts(h.good_ls(), f["fp_empty_dated"]),
            E.EmptySelectionError,
            "footprints hold no polygon",
        ),
        (
            "alerts4: a date with no polygon in the landscape",
            lambda f, o: lp.alerts(h.good_ls(), {**two(f), 2019: f["fp_far_2019"]}),
            E.DataWarning,
            "footprints of 2019-01-01: no polygon in the landscape 'good'",
        ),
        (
            "alerts4: protected_field not in the layer",
            lambda f, o: lp.alerts(
                h.good_ls(), two(f), protected=f["fp_bowtie"], protected_field="NAME"
            ),
            E.MissingFieldError,
            "protected_field 'NAME' is not a field of the protected layer; fields: year",
        ),
        (
            "alerts4: min_area_ha below zero",
            lambda f, o: lp.alerts(h.good_ls(), two(f), min_area_ha=-0.5),
            E.InvalidParameterError,
            "min_area_ha=-0.5 must be a number >= 0 (hectares)",
        ),
        (
            "alerts4: river_buffer_m that is not a number",
            lambda f, o: lp.alerts(h.good_ls(), two(f), rivers=f["fp_2020"], river_buffer_m="x"),
            E.InvalidParameterError,
            "river_buffer_m='x' must be >= 0 (metres)",
        ),
    ]

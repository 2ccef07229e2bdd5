"""The tables of a land-cover change: transitions named by each date's legend, summaries."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from landprofile.legend import GROUPS, Legend


def _describe(value: int, leg: Legend, nodata: set[int], lang: str) -> tuple[str, str, Any]:
    classes = leg.by_value()
    if value in nodata:
        return "nodata", "nodata", None
    if value in classes:
        c = classes[value]
        return "class", c.name(lang), c.group
    return "unknown", f"unknown value {value}", None


def _transitions(
    pairs: dict[tuple, float], lb: Legend, la: Legend, nod_b: set, nod_a: set, lang: str
) -> pd.DataFrame:
    rows = []
    for (vb, va), m2 in sorted(pairs.items()):
        kb, nb, gb = _describe(vb, lb, nod_b, lang)
        ka, na, ga = _describe(va, la, nod_a, lang)
        rows.append(
            {
                "kind": "class" if kb == ka == "class" else (kb if kb != "class" else ka),
                "from_value": vb,
                "from_name": nb,
                "to_value": va,
                "to_name": na,
                "from_group": gb,
                "to_group": ga,
                "area_ha": m2 / 1e4,
            }
        )
    cols = [
        "kind",
        "from_value",
        "from_name",
        "to_value",
        "to_name",
        "from_group",
        "to_group",
        "area_ha",
    ]
    return pd.DataFrame(rows, columns=cols)


def _summaries(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    valid = t[t["kind"] == "class"]
    before = valid.groupby(["from_value", "from_name"])["area_ha"].sum()
    after = valid.groupby(["to_value", "to_name"])["area_ha"].sum()
    before.index.names = after.index.names = ["value", "name"]
    by_class = pd.concat([before.rename("before_ha"), after.rename("after_ha")], axis=1)
    by_class = by_class.fillna(0.0).reset_index()
    by_class["net_ha"] = by_class["after_ha"] - by_class["before_ha"]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_class["net_pct"] = np.where(
            by_class["before_ha"] > 0, 100 * by_class["net_ha"] / by_class["before_ha"], np.nan
        )
    gb = valid.groupby("from_group")["area_ha"].sum()
    ga = valid.groupby("to_group")["area_ha"].sum()
    groups = sorted(set(gb.index) | set(ga.index))
    by_group = pd.DataFrame(
        {
            "group": groups,
            "before_ha": [float(gb.get(g, 0.0)) for g in groups],
            "after_ha": [float(ga.get(g, 0.0)) for g in groups],
        }
    )
    by_group["natural"] = [GROUPS[g].natural for g in groups]
    by_group["net_ha"] = by_group["after_ha"] - by_group["before_ha"]
    with np.errstate(divide="ignore", invalid="ignore"):
        by_group["net_pct"] = np.where(
            by_group["before_ha"] > 0, 100 * by_group["net_ha"] / by_group["before_ha"], np.nan
        )
    nat_from = valid["from_group"].map(lambda g: GROUPS[g].natural)
    nat_to = valid["to_group"].map(lambda g: GROUPS[g].natural)
    natural = {
        "before_ha": float(valid.loc[nat_from, "area_ha"].sum()),
        "after_ha": float(valid.loc[nat_to, "area_ha"].sum()),
        "lost_ha": float(valid.loc[nat_from & ~nat_to, "area_ha"].sum()),
        "gained_ha": float(valid.loc[~nat_from & nat_to, "area_ha"].sum()),
    }
    return (
        by_class,
        by_group.sort_values("before_ha", ascending=False).reset_index(drop=True),
        natural,
    )

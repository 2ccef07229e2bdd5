"""Round four, QGIS (issue 36 item 5): names XML cannot hold, file names sources cannot.

A control character (U+0001-U+0008, U+000B, U+000C, U+000E-U+001F: legal in TOML and
GeoJSON, not in XML 1.0) in a landscape name, a field name or a rule's label is removed
from the QML and the project with a ``DataWarning`` naming it; a GeoPackage whose name
holds ``:`` or ``|`` (which QGIS reads as separators in a layer source) or a control
character is refused with an ``OutputError`` before anything is written.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _named(h: Any, name: str) -> Any:
    """The corpus's small zoning of a landscape called ``name``."""
    import landprofile as lp

    ls = h.good_ls()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        odd = lp.Landscape(name=name, geometry=ls.geometry, crs=ls.crs, provenance=ls.provenance)
        return lp.zoning.candidates(odd, resolution_m=200)


def _gpkg_elsewhere(res: Any) -> None:
    """Write ``res``'s GeoPackage into a folder of its own (the case completes)."""
    with tempfile.TemporaryDirectory() as tmp:
        res.to_gpkg(Path(tmp) / "zones.gpkg")


def _field_qml(field: str, alias: str = "") -> str:
    from landprofile.qgis import qml

    return qml.vector_qml(qml.vector_style("sites", "Point", [field], {field: alias}))


def _rule_qml(rule: str, label: str) -> str:
    from landprofile.qgis import qml

    style = qml.vector_style("exclusions", "Polygon", ["rule"], {}, categories=[(rule, label)])
    return qml.vector_qml(style)


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The QGIS rows of the corpus."""
    from landprofile import errors as E  # noqa: N812

    return [
        (
            "qgis: ':' in the GeoPackage name",
            lambda f, o: h._zres().to_gpkg(o / "a:b.gpkg"),
            E.OutputError,
            "holds ':'",
        ),
        (
            "qgis: '|' in the GeoPackage name",
            lambda f, o: h._zres().to_gpkg(o / "a|b.gpkg"),
            E.OutputError,
            "holds '|'",
        ),
        (
            "qgis: a control character in the GeoPackage name",
            lambda f, o: h._zres().to_gpkg(o / "a\x02b.gpkg"),
            E.OutputError,
            "such as 'a_b.gpkg'",
        ),
        (
            "qgis: ':' in the name of qgis project --out",
            lambda f, o: h.cli_run("qgis", "project", f["qgis_cfg"], "--out", o / "x:y.gpkg"),
            E.LandprofileError,
            "x:y.gpkg",
        ),
        (
            "qgis: U+0001 in the landscape name (project XML)",
            lambda f, o: _gpkg_elsewhere(_named(h, "Tark\x01wa")),
            E.DataWarning,
            "U+0001",
        ),
        (
            "qgis: U+001F in the landscape name (project XML)",
            lambda f, o: _gpkg_elsewhere(_named(h, "Tarkwa\x1f")),
            E.DataWarning,
            "'Tarkwa'",
        ),
        (
            "qgis: U+0007 in a field name (QML)",
            lambda f, o: _field_qml("na\x07me"),
            E.DataWarning,
            "U+0007",
        ),
        (
            "qgis: U+000B in a field alias (QML)",
            lambda f, o: _field_qml("name", "Nom\x0b"),
            E.DataWarning,
            "U+000B",
        ),
        (
            "qgis: U+000C and U+000E in a rule and its label (QML)",
            lambda f, o: _rule_qml("water\x0c", "Eau\x0e"),
            E.DataWarning,
            "U+000C",
        ),
    ]


def build(root: Path, files: dict) -> dict[str, Path]:
    """A config of the corpus's good boundary, zoning on, for the CLI rows."""
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "qgis_cfg.toml"
    boundary = Path(files["good"]).as_posix()
    cfg.write_text(
        f'name = "q"\n[boundary]\nmethod = "custom"\nsource = "{boundary}"\n'
        "[zoning]\nresolution_m = 200\n",
        encoding="utf-8",
    )
    return {"qgis_cfg": cfg}

"""Round four, the config (issue 36 "messages that point the wrong way"; issue 35 item 5).

A config saved by Windows editors (UTF-8 with a byte-order mark, "Unicode" = UTF-16 with
one) is read as what the user wrote; encodings that cannot be told apart from garbage
(UTF-16 without a BOM, UTF-32) are refused by name, not by tomllib's "Invalid statement
(at line 1, column 1)"; ``method = "watershed"`` means basins or a DEM, told by the
inputs, and a watershed with neither is a named error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The text every encoding case carries: a non-ASCII name, so a wrong decode shows.
NAME = "Région de l'Ouest — Tarkwa"


def _toml(source: Path, method: str = "custom", extra: str = "") -> str:
    return (
        f'name = "{NAME}"\n[boundary]\nmethod = "{method}"\nsource = "{source}"\n'
        f"{extra}[zoning]\nenabled = false\n"
    )


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """Configs in several encodings and watershed configs, beside the corpus."""
    root.mkdir(parents=True, exist_ok=True)
    good = _toml(files["good"])
    written = {
        "c4_bom": b"\xef\xbb\xbf" + good.encode("utf-8"),
        "c4_utf16le": good.encode("utf-16"),  # Python writes the BOM (LE here)
        "c4_utf16be": b"\xfe\xff" + good.encode("utf-16-be"),
        "c4_utf16_nobom": good.encode("utf-16-le"),
        "c4_utf32": good.encode("utf-32"),
        "c4_utf16_lang": ('language = "de"\n' + good).encode("utf-16"),
        "c4_cp1252": good.encode("cp1252", errors="replace"),
        "c4_bom_bad_toml": b"\xef\xbb\xbf" + b"name = \n",
        "c4_ws_dem": _toml(
            files["dem"], "watershed", "outlet = [600900, 619100]\noutlet_crs = 32630\n"
        ).encode(),
        "c4_ws_basins": _toml(files["good"], "watershed", "outlet = [-1.95, 5.05]\n").encode(),
        "c4_ws_neither": _toml(root / "notes.txt", "watershed").encode(),
        "c4_ws_both": _toml(
            files["dem"], "watershed", "outlet = [600900, 619100]\nsnap_m = 100\nbasin_ids = [1]\n"
        ).encode(),
        "c4_ws_raster_basin_keys": _toml(
            files["dem"], "watershed", "outlet = [600900, 619100]\nmax_upstream_km2 = 50\n"
        ).encode(),
        "c4_dem_no_outlet": _toml(files["dem"], "dem").encode(),
        "c4_basins_no_outlet": _toml(files["good"], "basins").encode(),
    }
    (root / "notes.txt").write_text("not a DEM nor basins\n", encoding="utf-8")
    out = {}
    for key, data in written.items():
        p = root / f"{key}.toml"
        p.write_bytes(data)
        out[key] = p
    return out


def _loads(h: Any, key: str, method: str = "custom") -> Callable[[dict, Path], Any]:
    """A call that must read the config and find the name and method as written."""

    def call(f: dict, o: Path) -> Any:
        cfg = h.lp.pipeline.load_config(f[key])
        assert cfg.name == NAME, cfg.name
        assert cfg.section("boundary")["method"] == method
        return cfg

    return call


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The config's round-four rows (``h``: the test_bad_inputs module)."""
    from landprofile.config import ConfigError

    E = h.E  # noqa: N806  (the errors module, as in the corpus)
    return [
        ("config4: UTF-8 with BOM reads", _loads(h, "c4_bom"), h.NoWarning, "TextEncodingWarning"),
        (
            "config4: UTF-16 LE with BOM reads",
            _loads(h, "c4_utf16le"),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "config4: UTF-16 BE with BOM reads",
            _loads(h, "c4_utf16be"),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "config4: UTF-16 without BOM refused by name",
            lambda f, o: h.lp.pipeline.load_config(f["c4_utf16_nobom"]),
            E.UnreadableFileError,
            "UTF-16 without a byte-order mark",
        ),
        (
            "config4: UTF-32 refused by name",
            lambda f, o: h.lp.pipeline.load_config(f["c4_utf32"]),
            E.UnreadableFileError,
            "saved as UTF-32",
        ),
        (
            "config4: cp1252 read with a warning",
            _loads(h, "c4_cp1252"),
            E.TextEncodingWarning,
            "read as Windows-1252",
        ),
        (
            "config4: BOM then bad TOML names the TOML, not the BOM",
            lambda f, o: h.lp.pipeline.load_config(f["c4_bom_bad_toml"]),
            E.UnreadableFileError,
            "is not valid TOML",
        ),
        # decoded, or the CLI could not have reached the language check (exit 2, named)
        (
            "config4: CLI reads a UTF-16 config to its checks",
            lambda f, o: h.cli_run("boundary", f["c4_utf16_lang"], "--out", o / "b.gpkg"),
            E.LandprofileError,
            "language 'de' is not one of fr, en, es",
        ),
        (
            "config4: CLI watershed with neither",
            lambda f, o: h.cli_run("boundary", f["c4_ws_neither"], "--out", o / "b.gpkg"),
            E.LandprofileError,
            "method 'watershed' needs as source either a DEM",
        ),
        (
            "config4: watershed with a DEM is dem",
            _loads(h, "c4_ws_dem", "dem"),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "config4: watershed with basins is basins",
            _loads(h, "c4_ws_basins", "basins"),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "config4: watershed with neither basins nor DEM",
            lambda f, o: h.lp.pipeline.load_config(f["c4_ws_neither"]),
            ConfigError,
            "needs as source either a DEM",
        ),
        (
            "config4: watershed with keys of both",
            lambda f, o: h.lp.pipeline.load_config(f["c4_ws_both"]),
            ConfigError,
            "keep the keys of one",
        ),
        (
            "config4: watershed on a raster with basin keys",
            lambda f, o: h.lp.pipeline.load_config(f["c4_ws_raster_basin_keys"]),
            ConfigError,
            "are keys of basins",
        ),
        (
            "config4: dem without outlet, before any work",
            lambda f, o: h.lp.pipeline.load_config(f["c4_dem_no_outlet"]),
            ConfigError,
            "needs outlet = [x, y]",
        ),
        (
            "config4: basins without outlet or ids",
            lambda f, o: h.lp.pipeline.load_config(f["c4_basins_no_outlet"]),
            ConfigError,
            "needs outlet = [x, y] or basin_ids",
        ),
    ]

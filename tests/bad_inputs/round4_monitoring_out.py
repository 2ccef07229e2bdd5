"""Round four, the config's [monitoring] and ``landprofile monitor`` (issue 39 item 3).

A [monitoring] section is checked when the config is read, before any stage runs:
footprints are required, land cover by date is a table, keys and numbers are named with
what is accepted; ``monitor`` on a config without the section says so before it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _toml(source: Path, monitoring: str) -> str:
    return (
        f'name = "Monitoring"\n[boundary]\nmethod = "custom"\nsource = "{source}"\n'
        f"[zoning]\nenabled = false\n{monitoring}"
    )


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """Configs with a bad [monitoring] section, beside the corpus."""
    root.mkdir(parents=True, exist_ok=True)
    good = files["good"]
    texts = {
        "mon4_no_footprints": "[monitoring]\nriver_buffer_m = 100\n",
        "mon4_lc_not_table": (f'[monitoring]\nfootprints = "{good}"\nland_cover = "lc.tif"\n'),
        "mon4_unknown_key": f'[monitoring]\nfootprints = "{good}"\nbuffer = 100\n',
        "mon4_negative_buffer": f'[monitoring]\nfootprints = "{good}"\nriver_buffer_m = -5\n',
        "mon4_footprints_missing": '[monitoring]\nfootprints = "nowhere_pits.geojson"\n',
        "mon4_alerts_not_bool": f'[monitoring]\nfootprints = "{good}"\nalerts = "yes"\n',
        "mon4_none": "",
    }
    out = {}
    for key, text in texts.items():
        p = root / f"{key}.toml"
        p.write_text(_toml(good, text), encoding="utf-8")
        out[key] = p
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The [monitoring] rows (``h``: the test_bad_inputs module)."""
    from landprofile.config import ConfigError

    load = h.lp.pipeline.load_config
    return [
        (
            "monitoring4: no footprints",
            lambda f, o: load(f["mon4_no_footprints"]),
            ConfigError,
            "[monitoring] needs footprints",
        ),
        (
            "monitoring4: land_cover not a table",
            lambda f, o: load(f["mon4_lc_not_table"]),
            ConfigError,
            "must be a table of date = raster",
        ),
        (
            "monitoring4: unknown key named with the accepted ones",
            lambda f, o: load(f["mon4_unknown_key"]),
            ConfigError,
            "[monitoring] has unknown key(s) ['buffer']; accepted:",
        ),
        (
            "monitoring4: negative river buffer",
            lambda f, o: load(f["mon4_negative_buffer"]),
            ConfigError,
            "[monitoring] river_buffer_m = -5 must be a finite number >= 0",
        ),
        (
            "monitoring4: alerts not true/false",
            lambda f, o: load(f["mon4_alerts_not_bool"]),
            ConfigError,
            "[monitoring] alerts = 'yes' must be true or false",
        ),
        (
            "monitoring4: footprints file missing, named",
            lambda f, o: load(f["mon4_footprints_missing"]),
            h.E.LandprofileError,
            "nowhere_pits.geojson",
        ),
        (
            "monitoring4: CLI monitor without [monitoring], before any output",
            lambda f, o: h.cli_run("monitor", f["mon4_none"], "--out", o / "m"),
            h.E.LandprofileError,
            "no [monitoring] section",
        ),
        (
            "monitoring4: CLI monitor refuses a bad section before any output",
            lambda f, o: h.cli_run("monitor", f["mon4_no_footprints"], "--out", o / "m"),
            h.E.LandprofileError,
            "[monitoring] needs footprints",
        ),
    ]

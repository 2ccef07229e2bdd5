"""Round four, land cover over N dates and the workshop's scorecard (issue 39 items 2, 5).

A series with too few dates, a date given twice, a legend for a date not in it, a
non-integer raster or one beside the landscape; a scores CSV with a score off the scale,
an unknown indicator, a duplicate row, no usable header, a Windows-1252 or a FIFO file,
a spreadsheet instead of a CSV, and the same through the CLI and a config.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine

import landprofile as lp
from landprofile import errors as E  # noqa: N812
from landprofile.profilecard.workshop import WorkshopScoresError, read_workshop
from landprofile.testing import write_geotiff

_HEAD = "participant,indicator,then,now\n"


def build(root: Path, files: dict) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    # 0.01-degree cells over the corpus' good landscape (-2.0..-1.9, 5.0..5.1)
    t = Affine(0.01, 0, -2.05, 0, -0.01, 5.15)
    lc = np.full((20, 20), 10, np.uint8)
    out["r4s_lc_a"] = write_geotiff(root / "lc_a.tif", lc, t, 4326, nodata=0)
    out["r4s_lc_b"] = write_geotiff(root / "lc_b.tif", np.where(lc, 40, 0), t, 4326, nodata=0)
    out["r4s_lc_float"] = write_geotiff(root / "lc_float.tif", lc.astype(np.float32) + 0.5, t, 4326)
    far = Affine(0.01, 0, 30.0, 0, -0.01, 10.0)
    out["r4s_lc_far"] = write_geotiff(root / "lc_far.tif", lc, far, 4326, nodata=0)
    texts = {
        "r4s_ws_scale": _HEAD + "Ama,C1,2,7\n",
        "r4s_ws_unknown": _HEAD + "Ama,X1,2,3\n",
        "r4s_ws_duplicate": _HEAD + "Ama,C1,2,3\nAMA,C1,4,4\n",
        "r4s_ws_text": _HEAD + "Ama,C1,deux,3\n",
        "r4s_ws_noheader": "Ama,C1,2,3\n",
        "r4s_ws_nan": _HEAD + "Ama,C1,nan,3\n",
    }
    for key, text in texts.items():
        p = root / f"{key}.csv"
        p.write_text(text, encoding="utf-8")
        out[key] = p
    p = root / "r4s_ws_cp1252.csv"
    p.write_bytes((_HEAD + "Amélie,C1,2,3\n").encode("cp1252"))
    out["r4s_ws_cp1252"] = p
    p = root / "r4s_ws_pipe.csv"
    os.mkfifo(p)
    out["r4s_ws_fifo"] = p
    p = root / "r4s_ws.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a workbook")
    out["r4s_ws_xlsx"] = p
    cfg = root / "r4s_ws_config.toml"
    cfg.write_text(
        f'name = "w"\n[boundary]\nmethod = "custom"\nsource = "{files["good"]}"\n'
        f'[zoning]\nenabled = false\n[card]\nworkshop_scores = "r4s_ws_scale.csv"\n',
        encoding="utf-8",
    )
    out["r4s_ws_config"] = cfg
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    def series(rasters: Any, **kw: Any) -> Callable[[dict, Path], Any]:
        return lambda f, o: lp.land_cover_series(h.good_ls(), rasters(f), **kw)

    ws = read_workshop
    return [
        (
            "series: one date",
            series(lambda f: {"2020": f["r4s_lc_a"]}),
            E.InvalidParameterError,
            "at least two",
        ),
        (
            "series: a date twice in a list",
            series(lambda f: [f["r4s_lc_a"], f["r4s_lc_a"]]),
            E.InvalidParameterError,
            "lc_a.tif",
        ),
        (
            "series: a legend for a date not in it",
            series(
                lambda f: {"2020": f["r4s_lc_a"], "2021": f["r4s_lc_b"]},
                legend={"2019": "esa_worldcover_v200"},
            ),
            E.InvalidParameterError,
            "2019",
        ),
        (
            "series: a float raster",
            series(lambda f: {"2020": f["r4s_lc_a"], "2021": f["r4s_lc_float"]}),
            E.UnsupportedFormatError,
            "2021",
        ),
        (
            "series: a raster beside the landscape",
            series(lambda f: {"2020": f["r4s_lc_a"], "2021": f["r4s_lc_far"]}),
            E.InvalidParameterError,
            "lc_far.tif",
        ),
        (
            "series: a bare path, not a series",
            lambda f, o: lp.land_cover_series(h.good_ls(), f["r4s_lc_a"]),
            E.InvalidParameterError,
            "mapping of dates",
        ),
        (
            "workshop: a score off the scale",
            lambda f, o: ws(f["r4s_ws_scale"]),
            WorkshopScoresError,
            "row 2: now '7' is not on the scale",
        ),
        (
            "workshop: an unknown indicator",
            lambda f, o: ws(f["r4s_ws_unknown"]),
            WorkshopScoresError,
            "unknown indicator 'X1'",
        ),
        (
            "workshop: a participant scores an indicator twice",
            lambda f, o: ws(f["r4s_ws_duplicate"]),
            WorkshopScoresError,
            "row 3: AMA already scored C1 on row 2",
        ),
        (
            "workshop: a score in words",
            lambda f, o: ws(f["r4s_ws_text"]),
            WorkshopScoresError,
            "'deux' is not a number",
        ),
        (
            "workshop: nan as a score",
            lambda f, o: ws(f["r4s_ws_nan"]),
            WorkshopScoresError,
            "'nan' is not a number",
        ),
        (
            "workshop: no header",
            lambda f, o: ws(f["r4s_ws_noheader"]),
            WorkshopScoresError,
            "accepted headers",
        ),
        (
            "workshop: Windows-1252",
            lambda f, o: ws(f["r4s_ws_cp1252"]),
            E.UnreadableFileError,
            "Windows-1252",
        ),
        (
            "workshop: a FIFO",
            lambda f, o: ws(f["r4s_ws_fifo"]),
            E.UnreadableFileError,
            "r4s_ws_pipe.csv",
        ),
        (
            "workshop: a spreadsheet",
            lambda f, o: ws(f["r4s_ws_xlsx"]),
            E.UnsupportedFormatError,
            "give a .csv file",
        ),
        (
            "workshop: a missing file",
            lambda f, o: ws(f["r4s_ws_scale"].parent / "nobody.csv"),
            E.SourceNotFoundError,
            "nobody.csv",
        ),
        (
            "workshop: the CLI summary of a bad file",
            lambda f, o: h.cli_run("scorecard", "summary", f["r4s_ws_scale"]),
            E.LandprofileError,
            "row 2",
        ),
        (
            "workshop: a config's bad scores, run",
            lambda f, o: lp.pipeline.run(f["r4s_ws_config"], o / "run"),
            WorkshopScoresError,
            "r4s_ws_scale.csv",
        ),
    ]

"""Round four, the credits of the user's own inputs (issue 37 item 1): a sidecar that does
not read, a credit with a misspelt key or a wrong type, in a call or a config, is named
(the sidecar's file, the key, what is accepted) before any work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """A land cover with a broken sidecar, one with a sidecar of a misspelt key, configs."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, side, text in (
        ("lc_badside", "lc_badside.tif.credit.toml", 'credit = "unterminated\n'),
        ("lc_keyside", "lc_keyside.tif.credit.json", '{"credit": "A", "licens": "CC0"}'),
    ):
        tif = root / f"{key}.tif"
        shutil.copy(files["lc"], tif)
        (root / side).write_text(text, "utf-8")
        out[key] = tif
    good = files["good"]
    for key, table in (
        ("cfg_credit_key", '[credits]\nland_cover = { credit = "A", licnce = "B" }\n'),
        ("cfg_credit_type", "[credits]\nland_cover = 3\n"),
        ("cfg_credit_flag", '[credits.land_cover]\ncredit = "A"\nsynthetic = "yes"\n'),
    ):
        cfg = root / f"{key}.toml"
        shutil.copy(good, root / good.name)
        cfg.write_text(
            f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "{good.name}"\n{table}',
            "utf-8",
        )
        out[key] = cfg
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The rows: bad credits in sidecars, calls and configs."""
    import landprofile as lp
    from landprofile import errors as E  # noqa: N812
    from landprofile.config import ConfigError, load_config

    return [
        (
            "credit: a sidecar that is not TOML",
            lambda f, o: lp.profile(h.good_ls(), land_cover=f["lc_badside"]),
            E.UnreadableFileError,
            "credit sidecar 'lc_badside.tif.credit.toml' (next to 'lc_badside.tif') is not valid",
        ),
        (
            "credit: a sidecar key misspelt",
            lambda f, o: lp.profile(h.good_ls(), land_cover=f["lc_keyside"]),
            E.InvalidParameterError,
            "unknown credit key(s) ['licens']; accepted: credit, licence",
        ),
        (
            "credit: credits= not a mapping",
            lambda f, o: lp.profile(h.good_ls(), land_cover=f["lc"], credits="NASA"),
            E.InvalidParameterError,
            "credits= must map an input's role or file name to its credit, not str",
        ),
        (
            "credit: an empty credit text",
            lambda f, o: lp.change(h.good_ls(), f["lc"], f["lc"], credits={"lc.tif": " "}),
            E.InvalidParameterError,
            "the credit is empty",
        ),
        (
            "credit: config [credits] key misspelt",
            lambda f, o: load_config(f["cfg_credit_key"]),
            ConfigError,
            "[credits] 'land_cover': unknown credit key(s) ['licnce']",
        ),
        (
            "credit: config [credits] value a number",
            lambda f, o: load_config(f["cfg_credit_type"]),
            ConfigError,
            "a credit is a text or a table of credit, licence",
        ),
        (
            "credit: config synthetic not true/false",
            lambda f, o: load_config(f["cfg_credit_flag"]),
            ConfigError,
            "synthetic = 'yes' must be true or false",
        ),
    ]

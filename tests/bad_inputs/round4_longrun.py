"""Round four, the settings of a long run and its checkpoints (issue 36 items 3, 7).

Environment variables are read (and checked) when a stage asks for them; ``lp.options``
attributes when assigned; scheduler addresses before anything connects; a checkpoint
file the run did not write is named and never unpickled.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from landprofile.errors import CheckpointWarning, InvalidParameterError, SettingError

KEY = "k" * 20


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (f"touch '{self.marker}'",))


def build(root: Path, files: dict[str, Path]) -> dict[str, Path]:
    """A checkpoint folder holding a planted pickle under a tile's own name."""
    cp = root / "checkpoint"
    cp.mkdir(parents=True, exist_ok=True)
    planted = cp / f"zoning-tile-00000-{KEY}.npz"
    planted.write_bytes(pickle.dumps(_Evil(str(root / "ran"))))
    damaged = cp / f"zoning-tile-00001-{KEY}.npz"
    damaged.write_bytes(b"PK\x03\x04 truncated")
    return {"longrun_planted": planted, "longrun_damaged": damaged}


def _memory() -> Any:
    from landprofile._resources import memory_limit_bytes

    return memory_limit_bytes()


def _tiles() -> Any:
    import landprofile as lp

    return lp.options.zoning_tile_cells


def _assign(value: Any) -> None:
    import landprofile as lp

    lp.options.zoning_tile_cells = value


def _client(address: str) -> Any:
    from landprofile.zoning.tiles_run import open_client

    return open_client(address)


def _has(path: Path, index: int) -> bool:
    from landprofile.zoning.tiles import Tile
    from landprofile.zoning.tiles_store import TileStore

    store = TileStore(path.parent, KEY)
    found = store.has(Tile(index, (0, 4, 0, 4), (0, 4, 0, 4)))
    if (path.parent.parent / "ran").exists():
        raise AssertionError("the planted pickle ran")
    return found


def _spacing() -> Any:
    from landprofile.zoning.locate_options import check_options

    return check_options({"min_spacing_m": 1e308})


def _zero_weights() -> Any:
    from landprofile.zoning.rules import load_rules

    return load_rules(
        '[favour.a]\nlayer = "sites"\nweight = 0.0\n'
        '[favour.b]\nlayer = "roads"\nweight = 0\nmax_m = 100.0\n'
    )


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    """The rows of this group."""
    rows: list[tuple[str, Callable[[dict, Path], Any], type, str]] = []
    for v in ("0", "-1", "nan", "inf", "abc", "1e400"):
        rows.append(
            (
                f"longrun: LANDPROFILE_MAX_MEMORY_GB={v}",
                lambda f, o, v=v: h._env({"LANDPROFILE_MAX_MEMORY_GB": v}, _memory),
                SettingError,
                f"LANDPROFILE_MAX_MEMORY_GB='{v}' is not accepted",
            )
        )
    for v in ("0", "-3", "abc", "1", "2.5"):
        rows.append(
            (
                f"longrun: LANDPROFILE_ZONING_TILE_CELLS={v}",
                lambda f, o, v=v: h._env({"LANDPROFILE_ZONING_TILE_CELLS": v}, _tiles),
                SettingError,
                "a whole number from 16 to 1,000,000",
            )
        )
    for v in (-5, 2.5, float("nan")):
        rows.append(
            (
                f"longrun: lp.options.zoning_tile_cells={v}",
                lambda f, o, v=v: _assign(v),
                SettingError,
                f"lp.options.zoning_tile_cells={v!r} is not accepted",
            )
        )
    for a in ("garbage", "", "http://127.0.0.1:8786", "tls://127.0.0.1:8786", "inproc://x"):
        rows.append(
            (
                f"longrun: scheduler {a!r}",
                lambda f, o, a=a: _client(a),
                SettingError,
                "expected tcp://host:port",
            )
        )
    rows += [
        (
            "longrun: locate min_spacing_m=1e308",
            lambda f, o: _spacing(),
            InvalidParameterError,
            "must be in [0, 20,000,000] metres",
        ),
        (
            "longrun: every favour weight 0",
            lambda f, o: _zero_weights(),
            InvalidParameterError,
            "every favour rule has weight 0",
        ),
        (
            "longrun: a planted pickle in the checkpoint is never run",
            lambda f, o: _has(f["longrun_planted"], 0),
            CheckpointWarning,
            "never unpickled",
        ),
        (
            "longrun: a damaged checkpoint tile is named and recomputed",
            lambda f, o: _has(f["longrun_damaged"], 1),
            CheckpointWarning,
            "is not a valid zoning tile",
        ),
    ]
    return rows

"""The tiled run's peak memory against tile size and against landscape size, as markdown.

Usage (from the repository's root)::

    python benchmarks/bench_country.py --tables tile,landscape,open [--memory-limit-gb 8]

Each row is one fresh process running ``tests/test_tiles_memory.py KM TILE`` (the test's
own scene: a KM-km square at 30 m, 36 sites in the south-west 30 km, a river every 20 km,
``select={"n_zones": 8, "max_candidates": 200}``), which prints its peak anonymous RSS
(sampled every 10 ms, less the process's own before the call), tracemalloc's peak and the
call's time. The ``open`` table runs ``KM TILE candidates open``: the same scene where all
the land passes the rules (``min_score = 0``), so the largest region's box grows with the
landscape; its rows add that region's cells and box. With ``--memory-limit-gb`` the
process runs in a fresh memory cgroup with that hard limit (``_cgroup.py``) and the row
adds the group's peak, page cache included.

The tables are printed ready for ``benchmarks/RESULTS.md``, with the commit and the load
average before the runs (the machine is shared: figures are under contention when the load
is above 0).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _cgroup import memory_cgroup

TEST = Path(__file__).resolve().parents[1] / "tests" / "test_tiles_memory.py"

#: (square km, tile cells) per table: tile sizes on one landscape, landscapes at one tile.
TABLES = {
    "tile": [(120.0, t) for t in (256, 512, 1024, 2048, 4096)],
    "landscape": [(km, 512) for km in (30.0, 60.0, 120.0, 240.0)],
    "open": [(km, 512) for km in (30.0, 60.0, 120.0, 240.0)],
}
#: What each table's rows vary.
TITLES = {
    "tile": "tile size",
    "landscape": "landscape size",
    "open": "the largest region's box (all the land passes the rules)",
}
#: What a sweep's peak is reported to grow per (the landscape's cells, or the largest box's).
GROWTH = {"landscape": "cells", "open": "largest_box_cells"}
#: The child's flags per table.
FLAGS = {"open": ["candidates", "open"]}


def run(km: float, tile: int, limit_gb: float | None, flags: list[str] | None = None) -> dict:
    """One row: the test's child in a fresh process (in a cgroup when limited)."""
    cmd = [sys.executable, str(TEST), str(km), str(tile), *(flags or [])]
    if limit_gb is None:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
        rc, stdout, stderr, cg = out.returncode, out.stdout, out.stderr, {}
    else:
        with memory_cgroup(int(limit_gb * 2**30)) as group:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=group.enter,
            )
            stdout, stderr = proc.communicate(timeout=1800)
            rc = proc.returncode
            cg = group.figures(rc)
    if rc != 0:
        # the last line of the traceback says why, in the row
        why = (stderr.strip().splitlines() or ["no message"])[-1]
        return {"km": km, "tile": tile, "failed": rc, "error": why, **cg}
    return {**json.loads(stdout.strip().splitlines()[-1]), **cg}


def table(name: str, rows: list[dict], commit: str, limit_gb: float | None) -> str:
    """The markdown table of one sweep, with the landscape sweep's growth a cell."""
    head = "| square | cells | tile | peak anon (MB) | tracemalloc peak (MB) | time (s) |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if name == "open":
        head += " largest region (cells) | its box (cells) |"
        rule += "---:|---:|"
    if limit_gb is not None:
        head += f" cgroup peak incl. page cache (MB, limit {limit_gb:g} GiB) | OOM kill |"
        rule += "---:|---|"
    head += " commit |"
    rule += "---|"
    lines = [head, rule]
    for r in rows:
        cg = ""
        if "max_usage_bytes" in r:
            cg = f" {r['max_usage_bytes'] / 2**20:,.0f} | {'yes' if r['oom_killed'] else 'no'} |"
        if "failed" in r:
            why = f"failed ({r['failed']}): {r['error']}"
            lines.append(f"| {r['km']:g} km | | {r['tile']:,} | {why} | | |{cg} {commit} |")
            continue
        big = ""
        if name == "open":
            big = (
                f" {r['largest_region_cells'] / 1e6:,.2f} M"
                f" | {r['largest_box_cells'] / 1e6:,.2f} M |"
            )
        lines.append(
            f"| {r['km']:g} km | {r['cells'] / 1e6:,.2f} M | {r['tile']:,} "
            f"| {r['anon_peak'] / 2**20:,.0f} | {r['traced_peak'] / 2**20:,.0f} "
            f"| {r['seconds']:,.1f} |{big}{cg} {commit} |"
        )
    ok = [r for r in rows if "failed" not in r]
    key = GROWTH.get(name)
    if key and len(ok) >= 2:
        a, b = ok[0], ok[-1]
        extra = max(b[key] - a[key], 1)
        anon, traced = b["anon_peak"] - a["anon_peak"], b["traced_peak"] - a["traced_peak"]
        what = "cells" if key == "cells" else "cells of the largest region's box"
        lines.append("")
        lines.append(
            f"From {a[key] / 1e6:,.2f} M to {b[key] / 1e6:,.2f} M {what} at "
            f"{a['tile']:,}-cell tiles the anonymous peak grows by {anon / 2**20:,.0f} MB: "
            f"{anon / extra:.2f} bytes a cell (tracemalloc: {traced / extra:.2f})."
        )
    return "\n".join(lines)


def main(names: list[str], commit: str, limit_gb: float | None) -> None:
    """Run the named sweeps and print each as a markdown table."""
    for name in names:
        if name not in TABLES:
            sys.exit(f"bench_country: --tables takes {', '.join(TABLES)}, not {name!r}")
    for name in names:
        rows = []
        for km, tile in TABLES[name]:
            rows.append(run(km, tile, limit_gb, FLAGS.get(name)))
            print(json.dumps(rows[-1]), flush=True)
        print(f"\nPeak memory against {TITLES[name]}:\n")
        print(table(name, rows, commit, limit_gb), flush=True)

"""The printed report (``Card.to_pdf``, WeasyPrint): the demo card and long narrative text.

Usage::

    python benchmarks/bench_pdf.py [--repeat 2] [--sizes 1000 4000 20000] [--timeout 120]
    python benchmarks/bench_pdf.py --before ec0b0a5   # the same with that commit's report
    python benchmarks/bench_pdf.py --profile 4000     # cProfile of one to_pdf, top 25

``--before REV`` takes the card templates and the static map (``print_map.py``) of git
revision ``REV`` (``git show``, into a temporary folder; the working tree is untouched) and
times them on the same card data, so that before and after run on the same machine.

Builds the demo card exactly as ``landprofile run data/sample_boundaries/demo.toml`` does
(boundary, profile, zones with the demo's ``[select]``, narrative, scorecard, admin) once,
then times ``to_pdf`` on it (warm: a first call loads fonts and WeasyPrint's modules and is
reported apart), and on the same card with its ``challenges`` narrative field replaced by
1,000 / 4,000 / 20,000 characters of plain prose (words and sentences, no line breaks).
Each long-text case runs in its own subprocess with a ``--timeout`` so that a quadratic
layout cannot hang the benchmark; a case that times out is printed as ``> timeout``.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pickle
import pstats
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "sample_boundaries" / "demo.toml"
SENTENCE = (
    "Les orpailleurs travaillent le long de la rivière Ankobra pendant la saison sèche et "
    "cultivent le cacao le reste de l'année ; la turbidité augmente en aval des sites. "
)


def prose(n_chars: int) -> str:
    """``n_chars`` characters of sentence-like text (one paragraph, no line break)."""
    return (SENTENCE * (n_chars // len(SENTENCE) + 1))[:n_chars].rstrip()


def demo_inputs() -> dict[str, Any]:
    """Everything ``lp.card`` gets in the demo run (computed once, pickled for workers)."""
    from landprofile.pipeline import (
        build_boundary,
        build_profile,
        build_zoning,
        data_settings,
        load_config,
    )

    cfg = load_config(DEMO)
    with data_settings(cfg), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = build_boundary(cfg)
        prof = build_profile(cfg, ls)
        zoning = build_zoning(cfg, ls)
    r, c = cfg.section("rasters"), cfg.section("card")
    return {
        "profile": prof,
        "zoning": zoning,
        "narrative": str(c["narrative"]),
        "scorecard": str(c["scorecard"]),
        "lang": cfg.language,
        "layers": cfg.section("layers"),
        "land_cover": r.get("land_cover"),
        "legend": r.get("legend"),
        "admin": c.get("admin"),
    }


def build_card(inputs: dict[str, Any], long_chars: int = 0) -> Any:
    """The demo card; with ``long_chars``, its ``challenges`` field is that long."""
    import landprofile as lp
    from landprofile.profilecard.inputs import _read_mapping

    narrative: Any = inputs["narrative"]
    if long_chars:
        data, path = _read_mapping(narrative, "narrative")
        base = path.parent if path else Path.cwd()
        data["challenges"] = prose(long_chars)
        # photo paths are relative to the narrative file
        data["photos"] = [
            {**p, "file": str(base / p["file"])} if isinstance(p, dict) else str(base / p)
            for p in data.get("photos") or []
        ]
        narrative = data
    kw = {k: v for k, v in inputs.items() if k != "narrative"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.card(narrative=narrative, **kw)


def time_pdf(card: Any, repeat: int) -> tuple[float, float, int]:
    """(first call s, best warm s, pages) of ``card.to_pdf``."""
    import pypdfium2

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            pdf = card.to_pdf(Path(tmp) / "card.pdf")
            times.append(time.perf_counter() - t0)
        doc = pypdfium2.PdfDocument(str(pdf))
        pages = len(doc)
        doc.close()
    return times[0], min(times[1:]) if repeat else times[0], pages


def use_revision(rev: str, folder: Path) -> None:
    """Make ``to_pdf`` use revision ``rev``'s card templates and static map."""
    import jinja2

    from landprofile.profilecard import print_map

    # the package exports the function card(), which hides the module of that name
    card_mod = importlib.import_module("landprofile.profilecard.card")

    tpl = "src/landprofile/data/templates/card"
    names = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{rev}:{tpl}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    for name in names:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:{tpl}/{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (folder / "templates" / name).write_text(text, encoding="utf-8")
    env = card_mod._environment()
    old_env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    old_env.filters.update(env.filters)
    card_mod._environment = lambda: old_env  # type: ignore[assignment]
    src = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:src/landprofile/profilecard/print_map.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (folder / "old_print_map.py").write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_print_map", folder / "old_print_map.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    print_map.map_png = mod.map_png  # print_html imports it from the module at each call


def worker(pickled: str, chars: int, repeat: int, rev: str) -> None:
    inputs = pickle.loads(Path(pickled).read_bytes())
    if rev:
        use_revision(rev, Path(pickled).parent / "rev")
    card = build_card(inputs, chars)
    # warm WeasyPrint (fonts, modules) on a tiny document first: the figure is the layout
    import weasyprint

    weasyprint.HTML(string="<p>warm</p>").write_pdf()
    first, best, pages = time_pdf(card, repeat)
    print(f"RESULT {first:.3f} {best:.3f} {pages}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 4000, 20000])
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--profile", type=int, default=None, help="cProfile one case")
    ap.add_argument("--before", default="", help="git revision whose report to time")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        worker(a.worker[0], int(a.worker[1]), int(a.worker[2]), a.worker[3])
        return
    t0 = time.perf_counter()
    inputs = demo_inputs()
    print(f"demo inputs (boundary, profile, zones): {time.perf_counter() - t0:.1f} s")
    if a.profile is not None:
        card = build_card(inputs, a.profile)
        with tempfile.TemporaryDirectory() as tmp:
            card.to_pdf(Path(tmp) / "warm.pdf")
            prof = cProfile.Profile()
            prof.enable()
            card.to_pdf(Path(tmp) / "card.pdf")
            prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        return
    if a.before:
        use_revision(a.before, Path(tempfile.mkdtemp(prefix="bench-pdf-")))
        print(f"report of revision {a.before} (templates and print_map.py)")
    card = build_card(inputs)
    first, best, pages = time_pdf(card, a.repeat)
    print(
        f"demo card.pdf: first {first:.2f} s, warm best of {a.repeat} {best:.2f} s, {pages} pages"
    )
    with tempfile.TemporaryDirectory() as tmp:
        pk = Path(tmp) / "inputs.pkl"
        pk.write_bytes(pickle.dumps(inputs))
        for n in a.sizes:
            cmd = [sys.executable, __file__, "--worker", str(pk), str(n), str(a.repeat), a.before]
            t0 = time.perf_counter()
            try:
                out = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=a.timeout, check=True
                ).stdout
            except subprocess.TimeoutExpired:
                print(f"narrative field of {n:,} chars: > {a.timeout:.0f} s (timeout)")
                continue
            except subprocess.CalledProcessError as exc:
                print(f"narrative field of {n:,} chars: failed\n{exc.stderr[-2000:]}")
                continue
            line = next(x for x in out.splitlines() if x.startswith("RESULT"))
            _, f, b, p = line.split()
            print(
                f"narrative field of {n:,} chars: first {float(f):.2f} s, warm best "
                f"{float(b):.2f} s, {p} pages (process {time.perf_counter() - t0:.0f} s)"
            )


if __name__ == "__main__":
    main()

"""Work on threads leaves the process's warnings as it found them.

``warnings.catch_warnings`` swaps the process-wide filter list on entry and puts the saved
one back on exit. Before Python 3.14, two threads inside such blocks at once restore them
out of order: a warning one block silenced comes out (rasterio's NotGeoreferencedWarning
from ``features.shapes`` reached a docs build that way, from the exclusion geometry built
on zoning's second thread), or a block's "ignore everything" stays in force after it (a
CLI then shows no warning at all). The rule these tests hold: landprofile's own worker
threads run no such block of landprofile's or of rasterio's; libraries' own narrow ones
(pandas, shapely) are theirs and named below.
"""

from __future__ import annotations

import shutil
import sys
import threading
import traceback
import types
import warnings
from pathlib import Path

import pytest

import landprofile as lp

DATA = Path(__file__).resolve().parents[1] / "data" / "sample_boundaries"
DISTRICTS = DATA / "synthetic_districts_sw_ghana.geojson"
MODIS = DATA / "modis_igbp_2019_sw_ghana.tif"
POPULATION = DATA / "synthetic_population_sw_ghana.tif"
FOOTPRINTS = DATA / "earthgenome_asm_ashanti_2017_2020.geojson"

#: Whose catch_warnings blocks must not run on a worker thread: ours (they silence what
#: a user would otherwise see, or everything), and rasterio's (its NotGeoreferencedWarning
#: for the in-memory mask of ``features.shapes`` is the one that leaked). pandas, shapely
#: and pyogrio silence their own narrow categories inside calls we cannot avoid on workers.
GUARDED = (str(Path(lp.__file__).parent), "/rasterio/")


@pytest.fixture
def worker_blocks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every catch_warnings block entered off the main thread: (caller file, stack)."""
    seen: list[tuple[str, str]] = []
    original = warnings.catch_warnings

    class Probe(original):  # type: ignore[misc, valid-type]
        def __enter__(self):
            if threading.current_thread() is not threading.main_thread():
                caller = sys._getframe(1).f_code.co_filename
                seen.append((caller, "".join(traceback.format_stack(limit=8)[:-1])))
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Probe)
    return seen


def _ours(seen: list[tuple[str, str]]) -> list[str]:
    return [stack for caller, stack in seen if any(g in caller for g in GUARDED)]


def test_zoning_runs_no_warning_block_on_its_second_thread(
    worker_blocks: list[tuple[str, str]], tmp_path: Path
) -> None:
    """The demo's zoning (a land-cover exclusion rule: cells polygonised) on two threads."""
    from landprofile.demo import sample_data_dir
    from landprofile.pipeline import run

    for f in sample_data_dir().iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(tmp_path / "demo.toml", tmp_path / "out")
    assert out.card_html.exists()
    # zoning's second thread does GEOS work only: no block of anyone's (a library's too
    # can race with the main thread's), not only none of ours
    assert not worker_blocks, "a warnings block ran on a worker thread:\n" + worker_blocks[0][1]


def test_a_batch_on_threads_runs_no_warning_block_of_ours(
    worker_blocks: list[tuple[str, str]],
) -> None:
    before = list(warnings.filters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = lp.batch.profile_many(
            DISTRICTS,
            land_cover=MODIS,
            legend="modis_igbp",
            population=POPULATION,
            footprints=FOOTPRINTS,
            after=MODIS,
            id_field="shapeName",
            workers=2,
            executor="threads",
            chunk_size=4,
        )
    assert len(table) == 19
    # the footprints were measured on the workers (not skipped by the change)
    assert any(c.startswith("footprint_") for c in table.columns)
    offending = _ours(worker_blocks)
    assert not offending, "a warnings block of ours ran on a worker thread:\n" + offending[0]
    assert warnings.filters == before


def test_the_quiet_scale_switch_holds_for_its_own_thread_only() -> None:
    """A batch worker's quiet block does not silence a landscape built on another thread."""
    from landprofile.landscape import quiet_scale
    from landprofile.testing import square_landscape

    small = square_landscape()  # 100 ha: below the landscape scale, so it warns
    inside, built = threading.Event(), threading.Event()

    def worker() -> None:
        with quiet_scale():
            lp.Landscape("worker", small.geometry, small.crs, small.provenance)
            inside.set()
            built.wait(10)  # still quiet while the main thread builds its own

    # one recording block, on the main thread only (two would be the unsafe case); it
    # records what either thread warns
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = threading.Thread(target=worker)
        t.start()
        assert inside.wait(10)
        lp.Landscape("main", small.geometry, small.crs, small.provenance)
        built.set()
        t.join()
    scale = [str(w.message) for w in caught if issubclass(w.category, lp.errors.ScaleWarning)]
    assert len(scale) == 1
    assert "'main'" in scale[0]


def test_reading_a_raster_while_another_thread_imports_rasterio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch's first two workers: one is importing rasterio while the other reads.

    ``sys.modules`` then holds a partly initialised rasterio without ``rasterio.io``; a
    read must not take that module for a finished one (it raised AttributeError).
    """
    half = types.ModuleType("rasterio")  # what another thread's import has made so far
    monkeypatch.setitem(sys.modules, "rasterio", half)
    r = lp.read_raster(MODIS)  # a plain GeoTIFF: read without rasterio
    assert (r.width, r.height) == (48, 48)

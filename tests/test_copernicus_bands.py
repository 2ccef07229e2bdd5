"""Copernicus GLO-30 across its latitude bands, and the tiles withheld from it (issue 37 item 6).

The host (``copernicus-dem-30m`` on AWS, its readme) cuts 1-degree tiles of 3,600 rows
whose columns narrow with latitude: 3,600 to 50°, 2,400 to 60°, 1,800 to 70°... Its
cells are centred on their spacing from the degree (the original tiles' shared east
column and south row removed), so a tile's west edge is half its own cell west of the
degree and its north edge half a row north of it. The tiles here are laid out so, served
by a local host at the bucket's paths, each holding an analytic linear field
``z = A·lon + B·lat + C`` at its cells' centres.

The oracle is independent of the code: the same field on one 1/3600° grid over the
landscape, weighted by cell areas from :class:`pyproj.Geod`. A linear field's mean over
a cell is its value at the centre, so a window that keeps every tile cell's own value
over its own area (nothing shifted, nothing interpolated) gives that mean; a window half
a coarse cell off, or cells interpolated or misplaced across the band line, does not.
Local servers only.
"""

from __future__ import annotations

import contextlib
import http.server
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod
from shapely.geometry import box

import landprofile as lp
import landprofile.sources  # lp.sources is not loaded by `import landprofile` alone
from _sources_helpers import cog, isolated, land, start, url_of  # noqa: F401
from landprofile.errors import CoverageWarning, DataSourceError, WithheldTileWarning

BUCKET = "copernicus-dem-30m"
#: Columns per 1-degree tile by latitude band, as the host's readme tabulates them
#: (written out here, not read from the code under test).
BAND_COLUMNS = ((50, 3600), (60, 2400), (70, 1800), (80, 1200), (85, 720), (90, 360))
ROWS = 3600
# the field: 1 m per arc-second east, 0.5 m per arc-second north (a wrong half-cell
# shift of the 1.5" band alone moves the mean by about 0.1 m)
A, B, C = 3600.0, 1800.0, 0.0
LON0 = 10.0  # the tiles' column


def columns(lat: int) -> int:
    return next(n for top, n in BAND_COLUMNS if abs(lat + 0.5) < top)


def z(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    return A * (lon - LON0) + B * (lat - lat0) + C


def tile_name(lat: int, lon: int) -> str:
    ns = f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}"
    ew = f"{'E' if lon >= 0 else 'W'}{abs(lon):03d}"
    stem = f"Copernicus_DSM_COG_10_{ns}_00_{ew}_00_DEM"
    return f"{stem}/{stem}.tif"


def host_transform(lat: int, lon: int) -> Affine:
    """The tile's grid as the host's COGs have it: cells centred on the spacing."""
    dx, dy = 1 / columns(lat), 1 / ROWS
    return Affine(dx, 0, lon - dx / 2, 0, -dy, lat + 1 + dy / 2)


def write_tile(root: Path, lat: int, lon: int, lat0: float) -> Path:
    t = host_transform(lat, lon)
    cols = columns(lat)
    lon_c = t.c + (np.arange(cols) + 0.5) * t.a
    lat_c = t.f + (np.arange(ROWS) + 0.5) * t.e
    data = z(lon_c[None, :], lat_c[:, None], lat0).astype("float32")
    return cog(root / BUCKET / tile_name(lat, lon), data, t, nodata=None, blocksize=512)


class LoggingHost(http.server.BaseHTTPRequestHandler):
    """Static files under ``root`` with byte ranges, as S3 serves them; logs every path."""

    root: Path
    paths: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._send(head=True)

    def do_GET(self) -> None:
        self._send(head=False)

    def _send(self, head: bool) -> None:
        self.paths.append(self.path)
        p = self.root / self.path.lstrip("/")
        if not p.is_file():
            self.send_error(404)
            return
        size = p.stat().st_size
        rng = self.headers.get("Range")
        a, b = 0, size - 1
        if rng and rng.startswith("bytes="):
            a_, _, b_ = rng[6:].partition("-")
            a, b = int(a_), min(int(b_) if b_ else size - 1, size - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b}/{size}")
        else:
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(b - a + 1))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if head:
            return
        with open(p, "rb") as fh:
            fh.seek(a)
            body = fh.read(b - a + 1)
        with contextlib.suppress(OSError):  # the client gave up
            self.wfile.write(body)


def serve(root: Path):
    handler = type("H", (LoggingHost,), {"root": root, "paths": []})
    server = start(handler)
    return server, url_of(server), handler.paths


# ------------------------------------------------------------------ the band lines

# (band line, the tiles either side) — a landscape 0.1° wide and 0.1° tall, across it
LINES = {50: (49, 50), 60: (59, 60)}


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """One served folder per band line, each with the two tiles either side of it."""
    out = {}
    for line, (south, north) in LINES.items():
        root = tmp_path_factory.mktemp(f"host{line}")
        for lat in (south, north):
            write_tile(root, lat, int(LON0), lat0=line)
        out[line] = root
    return out


def landscape_across(line: int) -> tuple[float, float, float, float]:
    """Lon edges on whole arc-seconds, lat edges on the host's row edges (half-seconds)."""
    s = 1 / 3600
    return (LON0 + 1080 * s, line - 180 * s + s / 2, LON0 + 1440 * s, line + 180 * s + s / 2)


def oracle_mean(bounds: tuple[float, float, float, float], lat0: float) -> float:
    """The field's area-weighted mean over ``bounds`` on one 1/3600° grid (Geod areas)."""
    w, s, e, n = bounds
    step = 1 / 3600
    ncols, nrows = round((e - w) / step), round((n - s) / step)
    lon_c = w + (np.arange(ncols) + 0.5) * step
    lat_edges = s + np.arange(nrows + 1) * step
    lat_c = (lat_edges[:-1] + lat_edges[1:]) / 2
    geod = Geod(ellps="WGS84")
    # a row's cells all have one area: the row's, from its outline densified along the
    # parallels (a geodesic between far points would cut inside them)
    along = np.linspace(w, e, 64)
    areas = np.empty(nrows)
    for i in range(nrows):
        lo, hi = lat_edges[i], lat_edges[i + 1]
        ring_lon = np.concatenate([along, along[::-1]])
        ring_lat = np.concatenate([np.full(64, lo), np.full(64, hi)])
        areas[i] = abs(geod.polygon_area_perimeter(ring_lon, ring_lat)[0]) / ncols
    grid = z(lon_c[None, :], lat_c[:, None], lat0)
    weights = np.broadcast_to(areas[:, None], grid.shape)
    return float((grid * weights).sum() / weights.sum())


def containing_cell_value(lon: float, lat: float, lat0: float) -> float:
    """The field at the centre of the host tile cell that holds the point (lon, lat)."""
    t = host_transform(int(np.floor(lat - 0.5 / 3600)), int(LON0))
    col = np.floor((lon - t.c) / t.a)
    row = np.floor((lat - t.f) / t.e)
    return float(np.float32(z(t.c + (col + 0.5) * t.a, t.f + (row + 0.5) * t.e, lat0)))


@pytest.mark.parametrize("line", sorted(LINES))
def test_a_landscape_across_a_band_line_has_the_mean_of_one_1_3600_grid(hosts, monkeypatch, line):
    bounds = landscape_across(line)
    server, base, asked = serve(hosts[line])
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CoverageWarning)  # no tile is missing
            prof = lp.profile(land(box(*bounds)), dem="copdem30")
            window = lp.sources.raster("copdem30", bounds)  # the cached window
    finally:
        server.shutdown()
        server.server_close()
    south, north = LINES[line]
    # the two tiles either side of the line, and no other (the field mirror's manifest
    # is asked for too)
    assert {p.rsplit("/", 1)[-1] for p in asked if "Copernicus_DSM" in p} == {
        tile_name(south, int(LON0)).rsplit("/", 1)[-1],
        tile_name(north, int(LON0)).rsplit("/", 1)[-1],
    }
    want = oracle_mean(bounds, line)
    got = prof.elevation["mean_m"]
    print(f"line {line}N: profile mean {got!r} m, oracle {want!r} m, diff {got - want:.3g} m")
    assert got == pytest.approx(want, abs=1e-6), (got, want)
    # the min and max are cells' own values: the field at a tile cell's centre
    with rasterio.open(window) as ds:
        cells = ds.read(1)
        t = ds.transform
    # one grid across the line, every cell inside one tile cell: the coarser cells'
    # edges and the finer ones' all lie on it
    fine_x = {50: 1 / 3600, 60: 1.5 / 3600}[line]
    coarse_x = {50: 1.5 / 3600, 60: 2 / 3600}[line]
    assert (fine_x / t.a) == pytest.approx(round(fine_x / t.a))
    assert (coarse_x / t.a) == pytest.approx(round(coarse_x / t.a))
    assert t.e == pytest.approx(-1 / 3600)
    rng = np.random.default_rng(line)
    rows, cols = rng.integers(0, cells.shape[0], 400), rng.integers(0, cells.shape[1], 400)
    for r, c in zip(rows, cols, strict=True):
        lon, lat = t @ (c + 0.5, r + 0.5)
        assert cells[r, c] == containing_cell_value(lon, lat, line), (r, c, lon, lat)


def test_the_window_keeps_a_single_band_on_its_own_grid(hosts, monkeypatch):
    """Within one band nothing is replicated: the window is the tile's own cells."""
    bounds = (10.3, 50.3, 10.4, 50.4)
    server, base, _ = serve(hosts[50])
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        window = lp.sources.raster("copdem30", bounds)
    finally:
        server.shutdown()
        server.server_close()
    tile = hosts[50] / BUCKET / tile_name(50, int(LON0))
    with rasterio.open(window) as w, rasterio.open(tile) as src:
        assert w.transform.a == src.transform.a
        col = (w.transform.c - src.transform.c) / src.transform.a
        row = (w.transform.f - src.transform.f) / src.transform.e
        assert col == pytest.approx(round(col), abs=1e-9)
        assert row == pytest.approx(round(row), abs=1e-9)
        from rasterio.windows import Window

        want = src.read(1, window=Window(round(col), round(row), w.width, w.height))
        np.testing.assert_array_equal(w.read(1), want)


# ------------------------------------------------------------------ withheld tiles


def small_tile(root: Path, lat: int, lon: int) -> Path:
    """A 1-degree tile at 0.002° (values do not matter here)."""
    data = np.random.default_rng(lat * 1000 + lon).uniform(100, 900, (500, 500))
    return cog(
        root / BUCKET / tile_name(lat, lon),
        data.astype("float32"),
        Affine(0.002, 0, lon, 0, -0.002, lat + 1),
        nodata=None,
    )


def test_withheld_tiles_are_named_as_withheld_not_ocean(tmp_path, monkeypatch):
    # at 43°E 41°N: N40E042 (Turkey) served; N40E043 and N41E043 (Armenia) withheld from
    # GLO-30 Public; N41E042 not served (standing in for ocean: the host has no tile)
    root = tmp_path / "served"
    small_tile(root, 40, 42)
    bounds = (42.9, 40.9, 43.1, 41.1)
    server, base, asked = serve(root)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            lp.sources.raster("copdem30", bounds)
        # read again from the cache: still named (the hole has not gone away)
        with pytest.warns(WithheldTileWarning, match=r"N40E043 \(Armenia\)"):
            lp.sources.raster("copdem30", bounds)
    finally:
        server.shutdown()
        server.server_close()
    withheld = [str(w.message) for w in rec if w.category is WithheldTileWarning]
    ocean = [
        str(w.message)
        for w in rec
        if issubclass(w.category, CoverageWarning) and w.category is not WithheldTileWarning
    ]
    assert len(withheld) == 1, [str(w.message) for w in rec]
    msg = withheld[0]
    assert "N40E043 (Armenia)" in msg
    assert "N41E043 (Armenia)" in msg
    assert "withheld" in msg
    assert "not ocean" in msg
    assert "N40E042" not in msg
    assert "N41E042" not in msg
    # the true gap is still the ocean's, and names only itself
    assert len(ocean) == 1
    assert "N41_00_E042" in ocean[0]
    assert "ocean?" in ocean[0]
    assert "E043" not in ocean[0]
    # the host was never asked for a withheld tile: it has none
    assert not [p for p in asked if "E043" in p], asked


def test_a_landscape_wholly_in_withheld_tiles_is_a_named_error(tmp_path, monkeypatch):
    root = tmp_path / "served"
    root.mkdir()
    server, base, asked = serve(root)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", base)
    try:
        with pytest.raises(DataSourceError) as err:
            lp.elevation(land(box(44.4, 40.1, 44.6, 40.3)), "copdem30")  # Yerevan
    finally:
        server.shutdown()
        server.server_close()
    msg = str(err.value)
    assert "N40E044 (Armenia, Azerbaijan)" in msg
    assert "withheld" in msg
    assert "ocean?" not in msg
    assert not asked


def test_a_mirror_folder_holding_a_withheld_tile_is_read(tmp_path, monkeypatch):
    """The user's own copy (Copernicus released them in its Data Space) is used."""
    root = tmp_path / "mirror"
    tile = small_tile(root, 40, 44)
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(root))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CoverageWarning)
        window = lp.sources.raster("copdem30", (44.4, 40.1, 44.6, 40.3))
    with rasterio.open(window) as w, rasterio.open(tile) as src:
        assert w.transform.a == src.transform.a
        assert w.read(1).min() >= 100

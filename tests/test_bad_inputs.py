"""The bad-input corpus (``tests/bad_inputs/make_bad_inputs.py``) through every entry
point — API, CLI, config. Each case must give a LandprofileError subclass (or, where the
result still means something, a LandprofileWarning) whose message names the file, layer,
field or value; leave no partial output; and leave every input byte-identical. Where the
spec allows either a named error or a warning the outcome is ``ErrorOrWarning``; a call
that must work without a given warning is ``NoWarning``. Round three (issue 25) adds the
output folders holding a user's files, locate's options and permits, output formats, the
narrative's sources and photos, and the cache; what issue 25 says must now work is
checked against an oracle in the tests after the corpus."""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from shapely.geometry import box

import landprofile as lp
from landprofile import errors as E  # noqa: N812  (short: used in every case row)
from landprofile.cli import cli

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
from make_bad_inputs import build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    files = build(root)
    # round four's groups build their own inputs beside the corpus (the same root, so
    # the "nothing added beside the inputs" check covers them too)
    for mod in ROUND4:
        if hasattr(mod, "build"):
            extra = mod.build(root / mod.__name__, files)
            clash = set(extra) & set(files)
            assert not clash, f"{mod.__name__} reuses corpus keys {sorted(clash)}"
            files.update(extra)
    return files


def good_ls():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.Landscape(
            name="good",
            geometry=box(-2.0, 5.0, -1.9, 5.1),
            crs=4326,
            provenance=lp.Provenance(method="custom", source="t"),
        )


def cli_run(*args: Any) -> None:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    if r.exit_code == 2:
        raise E.LandprofileError(r.output)
    raise AssertionError(f"exit {r.exit_code}: {r.output}")


class ErrorOrWarning:
    """Outcome of a case whose spec allows either: a LandprofileError, or a
    LandprofileWarning (and the call then completes); the message must hold the text."""


class NoWarning:
    """Outcome of a case that must work and emit no warning of the class named by the
    case's text (``PendingDeprecationWarning``...)."""


# (id, call(files, out), error or warning class, text the message must hold)
CASES: list[tuple[str, Any, type, str]] = [
    # ---- vectors, API
    (
        "missing file",
        lambda f, o: lp.read_vector(o / "nope.geojson"),
        E.SourceNotFoundError,
        "nope.geojson",
    ),
    (
        "unknown format",
        lambda f, o: lp.read_vector(f["unknown_ext"]),
        E.UnsupportedFormatError,
        "layer.xyz",
    ),
    ("shapefile without .prj", lambda f, o: lp.read_vector(f["noprj"]), E.MissingCRSError, "noprj"),
    (
        "csv wkt without crs",
        lambda f, o: lp.read_vector(f["wkt_csv"]),
        E.MissingCRSError,
        "wkt.csv",
    ),
    (
        "ambiguous gpkg layer",
        lambda f, o: lp.read_vector(f["two_layers"]),
        E.AmbiguousLayerError,
        "two.gpkg",
    ),
    (
        "gpkg layer not found",
        lambda f, o: lp.read_vector(f["two_layers"], layer="c"),
        E.LayerNotFoundError,
        "'c'",
    ),
    (
        "corrupt zip",
        lambda f, o: lp.read_vector(f["corrupt_zip"]),
        E.LandprofileError,
        "corrupt.zip",
    ),
    (
        "zip without a layer",
        lambda f, o: lp.read_vector(f["empty_zip"]),
        E.LandprofileError,
        "empty.zip",
    ),
    ("huge coordinates", lambda f, o: lp.read_vector(f["huge"]), E.CoordinateRangeError, "huge"),
    (
        "csv without lon/lat",
        lambda f, o: lp.read_vector(f["latin1_csv"].with_name("wkt.csv"), crs=None),
        E.MissingCRSError,
        "wkt.csv",
    ),
    (
        "self-intersecting polygon",
        lambda f, o: lp.from_polygons(f["bowtie"], name="b"),
        E.GeometryRepairWarning,
        "bowtie",
    ),
    (
        "empty layer",
        lambda f, o: lp.from_polygons(f["empty"], name="e"),
        E.LandprofileError,
        "empty",
    ),
    (
        "lines as a boundary",
        lambda f, o: lp.from_polygons(f["lines"], name="l"),
        E.GeometryTypeError,
        "lines",
    ),
    (
        "points as a boundary",
        lambda f, o: lp.from_polygons(f["points"], name="p"),
        E.GeometryTypeError,
        "points",
    ),
    (
        "geometry collection",
        lambda f, o: lp.from_polygons(f["collection"], name="c"),
        E.LandprofileError,
        "collection",
    ),
    (
        "zero-area polygon",
        lambda f, o: lp.from_polygons(f["zero_area"], name="z"),
        E.LandprofileError,
        "zero_area",
    ),
    (
        "mixed CRS inputs",
        lambda f, o: lp.from_polygons([f["good"], f["utm"]], name="m"),
        E.CRSMismatchError,
        "utm",
    ),
    (
        "unknown admin name",
        lambda f, o: lp.from_admin(f["admin"], names=["Atlantis"]),
        E.NameNotFoundError,
        "Atlantis",
    ),
    (
        "admin field missing",
        lambda f, o: lp.from_admin(f["admin"], names=["Aboso"], field="NAME_9"),
        E.LandprofileError,
        "NAME_9",
    ),
    # ---- rasters, API
    (
        "raster not found",
        lambda f, o: lp.land_cover(good_ls(), o / "no.tif"),
        E.SourceNotFoundError,
        "no.tif",
    ),
    (
        "truncated GeoTIFF",
        lambda f, o: lp.land_cover(good_ls(), f["truncated_tif"]),
        E.UnreadableFileError,
        "truncated.tif",
    ),
    (
        "raster without CRS",
        lambda f, o: lp.land_cover(good_ls(), f["lc_nocrs"]),
        E.MissingCRSError,
        "lc_nocrs.tif",
    ),
    (
        "float land cover",
        lambda f, o: lp.land_cover(good_ls(), f["lc_float"]),
        E.UnsupportedFormatError,
        "lc_float.tif",
    ),
    (
        "raster elsewhere",
        lambda f, o: lp.land_cover(good_ls(), f["lc_far"]),
        E.CoverageWarning,
        "lc_far.tif",
    ),
    (
        "population elsewhere",
        lambda f, o: lp.population(good_ls(), f["lc_far"]),
        E.CoverageWarning,
        "lc_far.tif",
    ),
    (
        "land cover all nodata",
        lambda f, o: lp.land_cover(good_ls(), f["lc_nodata"]),
        E.CoverageWarning,
        "lc_nodata.tif",
    ),
    (
        "population all nodata",
        lambda f, o: lp.population(good_ls(), f["pop_nodata"]),
        E.CoverageWarning,
        "pop_nodata.tif",
    ),
    (
        "elevation all nodata",
        lambda f, o: lp.elevation(good_ls(), f["pop_nodata"]),
        E.CoverageWarning,
        "pop_nodata.tif",
    ),
    (
        "non-UTF-8 CSV",
        lambda f, o: lp.read_vector(f["latin1_csv"]),
        E.TextEncodingWarning,
        "latin1.csv",
    ),
    (
        "non-UTF-8 GeoJSON",
        lambda f, o: lp.from_polygons(f["latin1_geojson"], name="x"),
        E.TextEncodingWarning,
        "latin1.geojson",
    ),
    (
        "unknown legend name",
        lambda f, o: lp.land_cover(good_ls(), f["lc"], legend="worldcovr"),
        E.LandprofileError,
        "worldcovr",
    ),
    (
        "malformed legend file",
        lambda f, o: lp.load_legend(f["bad_legend"]),
        E.LandprofileError,
        "legend.csv",
    ),
    (
        "bad population kind",
        lambda f, o: lp.population(good_ls(), f["pop_nodata"], kind="people"),
        E.InvalidParameterError,
        "people",
    ),
    (
        "DEM outlet outside",
        lambda f, o: lp.from_dem(f["dem"], (500_000, 500_000), outlet_crs=32630),
        E.LandprofileError,
        "outlet",
    ),
    (
        "change rasters apart",
        lambda f, o: lp.change(good_ls(), f["lc"], f["lc_far"]),
        E.LandprofileError,
        "lc_far.tif",
    ),
    (
        "change float raster",
        lambda f, o: lp.change(good_ls(), f["lc_float"], f["lc"]),
        E.UnsupportedFormatError,
        "lc_float.tif",
    ),
    # ---- zoning and card, API
    (
        "zoning resolution 0",
        lambda f, o: lp.zoning.candidates(good_ls(), resolution_m=0),
        E.InvalidParameterError,
        "resolution_m",
    ),
    (
        "zoning unknown site id",
        lambda f, o: lp.zoning.candidates(
            good_ls(), sites=f["admin"], site_id_field="code", resolution_m=200
        ),
        E.MissingFieldError,
        "code",
    ),
    (
        "zoning rules file",
        lambda f, o: lp.zoning.load_rules(f["rules"]),
        E.InvalidParameterError,
        "mines",
    ),
    (
        "card language",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), lang="de"),
        E.InvalidParameterError,
        "de",
    ),
    (
        "card pmtiles basemap",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), basemap=o / "b.pmtiles"),
        E.InvalidParameterError,
        "PMTiles",
    ),
    (
        "footprints without dates",
        lambda f, o: lp.footprint_timeline(good_ls(), f["admin"]),
        E.MissingFieldError,
        "date",
    ),
    # ---- config
    (
        "config not found",
        lambda f, o: lp.pipeline.load_config(o / "none.toml"),
        E.SourceNotFoundError,
        "none.toml",
    ),
    (
        "config without boundary",
        lambda f, o: lp.pipeline.load_config(f["cfg_no_boundary"]),
        E.LandprofileError,
        "[boundary]",
    ),
    (
        "config unknown key",
        lambda f, o: lp.pipeline.load_config(f["cfg_unknown_key"]),
        E.LandprofileError,
        "colour",
    ),
    (
        "config language",
        lambda f, o: lp.pipeline.load_config(f["cfg_bad_language"]),
        E.LandprofileError,
        "de",
    ),
    (
        "config file missing",
        lambda f, o: lp.pipeline.load_config(f["cfg_missing_file"]),
        E.SourceNotFoundError,
        "nowhere.geojson",
    ),
    (
        "config TOML syntax",
        lambda f, o: lp.pipeline.load_config(f["cfg_syntax"]),
        E.LandprofileError,
        "cfg_syntax.toml",
    ),
    (
        "config boundary method",
        lambda f, o: lp.pipeline.load_config(f["cfg_bad_method"]),
        E.LandprofileError,
        "magic",
    ),
    (
        "config [change] no before",
        lambda f, o: lp.pipeline.run(f["cfg_change_no_before"], o / "out"),
        E.LandprofileError,
        "before",
    ),
    # ---- CLI
    (
        "cli missing config",
        lambda f, o: cli_run("run", o / "none.toml"),
        E.LandprofileError,
        "none.toml",
    ),
    (
        "cli float land cover",
        lambda f, o: cli_run("profile", f["cfg_float_lc"], "--out", o / "p.json"),
        E.LandprofileError,
        "lc_float.tif",
    ),
    (
        "cli no CRS boundary",
        lambda f, o: cli_run("boundary", f["cfg_noprj"], "--out", o / "b.geojson"),
        E.LandprofileError,
        "noprj",
    ),
    (
        "cli bad rules",
        lambda f, o: cli_run("zones", f["cfg_rules"], "--out", o / "z.gpkg"),
        E.LandprofileError,
        "mines",
    ),
    (
        "cli unwritable output",
        lambda f, o: cli_run("boundary", f["cfg_ok"], "--out", "/proc/forbidden/b.geojson"),
        E.LandprofileError,
        "/proc/forbidden",
    ),
    (
        "cli output is an input",
        lambda f, o: cli_run("boundary", f["cfg_ok"], "--out", f["good"]),
        E.LandprofileError,
        "good.geojson",
    ),
    # ---- round two (issue 20): wrong numbers, raw exceptions, silent acceptance
    (
        "NaN vertex in a boundary",
        lambda f, o: lp.from_polygons(f["nan_vertex"], name="n"),
        E.InvalidGeometryError,
        "not numbers (NaN or infinite)",
    ),
    (
        "NaN vertex through the CLI",
        lambda f, o: cli_run("boundary", _cfg(f, o, "nan_vertex"), "--out", o / "b.geojson"),
        E.LandprofileError,
        "nan_vertex",
    ),
    (
        "negative population counts",
        lambda f, o: lp.population(good_ls(), f["pop_negative"]),
        E.CoverageWarning,
        "negative cell(s)",
    ),
    (
        "raster covering a quarter",
        lambda f, o: lp.land_cover(good_ls(), f["lc_quarter"]),
        E.CoverageWarning,
        "covers only",
    ),
    (
        "resolution_m infinite",
        lambda f, o: lp.zoning.candidates(good_ls(), resolution_m=float("inf")),
        E.InvalidParameterError,
        "resolution_m=inf",
    ),
    (
        "resolution_m as text",
        lambda f, o: lp.zoning.candidates(good_ls(), resolution_m="30"),
        E.InvalidParameterError,
        "resolution_m='30'",
    ),
    (
        "resolution far too fine",
        lambda f, o: lp.zoning.candidates(good_ls(), resolution_m=0.05),
        E.ResourceLimitError,
        "finest resolution that fits",
    ),
    (
        "DEM beyond the memory limit",
        lambda f, o: _with_limit(
            1e-6, lambda: lp.from_dem(f["dem"], (600_900, 619_100), outlet_crs=32630)
        ),
        E.ResourceLimitError,
        "dem.tif",
    ),
    (
        "config saved as Latin-1",
        lambda f, o: lp.pipeline.load_config(f["cfg_latin1"]),
        E.TextEncodingWarning,
        "cfg_latin1.toml",
    ),
    (
        "config boolean as text",
        lambda f, o: lp.pipeline.load_config(f["cfg_enabled_string"]),
        E.LandprofileError,
        "enabled = 'no' must be true or false",
    ),
    (
        "config resolution as text",
        lambda f, o: lp.pipeline.load_config(f["cfg_resolution_text"]),
        E.LandprofileError,
        "resolution_m = '30'",
    ),
    (
        "config resolution infinite",
        lambda f, o: lp.pipeline.load_config(f["cfg_resolution_inf"]),
        E.LandprofileError,
        "resolution_m = inf",
    ),
    (
        "config negative buffer",
        lambda f, o: lp.pipeline.load_config(f["cfg_negative_buffer"]),
        E.LandprofileError,
        "buffer_m = -5",
    ),
    (
        "config negative zone count",
        lambda f, o: lp.pipeline.load_config(f["cfg_select_n"]),
        E.LandprofileError,
        "n_zones = -1",
    ),
    (
        "config unknown shape",
        lambda f, o: lp.pipeline.load_config(f["cfg_select_shape"]),
        E.LandprofileError,
        "'star'",
    ),
    (
        "config population kind",
        lambda f, o: lp.pipeline.load_config(f["cfg_pop_kind"]),
        E.LandprofileError,
        "'people'",
    ),
    (
        "cli config boolean as text",
        lambda f, o: cli_run("zones", f["cfg_enabled_string"], "--out", o / "z.gpkg"),
        E.LandprofileError,
        "enabled",
    ),
    (
        "cli run into a read-only place",
        lambda f, o: cli_run("run", f["cfg_ok"], "--out", "/sys/fs/lp-out"),
        E.LandprofileError,
        "/sys/fs/lp-out",
    ),
    (
        "cli batch into a read-only place",
        lambda f, o: cli_run("batch", f["good"], "--out", "/sys/fs/b.csv"),
        E.LandprofileError,
        "/sys/fs",
    ),
    (
        "cli batch to .xlsx",
        lambda f, o: cli_run("batch", f["good"], "--out", o / "b.xlsx"),
        E.LandprofileError,
        "'.xlsx'",
    ),
    (
        "duplicate site ids",
        lambda f, o: lp.zoning.candidates(
            good_ls(), sites=f["sites_dup"], site_id_field="code", resolution_m=100
        ),
        E.DuplicateIdError,
        "'A' x2",
    ),
    (
        "empty site ids",
        lambda f, o: lp.zoning.candidates(
            good_ls(), sites=f["sites_null"], site_id_field="code", resolution_m=100
        ),
        E.DuplicateIdError,
        "have none",
    ),
    (
        "a folder as a vector path",
        lambda f, o: lp.read_vector(f["shp_folder"]),
        E.UnsupportedFormatError,
        "units.shp",
    ),
    (
        "zipped shapefile without .dbf",
        lambda f, o: lp.read_vector(f["zip_no_dbf"]),
        E.IncompleteFileWarning,
        "no .dbf",
    ),
    (
        "invalid footprint polygon",
        lambda f, o: lp.footprint_timeline(good_ls(), f["fp_bowtie"]),
        E.GeometryRepairWarning,
        "fp_bowtie",
    ),
    (
        "locate on a result read back",
        lambda f, o: lp.zoning.locate(_no_context(good_ls())),
        E.InvalidParameterError,
        "candidates()",
    ),
    # ---- round three (issue 25): the user's files as output, locate, formats, card, cache
    # outputs: a folder holding the user's files is refused before any work, files intact
    (
        "run into a folder with a thesis",
        lambda f, o: _run_refused(f["cfg_ok"], f["docs_api"]),
        E.OutputError,
        "thesis.docx",
    ),
    (
        "cli run into a folder with a thesis",
        lambda f, o: cli_run("run", f["cfg_ok"], "--out", f["docs_run"]),
        E.LandprofileError,
        "thesis.docx",
    ),
    (
        "cli run into a folder of photos",
        lambda f, o: cli_run("run", f["cfg_ok"], "--out", f["photos_run"]),
        E.LandprofileError,
        "photos",
    ),
    (
        "cli demo into a folder with a thesis",
        lambda f, o: cli_run("demo", "--out", f["docs_demo"]),
        E.LandprofileError,
        "thesis.docx",
    ),
    (
        "cli demo into a folder of photos",
        lambda f, o: cli_run("demo", "--out", f["photos_demo"]),
        E.LandprofileError,
        "photos",
    ),
    (
        "cli run --out an existing file",
        lambda f, o: cli_run("run", f["cfg_ok"], "--out", f["notes"]),
        E.LandprofileError,
        "notes.txt",
    ),
    (
        "config output over an existing file",
        lambda f, o: _run_refused(f["cfg_output_file"], None),
        E.OutputError,
        "notes.txt",
    ),
    (
        "cli config output over an existing file",
        lambda f, o: cli_run("run", f["cfg_output_file"]),
        E.LandprofileError,
        "notes.txt",
    ),
    # locate: permits that are not areas, sizes, time limits, shapes
    (
        "lock_in points",
        lambda f, o: lp.zoning.locate(_zres(), lock_in=f["permit_points"]),
        E.LandprofileError,
        "lock_in",
    ),
    (
        "lock_in lines",
        lambda f, o: lp.zoning.locate(_zres(), lock_in=f["permit_lines"]),
        E.LandprofileError,
        "lock_in",
    ),
    (
        "zone_area_ha beyond the landscape",
        lambda f, o: lp.zoning.locate(_zres(), zone_area_ha=(1e9, 2e9)),
        E.LandprofileError,
        "zone_area_ha",
    ),
    (
        "zone_area_ha reversed",
        lambda f, o: lp.zoning.locate(_zres(), zone_area_ha=(5, 1)),
        E.LandprofileError,
        "zone_area_ha",
    ),
    (
        "time_limit_s as text",
        lambda f, o: lp.zoning.locate(_zres(), time_limit_s="x"),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "time_limit_s 0",
        lambda f, o: lp.zoning.locate(_zres(), time_limit_s=0),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "time_limit_s NaN",
        lambda f, o: lp.zoning.locate(_zres(), time_limit_s=float("nan")),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "shape as a list",
        lambda f, o: lp.zoning.locate(_zres(), shape=["compact"]),
        E.LandprofileError,
        "shape",
    ),
    (
        "permits outside the landscape",
        lambda f, o: lp.zoning.locate(
            _zres(), lock_in=f["permits_outside"], n_zones=3, zone_area_ha=(25, 500)
        ),
        E.LandprofileWarning,
        "outside",
    ),
    (
        "more permits than n_zones",
        lambda f, o: lp.zoning.locate(
            _zres(), lock_in=f["permits_three"], n_zones=2, zone_area_ha=(25, 500)
        ),
        ErrorOrWarning,
        "n_zones",
    ),
    (
        "overlapping permits",
        lambda f, o: lp.zoning.locate(
            _zres(), lock_in=f["permits_overlap"], n_zones=3, zone_area_ha=(25, 500)
        ),
        ErrorOrWarning,
        "overlap",
    ),
    (
        "zones smaller than a cell",
        lambda f, o: lp.zoning.locate(_zres(100), zone_area_ha=(0.1, 0.5), n_zones=3),
        E.SelectionWarning,
        "cell",
    ),
    # candidates(select=...): a bad selection is refused before zoning runs
    (
        "select lock_in points",
        lambda f, o: _select_refused({"lock_in": f["permit_points"]}, early=False),
        E.LandprofileError,
        "lock_in",
    ),
    (
        "select lock_in lines",
        lambda f, o: _select_refused({"lock_in": f["permit_lines"]}, early=False),
        E.LandprofileError,
        "lock_in",
    ),
    (
        "select zone_area_ha reversed",
        lambda f, o: _select_refused({"zone_area_ha": (5, 1)}),
        E.LandprofileError,
        "zone_area_ha",
    ),
    (
        "select time_limit_s as text",
        lambda f, o: _select_refused({"time_limit_s": "x"}),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "select time_limit_s 0",
        lambda f, o: _select_refused({"time_limit_s": 0}),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "select time_limit_s NaN",
        lambda f, o: _select_refused({"time_limit_s": float("nan")}),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "select shape as a list",
        lambda f, o: _select_refused({"shape": ["compact"]}),
        E.LandprofileError,
        "shape",
    ),
    (
        "select misspelt key",
        lambda f, o: _select_refused({"n_zone": 5}),
        E.LandprofileError,
        "n_zone",
    ),
    (
        "select enabled as text",
        lambda f, o: _select_refused({"enabled": "no"}),
        E.LandprofileError,
        "enabled",
    ),
    (
        "select zone_area_ha beyond the landscape",
        lambda f, o: _select_refused({"zone_area_ha": (1e9, 2e9)}),
        E.LandprofileError,
        "zone_area_ha",
    ),
    (
        "select permits outside the landscape",
        lambda f, o: lp.zoning.candidates(
            good_ls(),
            resolution_m=200,
            select={"lock_in": f["permits_outside"], "n_zones": 3, "zone_area_ha": (25, 500)},
        ),
        E.LandprofileWarning,
        "outside",
    ),
    (
        "select zones smaller than a cell",
        lambda f, o: lp.zoning.candidates(
            good_ls(), resolution_m=100, select={"zone_area_ha": (0.1, 0.5), "n_zones": 3}
        ),
        E.SelectionWarning,
        "cell",
    ),
    # config [select]: validated when the config is read
    (
        "config zone_area_ha reversed",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_reversed"]),
        E.LandprofileError,
        "zone_area_ha",
    ),
    (
        "config time_limit_s as text",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_time_text"]),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "config time_limit_s 0",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_time_zero"]),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "config time_limit_s NaN",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_time_nan"]),
        E.LandprofileError,
        "time_limit_s",
    ),
    (
        "config shape as a list",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_shape_list"]),
        E.LandprofileError,
        "shape",
    ),
    (
        "config misspelt [select] key",
        lambda f, o: lp.pipeline.load_config(f["cfg_sel_typo"]),
        E.LandprofileError,
        "n_zone",
    ),
    (
        "cli zones lock_in points",
        lambda f, o: cli_run("zones", f["cfg_lock_points"], "--out", o / "z.gpkg"),
        E.LandprofileError,
        "lock_in",
    ),
    (
        "cli zones zone_area_ha beyond the landscape",
        lambda f, o: cli_run("zones", f["cfg_sel_huge"], "--out", o / "z.gpkg"),
        E.LandprofileError,
        "zone_area_ha",
    ),
    # CLI: contradictory options, output formats
    (
        "cli zones --all-suitable with --n-zones",
        lambda f, o: cli_run(
            "zones", f["cfg_zones"], "--out", o / "z.gpkg", "--all-suitable", "--n-zones", 3
        ),
        E.LandprofileError,
        "--all-suitable",
    ),
    (
        "cli zones to .shp",
        lambda f, o: cli_run("zones", f["cfg_zones"], "--out", o / "z.shp"),
        E.LandprofileError,
        ".gpkg",
    ),
    (
        "cli zones to .txt",
        lambda f, o: cli_run("zones", f["cfg_zones"], "--out", o / "z.txt"),
        E.LandprofileError,
        ".gpkg",
    ),
    (
        "cli boundary to .txt",
        lambda f, o: cli_run("boundary", f["cfg_ok"], "--out", o / "b.txt"),
        E.LandprofileError,
        ".geojson",
    ),
    (
        "cli boundary to .shp",
        lambda f, o: cli_run("boundary", f["cfg_ok"], "--out", o / "b.shp"),
        E.LandprofileError,
        ".geojson",
    ),
    # the card: narrative sources and photos, basemap
    (
        "narrative sources as texts",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), narrative={"sources": ["text"]}),
        E.LandprofileError,
        "sources",
    ),
    (
        "narrative file sources as texts",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), narrative=f["narr_sources"]),
        E.LandprofileError,
        "narr_sources.yaml",
    ),
    (
        "narrative null photo",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), narrative={"photos": [None]}),
        E.LandprofileError,
        "photos",
    ),
    (
        "narrative file null photo",
        lambda f, o: lp.card(lp.Profile(landscape=good_ls()), narrative=f["narr_null_photo"]),
        E.LandprofileError,
        "narr_null_photo.yaml",
    ),
    (
        "corrupt photo",
        lambda f, o: _card_without_photo(f, "narr_corrupt_photo", "photo_corrupt"),
        ErrorOrWarning,
        "corrupt.jpg",
    ),
    (
        "web page saved as .png",
        lambda f, o: _card_without_photo(f, "narr_html_photo", "photo_html"),
        ErrorOrWarning,
        "page.png",
    ),
    (
        "basemap over plain http",
        lambda f, o: lp.card(
            lp.Profile(landscape=good_ls()), basemap="http://example.org/{z}/{x}/{y}.png"
        ),
        E.LandprofileWarning,
        "example.org",
    ),
    # the cache and data fetch: a named error naming the path
    (
        "cache is a file",
        lambda f, o: _named(f, o, cache=f["cache_file"]),
        E.LandprofileError,
        "cache_file",
    ),
    (
        "cache under a file",
        lambda f, o: _named(f, o, cache=f["cache_file"] / "sub"),
        E.LandprofileError,
        "cache_file",
    ),
    (
        "read-only cache folder",
        lambda f, o: _named(f, o, cache=_read_only(o, "lp-cache")),
        E.LandprofileError,
        "lp-cache",
    ),
    (
        "cli data fetch to a read-only folder",
        lambda f, o: _env(
            {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": o.parent / "cache"},
            lambda: cli_run("data", "fetch", f["cfg_named"], "--to", _read_only(o, "lp-mirror")),
        ),
        E.LandprofileError,
        "lp-mirror",
    ),
    (
        "data fetch to a read-only folder",
        lambda f, o: _env(
            {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": o.parent / "cache"},
            lambda: _fetch(f["cfg_named"], _read_only(o, "lp-mirror")),
        ),
        E.LandprofileError,
        "lp-mirror",
    ),
    (
        "cli data fetch to a file",
        lambda f, o: _env(
            {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": o.parent / "cache"},
            lambda: cli_run("data", "fetch", f["cfg_named"], "--to", f["notes"]),
        ),
        E.LandprofileError,
        "notes.txt",
    ),
    # a named raster read leaks no third-party PendingDeprecationWarning
    (
        "named land cover, no pending deprecation",
        lambda f, o: _named(f, o, cache=o.parent / "cache"),
        NoWarning,
        "PendingDeprecationWarning",
    ),
    (
        "named raster read, no pending deprecation",
        lambda f, o: _env(
            {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": o.parent / "cache"},
            lambda: lp.read_raster("worldcover:2021", bounds=good_ls().bounds_lonlat),
        ),
        NoWarning,
        "PendingDeprecationWarning",
    ),
    (
        "named profile, no pending deprecation",
        lambda f, o: _env(
            {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": o.parent / "cache"},
            lambda: lp.profile(good_ls(), land_cover="worldcover:2021"),
        ),
        NoWarning,
        "PendingDeprecationWarning",
    ),
]

# Round four (issue 36): one module per group in tests/bad_inputs/round4_*.py, each with
# ``cases(h)`` returning rows in the format above (``h`` is this module: good_ls,
# cli_run, ErrorOrWarning, NoWarning...) and optionally ``build(root, files)`` adding
# its own inputs to the corpus.
ROUND4 = [
    importlib.import_module(p.stem)
    for p in sorted((Path(__file__).parent / "bad_inputs").glob("round4_*.py"))
]
for _mod in ROUND4:
    CASES += _mod.cases(sys.modules[__name__])


@functools.cache
def _zres(resolution_m: float = 200) -> Any:
    """A candidates() result of the good landscape (kept: locate does not change it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.zoning.candidates(good_ls(), resolution_m=resolution_m)


#: candidates()'s steps from the first exclusion on: zoning has run once one started.
_ZONING_STEPS = {"exclusions", "factors", "regions", "exclusion_union", "zones", "locate"}


def _select_refused(select: dict[str, Any], *, early: bool = True) -> Any:
    """candidates(select=...) must refuse a bad selection (before zoning runs when
    ``early``: the options' names, types and ranges)."""
    steps: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", E.RulesWarning)
            return lp.zoning.candidates(
                good_ls(),
                resolution_m=200,
                select=select,
                progress=lambda step, seconds: steps.append(step),
            )
    except E.LandprofileError:
        assert not (early and _ZONING_STEPS & set(steps)), f"refused after zoning ran: {steps}"
        raise


def _run_refused(cfg: Path, out: Path | None) -> Any:
    """pipeline.run must refuse its output before any stage starts."""
    stages: list[str] = []
    try:
        return lp.pipeline.run(cfg, out, progress=lambda step, seconds: stages.append(step))
    except E.OutputError:
        assert not stages, f"refused only after {stages} ran"
        raise


def _env(env: dict[str, Any], call: Any) -> Any:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        return call()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _named(f: dict[str, Path], o: Path, *, cache: Path) -> Any:
    """Land cover by name (worldcover:2021) from the corpus's folder mirror."""
    return _env(
        {"LANDPROFILE_DATA_MIRROR": f["mirror"], "LANDPROFILE_CACHE": cache},
        lambda: lp.land_cover(good_ls(), "worldcover:2021"),
    )


def _read_only(o: Path, name: str) -> Path:
    """A folder nothing can be written into. Root writes through chmod: a folder in
    /sys/fs (a read-only file system) then."""
    if os.geteuid() == 0:
        return Path("/sys/fs") / name
    p = o.parent / name
    p.mkdir(exist_ok=True)
    p.chmod(0o555)
    return p


def _fetch(cfg: Path, to: Path) -> Any:
    from landprofile.sources.mirror import fetch_config

    return fetch_config(lp.pipeline.load_config(cfg), to)


def _card_without_photo(f: dict[str, Path], narrative: str, photo: str) -> Any:
    """A card whose narrative names a broken photo: when it is built (with a warning),
    the photo is not embedded."""
    import base64

    crd = lp.card(lp.Profile(landscape=good_ls()), narrative=f[narrative])
    assert base64.b64encode(f[photo].read_bytes()).decode("ascii") not in crd.html
    return crd


def _cfg(f: dict[str, Path], o: Path, source: str) -> Path:
    """A config in ``o`` whose boundary is the corpus file ``source``."""
    p = o.parent / f"{source}.toml"
    p.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "{f[source]}"\n'
        "[zoning]\nenabled = false\n",
        encoding="utf-8",
    )
    return p


def _with_limit(gib: float, call: Any) -> Any:
    old = lp.options.max_memory_gb
    lp.options.max_memory_gb = gib
    try:
        return call()
    finally:
        lp.options.max_memory_gb = old


def _no_context(ls: Any) -> Any:
    import dataclasses

    res = lp.zoning.candidates(ls, resolution_m=200)
    return dataclasses.replace(res, context=None)


def _hashes(files: dict[str, Path]) -> dict[Path, str]:
    out = {}
    for p in files.values():
        for q in [p] if p.is_file() else sorted(p.parent.rglob("*")):
            if q.is_file():
                out[q] = hashlib.sha256(q.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize(("case", "call", "kind", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(corpus, tmp_path, case, call, kind, text):
    before = _hashes(corpus)
    root = corpus["good"].parent
    entries = sorted(p.name for p in root.rglob("*"))
    out = tmp_path / "out"
    out.mkdir()
    cwd = os.getcwd()
    os.chdir(corpus["good"].parent)  # configs name their files relative to themselves
    try:
        if kind is ErrorOrWarning:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                try:
                    call(corpus, out)
                except E.LandprofileError as exc:
                    msg = str(exc)
                else:
                    mine = [w for w in rec if issubclass(w.category, E.LandprofileWarning)]
                    assert mine, "neither a LandprofileError nor a LandprofileWarning"
                    msg = " ".join(str(w.message) for w in mine)
        elif kind is NoWarning:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                call(corpus, out)
            leaked = [f"{w.filename}:{w.lineno}: {w.message}" for w in rec]
            leaked = [m for w, m in zip(rec, leaked, strict=True) if w.category.__name__ == text]
            assert not leaked, leaked
            msg = text
        elif issubclass(kind, Warning):
            with pytest.warns(kind) as rec:
                call(corpus, out)
            msg = " ".join(str(w.message) for w in rec if issubclass(w.category, kind))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", E.ScaleWarning)
                with pytest.raises(kind) as exc:
                    call(corpus, out)
            msg = str(exc.value)
    finally:
        os.chdir(cwd)
    assert text in msg, msg
    assert _hashes(corpus) == before  # inputs byte-identical
    # nothing added beside the inputs either (a hidden staging folder, a file moved aside)
    assert sorted(p.name for p in root.rglob("*")) == entries
    assert [p.name for p in out.rglob("*")] == []  # nothing half-written


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 220  # issue 36: round four brings the corpus past 220


def test_what_the_warned_cases_return(corpus):
    """Where a warning is enough, the result must still be right, not merely produced."""
    import numpy as np
    import pyproj

    with pytest.warns(E.TextEncodingWarning):
        assert lp.read_vector(corpus["latin1_csv"]).name.tolist() == ["C\u00f4te"]
    with pytest.warns(E.TextEncodingWarning):
        gdf = lp.read_vector(corpus["latin1_geojson"])
    assert gdf.name.tolist() == ["C\u00f4te d'Ivoire \u2013 Bondoukou"]
    with pytest.warns(E.CoverageWarning):
        pop = lp.population(good_ls(), corpus["pop_nodata"])
    assert np.isnan(pop.population.iloc[0])  # unknown, not 0 people
    assert pop.nodata_ha.iloc[0] == pytest.approx(good_ls().area_ha, rel=1e-6)
    with pytest.warns(E.CoverageWarning):
        lc = lp.land_cover(good_ls(), corpus["lc_nodata"])
    assert set(lc.kind) == {"nodata"}
    # a 3-D boundary (heights from a GPS or KML export) is its 2-D footprint
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.ScaleWarning)
        ls3 = lp.from_polygons(corpus["three_d"], name="z")
    assert not ls3.geometry.has_z
    lon, lat = np.asarray(ls3.geometry.exterior.coords).T
    area, _ = pyproj.Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    assert ls3.area_ha == pytest.approx(abs(area) / 1e4, rel=1e-6)


def test_a_profile_with_no_population_data_is_strict_json(corpus, tmp_path):
    import json

    with pytest.warns(E.CoverageWarning):
        prof = lp.profile(good_ls(), population=corpus["pop_nodata"])
    text = prof.to_json(tmp_path / "p.json")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert data["population"]["population"] is None
    assert "population" in prof._repr_html_()


def test_the_advice_for_a_missing_crs_works(corpus):
    """The MissingCRSError messages say: read it with crs=... and pass the result."""
    ls = good_ls()
    with pytest.raises(E.MissingCRSError, match=r"read_raster\(\.\.\., crs=\.\.\.\)"):
        lp.land_cover(ls, corpus["lc_nocrs"])
    raster = lp.read_raster(corpus["lc_nocrs"], crs=4326)
    with_crs = lp.land_cover(ls, raster)
    assert with_crs.area_ha.sum() == pytest.approx(ls.area_ha, rel=1e-6)
    with pytest.raises(E.MissingCRSError, match=r"read_vector\(\.\.\., crs="):
        lp.profile(ls, layers={"sites": corpus["noprj"]})
    sites = lp.read_vector(corpus["noprj"], crs=4326)
    prof = lp.profile(ls, land_cover=raster, layers={"sites": sites})
    assert prof.overlaps["sites"].area_ha.sum() > 0


def test_what_round_two_returns(corpus, tmp_path):
    """Issue 20's warned and repaired cases: the numbers are the right ones."""
    import numpy as np
    import pyproj

    ls = good_ls()
    geod = pyproj.Geod(ellps="WGS84")

    def area_ha(w, s, e, n):
        a, _ = geod.polygon_area_perimeter([w, e, e, w], [s, s, n, n])
        return abs(a) / 1e4

    # 2 people per cell, a 40 x 40 block of -1000 inside: those cells are nodata
    with pytest.warns(E.CoverageWarning, match=r"1,600 negative cell\(s\).*minimum -1000"):
        pop = lp.population(ls, corpus["pop_negative"])
    assert pop.population.iloc[0] == pytest.approx(2 * (100 * 100 - 40 * 40), rel=1e-9)
    assert pop.nodata_ha.iloc[0] == pytest.approx(area_ha(-1.99, 5.05, -1.95, 5.09), rel=1e-6)
    # a raster over a quarter: shares of the covered part, the rest said to be outside
    with pytest.warns(E.CoverageWarning, match=r"covers only 25 %"):
        lc = lp.land_cover(ls, corpus["lc_quarter"])
    outside = lc.loc[lc.kind == "outside", "area_ha"].sum()
    assert outside == pytest.approx(ls.area_ha - area_ha(-2.0, 5.05, -1.95, 5.1), rel=1e-6)
    assert lc.loc[lc.kind == "class", "share"].sum() == pytest.approx(1.0)
    # footprints given newest first (API and config): oldest first, new area right
    want_2020 = area_ha(-1.99, 5.01, -1.97, 5.03)
    want_2021 = area_ha(-1.99, 5.01, -1.95, 5.05)
    tl = lp.footprint_timeline(ls, {2021: corpus["fp_2021"], "2020": corpus["fp_2020"]})
    assert [d.year for d in tl.date] == [2020, 2021]
    assert tl.new_ha.iloc[0] == pytest.approx(want_2020, rel=1e-4)
    assert tl.new_ha.iloc[1] == pytest.approx(want_2021 - want_2020, rel=1e-4)
    from landprofile.pipeline_change import build_change

    cfg = lp.pipeline.load_config(corpus["cfg_fp_unsorted"])
    _change, timeline, _ = build_change(cfg, ls, {})
    assert [d.year for d in timeline.date] == [2020, 2021]
    # a Latin-1 config keeps its accents
    with pytest.warns(E.TextEncodingWarning):
        assert lp.pipeline.load_config(corpus["cfg_latin1"]).name == "C\u00f4te d'Ivoire"
    # admin units named in an upper-case COUNTRY field
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.ScaleWarning)
        gh = lp.from_admin(corpus["countries"], names=["ghana"])
    assert gh.area_ha == pytest.approx(area_ha(-2.0, 5.0, -1.95, 5.1), rel=1e-6)
    # the zip without .dbf still gives its geometry
    with pytest.warns(E.IncompleteFileWarning):
        assert len(lp.read_vector(corpus["zip_no_dbf"])) == 1
    assert np.isfinite(tl.area_ha).all()


def test_a_killed_run_leaves_nothing_the_next_run_keeps(corpus, tmp_path):
    """Leftovers of a process that is gone are removed; a live run's are not touched."""
    import os
    import subprocess

    from landprofile._atomic import owner_tag

    out = tmp_path / "out"
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = owner_tag().split("-")[1]
    stale = tmp_path / f".out.lp{dead.pid}-{host}.x1y2z3"
    stale.mkdir()
    (stale / "card.html").write_text("half", encoding="utf-8")
    live = tmp_path / f".out.lp{os.getpid()}-{host}.a1b2c3"
    live.mkdir()
    other = tmp_path / ".out.notours"
    other.mkdir()
    os.chdir(corpus["good"].parent)
    lp.pipeline.run(corpus["cfg_ok"], out)
    assert not stale.exists()
    assert live.exists()  # a run still going (this process) keeps its folder
    assert other.exists()  # not of our pattern: never touched
    assert (out / "card.html").exists()
    # the layout of today's runs (staging inside the folder): tests/test_output_safety.py
    # a file target: a dead writer's temporary beside it goes on the next write
    tmpfile = tmp_path / f".b.geojson.lp{dead.pid}-{host}.q.tmp.geojson"
    tmpfile.write_text("x", encoding="utf-8")
    from landprofile._atomic import atomic_path

    with atomic_path(tmp_path / "b.geojson") as t:
        t.write_text("{}", encoding="utf-8")
    assert not tmpfile.exists()


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda f: lp.from_polygons(f["bowtie"], name="b"), E.GeometryRepairWarning),
        (lambda f: lp.read_vector(f["latin1_csv"]), E.TextEncodingWarning),
        (lambda f: lp.population(good_ls(), f["pop_negative"]), E.CoverageWarning),
        (lambda f: lp.land_cover(good_ls(), f["lc_quarter"]), E.CoverageWarning),
        (lambda f: lp.pipeline.load_config(f["cfg_latin1"]), E.TextEncodingWarning),
        (lambda f: lp.read_vector(f["zip_no_dbf"]), E.IncompleteFileWarning),
        (lambda f: lp.footprint_timeline(good_ls(), f["fp_bowtie"]), E.GeometryRepairWarning),
    ],
    ids=["repair", "encoding", "negative", "partial", "config", "no dbf", "footprints"],
)
def test_warnings_point_at_the_users_line(corpus, call, kind):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        call(corpus)
    mine = [w for w in rec if issubclass(w.category, kind)]
    assert mine, [str(w.message) for w in rec]
    assert all(w.filename == __file__ for w in mine), [w.filename for w in mine]


# ---- issue 25: what must work (real runs: kept to three)


def test_run_out_dot_in_an_empty_folder(corpus, tmp_path, monkeypatch):
    """``--out .`` in an empty working folder writes the outputs there, and nothing else."""
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    r = CliRunner().invoke(cli, ["run", str(corpus["cfg_ok"]), "--out", "."])
    assert r.exit_code == 0, r.output
    shown = sorted(p.name for p in here.iterdir() if not p.name.startswith("."))
    assert shown == ["card.html", "card.pdf", "profile.json"]
    # hidden: at most the run's own record (a file), no staging folder left
    assert all(p.is_file() for p in here.iterdir() if p.name.startswith("."))
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no temporary left beside
    want = lp.pipeline.build_boundary(lp.pipeline.load_config(corpus["cfg_ok"])).area_ha
    got = lp.Profile.from_json(here / "profile.json").landscape.area_ha
    assert got == pytest.approx(want, rel=1e-9)


def test_a_relative_output_lands_beside_the_config(corpus, tmp_path, monkeypatch):
    """``output = "out"`` is the folder ``out`` beside the config, wherever the run starts."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "good.geojson").write_bytes(corpus["good"].read_bytes())
    cfg = project / "ls.toml"
    cfg.write_text(
        'name = "rel"\nlanguage = "en"\noutput = "out"\n[boundary]\nmethod = "custom"\n'
        'source = "good.geojson"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = CliRunner().invoke(cli, ["run", str(cfg)])
    assert r.exit_code == 0, r.output
    assert (project / "out" / "card.html").exists()
    assert (project / "out" / "profile.json").exists()
    assert list(elsewhere.iterdir()) == []


def test_zones_to_geojson_is_geojson(corpus, tmp_path, monkeypatch):
    """``zones --out z.geojson`` writes GeoJSON (not a GeoPackage under that name): the
    zones the API gives for the same config."""
    import json

    import pyogrio

    monkeypatch.chdir(corpus["good"].parent)
    out = tmp_path / "z.geojson"
    r = CliRunner().invoke(cli, ["zones", str(corpus["cfg_zones"]), "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert pyogrio.read_info(out)["driver"] == "GeoJSON"
    cfg = lp.pipeline.load_config(corpus["cfg_zones"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = lp.pipeline.build_zoning(cfg, lp.pipeline.build_boundary(cfg))
    got = sorted(ft["properties"]["area_ha"] for ft in data["features"])
    assert got == pytest.approx(sorted(want.zones["area_ha"]), rel=1e-6)
    assert all(ft["geometry"]["type"] in ("Polygon", "MultiPolygon") for ft in data["features"])


def test_select_enabled_false_is_every_suitable_piece():
    """``select={"enabled": False}`` means what ``[select] enabled = false`` does: no
    selection, every piece of land that passed the rules is a zone."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", E.RulesWarning)
        got = lp.zoning.candidates(good_ls(), resolution_m=200, select={"enabled": False})
        want = lp.zoning.candidates(good_ls(), resolution_m=200)
    assert got.selection is None
    assert sorted(got.zones["area_ha"]) == pytest.approx(sorted(want.zones["area_ha"]), rel=1e-9)

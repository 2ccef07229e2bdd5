"""Write the three notebooks of notebooks/ (run: python notebooks/make_notebooks.py).

They are executed top to bottom by the test suite (pytest --nbmake), on the sample data.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent
SETUP = """import warnings
from pathlib import Path

import landprofile as lp

warnings.simplefilter("ignore", lp.errors.ScaleWarning)
# relative paths: what the outputs show is the same on every machine
DATA = Path("..") / "data" / "sample_boundaries"
if not DATA.exists():  # run from the repository root
    DATA = Path("data") / "sample_boundaries\""""
# The quick start reads the coarse MODIS sample: its DataWarning is said once, in words.
QUICK_SETUP = SETUP.replace(
    "ScaleWarning)\n",
    "ScaleWarning)\n"
    "# The sample land cover is MODIS at 0.05 degrees (about 5.5 km cells): landprofile warns\n"
    "# (DataWarning) that it is too coarse for a landscape profile and names worldcover:2021.\n"
    "# Said here once, so that the outputs below stay clean.\n"
    'warnings.simplefilter("ignore", lp.errors.DataWarning)\n',
)
# ... and zoning it on a 100 m river buffer: the DataWarning on its cell size, likewise.
ZONING_SETUP = SETUP.replace(
    "ScaleWarning)\n",
    "ScaleWarning)\n"
    "# The sample land cover is MODIS at 0.05 degrees (about 5.5 km cells): landprofile warns\n"
    "# (DataWarning) that its cells are wider than the 100 m river buffer, so the land cover\n"
    "# rules act on coarse cells. Said here once, so that the outputs below stay clean.\n"
    'warnings.simplefilter("ignore", lp.errors.DataWarning)\n',
)


def nb(cells):
    book = nbf.v4.new_notebook()
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    book.cells = [
        nbf.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbf.v4.new_code_cell(c)
        for c in cells
    ]
    return book


quick = nb(
    [
        "md:# Quick start: a landscape from administrative units, its profile and its card\n\n"
        "The sample data cover the gold belt of south-west Ghana (district shapes are "
        "**synthetic**, see `data/sample_boundaries/SOURCES.md`).",
        QUICK_SETUP,
        'ls = lp.from_admin(DATA / "synthetic_districts_sw_ghana.geojson", names=["Aboso", "Prestea"],'
        ' name="Ankobra–Pra")\nprint(ls.summary())',
        "md:Sizes are geodesic (WGS 84 ellipsoid); the scale says where the landscape falls "
        "against the 10,000–1,000,000 ha guidance.",
        'prof = lp.profile(ls, land_cover=DATA / "modis_igbp_2019_sw_ghana.tif", legend="modis_igbp",'
        '\n                  population=DATA / "synthetic_population_sw_ghana.tif")\n'
        "prof.groups()",
        "print(f\"natural habitat: {prof.natural_share:.1%}, population ~{prof.population['population']:,.0f}\")",
        "md:Maps are folium objects, as with geopandas' `.explore()`: add layers, style, save.",
        'm = prof.explore(land_cover=DATA / "modis_igbp_2019_sw_ghana.tif", legend="modis_igbp",\n'
        '                 layers={"rivers": DATA / "synthetic_rivers_sw_ghana.geojson"})\n'
        "type(m).__name__, len(m._children)",
        "m",
        'card = lp.card(prof, lang="en", land_cover=DATA / "modis_igbp_2019_sw_ghana.tif",\n'
        '               narrative=DATA / "sample_narrative.yaml")\ncard  # shows inline',
    ]
)

water = nb(
    [
        "md:# Watershed landscapes: from basin polygons and from a DEM",
        SETUP,
        "import geopandas as gpd\nfrom shapely.geometry import box\n\n"
        "# a small HydroBASINS-like layer: 4 x 4 basins; rows drain east, the last column south\n"
        "rows = []\nfor r in range(4):\n    for c in range(4):\n"
        "        nd = 10 * r + c + 1 + 100 if c < 3 else (10 * (r + 1) + c + 100 if r < 3 else 0)\n"
        "        rows.append({'HYBAS_ID': 100 + 10 * r + c, 'NEXT_DOWN': nd, 'SUB_AREA': 120.0,\n"
        "                     'geometry': box(-2 + 0.1 * c, 5.6 - 0.1 * (r + 1), -1.9 + 0.1 * c, "
        "5.6 - 0.1 * r)})\n"
        "basins = gpd.GeoDataFrame(rows, crs=4326)\n"
        "ws = lp.from_basins(basins, outlet=(-1.65, 5.25), name='Basin upstream of the outlet')\n"
        "print(ws.summary())\nws.provenance.parameters['n_basins'], ws.provenance.parameters['basin_ids'][:5]",
        "ws.explore()  # a folium.Map of the watershed (OpenStreetMap tiles: no key)",
        "md:From a DEM: a synthetic DEM of two valleys split by a ridge, georeferenced in "
        "UTM 30N (the catchment of the south-west corner is the western half).",
        "from affine import Affine\n\nfrom landprofile.testing import dem_dataarray, two_basins\n"
        "from landprofile.watershed import dem as wd\n\n"
        "dem = dem_dataarray(two_basins(200, 300), Affine(30, 0, 600_000, 0, -30, 620_000), 32630)\n"
        "acc = wd.flow_accumulation(wd.flow_directions(wd.condition(dem)), units='km2')\n"
        "x, y = Affine(30, 0, 600_000, 0, -30, 620_000) * (2.5, 197.5)\n"
        "catch = lp.from_dem(dem, (x, y), outlet_crs=32630, snap_m=150, name='West valley')\n"
        "print(catch.summary())",
        "streams = wd.stream_network(acc, wd.flow_directions(wd.condition(dem)), threshold_km2=1.0)"
        "\nlen(streams), round(float(streams.max_upstream_km2.max()), 1)",
    ]
)

zoning = nb(
    [
        "md:# ASM zoning: rules, candidates, sensitivity and conflicts\n\nLayers are the "
        "**synthetic** sample layers; the default rules encode the IGF criteria with "
        "placeholders for local regulation.",
        ZONING_SETUP,
        'ls = lp.from_admin(DATA / "synthetic_districts_sw_ghana.geojson", names=["Aboso", "Prestea"])\n'
        "rules = lp.zoning.default_rules()\nrules.exclude['rivers'], rules.favour['geology']['weight']",
        "res = lp.zoning.candidates(\n    ls, resolution_m=90,\n"
        '    sites=DATA / "synthetic_asm_sites_sw_ghana.geojson", site_id_field="site_id",\n'
        '    concessions=DATA / "synthetic_concessions_sw_ghana.geojson",\n'
        '    protected=DATA / "synthetic_protected_areas_sw_ghana.geojson",\n'
        '    rivers=DATA / "synthetic_rivers_sw_ghana.geojson",\n'
        '    roads=DATA / "synthetic_roads_sw_ghana.geojson",\n'
        '    settlements=DATA / "geonames_places_sw_ghana.csv",\n'
        '    geology=DATA / "synthetic_geology_sw_ghana.geojson",\n'
        '    land_cover=DATA / "modis_igbp_2019_sw_ghana.tif", legend="modis_igbp")\n'
        "{k: res.summary[k] for k in ('n_zones', 'candidate_ha', 'n_sites_in_conflict')}",
        "res  # a compact summary; res.explore() draws it",
        'res.zones[["zone_id", "rank", "area_ha", "score", "why"]].head()',
        "md:The zones map is a folium map: geopandas layers can be added to it.",
        'm = res.explore(layers={"sites": DATA / "synthetic_asm_sites_sw_ghana.geojson"})\n'
        'res.conflicts.explore(m=m, color="red", name="conflicts")\nm',
        'res.in_language("fr").zones["why"].iloc[0]',
        "lp.zoning.sensitivity(res, draws=100, top_k=5).head(10)",
        'res.conflicts.groupby("conflict").size()',
        "md:A stricter riparian buffer (a country rule of 200 m, say):",
        "strict = lp.zoning.load_rules({**rules.data, 'exclude': {**rules.exclude, 'rivers': "
        "{**rules.exclude['rivers'], 'buffer_m': 200.0}}})\n"
        "res2 = lp.zoning.candidates(ls, rules=strict, resolution_m=90, "
        'rivers=DATA / "synthetic_rivers_sw_ghana.geojson",\n'
        '                            sites=DATA / "synthetic_asm_sites_sw_ghana.geojson")\n'
        "res2.summary['excluded_ha'] > 0",
    ]
)

monitoring = nb(
    [
        "md:# Monitoring: the mining footprint by date, and land-cover change\n\n"
        "Earth Genome's detections of artisanal gold mining in Ghana's Ashanti region at two "
        "dates (2017, 2020; CC BY 4.0), clipped to the geoBoundaries region: a profile is a "
        "baseline, a second date makes it a monitoring report.",
        SETUP,
        'ls = lp.from_polygons(DATA / "geoboundaries_ashanti_region_ghana.geojson", name="Ashanti")\n'
        "ls",
        'FOOT = DATA / "earthgenome_asm_ashanti_2017_2020.geojson"\n'
        "tl = lp.footprint_timeline(ls, FOOT)  # the date field `year` is found by itself\n"
        "tl",
        "md:Areas are true (equal-area projection centred on the landscape); `new_ha` is the "
        "footprint not seen at any earlier date.",
        "import geopandas as gpd\n\n"
        "pits = gpd.read_file(FOOT)\n"
        "m = ls.explore(tiles=None)\n"
        'pits.explore(m=m, column="year", categorical=True, name="mining by date")\nm',
        "md:Land-cover change: the 2019 MODIS map as *before*, and a **what-if** *after* in "
        "which every 2020 mining polygon is bare ground (IGBP 16). Two real rasters of two "
        "dates go the same way; grids and legends may differ.",
        "import tempfile\n\nimport numpy as np\nimport rasterio\nimport rasterio.features\n\n"
        'LC = DATA / "modis_igbp_2019_sw_ghana.tif"\n'
        "with rasterio.open(LC) as src:\n"
        "    arr, profile = src.read(1), src.profile\n"
        "    pits20 = pits[pits.year.dt.year == 2020].to_crs(src.crs)\n"
        "    mined = rasterio.features.rasterize(pits20.geometry, out_shape=arr.shape,\n"
        "                                        transform=src.transform, all_touched=True)\n"
        "after = np.where(mined > 0, 16, arr).astype(arr.dtype)\n"
        'AFTER = Path(tempfile.mkdtemp()) / "whatif_after.tif"\n'
        'with rasterio.open(AFTER, "w", **profile) as dst:\n'
        "    dst.write(after, 1)\n"
        'res = lp.change(ls, LC, AFTER, legend="modis_igbp")\n'
        "res.main_transitions(5)",
        "res.by_group",
        "res.natural",
    ]
)

for name, book in (
    ("01_quickstart.ipynb", quick),
    ("02_watersheds.ipynb", water),
    ("03_asm_zoning.ipynb", zoning),
    ("04_monitoring.ipynb", monitoring),
):
    nbf.write(book, HERE / name)

"""Each named source credited in its provider's own words (issue 37 items 3, 4, 5 and 7).

The expected strings are written out here as the providers publish them (ESA-WorldCover's
repository, the Copernicus WorldDEM-30 licence's notices, HydroSHEDS' citation and
licence notice, hub.worldpop.org's suggested citations, geoBoundaries' paper, the
mining-detector README and MANIFEST.yaml), not read from the code: a changed word fails.
STAC credits come from the collection, served by a local STAC API, kept in the cache,
and read back from a field mirror with every server stopped; a host refusing an unsigned
asset with 409 is a named error. Local servers only.
"""

from __future__ import annotations

import http.server
import json
import uuid

import pytest
from affine import Affine
from click.testing import CliRunner

import landprofile as lp
from _sources_helpers import (
    classes,
    cog,
    land,
    serve_routes,
    serve_s3,
    serve_stac_api,
    stac_item,
    start,
    url_of,
)
from _sources_helpers import (
    isolated as isolated,
)
from landprofile.errors import DataSourceError, UnsignedAssetError
from landprofile.sources.catalogue import SOURCES, citation_for

WC20 = (
    "Zanaga, D., Van De Kerchove, R., De Keersmaecker, W., Souverijns, N., Brockmann, C., "
    "Quast, R., Wevers, J., Grosu, A., Paccini, A., Vergnaud, S., Cartus, O., Santoro, M., "
    "Fritz, S., Georgieva, I., Lesiv, M., Carter, S., Herold, M., Li, Linlin, Tsendbazar, "
    "N.E., Ramoino, F., Arino, O., 2021. ESA WorldCover 10 m 2020 v100."
)
WC21 = (
    "Zanaga, D., Van De Kerchove, R., Daems, D., De Keersmaecker, W., Brockmann, C., "
    "Kirches, G., Wevers, J., Cartus, O., Santoro, M., Fritz, S., Lesiv, M., Herold, M., "
    "Tsendbazar, N.E., Xu, P., Ramoino, F., Arino, O., 2022. ESA WorldCover 10 m 2021 v200."
)


@pytest.mark.parametrize(
    ("year", "version", "doi", "cited"),
    [
        ("2020", "v100", "10.5281/zenodo.5571936", WC20),
        ("2021", "v200", "10.5281/zenodo.7254221", WC21),
    ],
)
def test_worldcover_credit_per_version(year, version, doi, cited):
    assert citation_for(f"worldcover:{year}") == {
        "name": f"worldcover:{year}",
        "licence": "CC BY 4.0",
        "citation": cited,
        "doi": doi,
        "version": version,
        "notice": f"© ESA WorldCover project {year} / Contains modified Copernicus Sentinel "
        f"data ({year}) processed by ESA WorldCover consortium",
        "url": "https://esa-worldcover.org",
    }


def test_copernicus_credit_has_the_copyright_sign_and_the_derived_product_notice():
    c = citation_for("copdem30")
    owners = (
        "© DLR e.V. 2010-2014 and © Airbus Defence and Space GmbH 2014-2018 provided under "
        "COPERNICUS by the European Union and ESA; all rights reserved"
    )
    assert c["citation"] == f"Copernicus DEM GLO-30: {owners}"
    assert c["notice"] == f"produced using Copernicus WorldDEM-30 {owners}"
    assert "(c)" not in json.dumps(c, ensure_ascii=False)
    assert c["licence"].startswith("Licence for the use of the Copernicus WorldDEM-30")
    assert c["doi"] == "10.5270/ESA-c5d3d65"


def test_hydrobasins_credit_is_the_full_citation_and_the_licence_notice():
    c = citation_for("hydrobasins:af/lev10")
    assert c["citation"] == (
        "Lehner, B., Grill G. (2013): Global river hydrography and network routing: baseline "
        "data and new approaches to study the world's large river systems. Hydrological "
        "Processes, 27(15): 2171–2186."
    )
    assert c["doi"] == "10.1002/hyp.9740"
    assert c["notice"].startswith(
        "This product incorporates data from the HydroSHEDS database which is © World "
        "Wildlife Fund, Inc. (2006-2013) and has been used herein under license. WWF has "
        "not evaluated the data as altered and incorporated within this landprofile output,"
    )
    assert c["notice"].endswith(
        "The HydroSHEDS database and more information are available at https://www.hydrosheds.org."
    )
    assert c["version"] == "HydroBASINS v1c (standard)"


def test_worldpop_2000_2020_credit_is_whole_with_the_doi_once():
    c = citation_for("worldpop:GHA/2020")
    assert c == {
        "name": "worldpop:GHA/2020",
        "licence": "CC BY 4.0",
        "citation": "WorldPop (www.worldpop.org - School of Geography and Environmental "
        "Science, University of Southampton; Department of Geography and Geosciences, "
        "University of Louisville; Departement de Geographie, Universite de Namur) and "
        "Center for International Earth Science Information Network (CIESIN), Columbia "
        "University (2018). Global High Resolution Population Denominators Project - Funded "
        "by The Bill and Melinda Gates Foundation (OPP1134076).",
        "doi": "10.5258/SOTON/WP00645",
        "version": "Global_2000_2020, unconstrained, 100 m, 2020",
        "series": "Global_2000_2020",
        "year": "2020",
        "url": "https://www.worldpop.org",
    }
    # the DOI is printed once: not also inside the citation
    assert "WP00645" not in c["citation"]


def test_worldpop_r2025a_is_its_own_name_with_its_own_doi_and_series():
    c = citation_for("worldpop-r2025a:GHA/2025")
    assert c["citation"] == (
        "Bondarenko M., Priyatikanto R., Tejedor-Garavito N., Zhang W., McKeen T., "
        "Cunningham A., Woods T., Hilton J., Cihan D., Nosatiuk B., Brinkhoff T., Tatem A., "
        "Sorichetta A. Constrained estimates of 2015-2030 total number of people per grid "
        "square at a resolution of 3 arc (approximately 100m at the equator) R2025A version "
        "v1. Global Demographic Data Project - Funded by The Bill and Melinda Gates "
        "Foundation (INV-045237). WorldPop - School of Geography and Environmental Science, "
        "University of Southampton."
    )
    assert (c["doi"], c["series"], c["year"]) == (
        "10.5258/SOTON/WP00839",
        "Global_2015_2030 R2025A",
        "2025",
    )
    assert c["licence"] == "CC BY 4.0"
    assert "alpha" in c["version"]
    # never a silent mix: 2025 is not a year of the 2000-2020 series, and says where it is
    with pytest.raises(lp.errors.InvalidParameterError, match="worldpop-r2025a:ISO3/YEAR"):
        lp.sources.check_spec(SOURCES["worldpop"], "GHA/2025")
    with pytest.raises(lp.errors.InvalidParameterError, match="2015-2030"):
        lp.sources.check_spec(SOURCES["worldpop-r2025a"], "GHA/2014")
    assert lp.sources.parse_name("worldpop-r2025a:GHA/2025")[0].key == "worldpop-r2025a"


GB_CITATION = (
    "Runfola, D. et al. (2020) geoBoundaries: A global database of political administrative "
    "boundaries. PLoS ONE 15(4): e0231866."
)


def test_geoboundaries_without_its_record_names_odbl_and_says_the_release_is_unknown():
    c = citation_for("geoboundaries:GHA/ADM2")
    assert c["citation"] == GB_CITATION
    assert c["doi"] == "10.1371/journal.pone.0231866"
    assert "ODbL" in c["licence"]
    assert "CC BY 4.0" in c["licence"]
    assert c["version"] == "gbOpen (release not recorded: read without the API record)"


def test_geoboundaries_credit_carries_the_release_from_the_api_record(monkeypatch):
    commit = "9469f09592ced973a3448cf66b6100b741b64c0d"
    raw = f"/wmgeolab/geoBoundaries/raw/{commit}/releaseData/gbOpen/GHA/ADM2"
    body = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"shapeName": "A"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[-2, 5], [-1.9, 5], [-1.9, 5.1], [-2, 5]]],
                    },
                }
            ],
        }
    ).encode()
    routes: dict = {}
    srv, base = serve_routes(routes)
    routes[f"{raw}/geoBoundaries-GHA-ADM2_simplified.geojson"] = (200, "application/json", body)
    routes["/api/current/gbOpen/GHA/ADM2/"] = (
        200,
        "application/json",
        json.dumps(
            {
                "boundaryLicense": "Open Data Commons Open Database License 1.0",
                "boundarySource": "OpenStreetMap",
                "boundaryYearRepresented": "2021",
                "buildDate": "Dec 12, 2023",
                "gjDownloadURL": f"{base}{raw}/geoBoundaries-GHA-ADM2.geojson",
                "simplifiedGeometryGeoJSON": f"{base}{raw}/geoBoundaries-GHA-ADM2_simplified"
                ".geojson",
            }
        ).encode(),
    )
    monkeypatch.setitem(SOURCES["geoboundaries"].extra, "api", f"{base}/api/current/gbOpen")
    try:
        lp.read_vector("geoboundaries:GHA/ADM2")
    finally:
        srv.shutdown()
        srv.server_close()
    c = citation_for("geoboundaries:GHA/ADM2")
    assert c["licence"] == "Open Data Commons Open Database License 1.0"
    assert c["citation"] == f"{GB_CITATION} Boundary source: OpenStreetMap"
    assert c["version"] == "gbOpen, build Dec 12, 2023, commit 9469f09592ce, boundaries of 2021"


def test_natural_earth_credit():
    c = citation_for("naturalearth:admin0")
    assert c["citation"] == (
        "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."
    )
    assert c["licence"] == "Public domain"


def test_earth_genome_current_and_archived_outputs_are_credited_apart():
    cur = citation_for("earthgenome-amw:cumulative_detections/x_cumulative2018-2025.geojson")
    assert cur["licence"] == "CC BY 4.0"
    assert cur["citation"] == (
        "Earth Genome, Amazon Mining Watch mining detections, with reference to "
        "github.com/earthrise-media/mining-detector; published on Source Cooperative "
        "(source.coop/earthgenome/amazon-mining-watch)"
    )
    assert cur["version"] == "current product, cumulative_detections/x_cumulative2018-2025.geojson"
    assert cur["url"] == "https://source.coop/earthgenome/amazon-mining-watch"
    old = citation_for("earthgenome:44px_v2.9/sites.geojson")
    assert old["licence"] == "CC BY 4.0 (data), MIT (code)"
    assert old["version"].startswith("archived in-repository output data/outputs/44px_v2.9/")
    assert "earthgenome-amw:" in old["version"]
    gone = citation_for(
        "earthgenome-amw:archived/48px_v0.X-SSL4EO-MLPensemble/cumulative/a.geojson"
    )
    assert gone["version"].startswith("archived (superseded) product")
    with pytest.raises(lp.errors.InvalidParameterError, match="a folder is not a file"):
        lp.sources.check_spec(SOURCES["earthgenome-amw"], "cumulative_detections/")


# ------------------------------------------------------------------------------- STAC

STAC_EXTRA = {
    "title": "Land cover of the test",
    "license": "other",
    "sci:doi": "10.1234/test.lc",
    "sci:citation": "Someone, A. (2024) Land cover of the test, v3.",
    "providers": [
        {"name": "Test Agency", "roles": ["producer", "licensor"]},
        {"name": "Local Host", "roles": ["host"]},
    ],
    "links": [
        {
            "rel": "license",
            "href": "https://example.org/licence.html",
            "title": "Test Open Licence 2.0",
        },
        {"rel": "cite-as", "href": "https://doi.org/10.1234/test.lc"},
    ],
}
STAC_CREDIT = {
    "licence": "other: Test Open Licence 2.0",
    "citation": "Someone, A. (2024) Land cover of the test, v3.",
    "doi": "10.1234/test.lc",
    "providers": "Test Agency (producer, licensor); Local Host (host)",
    "url": "https://example.org/licence.html",
}


@pytest.fixture
def stac_host(tmp_path, monkeypatch):
    """A STAC API whose collection states its credits; its items' assets on local S3."""
    bucket = f"cr-{uuid.uuid4().hex[:8]}"
    root = tmp_path / "s3"
    cog(
        root / bucket / "2021/N03W003.tif",
        classes(4, (600, 600)),
        Affine(0.005, 0, -3, 0, -0.005, 6),
    )
    s3, _ = serve_s3(root, monkeypatch)
    items = [stac_item("N03W003_2021", 2021, f"s3://{bucket}/2021/N03W003.tif")]
    api, url, _ = serve_stac_api(items, extra=STAC_EXTRA)
    yield url, [api, s3]
    for srv in (api, s3):
        srv.shutdown()
        srv.server_close()


def test_stac_credit_from_the_collection_online_then_from_the_cache(stac_host):
    url, servers = stac_host
    name = f"stac:{url}#lc@2021/map"
    assert citation_for(name) == {"name": name} | STAC_CREDIT
    for srv in servers:  # the network is gone: the copy kept in the cache answers
        srv.shutdown()
        srv.server_close()
    assert citation_for(name) == {"name": name} | STAC_CREDIT


def test_stac_credit_from_a_field_mirror_with_every_server_stopped(
    stac_host, tmp_path, monkeypatch
):
    from landprofile.cli import cli

    url, servers = stac_host
    name = f"stac:{url}#lc@2021/map"
    ls = land()
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": ls.geometry.__geo_interface__}
                ],
            }
        )
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        f'[rasters]\nland_cover = "{name}"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    field = tmp_path / "usb"
    r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(field)])
    assert r.exit_code == 0, r.output
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    monkeypatch.setenv("LANDPROFILE_CACHE", str(tmp_path / "fresh-cache"))  # nothing kept
    unknown = citation_for(name)
    assert unknown["licence"].startswith("not known: the collection could not be read")
    monkeypatch.setenv("LANDPROFILE_DATA_MIRROR", str(field))
    assert citation_for(name) == {"name": name} | STAC_CREDIT
    (col,) = field.rglob("lc/collection.json")
    kept = json.loads(col.read_text("utf-8"))
    assert {lk["rel"] for lk in kept["links"]} >= {"license", "cite-as"}


def test_a_stac_collection_stating_only_an_spdx_licence_and_providers():
    from landprofile.sources.stac_credits import credit_of

    got = credit_of(
        {"license": "CC-BY-4.0", "providers": [{"name": "ESA", "roles": ["licensor"]}]}, "x"
    )
    assert got == {
        "licence": "CC-BY-4.0",
        "citation": "x (STAC collection x); providers: ESA (licensor)",
    }
    assert credit_of({}, "x")["licence"] == "not stated by the collection"


# ------------------------------------------------------------------ refusals, named

AZURE_409 = (
    b'<?xml version="1.0" encoding="utf-8"?><Error><Code>PublicAccessNotPermitted</Code>'
    b"<Message>Public access is not permitted on this storage account.</Message></Error>"
)


class _Refuses(http.server.BaseHTTPRequestHandler):
    """Azure Blob storage without a SAS token: 409 to every request."""

    def log_message(self, *a: object) -> None:
        pass

    def _no(self) -> None:
        self.send_response(409)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(AZURE_409)))
        self.send_header("x-ms-error-code", "PublicAccessNotPermitted")
        self.end_headers()
        self.wfile.write(AZURE_409)

    def do_GET(self) -> None:
        self._no()

    def do_HEAD(self) -> None:
        self._no()


def test_an_unsigned_planetary_computer_asset_answered_409_is_named(monkeypatch):
    pytest.importorskip("pystac_client")
    blob = start(_Refuses)
    href = (
        f"{url_of(blob)}/esa-worldcover/v200/2021/map/ESA_WorldCover_10m_2021_v200_N03W003_Map.tif"
    )
    api, url, _ = serve_stac_api([stac_item("N03W003", 2021, href)], collection="lc")
    monkeypatch.setattr("landprofile.sources.stac._has_signer", lambda: False)
    try:
        with pytest.raises(UnsignedAssetError) as err:
            lp.sources.raster(f"stac:{url}#lc/map", (-2.0, 5.0, -1.9, 5.1))
    finally:
        for srv in (api, blob):
            srv.shutdown()
            srv.server_close()
    text = str(err.value)
    assert "HTTP 409: PublicAccessNotPermitted" in text
    assert "pip install planetary-computer" in text
    assert "PC_SDK_SUBSCRIPTION_KEY" in text
    assert "cannot reach" not in text
    assert isinstance(err.value, DataSourceError)  # still caught as a source error


def test_data_fetch_names_the_409_refusal_too(tmp_path, monkeypatch):
    from landprofile.cli import cli

    pytest.importorskip("pystac_client")
    blob = start(_Refuses)
    href = f"{url_of(blob)}/lc/N03W003.tif"
    api, url, _ = serve_stac_api([stac_item("N03W003", 2021, href)])
    monkeypatch.setattr("landprofile.sources.stac._has_signer", lambda: False)
    ls = land()
    (tmp_path / "b.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": ls.geometry.__geo_interface__}
                ],
            }
        )
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'name = "x"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        f'[rasters]\nland_cover = "stac:{url}#lc/map"\n[zoning]\nenabled = false\n',
        encoding="utf-8",
    )
    try:
        r = CliRunner().invoke(cli, ["data", "fetch", str(cfg), "--to", str(tmp_path / "usb")])
    finally:
        for srv in (api, blob):
            srv.shutdown()
            srv.server_close()
    assert r.exit_code != 0
    assert "HTTP 409" in r.output
    assert "pip install planetary-computer" in r.output
    assert not list((tmp_path / "usb").rglob("*.tif"))

"""Round four, reading inputs: special files (FIFO, device, folder, size), the text
encodings and YAML of card inputs, and GeoPackages with tables that are not data
(issue 36 item 8, issue 35 item 1). Every special file is refused before it is opened:
a FIFO would block the reader forever, ``/dev/zero`` would never end."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import box

import landprofile as lp
from landprofile import errors as E  # noqa: N812
from landprofile.profilecard import inputs as card_inputs

_PNG = (  # a valid 1 x 1 PNG
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def build(root: Path, files: dict) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def fifo(name: str) -> Path:
        p = root / name
        os.mkfifo(p)
        return p

    out["r4i_fifo_geojson"] = fifo("pipe_boundary.geojson")
    out["r4i_fifo_tif"] = fifo("pipe_land_cover.tif")
    out["r4i_fifo_yaml"] = fifo("pipe_narrative.yaml")
    out["r4i_fifo_toml"] = fifo("pipe_scorecard.toml")
    fifo("pipe_photo.png")
    (root / "narr_fifo_photo.yaml").write_text("livelihoods: farming\nphotos: [pipe_photo.png]\n")
    out["r4i_narr_fifo_photo"] = root / "narr_fifo_photo.yaml"
    os.symlink("/dev/zero", root / "zero.png")
    (root / "narr_zero_photo.yaml").write_text("photos: [zero.png]\n")
    out["r4i_narr_zero_photo"] = root / "narr_zero_photo.yaml"
    big = root / "big.png"
    with open(big, "wb") as fh:  # a PNG start, then 6 MB (sparse): past the 5 MB limit
        fh.write(_PNG)
        fh.truncate(6_000_000)
    (root / "narr_big_photo.yaml").write_text("photos: [big.png]\n")
    out["r4i_narr_big_photo"] = root / "narr_big_photo.yaml"
    (root / "notepad.yaml").write_bytes(
        'livelihoods: "Côte d\'Ivoire, orpaillage"\n'.encode("cp1252")
    )
    out["r4i_cp1252_yaml"] = root / "notepad.yaml"
    (root / "notepad_scores.toml").write_bytes("# notes: élevé\nC1 = 3\n".encode("cp1252"))
    out["r4i_cp1252_toml"] = root / "notepad_scores.toml"
    (root / "utf16.yaml").write_bytes("livelihoods: orpaillage à Tarkwa\n".encode("utf-16"))
    out["r4i_utf16_yaml"] = root / "utf16.yaml"
    (root / "bom_scores.toml").write_bytes("\ufeffC1 = 3\n".encode())
    out["r4i_bom_toml"] = root / "bom_scores.toml"
    (root / "tag.yaml").write_text("livelihoods: !!python/object/apply:os.system ['true']\n")
    out["r4i_yaml_tag"] = root / "tag.yaml"
    (root / "deep.yaml").write_text("livelihoods: " + "[" * 5000 + "]" * 5000 + "\n")
    out["r4i_yaml_deep"] = root / "deep.yaml"
    (root / "deep_toml.toml").write_text("goals = " + "[" * 20 + "]" * 20 + "\n")
    out["r4i_toml_deep"] = root / "deep_toml.toml"
    (root / "no_questions.toml").write_text('[[goals]]\nid = "X1"\ntitle = "extra"\n')
    out["r4i_goal_no_questions"] = root / "no_questions.toml"
    (root / "narrative_dir.yaml").mkdir()
    out["r4i_narr_dir"] = root / "narrative_dir.yaml"
    styled = root / "styled.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(-2.0, 5.0, -1.9, 5.1)], crs=4326).to_file(
        styled, layer="boundary"
    )
    pyogrio.write_dataframe(
        gpd.pd.DataFrame({"f_table_name": ["boundary"], "styleQML": ["<qgis/>"]}),
        styled,
        layer="layer_styles",
        append=True,
    )
    out["r4i_styled_gpkg"] = styled
    table = root / "table_only.gpkg"
    pyogrio.write_dataframe(gpd.pd.DataFrame({"k": [1]}), table, layer="notes")
    out["r4i_table_gpkg"] = table
    (root / "fifo_boundary.toml").write_text(
        'name = "pipe"\n[boundary]\nmethod = "custom"\nsource = "pipe_boundary.geojson"\n'
    )
    out["r4i_fifo_cfg"] = root / "fifo_boundary.toml"
    (root / "styled_boundary.toml").write_text(
        'name = "styled"\n[boundary]\nmethod = "custom"\nsource = "styled.gpkg"\n'
    )
    out["r4i_styled_cfg"] = root / "styled_boundary.toml"
    sites = gpd.GeoDataFrame(
        {"fid": [1], "FID_": [2], "geom_": ["x"], "site_id": ["a"]},
        geometry=[box(-1.99, 5.01, -1.98, 5.02)],
        crs=4326,
    ).rename(columns={"FID_": "FID", "geom_": "geom"})
    (root / "sites_fid_geom.geojson").write_text(sites.to_json())
    out["r4i_sites_fid_geom"] = root / "sites_fid_geom.geojson"
    return out


def cases(h: Any) -> list[tuple[str, Callable[[dict, Path], Any], type, str]]:
    narr = card_inputs.load_narrative
    score = card_inputs.load_scorecard
    return [
        (
            "inputs: FIFO as boundary",
            lambda f, o: lp.read_vector(f["r4i_fifo_geojson"]),
            E.UnreadableFileError,
            "named pipe",
        ),
        (
            "inputs: FIFO as boundary, from_polygons",
            lambda f, o: lp.from_polygons(f["r4i_fifo_geojson"], name="x"),
            E.UnreadableFileError,
            "pipe_boundary.geojson",
        ),
        (
            "inputs: FIFO as land cover",
            lambda f, o: lp.read_raster(f["r4i_fifo_tif"]),
            E.UnreadableFileError,
            "named pipe",
        ),
        (
            "inputs: FIFO as narrative",
            lambda f, o: narr(f["r4i_fifo_yaml"]),
            E.UnreadableFileError,
            "pipe_narrative.yaml",
        ),
        (
            "inputs: FIFO as scorecard",
            lambda f, o: score(f["r4i_fifo_toml"]),
            E.UnreadableFileError,
            "named pipe",
        ),
        (
            "inputs: FIFO as photo",
            lambda f, o: narr(f["r4i_narr_fifo_photo"]),
            E.UnreadableFileError,
            "pipe_photo.png",
        ),
        (
            "inputs: photo linked to /dev/zero",
            lambda f, o: narr(f["r4i_narr_zero_photo"]),
            E.UnreadableFileError,
            "character device",
        ),
        (
            "inputs: photo past the size limit refused by its size",
            lambda f, o: narr(f["r4i_narr_big_photo"]),
            E.InvalidParameterError,
            "6.0 MB",
        ),
        (
            "inputs: narrative saved as cp1252",
            lambda f, o: narr(f["r4i_cp1252_yaml"]),
            E.UnreadableFileError,
            "Windows-1252",
        ),
        (
            "inputs: scorecard saved as cp1252",
            lambda f, o: score(f["r4i_cp1252_toml"]),
            E.UnreadableFileError,
            "save it as UTF-8",
        ),
        (
            "inputs: narrative in UTF-16 reads",
            lambda f, o: _assert(
                narr(f["r4i_utf16_yaml"])[0]["livelihoods"], "orpaillage à Tarkwa"
            ),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "inputs: scorecard with a UTF-8 BOM reads",
            lambda f, o: _assert(score(f["r4i_bom_toml"]), {"C1": 3.0}),
            h.NoWarning,
            "TextEncodingWarning",
        ),
        (
            "inputs: YAML python tag refused by safe loading",
            lambda f, o: narr(f["r4i_yaml_tag"]),
            E.UnreadableFileError,
            "no tags",
        ),
        (
            "inputs: YAML nested 5000 deep",
            lambda f, o: narr(f["r4i_yaml_deep"]),
            E.UnreadableFileError,
            "deep.yaml",
        ),
        (
            "inputs: TOML questions nested 20 deep",
            lambda f, o: card_inputs.questions(f["r4i_toml_deep"]),
            E.UnreadableFileError,
            "nested",
        ),
        (
            "inputs: scorecard goal without questions",
            lambda f, o: card_inputs.questions(f["r4i_goal_no_questions"]),
            E.InvalidParameterError,
            "'X1') has no 'questions' list",
        ),
        (
            "inputs: narrative is a folder",
            lambda f, o: narr(f["r4i_narr_dir"]),
            E.UnreadableFileError,
            "is a folder",
        ),
        (
            "inputs: styled one-layer GeoPackage reads without layer=",
            lambda f, o: _assert(lp.read_vector(f["r4i_styled_gpkg"]).n.tolist(), [1]),
            h.NoWarning,
            "GeometryRepairWarning",
        ),
        (
            "inputs: GeoPackage of attribute tables only",
            lambda f, o: lp.read_vector(f["r4i_table_gpkg"]),
            E.UnreadableFileError,
            "no vector layer with geometries",
        ),
        (
            "inputs: layer= names the style table",
            lambda f, o: lp.read_vector(f["r4i_styled_gpkg"], layer="layer_styles"),
            E.LayerNotFoundError,
            "holds no geometries",
        ),
        (
            "inputs: CLI boundary from a FIFO",
            lambda f, o: h.cli_run("boundary", f["r4i_fifo_cfg"], "--out", o / "b.gpkg"),
            E.LandprofileError,
            "named pipe",
        ),
        (
            "inputs: sites with fid and FID and a geom field, named when read",
            lambda f, o: lp.read_vector(f["r4i_sites_fid_geom"]),
            h.ErrorOrWarning,
            "'FID' -> 'FID_2', 'geom' -> 'geom_2'",
        ),
        (
            "inputs: CLI boundary from a styled GeoPackage",
            lambda f, o: _cli_ok(h, f["r4i_styled_cfg"], o),
            h.NoWarning,
            "AmbiguousLayerError",
        ),
    ]


_UTF16_TEXT = "orpaillage à Tarkwa"


def _assert(got: Any, want: Any) -> None:
    assert got == want, (got, want)


def _cli_ok(h: Any, cfg: Path, out: Path) -> None:
    """The boundary CLI on a styled GeoPackage works; its output is removed again so the
    harness's "nothing half-written" check holds for this successful call."""
    from click.testing import CliRunner

    from landprofile.cli import cli

    target = out / "b.gpkg"
    r = CliRunner().invoke(cli, ["boundary", str(cfg), "--out", str(target)])
    assert r.exit_code == 0, r.output
    back = lp.read_vector(target).geometry.iloc[0]
    assert back.symmetric_difference(box(-2.0, 5.0, -1.9, 5.1)).area < 1e-12
    for p in sorted(out.iterdir()):
        p.unlink()

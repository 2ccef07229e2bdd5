"""Card inputs and special files (issue 36 item 8): stat before reading, the encodings
teams save in, YAML read safely, and user-given names printed without their control
characters."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from landprofile import errors as E  # noqa: N812
from landprofile._console import printable
from landprofile._input_files import check_input_file, read_text
from landprofile.cli import cli
from landprofile.profilecard import inputs as card_inputs

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_boundaries"


def test_a_3_gb_photo_is_refused_by_its_size_without_being_opened(tmp_path, monkeypatch):
    big = tmp_path / "huge.jpg"
    with open(big, "wb") as fh:
        fh.truncate(3 * 10**9)  # sparse: no disk used
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    (tmp_path / "n.yaml").write_text("photos: [huge.jpg]\n")
    with pytest.raises(E.InvalidParameterError, match=r"3000\.0 MB"):
        card_inputs.load_narrative(tmp_path / "n.yaml")
    assert str(big) not in opened


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8-sig", b""), ("utf-16", b""), ("utf-16-le", b"\xff\xfe")],
)
def test_unicode_texts_read_as_written(tmp_path, encoding, prefix):
    text = "livelihoods: Orpaillage à Tarkwa – Côte\n"
    p = tmp_path / "n.yaml"
    p.write_bytes(prefix + text.encode(encoding))
    assert read_text(p, "narrative") == text
    assert card_inputs.load_narrative(p)[0]["livelihoods"] == "Orpaillage à Tarkwa – Côte"


def test_cp1252_is_named_with_its_line_and_the_fix(tmp_path):
    p = tmp_path / "n.yaml"
    p.write_bytes("name: ok\nlivelihoods: élevage\n".encode("cp1252"))
    with pytest.raises(E.UnreadableFileError) as exc:
        read_text(p, "narrative")
    msg = str(exc.value)
    assert "Windows-1252" in msg
    assert "line 2" in msg
    assert "save it as UTF-8" in msg
    assert str(p) in msg


def test_special_files_are_refused_before_opening(tmp_path):
    fifo = tmp_path / "p.geojson"
    os.mkfifo(fifo)
    with pytest.raises(E.UnreadableFileError, match="named pipe"):
        check_input_file(fifo, "boundary")
    with pytest.raises(E.UnreadableFileError, match="character device"):
        check_input_file("/dev/null", "photo")
    with pytest.raises(E.SourceNotFoundError, match=r"nothing\.png"):
        check_input_file(tmp_path / "nothing.png", "photo")
    (tmp_path / "ok.txt").write_text("x")
    assert check_input_file(tmp_path / "ok.txt", "narrative", 1) == 1
    with pytest.raises(E.InvalidParameterError, match="at most"):
        check_input_file(tmp_path / "ok.txt", "narrative", 0)


def test_yaml_tags_never_run(tmp_path):
    marker = tmp_path / "ran"
    p = tmp_path / "n.yaml"
    p.write_text(f"livelihoods: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(E.UnreadableFileError, match="no tags"):
        card_inputs.load_narrative(p)
    assert not marker.exists()


def test_scorecard_goal_checks(tmp_path):
    p = tmp_path / "q.toml"
    p.write_text('[[goals]]\nid = "X1"\n[[goals.questions]]\nid = "X1.1"\ntext = "t"\n')
    assert card_inputs.load_scorecard({"X1.1": 4}, extra_questions=p) == {"X1.1": 4.0}
    p.write_text('[[goals]]\nid = "X1"\nquestions = ["not a table"]\n')
    with pytest.raises(E.InvalidParameterError, match=r"questions\[0\]"):
        card_inputs.questions(p)


def test_printable_names_keep_text_and_show_controls():
    assert printable("Tarkwa–Prestea\n  Size") == "Tarkwa–Prestea\n  Size"
    assert printable("a\x1b[2Jb\x9bc") == "a\\x1b[2Jb\\x9bc"


def test_the_cli_prints_a_landscape_name_without_its_escapes(tmp_path):
    for name in ("geoboundaries_western_region_ghana.geojson",):
        (tmp_path / name).write_bytes((SAMPLE / name).read_bytes())
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "A\\u001b]0;pwned\\u0007B"\n[boundary]\nmethod = "custom"\n'
        'source = "geoboundaries_western_region_ghana.geojson"\n'
    )
    r = CliRunner().invoke(cli, ["boundary", str(cfg), "--out", str(tmp_path / "b.gpkg")])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.output
    assert "\x07" not in r.output
    assert "A\\x1b]0;pwned\\x07B" in r.output


def test_a_missing_photo_is_named_before_any_work(tmp_path):
    from landprofile.pipeline import run

    (tmp_path / "n.yaml").write_text("livelihoods: farming\nphotos: [missing.jpg]\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "p"\n[boundary]\nmethod = "custom"\n'
        f'source = "{SAMPLE / "geoboundaries_western_region_ghana.geojson"}"\n'
        '[card]\nnarrative = "n.yaml"\n'
    )
    steps: list[str] = []
    with pytest.raises(E.SourceNotFoundError, match=r"missing\.jpg"):
        run(cfg, tmp_path / "out", progress=lambda step, seconds: steps.append(step))
    assert steps == []  # not even the boundary was built
    assert not (tmp_path / "out").exists()

"""Every documented block holds as printed (issue 35 item 5), README.md and docs/ (en, fr, es).

The blocks are read from the Markdown sources. What each kind gets:

- a TOML block must parse; a landscape config (it has ``[boundary]``) must also pass
  :func:`landprofile.config.load_config` in a fresh temporary folder holding the sample
  data (the files a page tells the user to write, ``narrative.yaml`` and ``scores.toml``,
  from the sample's own), so every key, method and file name it prints is accepted;
- a YAML block must parse (safe loading);
- every ``landprofile …`` line of a shell block must name a command that exists and only
  options that command has (resolved through click itself, not a copy of the names);
- a Python block outside the executed notebooks must compile (it names a user's files:
  the executed notebooks, ``{code-cell}``, are run by the docs build and nbmake).

A block preceded by ``<!-- lp-doc: skip — why -->`` is counted with its reason and not
checked. ``test_counts`` prints the counts (``pytest -s``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_boundaries"
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
MARKER = re.compile(r"<!--\s*lp-doc:\s*skip\s*[—-]+\s*(?P<why>.*?)\s*-->")


@dataclass(frozen=True)
class Block:
    """A fenced block of a page: where it is, its kind, its text, a skip reason."""

    page: str
    line: int
    kind: str
    text: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}:{self.kind}"


def _pages() -> list[Path]:
    docs = [
        p
        for p in sorted((ROOT / "docs").rglob("*.md"))
        if not {"_build", "_generated", "_static", "examples"} & set(p.relative_to(ROOT).parts)
    ]
    return [ROOT / "README.md", *docs]


def _kind(info: str) -> str:
    info = info.strip()
    if info.startswith("{code-cell}"):
        return "code-cell"
    if info.startswith("{"):
        return "directive"
    word = info.split()[0].lower() if info else ""
    return {"bash": "sh", "shell": "sh", "console": "sh", "py": "python"}.get(word, word)


def blocks() -> list[Block]:
    """Every fenced block of README.md and docs/ (nested fences kept whole)."""
    out = []
    for page in _pages():
        lines = page.read_text("utf-8").splitlines()
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            fence, start = m.group("fence"), i
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            before = next((t for t in reversed(lines[:start]) if t.strip()), "")
            skip = MARKER.search(before)
            indent = len(m.group("indent"))
            text = "\n".join(t[indent:] for t in lines[start + 1 : j])
            out.append(
                Block(
                    page=str(page.relative_to(ROOT)),
                    line=start + 1,
                    kind=_kind(m.group("info")),
                    text=text,
                    skip=skip.group("why") if skip else None,
                )
            )
            i = j + 1
    return out


BLOCKS = blocks()
CHECKED = ("toml", "yaml", "sh", "python")


def _of(kind: str) -> list[Block]:
    return [b for b in BLOCKS if b.kind == kind and b.skip is None]


@pytest.fixture
def sample_folder(tmp_path: Path) -> Path:
    """A fresh folder holding the sample data, as a user's landscape folder."""
    for f in SAMPLE.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    # the files the country-team pages have the user write (their blocks are checked too)
    shutil.copy(SAMPLE / "sample_narrative.yaml", tmp_path / "narrative.yaml")
    shutil.copy(SAMPLE / "sample_scorecard.toml", tmp_path / "scores.toml")
    return tmp_path


@pytest.mark.parametrize("block", _of("toml"), ids=lambda b: b.id)
def test_toml_blocks(block: Block, sample_folder: Path) -> None:
    data = tomllib.loads(block.text)  # a TOMLDecodeError names the line
    if "boundary" not in data:
        return
    from landprofile.config import load_config

    cfg = sample_folder / "my_landscape.toml"
    cfg.write_text(block.text, encoding="utf-8")
    loaded = load_config(cfg)
    assert loaded.section("boundary")["method"] in ("admin", "custom", "basins", "dem")


@pytest.mark.parametrize("block", _of("yaml"), ids=lambda b: b.id)
def test_yaml_blocks(block: Block) -> None:
    assert yaml.safe_load(block.text) is not None


def _commands(text: str) -> list[str]:
    """The ``landprofile …`` commands of a shell block (prompts and comments dropped,
    continuation lines joined, an ``ENV=value`` prefix skipped)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        line = re.sub(r"^\s*\$\s+", "", line).strip()
        line = re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", line)
        for part in re.split(r"\s*(?:&&|;)\s*", line):
            part = part.replace(".venv/bin/landprofile", "landprofile")
            if part.startswith("landprofile ") or part == "landprofile":
                found.append(part.split(" #", 1)[0].strip())
    return found


def _check_command(command: str) -> None:
    """The command and its options exist in the CLI (click resolves them)."""
    import click

    from landprofile.cli import cli

    words = shlex.split(command)[1:]
    cmd: click.Command = cli
    ctx = click.Context(cli)
    while isinstance(cmd, click.Group) and words and not words[0].startswith("-"):
        name = words.pop(0)
        if "|" in name:  # "boundary|profile|zones|card": each must exist
            for alt in name.split("|"):
                assert cmd.get_command(ctx, alt) is not None, f"{command}: no command {alt!r}"
            cmd = cmd.get_command(ctx, name.split("|")[0])
            continue
        sub = cmd.get_command(ctx, name)
        assert sub is not None, f"{command}: no command {name!r}"
        cmd = sub
    known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in words:
        if word.startswith("--"):
            opt = word.split("=", 1)[0]
            assert opt in known, f"{command}: {cmd.name} has no option {opt} ({sorted(known)})"


SH_COMMANDS = [(b, c) for b in _of("sh") for c in _commands(b.text)]


@pytest.mark.parametrize(
    ("block", "command"), SH_COMMANDS, ids=[f"{b.id}:{c[:40]}" for b, c in SH_COMMANDS]
)
def test_shell_commands_exist(block: Block, command: str) -> None:
    _check_command(command)


@pytest.mark.parametrize("block", _of("python"), ids=lambda b: b.id)
def test_python_blocks_compile(block: Block) -> None:
    text = block.text
    if re.match(r"\s*>>> ", text):  # a session: the code after the prompts
        text = "\n".join(t[4:] for t in text.splitlines() if t.startswith((">>> ", "... ")))
    compile(text, block.id, "exec")


def test_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """The counts the docs' README gives (printed with ``-s``)."""
    kinds = Counter(b.kind for b in BLOCKS if b.skip is None)
    skipped = Counter(b.skip for b in BLOCKS if b.skip is not None)
    with capsys.disabled():
        print(f"\ndocumented blocks: {len(BLOCKS)} in {len({b.page for b in BLOCKS})} pages")
        for kind in CHECKED:
            print(f"  checked {kind}: {kinds[kind]}")
        print(f"  landprofile commands resolved: {len(SH_COMMANDS)}")
        print(f"  executed notebook cells (docs build, not here): {kinds['code-cell']}")
        print(f"  marked skip: {sum(skipped.values())} {dict(skipped)}")
        other = {k: v for k, v in kinds.items() if k not in (*CHECKED, "code-cell")}
        print(f"  not commands (text, output, directives): {sum(other.values())} {other}")
    # the country-team configs in three languages are among the checked ones
    configs = [b for b in _of("toml") if "[boundary]" in b.text]
    assert {b.page for b in configs} >= {
        "docs/tutorials/country_team.md",
        "docs/fr/equipe_pays.md",
        "docs/es/equipo_pais.md",
    }
    assert kinds["sh"] > 10
    assert len(SH_COMMANDS) > 10


def _files_named(value: object) -> set[str]:
    if isinstance(value, dict):
        return {f for v in value.values() for f in _files_named(v)}
    if isinstance(value, list):
        return {f for v in value for f in _files_named(v)}
    if isinstance(value, str) and re.fullmatch(r"[\w.-]+\.(geojson|tif|csv|yaml|toml|png)", value):
        return {value}
    return set()


@pytest.mark.parametrize(
    "page", ["docs/tutorials/country_team.md", "docs/fr/equipe_pays.md", "docs/es/equipo_pais.md"]
)
def test_the_folder_listing_names_every_file_the_config_needs(page: str) -> None:
    mine = [b for b in BLOCKS if b.page == page]
    listing = next(b.text for b in mine if "<-" in b.text and "narrative.yaml" in b.text)
    config = next(b for b in mine if b.kind == "toml" and "[boundary]" in b.text)
    named = _files_named(tomllib.loads(config.text))
    for b in mine:
        if b.kind == "yaml":
            named |= _files_named(yaml.safe_load(b.text))
    named -= {"my_landscape.toml", "mon_paysage.toml", "mi_paisaje.toml"}
    assert len(named) > 10
    missing = sorted(f for f in named if f not in listing and "..." not in f)
    # sites, concessions... are summed up by the listing's "..." line, by their kind
    summed = {f for f in missing if f.startswith(("synthetic_", "earthgenome_", "geonames_"))}
    assert set(missing) == summed, f"{page}: the listing omits {sorted(set(missing) - summed)}"


def test_every_config_key_has_its_reference_entry() -> None:
    """The config reference (docs/conf.py) gives every key of the schema its type,
    default and description (issue 35: 37 of 65 had none)."""
    from landprofile import _config_schema as c

    tables = {
        "boundary": c._BOUNDARY, "rasters": c._RASTERS, "layers": c._LAYERS,
        "zoning": c._ZONING, "select": c._SELECT, "card": c._CARD, "change": c._CHANGE,
        "data": c._DATA, "monitoring": c._MONITORING,
    }  # fmt: skip
    keys = {("", k) for k in c._SECTIONS - set(tables)}
    keys |= {(s, k) for s, ks in tables.items() for k in ks}
    # 65 + [credits] (issue 37) + [monitoring]'s 6 and [card] workshop_scores,
    # workshop_disagree_iqr, workshop_invalid (issue 39)
    assert len(keys) == 75
    assert set(c._DOCS) == keys
    for key, (kind, default, what) in c._DOCS.items():
        assert kind.strip(), key
        assert default.strip(), key
        assert len(what) > 10, key


def _raw_tex():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_math_offline", ROOT / "docs" / "methods" / "check_math_offline.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.raw_tex


def test_the_math_check_sees_raw_tex() -> None:
    """The shape of issue 35's methods/locate bug: a display formula left as source."""
    raw_tex = _raw_tex()
    bad = (
        "<article><p>replaced by $$\\sum_{j} x_j \\le 1$$ allows "
        '<span class="math notranslate">\\(x_i\\)</span> = \\tfrac12$ in a triangle</p>'
        "<pre>$ landprofile run</pre></article>"
    )
    found = raw_tex(bad)
    assert any("\\tfrac12$" in f for f in found)
    assert raw_tex('<article><p>a <span class="math">\\(\\tfrac12\\)</span></p></article>') == []


#: A built site (./quickstart.sh docs), or another build folder named by the variable.
BUILT = Path(os.environ.get("LANDPROFILE_DOCS_HTML", ROOT / "docs" / "_build" / "html"))


@pytest.mark.skipif(not (BUILT / "methods" / "locate.html").exists(), reason="docs not built")
def test_built_pages_hold_no_raw_tex() -> None:
    raw_tex = _raw_tex()
    found = {
        str(p.relative_to(BUILT)): raw_tex(p.read_text("utf-8"))
        for p in sorted((BUILT / "methods").glob("*.html"))
    }
    assert not {k: v for k, v in found.items() if v}


#: Notebook tutorials run from a fresh folder, not their own (issue 35: the analyst's
#: ran only from docs/tutorials/). The others run at each docs build from their folder.
ANYWHERE = [
    "docs/tutorials/analyst.md",
    "docs/tutorials/planner.md",
    "docs/fr/planificateur.md",
    "docs/es/planificador.md",
]


@pytest.mark.parametrize("page", ANYWHERE)
def test_a_notebook_tutorial_runs_from_any_folder(page: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    cells = [b.text for b in BLOCKS if b.page == page and b.kind == "code-cell"]
    assert len(cells) > 5
    # cell options (":tags:" lines) are MyST's, not Python
    code = "\n\n".join(
        "\n".join(t for t in c.splitlines() if not re.match(r"\s*:\w+:", t)) for c in cells
    )
    script = tmp_path / "tutorial.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "LANDPROFILE_OFFLINE_MAPS": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip()  # it printed its results
    assert not r.stderr.strip(), r.stderr[-3000:]  # no warning (the docs build fails on one)


def _keys(table: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in table.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and k not in ("class_scores", "group_scores"):
            out |= _keys(v, name + ".")
        else:
            out.add(name)
    return out


@pytest.mark.parametrize(
    "page", ["docs/tutorials/planner.md", "docs/fr/planificateur.md", "docs/es/planificador.md"]
)
def test_the_planners_complete_template_has_every_rule_of_the_default(page: str) -> None:
    """The page calls its rule set complete (not merged with the default): every table
    and key of default_igf.toml is in it (issue 35: water, slope, agreement_field)."""
    from importlib.resources import files

    default = tomllib.loads(
        (files("landprofile") / "data" / "rules" / "default_igf.toml").read_text("utf-8")
    )
    text = next(b.text for b in BLOCKS if b.page == page and 'COUNTRY_RULES = """' in b.text)
    template = tomllib.loads(text.split('COUNTRY_RULES = """', 1)[1].split('"""', 1)[0])
    # the set's own name (and its translations) and version are the country's, not rules
    missing = _keys(default) - _keys(template) - {"name", "name_fr", "name_es", "version"}
    assert not missing, f"{page}: the complete template drops {sorted(missing)}"


def test_the_country_team_run_as_printed_and_its_numbers(tmp_path: Path) -> None:
    """The country-team page's config and command, run as printed (``.venv/bin`` on the
    PATH, from the folder the page has the user make), and the numbers the page says
    the card reports, checked against the outputs and, for the geometry, against
    pyproj.Geod and shapely (not the program's own figures)."""
    import subprocess
    import sys

    import geopandas as gpd
    import shapely
    from pyproj import Geod

    page = "docs/tutorials/country_team.md"
    mine = [b for b in BLOCKS if b.page == page]
    config = next(b for b in mine if b.kind == "toml" and "[boundary]" in b.text)
    shell = next(b for b in mine if b.kind == "sh" and "landprofile run" in b.text)
    folder = tmp_path / "my-landscape"
    folder.mkdir()
    for f in SAMPLE.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    shutil.copy(SAMPLE / "sample_narrative.yaml", folder / "narrative.yaml")
    shutil.copy(SAMPLE / "sample_scorecard.toml", folder / "scores.toml")
    (folder / "my_landscape.toml").write_text(config.text, encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(
        ["sh", "-e", "-c", shell.text], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    out = folder / "out"
    card = (out / "card.html").read_text("utf-8")
    prose = " ".join(Path(ROOT / page).read_text("utf-8").split())
    stated = ["904,325 ha", "9,043.2 km²", "400.7 km", "953,882", "105.5 per km²", "98.6 %"]
    stated += ["54.3 %", "23.3 %", "21.0 %", "214 of Earth Genome"]
    for s in stated:
        assert s in prose, f"the page no longer says {s!r}: update this test"
        number = re.match(r"[\d.,]+", s).group(0)
        assert number in card, f"the page says {s!r}; the card does not show {number}"
    # the geometry, independently: the boundary's size and perimeter by Geod, the sites
    # inside by shapely, ten zones of about 1,000 ha by Geod
    geod = Geod(ellps="WGS84")
    boundary = gpd.read_file(out / "zones.gpkg", layer="boundary").to_crs(4326).union_all()
    # edges as drawn on the map (lon/lat straight lines), densified 10x finer than the
    # program does: Geod on the bare vertices would measure other lines (56 ha less)
    area, perimeter = geod.geometry_area_perimeter(shapely.segmentize(boundary, 0.0001))
    assert abs(abs(area) / 1e4 - 904_325) < 1
    assert abs(perimeter / 1e3 - 400.7) < 0.05
    sites = gpd.read_file(SAMPLE / "earthgenome_asm_2024_sw_ghana.geojson").to_crs(4326)
    assert int(sites.intersects(boundary).sum()) == 214
    zones = gpd.read_file(out / "zones.gpkg", layer="zones").to_crs(4326)
    assert len(zones) == 10  # "ten candidate ASM zones"
    areas = [abs(geod.geometry_area_perimeter(g)[0]) / 1e4 for g in zones.geometry]
    assert all(900 <= a <= 1000.5 for a in areas), areas  # "of about 1,000 ha each"

"""The workshop's scorecard (issue 39 item 5): participants' scores CSV, its summary, the card.

Oracle for the aggregation: pandas (groupby median / quantile / count / min / max)
computed here on the rows the generator knows to be valid, never the module's output.
"""

from __future__ import annotations

import csv
import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

import landprofile as lp
from landprofile.cli import cli
from landprofile.errors import DataWarning, InvalidParameterError, UnsupportedFormatError
from landprofile.i18n import strings
from landprofile.profilecard.workshop import (
    HEADERS,
    WorkshopScoresError,
    read_workshop,
    template_csv,
)
from landprofile.testing import halves_land_cover, square_landscape

IDS = [f"C{i}" for i in range(1, 6)] + [f"P{i}" for i in range(1, 6)]
HALF = np.arange(2, 11) / 2  # 1, 1.5, ... 5


def _fmt(v: float, comma: bool) -> str:
    text = f"{v:g}"
    return text.replace(".", ",") if comma else text


def generate(seed: int, lang: str = "en", delimiter: str = ","):
    """A workshop CSV with valid, missing and invalid rows, and what each row is.

    Returns the CSV text, the valid records (participant, indicator, then, now as the
    generator meant them, NaN where left empty) and the invalid rows' numbers (header = 1)
    with a word their reason must hold.
    """
    rng = np.random.default_rng(seed)
    people = [f"Participant {k}" for k in range(int(rng.integers(3, 14)))]
    rows: list[list[str]] = []
    valid: list[dict] = []
    invalid: dict[int, str] = {}
    used: list[tuple[str, str, int]] = []
    comma = delimiter == ";"

    def add(cells: list[str]) -> int:
        rows.append(cells)
        return len(rows) + 1  # the header is row 1

    for who in people:
        for qid in IDS:
            u = rng.random()
            if u < 0.12:
                continue  # this participant has no row for that indicator (missing)
            then = float(rng.choice(HALF)) if rng.random() < 0.7 else np.nan
            now = float(rng.choice(HALF)) if rng.random() < 0.9 else np.nan
            cells = [
                who,
                qid.lower() if rng.random() < 0.1 else qid,
                "",
                "" if np.isnan(then) else _fmt(then, comma and rng.random() < 0.5),
                "" if np.isnan(now) else _fmt(now, comma and rng.random() < 0.5),
            ]
            n = add(cells)
            if np.isnan(then) and np.isnan(now):
                continue  # a row with both scores empty: not scored, not an error
            valid.append({"participant": who, "indicator": qid, "then": then, "now": now})
            used.append((who, qid, n))
        if rng.random() < 0.5:
            add(["", "", "", "", ""])  # a blank row
    # invalid rows of every kind, each after the rows above
    bad_kinds = [
        (lambda: [people[0], "C1", "", "", "0"], "scale"),
        (lambda: [people[0], "C2", "", "5.5", "3"], "scale"),
        (lambda: [people[-1], "P3", "", "2.3", ""], "scale"),
        (lambda: [people[1], "C3", "", "", "abc"], "not a number"),
        (lambda: [people[1], "C4", "", "nan", "2"], "not a number"),
        (lambda: [people[1], "C5", "", "inf", ""], "not a number"),
        (lambda: [people[2], "Z9", "", "3", "3"], "unknown indicator"),
        (lambda: ["", "P1", "", "3", "3"], "no participant"),
        (lambda: [people[0], "", "", "3", ""], "no indicator"),
    ]
    for make, why in bad_kinds:
        if rng.random() < 0.8:
            cells = make()
            # an invalid row never shadows a valid one: take a pair nobody scored yet
            invalid[add(cells)] = why
    for who, qid, first in [used[i] for i in rng.choice(len(used), 3, replace=False)]:
        name = who.upper() if rng.random() < 0.5 else who  # the same participant
        invalid[add([name, qid, "", "4", "4"])] = f"row {first}"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(HEADERS[lang])
    w.writerows(rows)
    return buf.getvalue(), pd.DataFrame(valid), invalid


def pandas_summary(valid: pd.DataFrame, column: str) -> pd.DataFrame:
    g = valid.dropna(subset=[column]).groupby("indicator")[column]
    out = pd.DataFrame(
        {
            "n": g.count(),
            "median": g.median(),
            "q1": g.quantile(0.25),
            "q3": g.quantile(0.75),
            "min": g.min(),
            "max": g.max(),
        }
    )
    out["iqr"] = out["q3"] - out["q1"]
    out["disagree"] = (out["iqr"] >= 2) & (out["n"] > 1)
    return out.reindex(IDS)


@pytest.mark.parametrize(
    ("seed", "lang", "delimiter"),
    [(1, "en", ","), (2, "fr", ";"), (3, "es", "\t"), (4, "en", ";"), (5, "fr", ",")],
)
def test_aggregation_equals_pandas_on_a_generated_csv(tmp_path, seed, lang, delimiter):
    text, valid, invalid = generate(seed, lang, delimiter)
    path = tmp_path / "scores.csv"
    path.write_text(text, encoding="utf-8")
    # strict: every invalid row named with its row number and why
    with pytest.raises(WorkshopScoresError) as err:
        read_workshop(path)
    msg = str(err.value)
    assert "scores.csv" in msg
    assert f"{len(invalid)} invalid row(s)" in msg
    for row in invalid:
        assert re.search(rf"\brow {row}: ", msg), (row, msg)
    # lenient: left out, warned, listed; the rest summarised
    with pytest.warns(DataWarning, match="invalid row"):
        ws = read_workshop(path, strict=False)
    got_invalid = {x["row"]: x["reason"] for x in ws.invalid}
    assert got_invalid.keys() == invalid.keys()
    for row, word in invalid.items():
        assert word in got_invalid[row], (row, got_invalid[row])
    assert len(ws.scores) == len(valid)
    s = ws.summary.set_index("indicator")
    assert list(s.index) == IDS
    for column in ("then", "now"):
        want = pandas_summary(valid, column)
        n = s[f"n_{column}"]
        np.testing.assert_array_equal(n.to_numpy(), want["n"].fillna(0).to_numpy())
        for stat in ("median", "q1", "q3", "iqr", "min", "max"):
            np.testing.assert_allclose(
                s[f"{stat}_{column}"].to_numpy(dtype=float),
                want[stat].to_numpy(dtype=float),
                rtol=0,
                atol=1e-12,
                err_msg=f"{stat}_{column}",
            )
        np.testing.assert_array_equal(
            s[f"disagree_{column}"].to_numpy(), want["disagree"].fillna(False).to_numpy()
        )


def test_disagreement_threshold_is_a_parameter(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("participant,indicator,then,now\na,C1,,1\nb,C1,,2\nc,C1,,3\nd,C1,,4\n")
    # quartiles of 1, 2, 3, 4 by linear interpolation: 1.75 and 3.25, IQR 1.5
    assert not read_workshop(p).stats("C1")["disagree"]
    assert read_workshop(p, disagree_iqr=1.5).stats("C1")["disagree"]
    assert read_workshop(p).stats("C1")["iqr"] == pytest.approx(1.5)
    for bad in (-1, 4.5, float("nan"), "2", True):
        with pytest.raises(InvalidParameterError, match="disagree_iqr"):
            read_workshop(p, disagree_iqr=bad)


def test_a_lone_score_never_disagrees(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("participant,indicator,now\na,C1,1\n")
    st = read_workshop(p, disagree_iqr=0).stats("C1")
    assert st["n"] == 1
    assert not st["disagree"]


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_template_reads_back_empty_and_filled(tmp_path, lang):
    text = template_csv(lang)
    lines = text.splitlines()
    assert lines[0] == ",".join(HEADERS[lang])
    assert [ln.split(",")[1] for ln in lines[1:]] == IDS
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    empty = read_workshop(p)
    assert empty.scores.empty
    assert empty.invalid == ()
    # two participants fill it: their scores come back
    rows = list(csv.reader(io.StringIO(text)))
    filled = [rows[0]]
    for who, now in (("Ama", "4"), ("Kofi", "2,5")):
        for r in rows[1:]:
            filled.append([who, r[1], r[2], "", now])
    buf = io.StringIO()
    csv.writer(buf).writerows(filled)
    p.write_text(buf.getvalue(), encoding="utf-8-sig")  # Excel's BOM
    ws = read_workshop(p)
    assert ws.participants == ("Ama", "Kofi")
    assert ws.stats("P5")["median"] == pytest.approx(3.25)
    assert ws.stats("P5")["n"] == 2


def test_cli_template_and_summary(tmp_path):
    r = CliRunner().invoke(cli, ["scorecard", "template", "--lang", "fr"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == ";".join(HEADERS["fr"])
    out = tmp_path / "scores.csv"
    r = CliRunner().invoke(cli, ["scorecard", "template", "--lang", "es", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbfparticipante;indicador")
    # a file the user wrote there is never replaced
    mine = tmp_path / "mine.csv"
    mine.write_text("my notes\n")
    r = CliRunner().invoke(cli, ["scorecard", "template", "--out", str(mine)])
    assert r.exit_code != 0
    assert mine.read_text() == "my notes\n"
    s = tmp_path / "s.csv"
    s.write_text("participant,indicator,then,now\na,C1,2,1\nb,C1,3,5\nc,C1,,5\n")
    r = CliRunner().invoke(cli, ["scorecard", "summary", str(s)])
    assert r.exit_code == 0, r.output
    assert "3 participants" in r.output
    assert re.search(r"C1\s+3\s+5\.0", r.output)
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,indicator,now\na,C1,9\n")
    r = CliRunner().invoke(cli, ["scorecard", "summary", str(bad)])
    assert r.exit_code != 0
    assert "row 2" in r.output


@pytest.mark.parametrize(
    ("content", "suffix", "error", "text"),
    [
        ("who,what,now\na,C1,3\n", ".csv", WorkshopScoresError, "lacks participant"),
        ("participant,indicator,question\na,C1,x\n", ".csv", WorkshopScoresError, "then or now"),
        ("", ".csv", WorkshopScoresError, "is empty"),
        ("C1 = 3\n", ".toml", UnsupportedFormatError, "give a .csv file"),
    ],
)
def test_unusable_files_are_named(tmp_path, content, suffix, error, text):
    p = tmp_path / f"scores{suffix}"
    p.write_text(content)
    with pytest.raises(error, match=text) as e:
        read_workshop(p)
    assert p.name in str(e.value)


@pytest.fixture(scope="module")
def prof():
    import tempfile
    from pathlib import Path

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tif = halves_land_cover(Path(tempfile.mkdtemp()) / "lc.tif")
        return lp.profile(square_landscape(), land_cover=tif, legend="esa_worldcover_v200")


WORKSHOP = (
    "participant,indicator,then,now\n"
    "Ama,C1,2,1\nKofi,C1,3,5\nEfua,C1,2,5\nYaw,C1,,3\n"  # now 1 3 5 5: IQR 2.5, disagree
    "Ama,P2,3,4\nKofi,P2,3,4.5\nEfua,P2,4,4\n"  # now 4 4 4.5: IQR 0.25
    "Ama,C3,9,9\n"  # invalid (skipped when asked)
)


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_card_shows_median_iqr_count_and_the_disagreement_mark(tmp_path, prof, lang):
    p = tmp_path / "workshop.csv"
    p.write_text(WORKSHOP)
    with pytest.raises(WorkshopScoresError, match="row 9"):
        lp.card(prof, lang=lang, workshop=p)
    with pytest.warns(DataWarning):
        ws = read_workshop(p, strict=False)
    html = lp.card(prof, lang=lang, workshop=ws).html
    s = strings(lang)
    soup = BeautifulSoup(html, "html.parser")
    sec = soup.find("section", id="scorecard")
    heads = [th.get_text() for th in sec.find("table", class_="ws").find_all("th")]
    assert f"{s['ws_median']} ({s['now']})" in heads
    assert s["ws_iqr"] in heads
    assert s["ws_n"] in heads
    dec = "," if lang != "en" else "."
    c1 = sec.find("tr", attrs={"data-indicator": "C1"})
    # the oracle: numpy on the four now scores of C1 (1, 3, 5, 5)
    q1, med, q3 = np.quantile([1, 3, 5, 5], [0.25, 0.5, 0.75])
    assert (
        c1.find("td", class_="median")
        .get_text(" ", strip=True)
        .startswith(f"{med:.1f}".replace(".", dec))
    )
    assert c1.find("td", class_="iqr").get_text() == f"{q1:.1f}–{q3:.1f}".replace(".", dec)
    assert c1.find("td", class_="range").get_text() == f"1{dec}0–5{dec}0"
    assert c1.find("td", class_="count").get_text() == "4"
    assert c1.find("span", class_="ws-mark") is not None  # disagree: IQR 2.5 >= 2
    assert "disagree" in c1.get("class", [])
    p2 = sec.find("tr", attrs={"data-indicator": "P2"})
    assert p2.find("td", class_="median").get_text(strip=True) == f"4{dec}0"
    assert p2.find("td", class_="iqr").get_text() == f"4{dec}0–4{dec}25"
    assert p2.find("td", class_="count").get_text() == "3"
    assert p2.find("span", class_="ws-mark") is None
    c2 = sec.find("tr", attrs={"data-indicator": "C2"})
    assert c2.find("td", class_="count").get_text() == "0"
    assert s["not_scored"] in c2.get_text()
    # then: C1's medians then (2, 3, 2 -> 2)
    assert c1.find("td", class_="median-then").get_text(strip=True) == f"2{dec}0"
    assert sec.find(class_="ws-invalid-note") is not None
    assert "9" in sec.find(class_="ws-invalid-note").get_text()
    assert "workshop.csv" in sec.find(class_="ws-summary").get_text()
    assert str(tmp_path) not in html


def test_the_printed_card_shows_the_workshop(tmp_path, prof):
    """The PDF is the printed page: its text holds the workshop's table."""
    import pypdfium2 as pdfium

    p = tmp_path / "workshop.csv"
    p.write_text(WORKSHOP.rsplit("Ama,C3", 1)[0])
    crd = lp.card(prof, lang="fr", workshop=p)
    assert 'data-indicator="C1"' in crd.print_html()
    pdf = crd.to_pdf(tmp_path / "card.pdf")
    doc = pdfium.PdfDocument(str(pdf))
    try:
        text = " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        text = " ".join(text.split())  # the printed table wraps its headers
    finally:
        doc.close()
    assert "Médiane" in text
    assert "Écart interquartile" in text
    assert "◆" in text or "Désaccord" in text


def _config(tmp_path, card: str):
    import geopandas as gpd
    from shapely.geometry import box

    gpd.GeoDataFrame({"name": ["w"]}, geometry=[box(-2.0, 5.0, -1.9, 5.1)], crs=4326).to_file(
        tmp_path / "b.geojson"
    )
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'name = "w"\nlanguage = "fr"\n[boundary]\nmethod = "custom"\nsource = "b.geojson"\n'
        f"[zoning]\nenabled = false\n[card]\n{card}"
    )
    return cfg


def test_a_config_with_invalid_scores_is_named_before_any_work(tmp_path):
    from landprofile.pipeline import run

    (tmp_path / "s.csv").write_text(WORKSHOP)
    cfg = _config(tmp_path, 'workshop_scores = "s.csv"\n')
    steps: list[str] = []
    with pytest.raises(WorkshopScoresError, match=r"s\.csv.*row 9"):
        run(cfg, tmp_path / "out", progress=lambda step, seconds: steps.append(step))
    assert steps == []  # not even the boundary was built
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("line", "text"),
    [("workshop_invalid = 'maybe'", "workshop_invalid"), ("workshop_disagree_iqr = 9", "<= 4")],
)
def test_config_values_are_checked(tmp_path, line, text):
    from landprofile.config import ConfigError
    from landprofile.pipeline import load_config

    (tmp_path / "s.csv").write_text(WORKSHOP)
    cfg = _config(tmp_path, f'workshop_scores = "s.csv"\n{line}\n')
    with pytest.raises(ConfigError, match=text):
        load_config(cfg)


def test_a_run_puts_the_workshop_on_its_card(tmp_path):
    from landprofile.pipeline import run

    (tmp_path / "s.csv").write_text(WORKSHOP)
    cfg = _config(
        tmp_path,
        'workshop_scores = "s.csv"\nworkshop_invalid = "skip"\nworkshop_disagree_iqr = 3\n',
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(cfg, tmp_path / "out")
    soup = BeautifulSoup(out.card_html.read_text(encoding="utf-8"), "html.parser")
    c1 = soup.find("tr", attrs={"data-indicator": "C1"})
    assert c1.find("td", class_="count").get_text() == "4"
    assert c1.find("span", class_="ws-mark") is None  # IQR 2.5 < 3 here
    assert "3,0" in soup.find(class_="ws-disagree-note").get_text()
    assert soup.find(class_="ws-invalid-note") is not None

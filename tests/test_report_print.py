"""The printed report in linear time, long text that fits the page, and the card's inputs
refused or left out by name (issue 25 items 5 and 6)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
from PIL import Image

import landprofile as lp
from landprofile.errors import CardWarning, InvalidParameterError

SENTENCE = (
    "Les orpailleurs travaillent le long de la rivière Ankobra pendant la saison sèche et "
    "cultivent le cacao le reste de l'année ; la turbidité augmente en aval des sites. "
)


@pytest.fixture(scope="module")
def small_profile(sample_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ls = lp.from_admin(
            sample_dir / "synthetic_districts_sw_ghana.geojson",
            names=["Aboso", "Prestea"],
            name="Ankobra",
        )
        return lp.profile(
            ls,
            land_cover=sample_dir / "modis_igbp_2019_sw_ghana.tif",
            legend="modis_igbp",
        )


def _pdf(path: Path) -> tuple[list[str], list[tuple[float, float]], float]:
    """(text of each page, (width, height) of each page, rightmost glyph edge in points)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        texts, sizes, right = [], [], 0.0
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            texts.append(tp.get_text_range())
            sizes.append(page.get_size())
            for c in range(tp.count_chars()):
                right = max(right, tp.get_charbox(c)[2])
        return texts, sizes, right
    finally:
        doc.close()


def _flat(text: str) -> str:
    """Text without its spaces and line breaks (pdfium writes a hyphen ending a line as
    U+FFFE)."""
    return "".join(text.split()).replace("\ufffe", "-")


def test_a_20000_character_field_prints_in_bounded_time_and_whole(small_profile, tmp_path):
    text = (SENTENCE * 250)[:20_000] + " FIN-DU-TEMOIGNAGE-20000"
    c = lp.card(small_profile, narrative={"challenges": text}, lang="fr")
    c.to_pdf(tmp_path / "warm.pdf")  # fonts and modules loaded: the figure is the layout
    t0 = time.perf_counter()
    pdf = c.to_pdf(tmp_path / "long.pdf")
    elapsed = time.perf_counter() - t0
    # the goal is <= 10 s on an idle 2-core machine; before, this never finished.
    # The bound allows for the shared CI cores without letting a quadratic layout pass
    # (4,000 characters already took > 45 s).
    assert elapsed < 30, elapsed
    texts, sizes, right = _pdf(pdf)
    whole = "\n".join(texts)
    assert "FIN-DU-TEMOIGNAGE-20000" in whole  # the end of the field is printed
    # every sentence is there (a page break puts the margins' text inside at most one)
    assert _flat(whole).count(_flat(SENTENCE)) >= 20_000 // len(SENTENCE) - len(texts)
    # every page is A4 and the page numbers count all of them
    assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)
    assert f"Page {len(texts)} / {len(texts)}" in texts[-1]
    assert right <= 595.3


def test_long_names_and_captions_wrap_inside_the_page(small_profile, tmp_path, sample_dir):
    word = "Ankobra" * 25  # 175 letters, no break opportunity
    name = f"Paysage {word} et " + "Tarkwa–Prestea " * 12
    caption = "Légende " + "x" * 300 + " fin-de-légende"
    narrative = {
        "name": name,
        "photos": [{"file": str(sample_dir / "sample_photo_synthetic.png"), "caption": caption}],
        "governance": "Comité " + "de-coordination-multipartite-" * 20,
    }
    c = lp.card(small_profile, narrative=narrative, lang="fr")
    texts, sizes, right = _pdf(c.to_pdf(tmp_path / "names.pdf"))
    # no glyph beyond the page's right edge (A4 is 595.3 pt wide)
    assert right <= sizes[0][0], (right, sizes[0][0])
    whole = _flat("\n".join(texts))
    assert _flat(name) in whole  # the whole name, wrapped, not clipped
    assert _flat(caption) in whole
    assert _flat(narrative["governance"]) in whole


@pytest.mark.parametrize(
    ("narrative", "match"),
    [
        ({"sources": ["text"]}, r"sources\[0\] = 'text'.*accepted: a table \{role"),
        ({"sources": "GPW"}, r"sources = 'GPW'.*accepted: a list"),
        ({"sources": [{"role": "population", "licence": "x"}]}, r"sources\[0\].*'licence'"),
        ({"sources": [{"role": "population", "name": {"a": 1}}]}, r"sources\[0\]\.name"),
        ({"photos": [None]}, r"photos\[0\] = None.*accepted: a file name, or a table"),
        ({"photos": "a.png"}, r"photos = 'a.png'.*accepted: a list"),
        ({"photos": [{"caption": "no file"}]}, r"photos\[0\]: file = None"),
        ({"photos": [{"file": "a.png", "legend": "x"}]}, r"photos\[0\].*'legend'"),
        ({"livelihoods": {"cacao": 1}}, r"livelihoods = \{'cacao': 1\} \(dict\).*accepted: text"),
        ({"livelihoods": ["cacao", ["nested"]]}, r"livelihoods\[1\] = \['nested'\]"),
        ({"name": True}, r"name = True \(bool\).*quote"),
    ],
)
def test_each_bad_narrative_value_is_a_named_error(small_profile, narrative, match):
    with pytest.raises(InvalidParameterError, match=match):
        lp.card(small_profile, narrative=narrative)


def test_bad_narrative_values_in_a_yaml_file_name_the_file(small_profile, tmp_path):
    f = tmp_path / "narrative.yaml"
    f.write_text("sources:\n  - text\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"narrative .*narrative\.yaml: sources\[0\]"):
        lp.card(small_profile, narrative=f)
    f.write_text("photos:\n  -\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"narrative\.yaml: photos\[0\] = None"):
        lp.card(small_profile, narrative=f)
    # what a team naturally writes still works: a YAML date, a number, a list of items
    f.write_text(
        "products: [cacao, 12]\nsources:\n  - {role: population, name: GPW, date: 2020-01-01}\n",
        encoding="utf-8",
    )
    html = lp.card(small_profile, narrative=f).html
    assert "2020-01-01" in html
    assert "• 12" in html


def test_a_corrupt_or_fake_photo_is_warned_about_and_left_out(small_profile, tmp_path, sample_dir):
    good = sample_dir / "sample_photo_synthetic.png"
    fake = tmp_path / "page-saved-as.png"
    fake.write_bytes(b"<!DOCTYPE html><html><body>Not found</body></html>")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    jpeg_named_png = tmp_path / "really-a-jpeg.png"
    Image.new("RGB", (40, 30), "#1b4332").save(jpeg_named_png, format="JPEG")
    narrative = {
        "photos": [
            {"file": str(fake), "caption": "fausse"},
            {"file": str(truncated), "caption": "tronquée"},
            {"file": str(good), "caption": "la bonne"},
            {"file": str(jpeg_named_png), "caption": "un jpeg"},
        ]
    }
    with pytest.warns(CardWarning) as record:
        c = lp.card(small_profile, narrative=narrative, lang="fr")
    messages = [str(w.message) for w in record if issubclass(w.category, CardWarning)]
    assert len(messages) == 2, messages
    assert "page-saved-as.png" in messages[0]
    assert "does not decode" in messages[0]
    assert "truncated.png" in messages[1]
    assert "left out of the card" in messages[1]
    html = c.html
    section = html.split('<section id="photos">')[1].split("</section>")[0]
    assert section.count("<img") == 2  # the good photo and the JPEG, nothing else
    assert "page-saved-as.png" not in section
    assert "truncated.png" not in section
    assert "la bonne" in section
    # the JPEG is embedded as what it is, not as the name says
    assert "data:image/jpeg;base64," in section
    texts, _, _ = _pdf(c.to_pdf(tmp_path / "photos.pdf"))
    whole = "\n".join(texts)
    assert "la bonne" in whole
    assert "fausse" not in whole
    assert "tronquée" not in whole


def test_a_photo_too_large_in_pixels_is_left_out(small_profile, tmp_path):
    from landprofile.profilecard.inputs import MAX_PHOTO_PIXELS

    big = tmp_path / "huge.png"
    # a small file (one colour compresses to almost nothing) holding 56 Mpx
    Image.new("1", (8000, 7000)).save(big)
    assert MAX_PHOTO_PIXELS < 8000 * 7000
    assert big.stat().st_size < 1_000_000
    with pytest.warns(CardWarning, match=r"huge\.png' is 8000 x 7000 = 56 Mpx"):
        c = lp.card(small_profile, narrative={"photos": [str(big)]})
    assert "huge.png" not in c.html.split('<section id="photos">')[1].split("</section>")[0]


def _csp(html: str) -> str:
    return html.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]


def test_an_http_basemap_warns_and_the_policy_and_the_map_agree(small_profile):
    url = "http://tiles.example.org/{z}/{x}/{y}.png"
    with pytest.warns(CardWarning, match=r"cannot load tiles over plain http.*\.mbtiles"):
        c = lp.card(small_profile, basemap=url)
    csp = _csp(c.html)
    assert "img-src data:;" in csp  # nothing from the network
    assert "tiles.example.org" not in c.html  # and no layer the policy would block
    # an https server is allowed, and only that one
    with warnings.catch_warnings():
        warnings.simplefilter("error", CardWarning)
        c = lp.card(small_profile, basemap="https://tile.example.org/{z}/{x}/{y}.png")
    csp = _csp(c.html)
    assert "img-src data: https://tile.example.org;" in csp
    assert "https:;" not in csp
    # Leaflet's {s} subdomains: the policy's wildcard for that domain
    c = lp.card(small_profile, basemap="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src data: https://*.tile.example.org;" in _csp(c.html)
    with pytest.raises(InvalidParameterError, match="not a tile URL"):
        lp.card(small_profile, basemap='https://x.org"><script>/{z}/{x}/{y}.png')

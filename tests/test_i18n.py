"""Words in the reader's language: one term per concept, typography, rule set names."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from landprofile.i18n import LANGS, fmt_number, percent, strings, typography
from landprofile.zoning import default_rules


def _glossary() -> dict:
    text = resources.files("landprofile").joinpath("data/i18n/glossary.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize("lang", LANGS)
def test_one_term_per_concept(lang):
    texts = [v.casefold() for v in strings(lang).values() if isinstance(v, str)]
    texts.append(default_rules().display_name(lang).casefold())
    for concept, entry in _glossary().items():
        term = entry[lang].casefold()
        assert any(term in t for t in texts), f"{concept}: {entry[lang]!r} is never used"
        for bad in entry.get(f"avoid_{lang}", []):
            hits = [t for t in texts if bad.casefold() in t]
            assert hits == [], f"{concept}: {bad!r} instead of {entry[lang]!r} in {hits}"


def test_every_catalogue_has_the_same_keys():
    keys = {lang: set(strings(lang)) for lang in LANGS}
    assert keys["fr"] == keys["en"] == keys["es"]


def test_french_typography():
    nnbsp, nbsp = "\u202f", "\u00a0"
    assert typography("Zone : Z001", "fr") == f"Zone{nnbsp}: Z001"
    assert typography("Zone: Z001", "fr") == f"Zone{nnbsp}: Z001"
    assert typography("vraiment ? oui ! « non » ; 12 %", "fr") == (
        f"vraiment{nnbsp}? oui{nnbsp}! «{nnbsp}non{nnbsp}»{nnbsp}; 12{nnbsp}%"
    )
    # a URL's colon is not punctuation; English keeps its colon
    assert typography("voir https://example.org", "fr") == "voir https://example.org"
    assert typography("Zone: Z001", "en") == "Zone: Z001"
    # a number and its unit never part, in every language
    for lang in LANGS:
        assert typography("12 ha, 3 km, 4 m², 5 m", lang) == (
            f"12{nbsp}ha, 3{nbsp}km, 4{nbsp}m², 5{nbsp}m"
        )
    # the catalogues come out typeset
    assert strings("fr")["z_strongest"] == f" (points forts{nnbsp}: {{factors}})"
    assert percent(0.986, "fr") == f"98,6{nnbsp}%"
    assert percent(0.986, "en") == f"98.6{nbsp}%"
    assert fmt_number(12345.6, "fr", 1) == f"12{nnbsp}345,6"


def test_rule_set_names_per_language():
    rs = default_rules()
    assert rs.display_name("en") == rs.name
    assert rs.display_name("fr").startswith("Règles IGF")
    assert rs.display_name("es").startswith("Reglas IGF")

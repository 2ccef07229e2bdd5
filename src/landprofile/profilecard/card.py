"""The landscape profile card: one self-contained HTML file, and the printable report.

Python builds the data (:mod:`landprofile.profilecard.sections`), the map is the same
folium map as ``Profile.explore()`` made offline (:mod:`landprofile.maps`), and jinja2
templates shipped with the package (``landprofile/data/templates/card``, autoescape on)
draw the page. The Content-Security-Policy allows no network load and only the card's
own scripts, by hash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from landprofile._atomic import atomic_path
from landprofile._credit_lists import card_credits
from landprofile.errors import InvalidParameterError
from landprofile.i18n import fmt_number, strings
from landprofile.profile.profile import Profile
from landprofile.profilecard import _sections_change, _sections_monitoring, sections
from landprofile.profilecard._card_basemap import add_basemap
from landprofile.profilecard._card_render import _css, _environment, _weasyprint
from landprofile.profilecard.inputs import NARRATIVE_FIELDS, load_narrative, load_scorecard

__all__ = ["Card", "card"]

_CSP_TOKEN = "@@LP_CSP@@"


class Card:
    """A rendered landscape profile card.

    ``save(path)`` writes the self-contained HTML; ``to_pdf`` the printable report (A4,
    as many pages as needed) drawn from the same templates; ``to_png`` a page of it; in
    Jupyter the card shows itself inline.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> tif = halves_land_cover(folder / "lc.tif")
    >>> prof = lp.profile(square_landscape(), land_cover=tif, legend="esa_worldcover_v200")
    >>> c = lp.card(prof, lang="fr")
    >>> isinstance(c, lp.Card), c.html.lstrip().lower().startswith("<!doctype html>")
    (True, True)
    >>> "Couvert arboré" in c.html  # the card speaks the team's language
    True
    """

    def __init__(self, html: str, printable: dict[str, Any]) -> None:
        self.html = html
        self._printable = printable

    def save(self, path: str | Path) -> Path:
        """Write the HTML card atomically; returns the path."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.html, encoding="utf-8")
        return path

    def print_html(self) -> str:
        """The report's HTML for print: the card's templates, a static map, no script."""
        from landprofile.profilecard.print_map import map_png

        p = self._printable
        png = map_png(
            p["landscape"],
            layers=p["layers"],
            zoning=p["zoning"],
            lc_image=p["lc_image"],
            alerts=p.get("alerts"),
        )
        ctx = {**p["context"], "printed": True, "map_png": png}
        return _environment().get_template("card.html.j2").render(**ctx)

    def to_pdf(self, path: str | Path) -> Path:
        """Write the printable report (PDF, A4, WeasyPrint) atomically; returns the path.

        Every section of the card in its language: the map as an image with its legend,
        scale bar and north arrow, the tables, every selected zone with its whole
        explanation, sources and disclaimers; the landscape's name and page numbers on
        every page.

        Raises
        ------
        OutputError
            When WeasyPrint cannot load the Pango library it needs (the message says
            what to install).
        """
        html = self.print_html()
        weasyprint = _weasyprint()
        path = Path(path)
        with atomic_path(path) as tmp:
            weasyprint.HTML(string=html).write_pdf(tmp)
        return path

    def to_png(self, path: str | Path, *, page: int = 1, dpi: int = 110) -> Path:
        """Write one page of the printable report as PNG (pypdfium2) atomically."""
        import tempfile

        import pypdfium2

        path = Path(path)
        with tempfile.TemporaryDirectory() as tmpdir:
            pdf = self.to_pdf(Path(tmpdir) / "card.pdf")
            doc = pypdfium2.PdfDocument(str(pdf))
            try:
                if not 1 <= page <= len(doc):
                    raise InvalidParameterError(
                        f"page={page!r}: the report has pages 1 to {len(doc)}"
                    )
                image = doc[page - 1].render(scale=dpi / 72).to_pil()
            finally:
                doc.close()
        with atomic_path(path) as tmp:
            image.save(tmp, format="PNG")
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the card's page (scripts, styles) apart from the notebook's.
        return (
            f'<iframe srcdoc="{escape(self.html, quote=True)}" '
            'style="width:100%;height:900px;border:1px solid #ccc"></iframe>'
        )


def card(
    profile: Profile,
    *,
    zoning: Any = None,
    narrative: Any = None,
    scorecard: Any = None,
    lang: str = "fr",
    basemap: Any = None,
    layers: dict[str, Any] | None = None,
    land_cover: Any = None,
    legend: Any = None,
    admin: Any = None,
    scorecard_questions: Any = None,
    change: Any = None,
    footprints: Any = None,
    date_field: str | None = None,
    timeline: Any = None,
    baseline: Any = None,
    baseline_scorecard: Any = None,
    monitoring: Any = None,
    credits: Any = None,
    workshop: Any = None,
) -> Card:
    """Build the landscape profile card.

    Parameters
    ----------
    profile
        The :class:`~landprofile.Profile` (size, boundary, land cover, population, ...).
    zoning
        A :class:`~landprofile.zoning.ZoningResult`: adds the ASM section and the zones,
        exclusions and conflicts to the map.
    narrative
        The team's narrative fields and photos (YAML or TOML file, or a mapping).
    scorecard
        Scores of the Landscape Performance Scorecard (YAML / TOML / mapping).
    lang
        ``"fr"``, ``"en"`` or ``"es"``.
    basemap
        ``None`` (a plain background: works offline); a local ``.mbtiles`` file (tiles
        embedded: works offline); or an ``https://`` tile URL template (the card then
        loads tiles from that server, and only from it). A plain ``http://`` URL cannot
        load under the card's policy: it is left out with a
        :class:`~landprofile.errors.CardWarning`.
    layers
        Map layers by role: ``sites``, ``concessions``, ``protected``, ``rivers``,
        ``water``, ``roads``, ``settlements``.
    land_cover, legend
        Land cover raster shown as an image overlay (and its legend).
    admin
        Admin layer(s) for the Location field (units the landscape intersects).
    scorecard_questions
        Extra scorecard goals and questions (TOML).
    change
        A :class:`~landprofile.monitoring.ChangeResult`: the main land-cover transitions
        and the natural habitat lost and gained.
    footprints, date_field, timeline
        Mining footprints by date (see :func:`landprofile.footprint_timeline`): one map
        layer per date and the footprint table; ``timeline`` when already computed.
    baseline
        A saved earlier profile (:class:`Profile` or its ``profile.json``): the key
        figures then → now.
    baseline_scorecard
        The scorecard of that earlier date: each question's score then → now.
    monitoring
        A :class:`~landprofile.monitoring.report.MonitoringReport`: the monitoring
        section (footprint by date as a stacked chart, land-cover shares by date, the
        alerts as a table) and the alerts as a map layer.
    credits
        Who made each input, by role or file name (see :mod:`landprofile.credits`): the
        sources section lists every input and layer drawn, with its credit or "credit
        not given".
    workshop
        A workshop's scores: a CSV of participants' scores (``participant, indicator,
        then, now``) or a :class:`~landprofile.profilecard.workshop.WorkshopScores`
        (:func:`~landprofile.profilecard.workshop.read_workshop`). The scorecard then
        shows per indicator the median, the interquartile range, min–max, how many
        scored it and a mark where participants disagree (instead of ``scorecard``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> from landprofile.testing import halves_land_cover, square_landscape
    >>> folder = Path(tempfile.mkdtemp())
    >>> tif = halves_land_cover(folder / "lc.tif")
    >>> prof = lp.profile(square_landscape(), land_cover=tif, legend="esa_worldcover_v200")
    >>> c = lp.card(prof, lang="en")  # one self-contained HTML file, offline
    >>> c.save(folder / "card.html").name
    'card.html'
    >>> "Square" in c.html and "Tree cover" in c.html
    True
    """
    import folium
    from markupsafe import Markup

    from landprofile import __version__
    from landprofile.maps.explore import card_map
    from landprofile.maps.features import safe_json
    from landprofile.maps.offline import card_assets, script_hash
    from landprofile.maps.spec import map_spec

    s = strings(lang)
    if zoning is not None:
        # explanations, rule and conflict names in the card's language
        zoning = zoning.in_language(lang)
    ls = profile.landscape
    fields, photos = load_narrative(narrative) if narrative is not None else ({}, [])
    # checked now, before the map is drawn: a bad source stops the card at once
    narr_sources = _narr_sources(narrative)
    scores = (
        load_scorecard(scorecard, extra_questions=scorecard_questions)
        if scorecard is not None
        else {}
    )
    # a workshop's CSV read now, before the map: an invalid row stops the card at once
    ws_goals, ws_info = None, None
    if workshop is not None:
        from landprofile.profilecard._sections_workshop import workshop_section
        from landprofile.profilecard.workshop import read_workshop

        ws = read_workshop(workshop, extra_questions=scorecard_questions)
        ws_goals, ws_info = workshop_section(ws, lang, scorecard_questions, s)
    name = fields.get("name") or ls.name
    title = f"{s['title']}{s['colon']}{name}"

    # ---- the map: the notebook's folium map, offline
    m = folium.Map(tiles=None, max_zoom=19, control_scale=False)
    img_src = add_basemap(m, basemap, ls.bounds_lonlat)
    if footprints is not None and timeline is None:
        from landprofile.monitoring import footprint_timeline

        lay = layers or {}
        timeline = footprint_timeline(
            ls,
            footprints,
            date_field=date_field,
            protected=lay.get("protected"),
            concessions=lay.get("concessions"),
            rivers=lay.get("rivers"),
        )
    if baseline is not None and not isinstance(baseline, Profile):
        baseline = Profile.from_json(baseline)
    m, drawn = card_map(
        profile,
        zoning=zoning,
        layers=layers,
        footprints=footprints,
        date_field=date_field,
        land_cover=land_cover,
        legend=legend,
        lang=lang,
        m=m,
        alerts=getattr(monitoring, "alerts", None),
    )
    # the map as data for the card's constant renderer (see landprofile.maps.spec): no
    # script of the card holds data, so its policy never has to allow one that does
    map_css, scripts = card_assets()

    context = {
        "printed": False,
        "map_png": "",
        "lang": lang,
        "s": s,
        "title": title,
        "csp": _CSP_TOKEN,
        "css": Markup(_css()),
        "map": {
            "css": Markup(map_css),
            "data": Markup(safe_json(map_spec(m))),
            "scripts": [Markup(x) for x in scripts],
        },
        "legend": drawn.legend + drawn.lc_legend,
        "synthetic": drawn.synthetic,
        "location": sections.location(profile, lang, admin, fields.get("location", "")),
        "size": sections.size(profile, s, lang),
        "boundary": sections.boundary(profile, s, lang),
        "population": sections.population(profile, lang),
        "ecosystems": sections.ecosystems(profile, lang),
        "narrative": [(k, fields.get(k, "")) for k in NARRATIVE_FIELDS],
        "photos": photos,
        "asm": sections.asm(zoning, lang),
        "workshop": ws_info,
        "scorecard": ws_goals
        if ws_goals is not None
        else sections.scorecard(
            scores,
            lang,
            scorecard_questions,
            then=load_scorecard(baseline_scorecard, extra_questions=scorecard_questions)
            if baseline_scorecard is not None
            else None,
        )
        if scorecard is not None
        else None,
        "sources": sections.sources(
            profile,
            layers or {},
            narr_sources,
            s,
            admin=admin,
            credits=credits,
            extra=card_credits(
                change=change,
                footprints=footprints,
                basemap=basemap,
                land_cover=land_cover,
                credits=credits,
            ),
        ),
        # with a monitoring section the footprint by date is there, not twice
        "change": _sections_change.change(
            profile, change, None if monitoring is not None else timeline, baseline, lang, s
        ),
        "monitoring": _sections_monitoring.monitoring(monitoring, lang, s),
        "footer": s["generated"].format(
            version=__version__, date=datetime.now(UTC).strftime("%Y-%m-%d")
        )
        + " · "
        + s["simplified"].format(tol=fmt_number(_tolerance(ls), lang)),
    }
    html = _environment().get_template("card.html.j2").render(**context)
    # Nothing may load from the network (unless a tile server was named), and only the
    # card's own scripts may run: any markup that escaping let through stays inert.
    # the policy lists the constant scripts' hashes, computed from the scripts, never
    # from the page: a script that escaping let into the page is not among them
    csp = (
        "default-src 'none'; script-src "
        + " ".join(sorted({script_hash(x) for x in scripts}))
        + f"; style-src 'unsafe-inline'; img-src {img_src}; font-src data:"
    )
    html = html.replace(_CSP_TOKEN, csp, 1)
    printable = {
        # the printed map is drawn whole (not simplified): the footer says only who made it
        "context": {
            **context,
            "map": None,
            "csp": "",
            "footer": s["generated"].format(
                version=__version__, date=datetime.now(UTC).strftime("%Y-%m-%d")
            ),
        },
        "landscape": ls,
        "layers": layers or {},
        "zoning": zoning,
        "lc_image": drawn.lc_image,
        "alerts": getattr(monitoring, "alerts", None),
    }
    return Card(html, printable)


def _tolerance(ls: Any) -> float:
    from landprofile.maps.features import display_tolerance_m

    return display_tolerance_m(ls.bounds_lonlat)


def _narr_sources(narrative: Any) -> list[dict[str, Any]]:
    if narrative is None:
        return []
    from landprofile.profilecard.inputs import narrative_sources

    return list(narrative_sources(narrative))

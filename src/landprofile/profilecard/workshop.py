"""The workshop's scorecard: several participants score each indicator, then and now.

A workshop writes one CSV row per participant and indicator::

    participant,indicator,then,now
    Ama,C1,2,3.5
    Kofi,C1,3,4

The header may be in English, French or Spanish (``participant, indicator, then, now``;
``participant, indicateur, avant, maintenant``; ``participante, indicador, antes,
ahora``), with a ``question`` / ``pregunta`` column that is ignored (the template
carries the question's text there), separated by commas, semicolons or tabs (as a
spreadsheet saves it); a decimal comma (``3,5``) reads as 3.5. ``landprofile scorecard
template --lang fr`` writes the template (:func:`template_csv`).

Scores are those of the Landscape Performance Scorecard: 1 to 5 in half points. An
empty score is *not scored* (the participant skipped it: not counted, no error); a
row with no score at all (a blank row, a template row nobody filled) is skipped. A row
is **invalid** — and left out whole — when its participant
is empty, its indicator is not one of the scorecard's ids, a score is not a number or
not on the scale, or the participant already scored that indicator on an earlier row
(the first row counts). Invalid rows are named with their CSV row number (the header
is row 1): :func:`read_workshop` raises :class:`WorkshopScoresError` listing them all,
or with ``strict=False`` leaves them out with a :class:`~landprofile.errors.DataWarning`
and lists them in :attr:`WorkshopScores.invalid`.

Per indicator and per column (``then``, ``now``) :attr:`WorkshopScores.summary` gives
``n`` (how many scored it), ``median``, ``q1`` and ``q3`` (quartiles by linear
interpolation, pandas' and numpy's default), ``iqr`` (``q3 - q1``), ``min``, ``max``
and ``disagree``: participants **disagree** when the interquartile range is at least
``disagree_iqr`` points (2 by default: the middle half of the participants spans two
points or more of the 1-5 scale, e.g. 2 to 4). One score alone never disagrees.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from landprofile.errors import DataWarning, InvalidParameterError

__all__ = [
    "WorkshopScores",
    "WorkshopScoresError",
    "from_config",
    "read_workshop",
    "template_csv",
]

SCORE_MIN, SCORE_MAX = 1.0, 5.0
#: Default disagreement threshold: an interquartile range of 2 points or more.
DISAGREE_IQR = 2.0
#: The header's words in each language (the template writes them; the reader takes any).
HEADERS = {
    "en": ("participant", "indicator", "question", "then", "now"),
    "fr": ("participant", "indicateur", "question", "avant", "maintenant"),
    "es": ("participante", "indicador", "pregunta", "antes", "ahora"),
}
_CANON = ("participant", "indicator", "question", "then", "now")
_ALIASES = {w: c for words in HEADERS.values() for w, c in zip(words, _CANON, strict=True)}
_ALIASES |= {"id": "indicator", "indicator_id": "indicator", "question_id": "indicator"}
_STATS = ("n", "median", "q1", "q3", "iqr", "min", "max", "disagree")
#: Invalid rows named in an error's message (all are in WorkshopScores.invalid).
_SHOWN = 25


class WorkshopScoresError(InvalidParameterError):
    """A workshop's scores CSV has invalid rows or no usable header; the message lists them."""


@dataclass(frozen=True)
class WorkshopScores:
    """A workshop's scores: the valid rows, their summary per indicator, the invalid rows.

    Attributes
    ----------
    scores
        The valid rows: ``row`` (CSV row, header = 1), ``participant``, ``indicator``,
        ``then``, ``now`` (NaN where not scored).
    summary
        One row per indicator of the scorecard, in its order: ``indicator``, ``goal``,
        then for ``then`` and ``now`` the columns ``n_*``, ``median_*``, ``q1_*``,
        ``q3_*``, ``iqr_*``, ``min_*``, ``max_*``, ``disagree_*`` (see the module's notes).
    invalid
        One dict per invalid row: ``row``, ``participant``, ``indicator``, ``reason``.
    participants
        The participants' names as first written, in order of appearance.
    disagree_iqr
        The interquartile range (points) from which participants disagree.
    source
        The CSV's file name (no folder).
    """

    scores: pd.DataFrame
    summary: pd.DataFrame
    invalid: tuple[dict[str, Any], ...]
    participants: tuple[str, ...]
    disagree_iqr: float = DISAGREE_IQR
    source: str = ""

    def medians(self, column: str = "now") -> dict[str, float]:
        """``{indicator: median}`` of the indicators scored in ``column`` (``then``/``now``)."""
        s = self.summary
        ok = s[f"n_{column}"] > 0
        return dict(zip(s.loc[ok, "indicator"], s.loc[ok, f"median_{column}"], strict=True))

    def stats(self, indicator: str, column: str = "now") -> dict[str, Any]:
        """One indicator's statistics in ``column`` (``n``, ``median``, ``q1``... ``disagree``)."""
        row = self.summary[self.summary["indicator"] == indicator]
        if row.empty:
            raise InvalidParameterError(f"indicator {indicator!r} is not in the scorecard")
        r = row.iloc[0]
        return {k: r[f"{k}_{column}"] for k in _STATS}


def _known(extra_questions: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """Indicator id -> (goal key, question) of the scorecard (the seed's and ``extra``)."""
    from landprofile.profilecard.inputs import questions

    out = {}
    for g in questions(extra_questions):
        for q in g["questions"]:
            out[q["id"]] = (str(g.get("key") or g.get("id") or ""), q)
    return out


def template_csv(lang: str = "en", *, extra_questions: Any = None, delimiter: str = ",") -> str:
    """The scores template: a header in ``lang`` and one row per indicator to copy.

    Each participant copies the rows, writes their name in the first column and scores
    ``then`` and ``now`` (1 to 5, half points allowed); the question's text is there to
    read and is ignored when read back.

    Examples
    --------
    >>> from landprofile.profilecard.workshop import template_csv
    >>> print(template_csv("fr").splitlines()[0])
    participant,indicateur,question,avant,maintenant
    """
    if lang not in HEADERS:
        raise InvalidParameterError(f"lang {lang!r} is not one of {', '.join(HEADERS)}")
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(HEADERS[lang])
    for qid, (_goal, q) in _known(extra_questions).items():
        w.writerow(["", qid, q.get(lang) or q.get("en") or q.get("text", ""), "", ""])
    return buf.getvalue()


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _score(text: str) -> tuple[float | None, str | None]:
    """(score, None), (None, None) when blank, or (None, why) when invalid."""
    t = text.strip()
    if not t:
        return None, None
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")  # a decimal comma (fr, es)
    try:
        v = float(t)
    except ValueError:
        return None, f"{text.strip()!r} is not a number"
    if not math.isfinite(v):
        return None, f"{text.strip()!r} is not a number"
    if not SCORE_MIN <= v <= SCORE_MAX or v * 2 != int(v * 2):
        return None, f"{text.strip()!r} is not on the scale (1 to 5 in half points: 1, 1.5, ... 5)"
    return v, None


def _header(cells: list[str], where: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        key = _ALIASES.get(c.strip().lower().lstrip("\ufeff"))
        if key and key not in cols:
            cols[key] = i
    missing = [k for k in ("participant", "indicator") if k not in cols]
    if missing or not ({"then", "now"} & cols.keys()):
        want = "; ".join(f"{lang}: {', '.join(h)}" for lang, h in HEADERS.items())
        raise WorkshopScoresError(
            f"{where}: the header {cells!r} lacks "
            f"{', '.join(missing) or 'a then or now column'}; accepted headers ({want}), "
            "'question' optional"
        )
    return cols


def read_workshop(
    src: Any,
    *,
    extra_questions: Any = None,
    disagree_iqr: float = DISAGREE_IQR,
    strict: bool = True,
) -> WorkshopScores:
    """Read a workshop's scores CSV and summarise it per indicator.

    Parameters
    ----------
    src
        The CSV file (or a :class:`WorkshopScores`, returned as is).
    extra_questions
        Extra scorecard goals (TOML), as the card's ``scorecard_questions``.
    disagree_iqr
        Participants disagree on an indicator when the interquartile range of their
        scores is at least this many points (default 2).
    strict
        ``True``: invalid rows are an error listing them all. ``False``: they are left
        out, warned (:class:`~landprofile.errors.DataWarning`) and listed in ``invalid``.

    Returns
    -------
    WorkshopScores

    Raises
    ------
    WorkshopScoresError
        Invalid rows (``strict``), a header without participant / indicator / scores.
    SourceNotFoundError, UnreadableFileError
        The file is missing or not UTF-8 text.
    """
    if isinstance(src, WorkshopScores):
        return src
    from landprofile._input_files import read_text

    if isinstance(disagree_iqr, bool) or not isinstance(disagree_iqr, (int, float)):
        raise InvalidParameterError(
            f"disagree_iqr = {disagree_iqr!r}: give a number of points from 0 to 4"
        )
    if not (math.isfinite(disagree_iqr) and 0 <= disagree_iqr <= SCORE_MAX - SCORE_MIN):
        raise InvalidParameterError(
            f"disagree_iqr = {disagree_iqr!r}: give a number of points from 0 to 4"
        )
    path = Path(src)
    where = f"workshop scores '{path}'"
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        from landprofile._input_files import check_input_file
        from landprofile.errors import UnsupportedFormatError

        check_input_file(path, "workshop scores")
        raise UnsupportedFormatError(
            f"{where}: give a .csv file (participant, indicator, then, now), not "
            f"'{path.suffix}' (a single team's scores go in the card's 'scorecard' TOML)"
        )
    text = read_text(path, "workshop scores")
    known = _known(extra_questions)
    return _parse(text, known, where, path.name, float(disagree_iqr), strict)


def _parse(
    text: str,
    known: dict[str, tuple[str, dict[str, Any]]],
    where: str,
    name: str,
    disagree_iqr: float,
    strict: bool,
) -> WorkshopScores:
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise WorkshopScoresError(f"{where} is empty; start from `landprofile scorecard template`")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(first)))
    except csv.Error as exc:
        raise WorkshopScoresError(f"{where} could not be read as CSV: {exc}") from None
    start = next(i for i, r in enumerate(rows) if any(c.strip() for c in r))
    cols = _header(rows[start], where)
    by_upper = {k.upper(): k for k in known}
    valid, invalid = [], []
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}

    def cell(r: list[str], key: str) -> str:
        i = cols.get(key)
        return r[i] if i is not None and i < len(r) else ""

    for n, r in enumerate(rows[start + 1 :], start=start + 2):
        who, ind = cell(r, "participant").strip(), cell(r, "indicator").strip()
        then_t, now_t = cell(r, "then"), cell(r, "now")
        then, why_t = _score(then_t)
        now, why_n = _score(now_t)
        if then is None and now is None and not (why_t or why_n):
            continue  # nothing scored: a template row left as it was, or a skipped indicator
        reasons = [f"then {why_t}"] * bool(why_t) + [f"now {why_n}"] * bool(why_n)
        qid = by_upper.get(ind.upper())
        if not who:
            reasons.insert(0, "no participant")
        if not ind:
            reasons.insert(0, "no indicator")
        elif qid is None:
            reasons.insert(0, f"unknown indicator {ind!r} (known: {', '.join(known)})")
        key = (who.casefold(), qid or ind)
        if not reasons and key in seen:
            reasons.append(f"{who} already scored {qid} on row {seen[key]}")
        if reasons:
            invalid.append(
                {"row": n, "participant": who, "indicator": ind, "reason": "; ".join(reasons)}
            )
            continue
        seen[key] = n
        names.setdefault(who.casefold(), who)
        valid.append({"row": n, "participant": who, "indicator": qid, "then": then, "now": now})
    if invalid and strict:
        shown = "; ".join(f"row {x['row']}: {x['reason']}" for x in invalid[:_SHOWN])
        more = f"; and {len(invalid) - _SHOWN} more" if len(invalid) > _SHOWN else ""
        raise WorkshopScoresError(
            f"{where}: {len(invalid)} invalid row(s) (the header is row 1): {shown}{more}. "
            "Scores are 1 to 5 in half points, indicators the scorecard's ids, one row per "
            "participant and indicator; fix them, or leave them out (strict=False, "
            "[card] workshop_invalid = 'skip')"
        )
    if invalid:
        warnings.warn(
            f"{where}: {len(invalid)} invalid row(s) left out (rows "
            f"{', '.join(str(x['row']) for x in invalid[:_SHOWN])}"
            f"{', ...' if len(invalid) > _SHOWN else ''}): see WorkshopScores.invalid",
            DataWarning,
            stacklevel=3,
        )
    scores = pd.DataFrame(valid, columns=["row", "participant", "indicator", "then", "now"])
    scores[["then", "now"]] = scores[["then", "now"]].astype(float)
    return WorkshopScores(
        scores=scores,
        summary=summarise(scores, known, disagree_iqr),
        invalid=tuple(invalid),
        participants=tuple(names.values()),
        disagree_iqr=disagree_iqr,
        source=name,
    )


def summarise(
    scores: pd.DataFrame,
    known: Iterable[str] | dict[str, Any],
    disagree_iqr: float = DISAGREE_IQR,
) -> pd.DataFrame:
    """Per indicator (in ``known``'s order) and column: n, median, quartiles, range, disagree."""
    import numpy as np

    goals = {k: v[0] for k, v in known.items()} if isinstance(known, dict) else {}
    out = []
    for qid in known:
        rec: dict[str, Any] = {"indicator": qid, "goal": goals.get(qid, "")}
        sub = scores[scores["indicator"] == qid]
        for col in ("then", "now"):
            v = sub[col].dropna().to_numpy(dtype=float)
            if len(v):
                q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])
                stats = {
                    "n": len(v),
                    "median": float(med),
                    "q1": float(q1),
                    "q3": float(q3),
                    "iqr": float(q3 - q1),
                    "min": float(v.min()),
                    "max": float(v.max()),
                    # a float tolerance: quartiles of half points are exact in binary
                    "disagree": bool(len(v) > 1 and q3 - q1 >= disagree_iqr - 1e-9),
                }
            else:
                stats = dict.fromkeys(_STATS, float("nan")) | {"n": 0, "disagree": False}
            rec |= {f"{k}_{col}": stats[k] for k in _STATS}
        out.append(rec)
    cols = ["indicator", "goal"] + [f"{k}_{c}" for c in ("then", "now") for k in _STATS]
    return pd.DataFrame(out, columns=cols)


def from_config(card: Any, *, warn: bool = True) -> WorkshopScores | None:
    """The workshop named by a config's ``[card]`` section, or ``None``.

    ``workshop_scores`` (the CSV, resolved against the config's folder),
    ``workshop_disagree_iqr`` and ``workshop_invalid`` (``"error"``, the default, or
    ``"skip"``); ``warn=False`` keeps the skipped rows' warning for the later read
    (the pipeline checks the file before its work, then reads it for the card).
    """
    src = card.get("workshop_scores")
    if src is None:
        return None
    with warnings.catch_warnings():
        if not warn:
            warnings.simplefilter("ignore", DataWarning)
        return read_workshop(
            src,
            extra_questions=card.get("scorecard_questions"),
            disagree_iqr=card.get("workshop_disagree_iqr", DISAGREE_IQR),
            strict=card.get("workshop_invalid", "error") != "skip",
        )

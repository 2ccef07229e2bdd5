"""What teams write for the card: the narrative (YAML or TOML), scores and photos."""

from __future__ import annotations

import base64
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from landprofile._input_files import check_input_file, read_text
from landprofile.errors import (
    CardWarning,
    InvalidParameterError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from landprofile.profilecard._photos import (
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    PHOTO_TYPES,
    check_image,
    check_photo_file,
)

__all__ = [
    "NARRATIVE_FIELDS",
    "Photo",
    "check_card_files",
    "check_photo_file",
    "load_narrative",
    "load_scorecard",
    "narrative_sources",
    "questions",
]

#: The template's narrative fields (design.md §2), in card order.
NARRATIVE_FIELDS = (
    "livelihoods",
    "non_economic_livelihoods",
    "products",
    "challenges",
    "governance",
)
_OTHER_KEYS = {"photos", "location", "name", "sources"}


@dataclass(frozen=True)
class Photo:
    """A photo embedded in the card."""

    name: str
    caption: str
    mime: str
    data_b64: str


def _read_mapping(src: Any, what: str) -> tuple[dict[str, Any], Path | None]:
    if src is None:
        return {}, None
    if isinstance(src, Mapping):
        return dict(src), None
    path = Path(src)
    if path.suffix.lower() not in (".yaml", ".yml", ".toml"):
        check_input_file(path, what)  # a missing file is named as missing first
        raise UnsupportedFormatError(
            f"{what} '{path}': use a .yaml, .yml or .toml file, not '{path.suffix}'"
        )
    text = read_text(path, what)  # stat first (FIFO, device, size), then the encoding
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            try:
                data = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                # a tag (!!python/object...) or broken syntax: safe loading refuses it
                raise UnreadableFileError(
                    f"{what} '{path}' could not be parsed as YAML (plain YAML only: no "
                    f"tags such as !!python/...): {_first_line(exc)}"
                ) from None
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise UnreadableFileError(f"{what} '{path}' could not be parsed: {exc}") from None
    except RecursionError:
        raise UnreadableFileError(
            f"{what} '{path}' is nested too deeply to read; accepted: fields of text, "
            "lists and tables a few levels deep"
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise UnreadableFileError(
            f"{what} '{path}' is nested more than {MAX_DEPTH} levels deep; accepted: "
            "fields of text, lists and tables a few levels deep"
        )
    if not isinstance(data, dict):
        raise UnreadableFileError(f"{what} '{path}' must hold a mapping of fields")
    return data, path


#: Deepest nesting of lists and tables a narrative or scorecard may hold.
MAX_DEPTH = 8


def _depth(value: Any, level: int = 0) -> int:
    """How deep lists and tables nest (stops counting past :data:`MAX_DEPTH`)."""
    if level > MAX_DEPTH:
        return level
    if isinstance(value, Mapping):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def load_narrative(src: Any) -> tuple[dict[str, str], list[Photo]]:
    """Read the narrative fields and photos the team wrote.

    Keys: ``livelihoods``, ``non_economic_livelihoods``, ``products``, ``challenges``,
    ``governance`` (text, or a list of items), and ``photos`` (a list of ``{file,
    caption}``, files relative to the narrative file). Missing fields stay empty and the
    card shows them as "to be completed".

    Raises
    ------
    InvalidParameterError
        When a field is unknown, or a value is not of an accepted kind (the message names
        the field, the value and what is accepted).
    SourceNotFoundError, UnsupportedFormatError
        When a photo file is missing or not a JPEG, PNG, WebP or GIF by its name.

    Warns
    -----
    CardWarning
        When a photo does not decode as an image or has more than
        :data:`MAX_PHOTO_PIXELS` pixels: it is left out of the card.
    """
    data, path = _read_mapping(src, "narrative")
    unknown = set(data) - set(NARRATIVE_FIELDS) - _OTHER_KEYS
    if unknown:
        raise InvalidParameterError(
            f"narrative{f' {path}' if path else ''}: unknown field(s) {sorted(unknown)}; "
            f"accepted: {', '.join(NARRATIVE_FIELDS + tuple(sorted(_OTHER_KEYS)))}"
        )
    where = f"narrative{f' {path}' if path else ''}"
    fields: dict[str, str] = {}
    for key in NARRATIVE_FIELDS:
        value = data.get(key)
        if isinstance(value, list):
            items = [_text(v, f"{where}: {key}[{i}]", _ITEM_ACCEPTED) for i, v in enumerate(value)]
            value = "\n".join(f"• {v}" for v in items if v.strip())
        fields[key] = _text(value, f"{where}: {key}", _FIELD_ACCEPTED).strip()
    for key in ("name", "location"):  # the landscape's name and location in the team's words
        fields[key] = _text(data.get(key), f"{where}: {key}", _ITEM_ACCEPTED).strip()
    base = path.parent if path else Path.cwd()
    photos = []
    for i, spec in enumerate(_list(data.get("photos"), f"{where}: photos", _PHOTO_ACCEPTED)):
        photo = _photo(spec, base, f"{where}: photos[{i}]")
        if photo is not None:  # an unreadable photo was warned about and is left out
            photos.append(photo)
    return fields, photos


_FIELD_ACCEPTED = "text, a number, or a list of texts"
_ITEM_ACCEPTED = "text, a number or a date"
_PHOTO_ACCEPTED = "a file name, or a table {file = ..., caption = ...}"
_SOURCE_ACCEPTED = "a table {role = ..., name = ..., date = ..., attribution = ...}"
_SOURCE_KEYS = ("role", "name", "date", "attribution")


def _show(value: Any) -> str:
    """A bad value as the message shows it: its repr, cut so a long one stays readable."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(value: Any, where: str, accepted: str) -> str:
    """A narrative value as text; ``None`` is empty; tables, lists and booleans are refused.

    YAML turns ``yes`` into ``True``: a team that meant the word gets a message saying to
    quote it rather than "True" printed on its card. A YAML date is kept as written.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, date):  # YAML reads 2024-01-05 as a date: the team meant it
        return value.isoformat()
    raise InvalidParameterError(
        f"{where} = {_show(value)} ({type(value).__name__}): accepted: {accepted} "
        "(quote a value in the file to keep it as text)"
    )


def _list(value: Any, where: str, accepted: str) -> list[Any]:
    """A narrative list (``photos``, ``sources``); absent is empty, a lone item is refused."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidParameterError(
            f"{where} = {_show(value)}: accepted: a list, each item {accepted}"
        )
    return value


def narrative_sources(src: Any) -> list[dict[str, str]]:
    """The narrative's ``sources``: one table per input (role, name, date, attribution).

    Raises
    ------
    InvalidParameterError
        When ``sources`` is not a list of tables, a table has another key, or a value is
        not text (the message names the item, the value and what is accepted).
    """
    data, path = _read_mapping(src, "narrative")
    where = f"narrative{f' {path}' if path else ''}: sources"
    out = []
    for i, item in enumerate(_list(data.get("sources"), where, _SOURCE_ACCEPTED)):
        if not isinstance(item, Mapping):
            raise InvalidParameterError(
                f"{where}[{i}] = {_show(item)}: accepted: {_SOURCE_ACCEPTED}"
            )
        unknown = sorted(set(map(str, item)) - set(_SOURCE_KEYS))
        if unknown:
            raise InvalidParameterError(
                f"{where}[{i}]: unknown key(s) {unknown}; accepted: {', '.join(_SOURCE_KEYS)}"
            )
        out.append(
            {
                k: _text(item.get(k), f"{where}[{i}].{k}", _ITEM_ACCEPTED).strip()
                for k in _SOURCE_KEYS
            }
        )
    return out


def _photo(spec: Any, base: Path, where: str) -> Photo | None:
    """One photo, checked: it exists, is small enough and decodes as the image it claims.

    A file that does not decode (corrupt, truncated, a web page saved as ``.png``) or is
    too large in pixels is left out of the card with a :class:`CardWarning` naming it: a
    card without one photo is still worth sharing, and the team sees which file to fix.
    """
    if isinstance(spec, str):
        spec = {"file": spec}
    if not isinstance(spec, Mapping):
        raise InvalidParameterError(f"{where} = {_show(spec)}: accepted: {_PHOTO_ACCEPTED}")
    unknown = sorted(set(map(str, spec)) - {"file", "caption"})
    if unknown:
        raise InvalidParameterError(f"{where}: unknown key(s) {unknown}; accepted: file, caption")
    name = spec.get("file")
    if not isinstance(name, str | Path) or not str(name).strip():
        raise InvalidParameterError(
            f"{where}: file = {_show(name)}: accepted: the photo's file name "
            f"({', '.join(sorted(PHOTO_TYPES))}), relative to the narrative file"
        )
    caption = _text(spec.get("caption"), f"{where}: caption", _ITEM_ACCEPTED)
    file = Path(str(name))
    path = file if file.is_absolute() else base / file
    mime = check_photo_file(path)
    with open(path, "rb") as fh:
        data = fh.read(MAX_PHOTO_BYTES + 1)  # never more than the limit, even if it grew
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidParameterError(
            f"photo '{path}' is {len(data) / 1e6:.1f} MB; resize it below "
            f"{MAX_PHOTO_BYTES / 1e6:.0f} MB so the card stays shareable"
        )
    problem, real_mime = check_image(data)
    if problem:
        warnings.warn(
            f"photo '{path}' {problem}; it is left out of the card (replace the file with "
            f"a {', '.join(sorted(PHOTO_TYPES))} photo of at most "
            f"{MAX_PHOTO_PIXELS / 1e6:.0f} Mpx)",
            CardWarning,
            stacklevel=4,
        )
        return None
    return Photo(
        name=path.name,
        caption=caption,
        # what the bytes are, not what the name says: a JPEG saved as .png shows anyway
        mime=real_mime or mime,
        data_b64=base64.b64encode(data).decode("ascii"),
    )


def check_card_files(
    narrative: Any = None,
    scorecard: Any = None,
    scorecard_questions: Any = None,
    baseline_scorecard: Any = None,
) -> None:
    """Check the card's files before any work: the texts parse, every photo is there.

    For the pipeline to call first, so that a missing photo is named at once rather
    than after the boundary, profile and zones have run. Photos are checked by
    :func:`check_photo_file` (stat only: type, kind of file, size); decoding them is left
    to :func:`load_narrative`.

    Raises
    ------
    SourceNotFoundError, UnreadableFileError, UnsupportedFormatError, InvalidParameterError
        As :func:`load_narrative` and :func:`load_scorecard` would, naming the file.
    """
    data, path = _read_mapping(narrative, "narrative")
    where = f"narrative{f' {path}' if path else ''}"
    base = path.parent if path else Path.cwd()
    for spec in _list(data.get("photos"), f"{where}: photos", _PHOTO_ACCEPTED):
        name = spec.get("file") if isinstance(spec, Mapping) else spec
        if isinstance(name, str | Path) and str(name).strip():
            file = Path(str(name))
            check_photo_file(file if file.is_absolute() else base / file)
        # other shapes are named by load_narrative, with the same message as before
    questions(scorecard_questions)
    for card in (scorecard, baseline_scorecard):
        if card is not None:
            load_scorecard(card, extra_questions=scorecard_questions)


@cache
def _questions_text() -> str:
    return resources.files("landprofile").joinpath("data/scorecard/lps.toml").read_text("utf-8")


def questions(extra: Any = None) -> list[dict[str, Any]]:
    """The scorecard goals and questions.

    The seed's C1-C5 and P1-P5, plus ``extra`` goals (a TOML file with ``[[goals]]``
    tables in the same form).
    """
    goals = list(tomllib.loads(_questions_text())["goals"])
    if extra is not None:
        data, path = _read_mapping(extra, "scorecard questions")
        where = f"scorecard questions{f' {path}' if path else ''}"
        for i, goal in enumerate(_list(data.get("goals"), f"{where}: goals", _GOAL_ACCEPTED)):
            _check_goal(goal, f"{where}: goals[{i}]")
            goals.append(goal)
    return goals


_GOAL_ACCEPTED = "a table {id = ..., questions = [{id = ..., text = ...}, ...]}"


def _check_goal(goal: Any, where: str) -> None:
    """A goal of extra questions must name its questions, each with an id."""
    if not isinstance(goal, Mapping):
        raise InvalidParameterError(f"{where} = {_show(goal)}: accepted: {_GOAL_ACCEPTED}")
    qs = goal.get("questions")
    if not isinstance(qs, list) or not qs:
        raise InvalidParameterError(
            f"{where} ({goal.get('id', 'no id')!r}) has no 'questions' list; accepted: "
            f"{_GOAL_ACCEPTED}"
        )
    for j, q in enumerate(qs):
        if not isinstance(q, Mapping) or not isinstance(q.get("id"), str):
            raise InvalidParameterError(
                f"{where}.questions[{j}] = {_show(q)}: accepted: a table with an 'id' text"
            )


def load_scorecard(src: Any, *, extra_questions: Any = None) -> dict[str, float]:
    """Read scores ``{question id: score}`` (YAML / TOML / mapping; a ``scores`` table too).

    Scores are 1 to 5 in half points (circling two numbers gives e.g. 1.5).
    """
    data, path = _read_mapping(src, "scorecard")
    data = data.get("scores", data)
    known = {q["id"] for g in questions(extra_questions) for q in g["questions"]}
    out: dict[str, float] = {}
    where = f"scorecard{f' {path}' if path else ''}"
    for qid, value in data.items():
        if qid not in known:
            raise InvalidParameterError(
                f"{where}: unknown question {qid!r}; known: {', '.join(sorted(known))}"
            )
        if value is None or value == "":
            continue
        try:
            score = float(value)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"{where}: {qid} score {value!r} is not a number") from None
        if not 1 <= score <= 5 or (score * 2) != int(score * 2):
            raise InvalidParameterError(
                f"{where}: {qid} score {value!r} must be 1 to 5 in half points (1, 1.5, ... 5)"
            )
        out[qid] = score
    return out

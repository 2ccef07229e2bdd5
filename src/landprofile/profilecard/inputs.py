"""What teams write for the card: the narrative (YAML or TOML), scores and photos."""

from __future__ import annotations

import base64
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
    UnsupportedFormatError,
)

__all__ = ["NARRATIVE_FIELDS", "Photo", "load_narrative", "load_scorecard", "questions"]

#: The template's narrative fields (design.md §2), in card order.
NARRATIVE_FIELDS = (
    "livelihoods",
    "non_economic_livelihoods",
    "products",
    "challenges",
    "governance",
)
_OTHER_KEYS = {"photos", "location", "name", "sources"}
_PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
#: Largest photo embedded (bytes): the card must stay shareable over poor connections.
MAX_PHOTO_BYTES = 5_000_000


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
    if not path.exists():
        raise SourceNotFoundError(f"{what} file not found: '{path}'")
    text = path.read_text("utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        elif path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            raise UnsupportedFormatError(
                f"{what} '{path}': use a .yaml, .yml or .toml file, not '{path.suffix}'"
            )
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise UnreadableFileError(f"{what} '{path}' could not be parsed: {exc}") from None
    if not isinstance(data, dict):
        raise UnreadableFileError(f"{what} '{path}' must hold a mapping of fields")
    return data, path


def load_narrative(src: Any) -> tuple[dict[str, str], list[Photo]]:
    """Read the narrative fields and photos the team wrote.

    Keys: ``livelihoods``, ``non_economic_livelihoods``, ``products``, ``challenges``,
    ``governance`` (text, or a list of items), and ``photos`` (a list of ``{file,
    caption}``, files relative to the narrative file). Missing fields stay empty and the
    card shows them as "to be completed".
    """
    data, path = _read_mapping(src, "narrative")
    unknown = set(data) - set(NARRATIVE_FIELDS) - _OTHER_KEYS
    if unknown:
        raise InvalidParameterError(
            f"narrative{f' {path}' if path else ''}: unknown field(s) {sorted(unknown)}; "
            f"accepted: {', '.join(NARRATIVE_FIELDS + tuple(sorted(_OTHER_KEYS)))}"
        )
    fields: dict[str, str] = {}
    for key in NARRATIVE_FIELDS:
        value = data.get(key)
        if isinstance(value, list):
            value = "\n".join(f"• {v}" for v in value if str(v).strip())
        fields[key] = "" if value is None else str(value).strip()
    for key in ("name", "location"):  # the landscape's name and location in the team's words
        value = data.get(key)
        fields[key] = "" if value is None else str(value).strip()
    base = path.parent if path else Path.cwd()
    photos = [_photo(p, base) for p in data.get("photos") or []]
    return fields, photos


def _photo(spec: Any, base: Path) -> Photo:
    if isinstance(spec, str):
        spec = {"file": spec}
    file = Path(str(spec.get("file", "")))
    path = file if file.is_absolute() else base / file
    if not path.exists():
        raise SourceNotFoundError(f"photo file not found: '{path}'")
    mime = _PHOTO_TYPES.get(path.suffix.lower())
    if mime is None:
        raise UnsupportedFormatError(
            f"photo '{path}': type '{path.suffix}' not supported; use "
            + ", ".join(sorted(_PHOTO_TYPES))
        )
    data = path.read_bytes()
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidParameterError(
            f"photo '{path}' is {len(data) / 1e6:.1f} MB; resize it below "
            f"{MAX_PHOTO_BYTES / 1e6:.0f} MB so the card stays shareable"
        )
    return Photo(
        name=path.name,
        caption=str(spec.get("caption", "")),
        mime=mime,
        data_b64=base64.b64encode(data).decode("ascii"),
    )


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
        data, _ = _read_mapping(extra, "scorecard questions")
        goals += list(data.get("goals", []))
    return goals


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

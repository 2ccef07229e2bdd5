"""ASM zoning rules as data: a TOML rule set, validated, with an IGF-based default.

A rule set has ``[grid]``, ``[zones]``, ``[exclude.<name>]`` constraint rules and
``[favour.<name>]`` factor rules. See ``landprofile/data/rules/default_igf.toml`` for the
default and what each number stands for.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from landprofile.errors import (
    InvalidParameterError,
    SourceNotFoundError,
    UnreadableFileError,
)
from landprofile.legend import GROUPS

__all__ = ["LAYERS", "RuleSet", "RulesError", "default_rules", "load_rules"]

#: Input layers rules may refer to (the keyword arguments of ``zoning.candidates``).
LAYERS = (
    "sites",
    "concessions",
    "protected",
    "rivers",
    "water",
    "settlements",
    "roads",
    "land_cover",
    "dem",
    "geology",
)


class RulesError(InvalidParameterError):
    r"""A rule set is invalid; the message names the file, rule and key.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> bad = Path(tempfile.mkdtemp()) / "rules.toml"
    >>> _ = bad.write_text('[exclude.rivers]\nlayer = "rivers"\nbuffer_m = -5\n')
    >>> try:
    ...     lp.zoning.load_rules(bad)
    ... except lp.zoning.RulesError as err:
    ...     print(type(err).__name__, "buffer_m" in str(err))
    RulesError True
    """


_EXCLUDE_KEYS = {
    "layer",
    "buffer_m",
    "open_types",
    "open_statuses",
    "agreement_field",
    "type_field",
    "status_field",
    "groups",
    "classes",
    "max_slope_deg",
    "wins",
    "description",
    "required",
}
_FAVOUR_KEYS = {
    "layer",
    "layers",
    "weight",
    "score_field",
    "class_field",
    "class_scores",
    "default",
    "decay_m",
    "min_m",
    "max_m",
    "group_scores",
    "wins",
    "description",
    "required",
}
_TOP = {
    "name",
    "name_fr",
    "name_en",
    "name_es",
    "version",
    "grid",
    "zones",
    "exclude",
    "favour",
    "description",
}
_GRID = {"resolution_m"}
_ZONES = {"min_area_ha", "max_area_ha", "min_score", "ha_per_operation", "split"}
#: How a suitable area over ``max_area_ha`` becomes zones (see zoning.regions).
SPLIT_METHODS = ("bisect", "none")


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set (``data`` is a deep copy of the TOML tables).

    Examples
    --------
    >>> import landprofile as lp
    >>> rules = lp.zoning.default_rules()
    >>> rules.source, sorted(rules.data["exclude"])[:3]
    ('default_igf.toml', ['concessions', 'land_cover', 'protected'])
    >>> rules.data["exclude"]["rivers"]["buffer_m"]  # a placeholder: set it from the law
    100.0
    """

    data: Mapping[str, Any]
    source: str

    @property
    def name(self) -> str:
        """The rule set's name."""
        return str(self.data.get("name", "rules"))

    def display_name(self, lang: str) -> str:
        """The rule set's name in ``lang`` (``name_fr``, ``name_es``...), else ``name``."""
        return str(self.data.get(f"name_{lang}") or self.name)

    @property
    def exclude(self) -> dict[str, dict[str, Any]]:
        """Constraint rules by name."""
        return dict(self.data.get("exclude", {}))

    @property
    def favour(self) -> dict[str, dict[str, Any]]:
        """Factor rules by name."""
        return dict(self.data.get("favour", {}))

    def zones(self, key: str, default: float) -> float:
        """A ``[zones]`` number."""
        return float(self.data.get("zones", {}).get(key, default))

    @property
    def split(self) -> str:
        """How oversize suitable areas become zones: ``bisect`` (default) or ``none``."""
        return str(self.data.get("zones", {}).get("split", "bisect"))

    @property
    def resolution_m(self) -> float:
        """The analysis grid's cell size (m)."""
        return float(self.data.get("grid", {}).get("resolution_m", 30.0))

    def to_json(self) -> str:
        """The rule set as JSON (stored as metadata with the zones)."""
        return json.dumps({"source": self.source, **self.data}, sort_keys=True, default=str)


def default_rules() -> RuleSet:
    """The default rule set encoding the IGF criteria (numbers are placeholders).

    Examples
    --------
    >>> import landprofile as lp
    >>> rules = lp.zoning.default_rules()
    >>> {name: rule["weight"] for name, rule in rules.data["favour"].items()}
    {'geology': 0.4, 'existing_sites': 0.25, 'access': 0.2, 'low_sensitivity': 0.15}
    """
    text = resources.files("landprofile").joinpath("data/rules/default_igf.toml").read_text("utf-8")
    return _validate(tomllib.loads(text), "default_igf.toml")


def load_rules(src: Any = None) -> RuleSet:
    r"""Load and validate a rule set.

    Parameters
    ----------
    src
        ``None`` (the default IGF rules), a :class:`RuleSet`, a mapping, TOML text or the
        path of a TOML file.

    Raises
    ------
    RulesError
        Unknown layer or key, negative buffer, weight outside [0, 1], or a layer both
        excluded and favoured without ``wins = "exclude" | "favour"``; the message names
        the rule(s) and key.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import landprofile as lp
    >>> path = Path(tempfile.mkdtemp()) / "rules.toml"
    >>> _ = path.write_text(
    ...     'name = "Wider river buffers"\n'
    ...     '[exclude.rivers]\nlayer = "rivers"\nbuffer_m = 250\n'
    ...     '[favour.existing_sites]\nlayer = "sites"\nweight = 1.0\ndecay_m = 3000\n')
    >>> rules = lp.zoning.load_rules(path)
    >>> rules.data["name"], rules.data["exclude"]["rivers"]["buffer_m"]
    ('Wider river buffers', 250)
    >>> lp.zoning.load_rules().source  # no file: the default IGF rules
    'default_igf.toml'
    """
    if src is None:
        return default_rules()
    if isinstance(src, RuleSet):
        return src
    if isinstance(src, Mapping):
        return _validate(copy.deepcopy(dict(src)), "rules mapping")
    text = str(src)
    if "\n" in text or "=" in text:
        label = "rules text"
    else:
        path = Path(text)
        if not path.exists():
            raise SourceNotFoundError(f"rules file not found: '{path}'")
        label = str(path)
        text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFileError(f"{label}: not valid TOML: {exc}") from None
    return _validate(data, label)


def _num(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where} must be a number, got {value!r}")
    return float(value)


def _validate(data: dict[str, Any], label: str) -> RuleSet:
    unknown = set(data) - _TOP
    if unknown:
        raise RulesError(
            f"{label}: unknown top-level key(s) {sorted(unknown)}; accepted: {sorted(_TOP)}"
        )
    for key in set(data.get("grid", {})) - _GRID:
        raise RulesError(f"{label}: [grid] has unknown key {key!r}; accepted: {sorted(_GRID)}")
    for key in set(data.get("zones", {})) - _ZONES:
        raise RulesError(f"{label}: [zones] has unknown key {key!r}; accepted: {sorted(_ZONES)}")
    res = data.get("grid", {}).get("resolution_m", 30.0)
    if _num(res, f"{label}: [grid] resolution_m") <= 0:
        raise RulesError(f"{label}: [grid] resolution_m must be > 0, got {res}")
    for key, val in data.get("zones", {}).items():
        if key == "split":
            if val not in SPLIT_METHODS:
                raise RulesError(
                    f"{label}: [zones] split must be one of {', '.join(SPLIT_METHODS)}, got {val!r}"
                )
            continue
        if _num(val, f"{label}: [zones] {key}") < 0:
            raise RulesError(f"{label}: [zones] {key} must be >= 0, got {val}")
    used: dict[str, list[str]] = {}
    for kind, keys in (("exclude", _EXCLUDE_KEYS), ("favour", _FAVOUR_KEYS)):
        for name, rule in data.get(kind, {}).items():
            where = f"{label}: [{kind}.{name}]"
            if not isinstance(rule, dict):
                raise RulesError(f"{where} must be a table")
            bad = set(rule) - keys
            if bad:
                raise RulesError(
                    f"{where} has unknown key(s) {sorted(bad)}; accepted: {sorted(keys)}"
                )
            layers = rule.get("layers") or [rule.get("layer")]
            for layer in layers:
                if layer not in LAYERS:
                    raise RulesError(
                        f"{where} layer {layer!r} is unknown; accepted: {', '.join(LAYERS)}"
                    )
                used.setdefault(layer, []).append(f"{kind}.{name}")
            if "buffer_m" in rule and _num(rule["buffer_m"], f"{where} buffer_m") < 0:
                raise RulesError(f"{where} buffer_m must be >= 0 (metres), got {rule['buffer_m']}")
            if kind == "favour":
                w = _num(rule.get("weight", 0.0), f"{where} weight")
                if not 0.0 <= w <= 1.0:
                    raise RulesError(f"{where} weight must be in [0, 1], got {w}")
            for key in ("decay_m", "min_m", "max_m", "max_slope_deg"):
                if key in rule and _num(rule[key], f"{where} {key}") < 0:
                    raise RulesError(f"{where} {key} must be >= 0, got {rule[key]}")
            if "wins" in rule and rule["wins"] not in ("exclude", "favour"):
                raise RulesError(
                    f"{where} wins must be 'exclude' or 'favour', got {rule['wins']!r}"
                )
            for gkey in ("groups",):
                for g in rule.get(gkey, []):
                    if g not in GROUPS:
                        raise RulesError(
                            f"{where} group {g!r} is unknown; accepted: {', '.join(GROUPS)}"
                        )
            for g, v in rule.get("group_scores", {}).items():
                if g not in GROUPS:
                    raise RulesError(
                        f"{where} group {g!r} is unknown; accepted: {', '.join(GROUPS)}"
                    )
                if not 0.0 <= _num(v, f"{where} group_scores.{g}") <= 1.0:
                    raise RulesError(f"{where} group_scores.{g} must be in [0, 1], got {v}")
    favour = data.get("favour", {})
    if favour and not any(float(r.get("weight", 0.0)) > 0 for r in favour.values()):
        # every weight 0 would leave the weighted mean undefined: not "every cell scores 1"
        raise RulesError(
            f"{label}: every favour rule has weight 0 ({', '.join(f'favour.{n}' for n in favour)}"
            "), so no cell can be scored; give at least one a weight in (0, 1], or remove "
            "the favour rules to zone by the exclusions alone"
        )
    _check_conflicts(data, used, label)
    return RuleSet(data=data, source=label)


def _check_conflicts(data: dict[str, Any], used: dict[str, list[str]], label: str) -> None:
    for layer, rules in used.items():
        ex = [r for r in rules if r.startswith("exclude.")]
        fa = [r for r in rules if r.startswith("favour.")]
        if not ex or not fa:
            continue
        for e in ex:
            for f in fa:
                erule = data["exclude"][e.split(".", 1)[1]]
                frule = data["favour"][f.split(".", 1)[1]]
                if "wins" in erule or "wins" in frule:
                    continue
                if layer == "land_cover":
                    # a conflict only where a class group is both excluded and scored > 0
                    both = [
                        g
                        for g in erule.get("groups", [])
                        if frule.get("group_scores", {}).get(g, 0) > 0
                    ]
                    if not both:
                        continue
                    detail = f"groups {both} are excluded by {e} and scored by {f}"
                else:
                    detail = f"layer {layer!r} is excluded by {e} and favoured by {f}"
                raise RulesError(
                    f"{label}: rule {e} conflicts with rule {f}: {detail}; say which wins "
                    f'with wins = "exclude" or wins = "favour" in one of them'
                )

"""ASM zoning stage: rules as data, candidate zones, the best few located, conflicts."""

from landprofile.zoning.candidates import candidates
from landprofile.zoning.grid import AnalysisGrid
from landprofile.zoning.locate import locate
from landprofile.zoning.result import ZoningResult
from landprofile.zoning.rules import RulesError, RuleSet, default_rules, load_rules
from landprofile.zoning.sensitivity import sensitivity

__all__ = [
    "AnalysisGrid",
    "RuleSet",
    "RulesError",
    "ZoningResult",
    "candidates",
    "default_rules",
    "load_rules",
    "locate",
    "sensitivity",
]

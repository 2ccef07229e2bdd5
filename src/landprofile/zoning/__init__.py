"""ASM zoning stage: rules as data, candidate zones, exclusions, conflicts, sensitivity."""

from landprofile.zoning.candidates import AnalysisGrid, ZoningResult, candidates, sensitivity
from landprofile.zoning.rules import RulesError, RuleSet, default_rules, load_rules

__all__ = [
    "AnalysisGrid",
    "RuleSet",
    "RulesError",
    "ZoningResult",
    "candidates",
    "default_rules",
    "load_rules",
    "sensitivity",
]

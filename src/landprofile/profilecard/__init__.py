"""Card stage: the landscape profile card (HTML, offline; PDF / PNG; inline in Jupyter)."""

from landprofile.profilecard.card import Card, card

__all__ = ["Card", "card"]

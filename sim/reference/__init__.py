"""A plain Mesa implementation of the market (one Agent per customer): teaching and oracle."""

from .model import ReferenceMarketModel

__all__ = ["ReferenceMarketModel"]

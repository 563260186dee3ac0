"""ccsim: an agent-based simulation of customer-centric versus product-centric firms."""

__version__ = "0.1.0"

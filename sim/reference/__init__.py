"""A plain Mesa implementation of the market (one Agent per customer): teaching and oracle."""

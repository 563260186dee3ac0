"""Hydra configs shipped inside the package as ``sim.conf``."""

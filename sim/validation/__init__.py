"""Validation against known results: Bass diffusion docking."""

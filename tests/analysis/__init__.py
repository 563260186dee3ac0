"""Tests of the analysis layer: statistics, figures, sensitivity analysis."""

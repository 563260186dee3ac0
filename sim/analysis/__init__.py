"""Analysis of saved runs: retention models, statistics over seeds."""

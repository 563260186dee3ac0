"""Studies: code that runs many models (sensitivity analyses); analysis never runs one."""

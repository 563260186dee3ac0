"""Sweeps end to end: launchers, resume after SIGKILL, failures, collect and loaders."""

"""A sweep's size: more than ``MAX_JOBS`` jobs refused at once, a large one checked visibly.

``seed=range(0,10000000)`` used to be listed and validated value by value, for hours and
without a word; now it is counted from its bounds and refused in one line naming the count.
A sweep within the limit but with many values shows a progress bar while it is checked.
"""

from __future__ import annotations

import io
import time

import pytest

from sim.config import ConfigError
from sim.configure import check_overrides


@pytest.mark.parametrize(("overrides", "count"), [
    (["seed=range(0,10000000)"], "10,000,000 jobs"),
    (["seed=range(0,50001)", "firms.cc_a.markup=0.5,0.9"], "100,002 jobs"),
    (["scenario=glob(*)", "seed=range(0,20000)"], "120,000 jobs"),  # glob() counted too
])
def test_a_sweep_above_the_limit_is_refused_at_once(overrides, count):
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        check_overrides(overrides, multirun=True)
    assert time.perf_counter() - t0 < 10  # counted, not listed
    message = str(err.value)
    assert "\n" not in message and count in message and "100,000" in message


def test_a_large_sweep_shows_progress_while_it_is_checked(monkeypatch):
    from sim import configure

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    monkeypatch.setattr(configure, "PROGRESS_FROM", 3)
    monkeypatch.setattr(configure, "PROGRESS_DELAY", 0.0)
    configs = check_overrides(["seed=range(0,6)", "market.n_customers=300"], multirun=True)
    assert len(configs) == 6
    assert "checking the sweep's values" in screen.getvalue()
    assert "/5 " in screen.getvalue()  # the values to check: 5 besides the first
    quiet = Terminal()  # a small sweep: no bar
    monkeypatch.setattr("sys.stderr", quiet)
    check_overrides(["seed=0,1"], multirun=True)
    assert quiet.getvalue() == ""

"""The dashboard in a real browser: ``ccsim dashboard`` served, Debian's chromium driving it.

Playwright drives ``/usr/bin/chromium`` (``playwright install`` would download a browser, which
cannot work offline). Every check compares what the page shows with the same numbers computed
without the browser: the KPI table with ``format_table`` of the same run, the network picture's
colours with the sampled customers' firms, a replayed step with the saved table's rows.
Screenshots of each mode go to ``results/tmp/dashboard/``.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (/usr/bin/chromium; .ci/run installs it "
                "with apt-get install chromium)", allow_module_level=True)
pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

from sim import io, runner, samples  # noqa: E402
from sim.app import live_model as lm  # noqa: E402
from sim.app import views  # noqa: E402
from sim.configure import load_config, read_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "results" / "tmp" / "dashboard"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
#: The slowest a step of the default dashboard market (5,000 customers) may take to show.
MAX_STEP_SECONDS = 5.0
STEPS = 3
TIMEOUT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(cli, saved_runs, tmp_path_factory):
    """``ccsim dashboard --run RUN_A`` on a free port, in the folder holding results/runs/."""
    port = _free_port()
    cwd = saved_runs["a"].parents[2]
    log = tmp_path_factory.mktemp("server") / "dashboard.log"
    with open(log, "w") as out:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(
            [cli.script(), "dashboard", "--port", str(port), "--run", str(saved_runs["a"])],
            cwd=cwd, env=cli.env(), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the dashboard did not start:\n{log.read_text()}")
        time.sleep(1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    pg = browser.new_page(viewport={"width": 1500, "height": 2000})
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    pg.close()


def _text(page, selector: str, nth: int = 0) -> str:
    return page.locator(selector).nth(nth).text_content()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``."""
    page.locator(f'.v-select:has(label:text-is("{label}")) .v-input__slot').first.click()
    page.locator(f'.menuable__content__active .v-list-item:has-text("{option}")').first.click()


def _slider_value(page, label: str) -> str:
    return page.locator(f'.v-input__slider:has(label:text-is("{label}")) input').first \
        .get_attribute("value")


def _step(page, n: int) -> float:
    """Press Step; seconds until the page shows step ``n`` with its table and charts."""
    kpi_before = _text(page, "pre.ccsim-kpi")
    img_before = page.locator(".ccsim-live img").first.get_attribute("src")
    t0 = time.perf_counter()
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(
        """([n, kpi, img]) => {
            const s = document.querySelector('.ccsim-step');
            const k = document.querySelector('pre.ccsim-kpi');
            const i = document.querySelector('.ccsim-live img');
            return s && s.textContent.startsWith(`Step ${n} `) && k && k.textContent !== kpi
                   && i && i.getAttribute('src') !== img;
        }""", arg=[n, kpi_before, img_before])
    return time.perf_counter() - t0


def _offline_table(command: str, steps: int) -> str:
    """format_table of the run the page's command line describes, cut at ``steps``."""
    overrides = command.split()[2:]
    return runner.format_table(runner.run(load_config([*overrides, f"market.steps={steps}"]),
                                          progress=False))


def _circle_counts(page) -> dict[str, int]:
    fills = page.evaluate("""() => Array.from(
        document.querySelectorAll('svg.ccsim-network circle')).map(c => c.getAttribute('fill'))""")
    values, counts = np.unique(np.array(fills), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def test_live_mode_steps_like_ccsim_run(server, page):
    page.goto(server + "/")
    page.wait_for_selector("pre.ccsim-kpi")
    command = _text(page, "pre.ccsim-command")
    model = lm.LiveModel(**lm.initial_kwargs(lm.model_params()))  # the same market, apart
    assert command == "ccsim run " + " ".join(model.overrides)
    assert f"market.n_customers={lm.DEFAULT_CUSTOMERS}" in command
    seconds = [_step(page, n) for n in range(1, STEPS + 1)]
    print(f"\nstep and redraw of the default dashboard market ({lm.DEFAULT_CUSTOMERS:,} "
          f"customers), seconds: {', '.join(f'{s:.2f}' for s in seconds)}")
    assert max(seconds) < MAX_STEP_SECONDS, seconds
    assert _text(page, "pre.ccsim-kpi") == _offline_table(command, STEPS)

    # the network picture: circles per colour = the sampled customers' firms, computed apart
    for _ in range(STEPS):
        model.step()
    sample = samples.network_sample(model)
    firms = samples.current_firms(model.state.firm_of)[sample["customer"].to_numpy()]
    counts = _circle_counts(page)
    assert counts.get(views.NO_FIRM_COLOUR, 0) == np.count_nonzero(firms < 0)
    for k in range(len(model.firms)):
        assert counts.get(views.firm_colour(k), 0) == np.count_nonzero(firms == k)
    _shot(page, "live")

    # change a control, Reset, step again: still the run ccsim run would make
    _choose(page, "Strategy of pc_a", "mix 0.50")
    _choose(page, "Network", "random")
    page.get_by_role("button", name="Reset", exact=True).click()
    # the command line follows the controls before Reset is handled: wait for the reset too
    page.wait_for_function("() => document.querySelector('pre.ccsim-command').textContent"
                           ".includes('market.network.kind=random') && document.querySelector("
                           "'.ccsim-step').textContent.startsWith('Step 0 ')")
    command = _text(page, "pre.ccsim-command")
    assert "firms.pc_a.strategy=mix firms.pc_a.mix=0.5" in command
    assert _text(page, ".ccsim-step").startswith("Step 0 ")
    for n in range(1, STEPS + 1):
        _step(page, n)
    assert _text(page, "pre.ccsim-kpi") == _offline_table(command, STEPS)


def test_a_lesson_loads_its_configuration(server, page):
    page.goto(server + "/")
    page.wait_for_selector("pre.ccsim-kpi")
    _choose(page, "Lesson", "What won in the 1700s?")
    page.wait_for_function("() => document.querySelector('pre.ccsim-command').textContent"
                           ".includes('scenario=product_aware_economy')")
    cfg = load_config(["scenario=product_aware_economy"])
    assert float(_slider_value(page, "Advertising response")) == cfg.market.awareness.ad_response
    assert int(_slider_value(page, "Network density (mean contacts)")) == \
        cfg.market.network.mean_degree
    assert float(_slider_value(page, "Need heterogeneity")) == \
        cfg.market.customers.need_heterogeneity
    assert "What won in the 1700s?" in _text(page, ".ccsim-lesson")
    assert "discipline of marketing was born" in _text(page, ".ccsim-lesson")
    _shot(page, "lesson")


def test_replay_shows_the_saved_step(server, page, saved_runs):
    page.goto(server + "/replay")
    page.wait_for_selector("pre.ccsim-step-rows")
    ts = io.read_parquet(saved_runs["a"] / "timeseries.parquet")
    last = int(ts["step"].max())
    assert _text(page, "pre.ccsim-step-rows").split("\n")[1].split()[0] == str(last)
    k = 5
    thumb = page.locator('.v-input__slider:has(label:text-is("Step")) [role=slider]').first
    thumb.focus()
    thumb.press("Home")
    for _ in range(k):
        thumb.press("ArrowRight")
    page.wait_for_function(
        f"() => /\\n\\s*{k}\\s/.test(document.querySelector('pre.ccsim-step-rows')"
        ".textContent)")
    shown = _text(page, "pre.ccsim-step-rows")
    rows = ts[ts["step"] == k]
    assert len(shown.strip().split("\n")) == len(rows) + 1
    for row in rows.itertuples():
        line = next(x for x in shown.split("\n") if re.match(rf"\s*{k}\s+{row.firm}\s", x))
        values = line.split()
        assert int(values[2]) == row.customers
        assert float(values[3]) == pytest.approx(row.revenue, rel=1e-5)
        assert float(values[6]) == pytest.approx(row.nps, rel=1e-5, abs=1e-9)
    assert _text(page, "pre.ccsim-kpi") == views.kpi_text(
        ts[ts["step"] <= k], 12, read_config(saved_runs["a"] / "config.yaml"))
    saved = samples.firms_from_spells(io.read_parquet(saved_runs["a"] / "spells.parquet"),
                                      io.read_parquet(saved_runs["a"] / "network_sample.parquet")
                                      ["customer"].to_numpy(), 2, k)
    counts = _circle_counts(page)
    assert counts.get(views.firm_colour(0), 0) == np.count_nonzero(saved == 0)
    assert counts.get(views.NO_FIRM_COLOUR, 0) == np.count_nonzero(saved < 0)
    _shot(page, "replay")
    # play walks on through the saved steps by itself
    page.get_by_role("button", name="▶", exact=True).click()
    page.wait_for_function(
        f"() => /\\n\\s*{k + 2}\\s/.test(document.querySelector('pre.ccsim-step-rows')"
        ".textContent)")
    page.get_by_role("button", name="❚❚", exact=True).click()


def test_comparison_shows_both_runs(server, page, saved_runs, saved_overrides):
    page.goto(server + "/compare")
    for label, name in (("Run A: folder", "a"), ("Run B: folder", "b")):
        box = page.locator(f'.v-input:has(label:text-is("{label}")) input').first
        box.fill(str(saved_runs[name]))
        box.press("Enter")
    page.wait_for_selector(".ccsim-compare-b pre.ccsim-kpi")
    for name in ("a", "b"):
        offline = runner.run(load_config(list(saved_overrides[name])), progress=False)
        assert _text(page, f".ccsim-compare-{name} pre.ccsim-kpi") == \
            runner.format_table(offline)
    assert "subscription" in _text(page, ".ccsim-compare-b")
    _shot(page, "compare")

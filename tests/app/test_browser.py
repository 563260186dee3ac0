"""The dashboard in a real browser: ``ccsim dashboard`` served, Debian's chromium driving it.

Playwright drives ``/usr/bin/chromium`` (``playwright install`` would download a browser, which
cannot work offline). Every check compares what the page shows with the same numbers computed
without the browser: the KPI table with the same run made offline, the network picture's
colours with the sampled customers' firms, a replayed step with the saved table's rows. Layout
checks ask the browser what is on top at the centre of each control.

Screenshots of each mode go to ``results/tmp/dashboard/``, or to ``$CCSIM_SCREENSHOTS`` (the
documentation's pictures: ``CCSIM_SCREENSHOTS=docs/img pytest tests/app/test_browser.py``), so
the pictures in the docs are always of the dashboard as it is.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.error
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
SHOTS = Path(os.environ.get("CCSIM_SCREENSHOTS") or ROOT / "results" / "tmp" / "dashboard")
if not SHOTS.is_absolute():
    SHOTS = ROOT / SHOTS
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
#: The slowest the median step of the default dashboard market (5,000 customers) may take to
#: show (the first one also warms the page up).
MAX_STEP_SECONDS = 5.0
STEPS = 3
TIMEOUT_MS = 180_000
#: Window widths at which Replay's controls must be visible after picking a run.
WIDTHS = (1280, 1440, 1920)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server") / "dashboard.log"


@pytest.fixture(scope="module")
def server(cli, saved_runs, server_log):
    """``ccsim dashboard --run RUN_A`` on a free port, in the folder holding results/runs/."""
    port = _free_port()
    cwd = saved_runs["a"].parents[2]
    with open(server_log, "w") as out:  # a file, not a pipe: a full pipe would stall the server
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
            raise AssertionError(f"the dashboard did not start:\n{server_log.read_text()}")
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
    pg = browser.new_page(viewport={"width": 1440, "height": 1800})
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    pg.close()


def _text(page, selector: str, nth: int = 0) -> str:
    return page.locator(selector).nth(nth).text_content()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard_{name}.png"))


def _choose(page, label: str, option: str, scroll: bool = True) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``.

    ``scroll=False`` clicks as a person does, without Playwright first scrolling the page to
    bring the target "into view" (which sometimes moves a page that needs no scrolling), so a
    layout check afterwards sees the page as a person would.
    """
    slot = page.locator(f'.v-select:has(label:text-is("{label}")) .v-input__slot').first
    slot.click() if scroll else slot.dispatch_event("click")
    item = page.locator(f'.menuable__content__active .v-list-item:has-text("{option}")').first
    item.click() if scroll else item.dispatch_event("click")


def _slider(page, name: str) -> tuple[str, str]:
    """(label as shown, value) of the slider whose label starts with ``name: ``."""
    box = page.locator(f'.v-input__slider:has(label:has-text("{name}: "))').first
    return box.locator("label").text_content(), box.locator("input").first.get_attribute("value")


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
    """The KPI table of the run the page's command line describes, cut at ``steps``."""
    overrides = command.split()[2:]
    done = runner.run(load_config([*overrides, f"market.steps={steps}"]), progress=False)
    return views.kpi_text(done.timeseries, 12, done.config)


def _circle_counts(page) -> dict[str, int]:
    fills = page.evaluate("""() => Array.from(
        document.querySelectorAll('svg.ccsim-network circle')).map(c => c.getAttribute('fill'))""")
    values, counts = np.unique(np.array([f.lower() for f in fills]), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _uncovered(page, selector: str) -> str | None:
    """Why the element is not plainly visible (outside the window, or under another), or None."""
    return page.evaluate("""(sel) => {
        const el = document.querySelector(sel);
        if (!el) return `${sel}: not on the page`;
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) return `${sel}: has no size`;
        if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
            return `${sel}: outside the window (${JSON.stringify(r)})`;
        for (const [fx, fy] of [[0.5, 0.5], [0.1, 0.5], [0.9, 0.5]]) {
            const hit = document.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
            if (!hit || !(el === hit || el.contains(hit) || hit.contains(el)))
                return `${sel}: covered at ${fx} of its width by ${hit && hit.className} `
                       + `(its box ${JSON.stringify(r)}, scrolled ${scrollY})`;
        }
        return null;
    }""", selector)


def test_live_mode_steps_like_ccsim_run(server, page):
    page.goto(server + "/")
    page.wait_for_selector("pre.ccsim-kpi")
    command = _text(page, "pre.ccsim-command")
    model = lm.LiveModel(**lm.initial_kwargs(lm.model_params()))  # the same market, apart
    assert command == "ccsim run " + " ".join(model.overrides)
    assert f"market.n_customers={lm.DEFAULT_CUSTOMERS}" in command
    # learners see the market's settings with their values, and not Mesa's tuning controls
    body = page.locator("body").inner_text()
    for hidden in ("Play Interval", "Render Interval", "Use Threads"):
        assert hidden not in body, hidden
    label, value = _slider(page, "Customers")
    assert label == f"Customers: {lm.DEFAULT_CUSTOMERS:,}" and int(value) == lm.DEFAULT_CUSTOMERS
    label, value = _slider(page, "Advertising response")
    assert label.endswith(f": {float(value):.3f}")
    seconds = [_step(page, n) for n in range(1, STEPS + 1)]
    print(f"\nstep and redraw of the default dashboard market ({lm.DEFAULT_CUSTOMERS:,} "
          f"customers), seconds: {', '.join(f'{s:.2f}' for s in seconds)}")
    assert sorted(seconds)[len(seconds) // 2] < MAX_STEP_SECONDS, seconds  # the median step
    shown = _text(page, "pre.ccsim-kpi")
    assert shown == _offline_table(command, STEPS)
    assert "n/a until month 13" in shown and "+1" not in shown.split("headline")[1].split("\n")[2]
    answer = _text(page, ".ccsim-answer")
    assert "customer-centric" in answer and "n/a until month 13" in answer

    # the network picture: circles per colour = the sampled customers' firms, computed apart
    names = [f.name for f in model.firms]
    colours = views.palette(views.styles_for(
        names, views.model_coordinates([f.orientation for f in model.firms])), names)
    for _ in range(STEPS):
        model.step()
    sample = samples.network_sample(model)
    firms = samples.current_firms(model.state.firm_of)[sample["customer"].to_numpy()]
    counts = _circle_counts(page)
    assert counts.get(views.NO_FIRM_COLOUR, 0) == np.count_nonzero(firms < 0)
    for k in range(len(model.firms)):
        assert counts.get(colours[k].lower(), 0) == np.count_nonzero(firms == k)
    _shot(page, "live")

    # change a control, Reset, step again: still the run ccsim run would make
    _choose(page, "Strategy of pc_a", "mix 0.50")
    _choose(page, "Network", "random")
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_function("() => document.querySelector('pre.ccsim-command').textContent"
                           ".includes('market.network.kind=random') && document.querySelector("
                           "'.ccsim-step').textContent.startsWith('Step 0 ')")
    command = _text(page, "pre.ccsim-command")
    assert "firms.pc_a.strategy=mix firms.pc_a.mix=0.5" in command
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
    assert float(_slider(page, "Advertising response")[1]) == cfg.market.awareness.ad_response
    assert int(_slider(page, "Network density (mean contacts)")[1]) == \
        cfg.market.network.mean_degree
    assert float(_slider(page, "Need heterogeneity")[1]) == \
        cfg.market.customers.need_heterogeneity
    lesson = _text(page, ".ccsim-lesson")
    assert "What won in the 1700s?" in lesson and "What to watch." in lesson
    assert "discipline of marketing was born" in lesson
    _step(page, 1)
    _step(page, 2)
    assert "after month 2" in _text(page, ".ccsim-answer")
    _shot(page, "lesson")


def test_replay_controls_visible_after_picking_a_run(server, browser, saved_runs):
    """Live → Replay → a run with a long name: heading, ▶ and step label stay uncovered."""
    name = saved_runs["long"].name
    for width in WIDTHS:
        pg = browser.new_page(viewport={"width": width, "height": 900})
        pg.set_default_timeout(TIMEOUT_MS)
        try:
            if width == 1440:  # from Live, whose sidebar must not stay over Replay
                pg.goto(server + "/")
                pg.wait_for_selector("pre.ccsim-kpi")
                pg.locator(".ccsim-tab-replay").click()
            else:
                pg.goto(server + "/replay")
            pg.wait_for_selector('.v-select:has(label:text-is("Run"))')
            _choose(pg, "Run", name, scroll=False)
            pg.wait_for_function(f"() => (document.querySelector('.ccsim-run-label') || {{}})"
                                 f".textContent?.startsWith('{name}')")
            pg.wait_for_selector(".ccsim-replay-step")
            for selector in (".ccsim-replay-heading", ".ccsim-player button",
                             ".ccsim-replay-step"):
                assert _uncovered(pg, selector) is None, (width, _uncovered(pg, selector))
            if width == 1440:  # a reload keeps the chosen run (it is in the address)
                assert "run=" in pg.url
                pg.reload()
                pg.wait_for_selector(".ccsim-run-label")
                assert _text(pg, ".ccsim-run-label").startswith(name)
        finally:
            pg.close()


def test_replay_shows_the_saved_step(server, page, saved_runs):
    page.goto(server + "/replay")
    page.wait_for_selector("pre.ccsim-step-rows")
    ts = io.read_parquet(saved_runs["a"] / "timeseries.parquet")
    last = int(ts["step"].max())
    assert _text(page, "pre.ccsim-step-rows").split("\n")[1].split()[0] == str(last)
    # at the last step ▶ is live and the page says what it does
    play = page.get_by_role("button", name="▶", exact=True)
    assert play.is_enabled()
    assert _text(page, ".ccsim-replay-step") == f"Step {last} of {last}"
    assert "plays the run again from month 1" in _text(page, ".ccsim-player-hint")
    k = 5
    thumb = page.locator(".ccsim-player [role=slider]").first
    thumb.focus()
    thumb.press("Home")
    for _ in range(k - 1):
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
    names = list(read_config(saved_runs["a"] / "config.yaml").firms)
    colours = views.palette(views.styles_of_ts(ts, names), names)
    counts = _circle_counts(page)
    assert counts.get(colours[0].lower(), 0) == np.count_nonzero(saved == 0)
    assert counts.get(views.NO_FIRM_COLOUR, 0) == np.count_nonzero(saved < 0)
    _shot(page, "replay")
    # play walks on through the saved steps by itself
    play.click()
    page.wait_for_function(
        f"() => /\\n\\s*{k + 2}\\s/.test(document.querySelector('pre.ccsim-step-rows')"
        ".textContent)")
    page.get_by_role("button", name="❚❚", exact=True).click()


def test_comparison_shows_both_runs_unclipped(server, page, saved_runs):
    page.goto(server + "/compare")
    cwd = saved_runs["a"].parents[2]  # the server's folder: paths as a user there types them
    for label, name in (("Run A: folder", "a"), ("Run B: folder", "b")):
        box = page.locator(f'.v-input:has(label:text-is("{label}")) input').first
        box.fill(str(saved_runs[name].relative_to(cwd)))
        box.press("Enter")
    page.wait_for_selector(".ccsim-compare-b-kpi pre.ccsim-kpi")
    for name in ("a", "b"):
        ts = io.read_parquet(saved_runs[name] / "timeseries.parquet")
        assert _text(page, f".ccsim-compare-{name}-kpi pre.ccsim-kpi") == views.kpi_text(
            ts, 12, read_config(saved_runs[name] / "config.yaml"))
    assert "subscription" in _text(page, ".ccsim-compare-b")
    clipped = page.evaluate("""() => Array.from(document.querySelectorAll(
        'pre.ccsim-kpi, pre.ccsim-step-rows')).filter(p => p.scrollWidth > p.clientWidth + 1)
        .map(p => p.parentElement.className)""")
    assert clipped == []
    assert "run=" not in page.url and "a=" in page.url and "b=" in page.url
    _shot(page, "compare")


def test_host_header_checked_on_loopback(server):
    """A page elsewhere that points its own name at 127.0.0.1 is refused (DNS rebinding)."""
    port = server.rsplit(":", 1)[1]
    for host, status in ((f"evil.example:{port}", 400), (f"localhost:{port}", 200),
                         (f"127.0.0.1:{port}", 200)):
        request = urllib.request.Request(server + "/", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                got = reply.status
        except urllib.error.HTTPError as exc:
            got = exc.code
        assert got == status, host


def test_server_printed_no_warning(server, server_log):
    """After every page above: nothing in the server's output that a user cannot act on."""
    text = server_log.read_text()
    assert "ccsim dashboard: open http://127.0.0.1:" in text
    for word in ("warn", "Traceback", "samesite"):
        assert word.lower() not in text.lower(), text[-3000:]

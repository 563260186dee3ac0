"""The dashboard's pages as Solara components: live, replay and comparison.

Live mode drives the model with Mesa's own controller (``ModelController``: Reset, ▶, Step) and
shows the market's settings as labelled sliders with their values; Mesa's tuning controls (play
and render intervals, threads) are left out of a page meant for a class. The market is drawn
beside them and re-rendered whenever the controller bumps ``update_counter``. Replay and
comparison read saved runs only (``sim.app.runs``), below the folders the dashboard may open;
the chosen runs are kept in the page's address, so a reload keeps them.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import solara

from .. import samples
from . import answers, lessons, views
from .live_model import CHANGES, LiveModel, change_now, initial_kwargs, model_params
from .runs import RunError, SavedRun, allowed_roots, list_runs, open_run

with warnings.catch_warnings():
    # Solara's rules-of-hooks check flags Mesa's own ComponentsView (a page this dashboard does
    # not use) when solara_viz is imported: nothing a user of ccsim can act on
    warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite")
    from mesa.visualization.solara_viz import ModelController
    from mesa.visualization.utils import update_counter

#: The lesson live mode opens with (``CCSIM_DASHBOARD_LESSON`` chooses another).
lesson_key = solara.reactive(os.environ.get("CCSIM_DASHBOARD_LESSON") or lessons.LESSONS[0].key)
#: Replay's run (``ccsim dashboard --run PATH`` sets it through ``CCSIM_DASHBOARD_RUN``).
replay_path = solara.reactive(os.environ.get("CCSIM_DASHBOARD_RUN") or "")
#: The comparison's two runs.
compare_paths = solara.reactive(("", ""))
#: Replay's play speed.
PLAY_INTERVAL_S = 0.4
#: Resolution of the charts (11 inches wide: 880 pixels; drawing them is most of a step's time).
FIGURE_DPI = 80
#: Live mode's play speed (milliseconds between steps; Mesa's ModelController).
LIVE_PLAY_MS = 150
#: Page styles: the sidebar never grows over the page, long run names are cut with an ellipsis.
CSS = """
.v-navigation-drawer { width: 400px !important; max-width: 400px !important; }
.v-navigation-drawer .v-select__selections, .ccsim-picker .v-select__selections { min-width: 0; }
.v-select__selection { overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
                       max-width: 100%; }
.ccsim-answer table { border-collapse: collapse; font-size: 13px; }
.ccsim-answer th, .ccsim-answer td { padding: 2px 10px; border-bottom: 1px solid #ddd;
                                     text-align: right; }
.ccsim-answer th:first-child, .ccsim-answer td:first-child { text-align: left; }
"""


def _text(text: str, css: str, wrap: bool = False) -> solara.Element:
    """Fixed-width text with a class the browser test can find."""
    return solara.v.Html(tag="pre", children=[text], class_=css,
                         style_="font-size: 12px; line-height: 1.25; margin: 0; overflow-x: auto;"
                                f"white-space: {'pre-wrap' if wrap else 'pre'}")


def _value_text(value: float, step: float) -> str:
    """A slider's value as its label shows it (as many decimals as its step has)."""
    if float(step).is_integer():
        return f"{int(value):,}"
    decimals = max(0, len(f"{step:.6f}".rstrip("0").split(".")[1]))
    return f"{value:.{decimals}f}"


@solara.component
def Slider(label: str, value, on_value, min: float, max: float, step: float,  # noqa: A002
           integer: bool = False):
    """A slider whose label shows its current value (``Customers: 5,000``)."""
    cls = solara.SliderInt if integer else solara.SliderFloat
    cls(f"{label}: {_value_text(value, step)}", value=value, on_value=on_value, min=min, max=max,
        step=step, thumb_label=False)


# ----------------------------------------------------------------------------------------------
# shared views


@solara.component
def NetworkView(sample, firms, names: list[str], colours: list[str]):
    """The sampled customers coloured by firm, with a legend of counts."""
    counts = views.colour_counts(firms, names, colours)
    with solara.Row(style={"align-items": "flex-start"}):
        solara.HTML(tag="div", unsafe_innerHTML=views.network_svg(sample, firms, names, colours),
                    classes=["ccsim-network-view"])
        solara.HTML(tag="div", unsafe_innerHTML=views.legend_html(counts))


@solara.component
def ChartsCard(ts, names: list[str], styles, key: object, ylims=None, last_step=None):
    """The market charts (shares, revenue, margin, NPS, customers, channels) of one market."""
    fig = solara.use_memo(lambda: views.charts(ts, names, styles, ylims=ylims,
                                               last_step=last_step), [key])
    with solara.Card("Market", classes=["ccsim-charts"]):
        solara.FigureMatplotlib(fig, dependencies=[key], format="png", dpi=FIGURE_DPI)


@solara.component
def BudgetCard(ts, names: list[str], key: object, last_step=None):
    """Each firm's budget shares over time."""
    fig = solara.use_memo(lambda: views.budget_chart(ts, names, last_step=last_step), [key])
    with solara.Card("Budget shares: what each firm's money buys", classes=["ccsim-budget"]):
        solara.FigureMatplotlib(fig, dependencies=[key], format="png", dpi=FIGURE_DPI)


@solara.component
def NetworkCard(sample, firms, names: list[str], colours: list[str]):
    """The network picture, or why there is none."""
    with solara.Card("Customers and who they buy from (a sample)"):
        if sample is None or firms is None:
            solara.Text("This run has no network sample (saved before they were added).")
        else:
            NetworkView(sample, firms, names, colours)


@solara.component
def KpiCard(ts, steps_per_year: int, config=None, classes: list[str] | None = None):
    """The KPI table as ``ccsim run`` prints it (growth ``n/a`` before a year of data)."""
    with solara.Card("KPI table (as ccsim run prints it)", classes=classes or []):
        _text(views.kpi_text(ts, steps_per_year, config), "ccsim-kpi")


@solara.component
def MarketPanels(ts, names: list[str], styles, steps_per_year: int, sample, firms, key: object,
                 title: str = "", config=None, ylims=None, last_step=None):
    """Charts, budgets, KPI table and network of one market at one step (live or saved).

    Args:
        ts: Timeseries up to the step shown.
        names: Firm names in configuration order.
        styles: Each firm's colour and line style (:func:`views.styles_for`).
        steps_per_year: Steps per year of the market.
        sample: Network sample (None: no picture).
        firms: Sampled customers' firms at the step (None: no picture).
        key: Changes whenever the picture must be redrawn (the charts are memoised on it).
        title: Heading above the panels.
        config: The market's configuration, when known (the KPI table names its discount rate).
        ylims: Fixed y limits of the charts (replay: the axes do not move).
        last_step: Fixed x range of the charts (replay).
    """
    if title:
        solara.Markdown(f"#### {title}")
    ChartsCard(ts, names, styles, key, ylims, last_step)
    BudgetCard(ts, names, key, last_step)
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        NetworkCard(sample, firms, names, views.palette(styles, names))
        KpiCard(ts, steps_per_year, config)


# ----------------------------------------------------------------------------------------------
# live


@solara.component
def LessonCard(lesson: lessons.Lesson):
    """The question, what the market is, what to watch, and the essay passage."""
    with solara.Card(lesson.question, classes=["ccsim-lesson"]):
        if not lesson.available:
            missing = ", ".join(f"conf/{m}.yaml" for m in lesson.missing())
            solara.Warning(f"This lesson's scenario is not in this version of ccsim ({missing} "
                           "is missing); the default market is loaded instead.")
        solara.Markdown(f"**The market.** {lesson.setup}")
        solara.Markdown(f"**What to watch.** {lesson.watch}", style={"color": "#004f80"})
        solara.Markdown(f"> {lesson.passage}\n>\n> — {lesson.source}")
        if lesson.overrides:
            solara.Markdown("Configuration: `ccsim run " + " ".join(lesson.overrides) + "`")


@solara.component
def AnswerCard(lesson: lessons.Lesson, ts, steps_per_year: int):
    """The numbers that answer the lesson's question, at the step shown."""
    table, note = answers.answer(lesson.answer, ts, steps_per_year)
    with solara.Card("The numbers that answer the question", classes=["ccsim-answer"]):
        if not table.empty:
            solara.HTML(tag="div", unsafe_innerHTML=table.to_html(index=False, border=0),
                        classes=["ccsim-answer-table"])
        solara.Text(note, classes=["ccsim-answer-note"])


@solara.component
def LessonPicker():
    """Choose a lesson: its market is built and the controls take its values."""
    questions = {x.question: x.key for x in lessons.LESSONS}
    current = lessons.by_key(lesson_key.value).question
    solara.Select("Lesson", values=list(questions), value=current,
                  on_value=lambda q: lesson_key.set(questions[q]))


@solara.component
def MarketInputs(params: dict, kwargs: solara.Reactive[dict]):
    """The market's settings as labelled controls; Reset builds the market they show."""
    def setter(name):
        return lambda v: kwargs.set({**kwargs.value, name: v})

    for name, spec in params.items():
        if not (isinstance(spec, dict) and "type" in spec):
            continue  # a fixed argument (the lesson's overrides)
        value = kwargs.value.get(name, spec["value"])
        if spec["type"] in ("SliderInt", "SliderFloat"):
            Slider(spec["label"], value, setter(name), spec["min"], spec["max"], spec["step"],
                   integer=spec["type"] == "SliderInt")
        elif spec["type"] == "Select":
            solara.Select(spec["label"], values=spec["values"], value=value,
                          on_value=setter(name))


@solara.component
def FirmLever(model):
    """Move one firm along the mix mid-run (from the next step on)."""
    names = [f.name for f in model.firms]
    firm, set_firm = solara.use_state(names[0])
    mix, set_mix = solara.use_state(0.5)
    note, set_note = solara.use_state("")

    def apply():
        model.set_mix(names.index(firm), mix)
        set_note(f"{firm} moved to mix {mix:.2f} after step {model.steps}")

    with solara.Card("Change a firm's strategy now"):
        solara.Select("Firm", values=names, value=firm, on_value=set_firm)
        Slider("Mix (0 product- … 1 customer-centric)", mix, set_mix, 0.0, 1.0, 0.05)
        solara.Button("Apply from the next step", on_click=apply, color="primary")
        if note:
            solara.Text(note)


@solara.component
def LeverChange(model):
    """Change one lever of one firm mid-run, as ``ccsim elasticities`` does, and watch."""
    names = [f.name for f in model.firms]
    firm, set_firm = solara.use_state(names[0])
    what, set_what = solara.use_state("advertising")
    factor, set_factor = solara.use_state(1.1)
    note, set_note = solara.use_state("")

    def apply():
        try:
            set_note(change_now(model, firm, what, factor))
        except ValueError as exc:
            set_note(f"not applied: {exc}")

    with solara.Card("Change one lever now (as ccsim elasticities does)"):
        solara.Select("Firm", values=names, value=firm, on_value=set_firm)
        solara.Select("Lever", values=list(CHANGES), value=what, on_value=set_what)
        Slider("Factor (1 = as planned)", factor, set_factor, 0.0, 3.0, 0.05)
        solara.Button("Apply from the next step", on_click=apply, color="primary")
        if note:
            solara.Text(note)


@solara.component
def LiveMarket(model, lesson: lessons.Lesson | None = None):
    """The live market: re-rendered after every step the controller takes."""
    update_counter.get()
    sample = solara.use_memo(lambda: samples.network_sample(model), [model])
    styles = solara.use_memo(lambda: views.styles_for(
        [f.name for f in model.firms],
        views.model_coordinates([f.orientation for f in model.firms])), [model])
    ts = model.timeseries() if model.steps else views.EMPTY_TS
    firms = samples.current_firms(model.state.firm_of)[sample["customer"].to_numpy()]
    names = [f.name for f in model.firms]
    spy = model.cfg.market.steps_per_year
    solara.Text(f"Step {model.steps} of {model.cfg.market.steps}", classes=["ccsim-step"])
    if lesson is not None:
        AnswerCard(lesson, ts, spy)
    # the time axis spans the first year at least, then grows with the run
    MarketPanels(ts, names, styles, spy, sample, firms, key=(id(model), model.steps),
                 config=model.cfg, last_step=max(model.steps, spy))


@solara.component
def LiveView(key: str):
    """Live mode for lesson ``key``: Mesa's controller and the market's settings in the sidebar."""
    lesson = lessons.by_key(key)
    base = lesson.overrides if lesson.available else ()
    params = solara.use_memo(lambda: model_params(base), [])
    kwargs = solara.use_reactive(solara.use_memo(lambda: initial_kwargs(params), []))
    model = solara.use_reactive(solara.use_memo(lambda: LiveModel(**kwargs.value), []))
    play = solara.use_reactive(LIVE_PLAY_MS)
    render = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    with solara.Sidebar():
        with solara.Card("Lesson"):
            LessonPicker()
        with solara.Card("Run the market", classes=["ccsim-controller"]):
            ModelController(model, model_parameters=kwargs, play_interval=play,
                            render_interval=render, use_threads=threads)
        with solara.Card("Market settings", classes=["ccsim-settings"]):
            solara.Text("Reset builds the market these settings show.", style={"color": "#555"})
            MarketInputs(params, kwargs)
    with solara.Column(classes=["ccsim-live"]):
        LessonCard(lesson)
        LiveMarket(model.value, lesson)
        with solara.Card("The same market on the command line (Reset applies the settings)"):
            _text("ccsim run " + " ".join(model.value.overrides), "ccsim-command", wrap=True)
        FirmLever(model.value)
        LeverChange(model.value)


@solara.component
def LivePage():
    """Live mode."""
    solara.Style(CSS)
    LiveView(lesson_key.value).key(f"live-{lesson_key.value}")


# ----------------------------------------------------------------------------------------------
# replay and comparison


def _styles(run: SavedRun | None) -> dict | None:
    return None if run is None else views.styles_of_ts(run.ts, run.firms)


def _load(path: str) -> tuple[SavedRun | None, str]:
    if not path:
        return None, ""
    try:
        return open_run(path, allowed_roots()), ""
    except RunError as exc:
        return None, str(exc)


def _use_address(names: tuple[str, ...], values: tuple[str, ...],
                 set_values: Callable[[tuple[str, ...]], None]) -> Callable[[tuple], None]:
    """Keep ``values`` in the page address (``?run=…``), so a reload opens the same runs.

    Reads the address once per change of it into ``set_values``; returns ``push(values)``,
    which writes new values into the address (a no-op outside a browser).
    """
    router = solara.use_router()
    query = parse_qs(router.search or "")

    def from_address():
        found = tuple(query.get(n, [""])[0] for n in names)
        if any(found) and found != values:
            set_values(found)

    solara.use_effect(from_address, [router.search])

    def push(new: tuple[str, ...]):
        if router.set_path is not None:
            shown = {n: v for n, v in zip(names, new, strict=True) if v}
            router.push(f"{router.path}?{urlencode(shown)}" if shown else router.path)

    return push


@solara.component
def RunPicker(label: str, value: str, on_value):
    """A run folder: chosen from results/runs/ or typed."""
    found = [str(p) for p in list_runs(roots=allowed_roots())]
    values = found + ([value] if value and value not in found else [])
    with solara.Columns([1, 1], classes=["ccsim-picker"]):
        solara.Select(label, values=values, value=value or None, on_value=on_value)
        solara.InputText(f"{label}: folder", value=value, on_value=on_value,
                         continuous_update=False)


@solara.component
def StepPlayer(step: solara.Reactive[int], first: int, last: int):
    """A step slider with play/pause over saved steps; ▶ at the last step plays from the first."""
    playing = solara.use_reactive(False)

    def play():
        while playing.value and step.value < last:
            time.sleep(PLAY_INTERVAL_S)
            if playing.value:
                step.set(step.value + 1)
        playing.set(False)

    def toggle():
        if not playing.value and step.value >= last:
            step.set(first)  # at the end, ▶ replays from the first saved month
        playing.set(not playing.value)

    solara.use_thread(play, dependencies=[playing.value])
    with solara.Row(style={"align-items": "center"}, classes=["ccsim-player"]):
        solara.Button("❚❚" if playing.value else "▶", color="primary", on_click=toggle)
        solara.Text(f"Step {step.value} of {last}", classes=["ccsim-replay-step"],
                    style={"white-space": "nowrap", "font-weight": "500"})
        solara.SliderInt("", value=step, min=first, max=last, thumb_label=False)
    hint = (f"Month {last} is the last saved: ▶ plays the run again from month {first}; drag "
            "the slider to jump to a month." if step.value >= last else
            "▶ plays the saved months one by one from here; drag the slider to jump to a month.")
    solara.Text(hint, classes=["ccsim-player-hint"], style={"color": "#555"})


@solara.component
def SavedMarket(run: SavedRun, step: int, ylims=None, last_step=None):
    """One saved run at one step: charts, network, KPI table and the step's saved rows."""
    styles = solara.use_memo(lambda: _styles(run), [str(run.path)])
    MarketPanels(run.until(step), run.firms, styles, run.steps_per_year, run.sample,
                 run.firms_at(step), key=(str(run.path), step), config=run.config,
                 ylims=ylims, last_step=last_step)
    with solara.Card(f"Saved rows of step {step} (timeseries.parquet)"):
        _text(views.step_text(run.ts, step), "ccsim-step-rows")


@solara.component
def ReplayPage():
    """Replay mode: one saved run, stepped through its stored tables."""
    solara.Style(CSS)
    push = _use_address(("run",), (replay_path.value,), lambda v: replay_path.set(v[0]))
    run, error = solara.use_memo(lambda: _load(replay_path.value), [replay_path.value])
    step = solara.use_reactive(run.steps if run else 0)
    solara.use_effect(lambda: step.set(run.steps if run else 0), [replay_path.value])
    ylims = solara.use_memo(lambda: views.limits([run.ts]) if run else None,
                            [replay_path.value])

    def choose(value: str):
        replay_path.set(value)
        push((value,))

    solara.HTML(tag="h2", unsafe_innerHTML="Replay of a saved run",
                classes=["ccsim-replay-heading"], style="margin: 4px 0 8px")
    RunPicker("Run", replay_path.value, choose)
    if error:
        solara.Error(error)
    if run is None:
        solara.Info("Choose a run folder (ccsim run writes them into results/runs/).")
        return
    solara.Text(run.label, classes=["ccsim-run-label"])
    StepPlayer(step, run.first_step, run.steps)
    SavedMarket(run, min(step.value, run.steps), ylims=ylims, last_step=run.steps)


@solara.component
def ComparePage():
    """Two saved runs side by side at the same step, on the same scales."""
    solara.Style(CSS)
    push = _use_address(("a", "b"), compare_paths.value, compare_paths.set)
    a_path, b_path = compare_paths.value
    run_a, err_a = solara.use_memo(lambda: _load(a_path), [a_path])
    run_b, err_b = solara.use_memo(lambda: _load(b_path), [b_path])
    both = [r for r in (run_a, run_b) if r is not None]
    first = max((r.first_step for r in both), default=0)
    last = min((r.steps for r in both), default=0)
    step = solara.use_reactive(last)
    solara.use_effect(lambda: step.set(last), [a_path, b_path])
    ylims = solara.use_memo(lambda: views.limits([r.ts for r in both]), [a_path, b_path])
    style_a = solara.use_memo(lambda: _styles(run_a), [a_path])
    style_b = solara.use_memo(lambda: _styles(run_b), [b_path])

    def choose(which: int):
        def set_path(value: str):
            paths = list(compare_paths.value)
            paths[which] = value
            compare_paths.set(tuple(paths))
            push(tuple(paths))
        return set_path

    solara.HTML(tag="h2", unsafe_innerHTML="Two saved runs side by side",
                classes=["ccsim-compare-heading"], style="margin: 4px 0 8px")
    RunPicker("Run A", a_path, choose(0))
    RunPicker("Run B", b_path, choose(1))
    for err in (err_a, err_b):
        if err:
            solara.Error(err)
    if run_a is None or run_b is None:
        solara.Info("Choose two run folders (two seeds, or two scenarios).")
        return
    StepPlayer(step, first, last)
    at = {name: min(step.value, run.steps) for name, run in (("a", run_a), ("b", run_b))}
    pairs = (("a", run_a), ("b", run_b))
    styles = {"a": style_a, "b": style_b}
    solara.Text("Both runs' charts share their scales: the same height is the same number.",
                style={"color": "#555"})
    with solara.Columns([1, 1]):
        for name, run in pairs:
            with solara.Column(classes=[f"ccsim-compare-{name}"]):
                solara.Markdown(f"#### {name.upper()}: {run.label}")
                ChartsCard(run.until(at[name]), run.firms, styles[name], (str(run.path), at[name]),
                           ylims, last)
                BudgetCard(run.until(at[name]), run.firms, (str(run.path), at[name]), last)
                NetworkCard(run.sample, run.firms_at(at[name]), run.firms,
                            views.palette(styles[name], run.firms))
    # full width, one under the other: the tables are wider than half the page
    for name, run in pairs:
        KpiCard(run.until(at[name]), run.steps_per_year, run.config,
                classes=[f"ccsim-compare-{name}-kpi"])
    for name, run in pairs:
        with solara.Card(f"{name.upper()}: saved rows of step {at[name]} (timeseries.parquet)",
                         classes=[f"ccsim-compare-{name}-rows"]):
            _text(views.step_text(run.ts, at[name]), "ccsim-step-rows")

"""The dashboard's pages as Solara components: live (SolaraViz), replay and comparison.

Live mode hands Mesa's ``SolaraViz`` the model (as a reactive variable this page owns) and the
controls; SolaraViz draws the sidebar (step, play/pause, reset, the controls) and this module
draws the market beside it, re-rendering whenever SolaraViz bumps ``update_counter``. Replay
and comparison read saved runs only (``sim.app.runs``).
"""

from __future__ import annotations

import os
import time

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from .. import samples
from . import lessons, views
from .live_model import CHANGES, LiveModel, change_now, initial_kwargs, model_params
from .runs import RunError, SavedRun, list_runs, open_run

#: The lesson live mode opens with (``CCSIM_DASHBOARD_LESSON`` chooses another).
lesson_key = solara.reactive(os.environ.get("CCSIM_DASHBOARD_LESSON") or lessons.LESSONS[0].key)
#: Replay's run (``ccsim dashboard --run PATH`` sets it through ``CCSIM_DASHBOARD_RUN``).
replay_path = solara.reactive(os.environ.get("CCSIM_DASHBOARD_RUN") or "")
#: The comparison's two runs.
compare_paths = solara.reactive(("", ""))
#: Replay's play speed.
PLAY_INTERVAL_S = 0.4


def _text(text: str, css: str, wrap: bool = False) -> solara.Element:
    """Fixed-width text with a class the browser test can find."""
    return solara.v.Html(tag="pre", children=[text], class_=css,
                         style_="font-size: 12px; line-height: 1.25; margin: 0; overflow-x: auto;"
                                f"white-space: {'pre-wrap' if wrap else 'pre'}")


# ----------------------------------------------------------------------------------------------
# shared views


@solara.component
def NetworkView(sample, firms, names: list[str]):
    """The sampled customers coloured by firm, with a legend of counts."""
    counts = views.colour_counts(firms, names)
    with solara.Row(style={"align-items": "flex-start"}):
        solara.HTML(tag="div", unsafe_innerHTML=views.network_svg(sample, firms, names),
                    classes=["ccsim-network-view"])
        solara.HTML(tag="div", unsafe_innerHTML=views.legend_html(counts))


@solara.component
def MarketPanels(ts, names: list[str], steps_per_year: int, sample, firms, key: object,
                 title: str = "", config=None):
    """Charts, KPI table and network of one market at one step (live or saved).

    Args:
        ts: Timeseries up to the step shown.
        names: Firm names in configuration order.
        steps_per_year: Steps per year of the market.
        sample: Network sample (None: no picture).
        firms: Sampled customers' firms at the step (None: no picture).
        key: Changes whenever the picture must be redrawn (the charts are memoised on it).
        title: Heading above the panels.
        config: The market's configuration, when known (the KPI table names its discount rate).
    """
    fig = solara.use_memo(lambda: views.charts(ts, names), [key])
    if title:
        solara.Markdown(f"#### {title}")
    with solara.Card("Market"):
        solara.FigureMatplotlib(fig, dependencies=[key], format="png", dpi=80)
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Card("Customers and who they buy from (a sample)"):
            if sample is None or firms is None:
                solara.Text("This run has no network sample (saved before they were added).")
            else:
                NetworkView(sample, firms, names)
        with solara.Card("KPI table (as ccsim run prints it)"):
            _text(views.kpi_text(ts, steps_per_year, config), "ccsim-kpi")


# ----------------------------------------------------------------------------------------------
# live


@solara.component
def LessonCard(lesson: lessons.Lesson):
    """The question, the explanation and the essay passage, or why it cannot load."""
    with solara.Card(lesson.question, classes=["ccsim-lesson"]):
        if not lesson.available:
            missing = ", ".join(f"conf/{m}.yaml" for m in lesson.missing())
            solara.Warning(f"This lesson's scenario is not in this version of ccsim ({missing} "
                           "is missing); the default market is loaded instead.")
        solara.Markdown(lesson.explanation)
        solara.Markdown(f"> {lesson.passage}\n>\n> — {lesson.source}")
        if lesson.overrides:
            solara.Markdown("Configuration: `ccsim run " + " ".join(lesson.overrides) + "`")


@solara.component
def LessonPicker():
    """Choose a lesson: its market is built and the controls take its values."""
    questions = {x.question: x.key for x in lessons.LESSONS}
    current = lessons.by_key(lesson_key.value).question
    solara.Select("Lesson", values=list(questions), value=current,
                  on_value=lambda q: lesson_key.set(questions[q]))


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
        solara.SliderFloat("Mix (0 product- … 1 customer-centric)", value=mix,
                           on_value=set_mix, min=0.0, max=1.0, step=0.05)
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
        solara.SliderFloat("Factor (1 = as planned)", value=factor, on_value=set_factor,
                           min=0.0, max=3.0, step=0.05)
        solara.Button("Apply from the next step", on_click=apply, color="primary")
        if note:
            solara.Text(note)


@solara.component
def LiveMarket(model):
    """The live market: re-rendered after every step SolaraViz takes."""
    update_counter.get()
    sample = solara.use_memo(lambda: samples.network_sample(model), [model])
    ts = model.timeseries() if model.steps else views.EMPTY_TS
    firms = samples.current_firms(model.state.firm_of)[sample["customer"].to_numpy()]
    names = [f.name for f in model.firms]
    solara.Text(f"Step {model.steps} of {model.cfg.market.steps}", classes=["ccsim-step"])
    MarketPanels(ts, names, model.cfg.market.steps_per_year, sample, firms,
                 key=(id(model), model.steps), config=model.cfg)


@solara.component
def LiveView(key: str):
    """SolaraViz over a LiveModel of lesson ``key``; remounted when the lesson changes."""
    lesson = lessons.by_key(key)
    base = lesson.overrides if lesson.available else ()
    params = solara.use_memo(lambda: model_params(base), [])
    model = solara.use_reactive(solara.use_memo(lambda: LiveModel(**initial_kwargs(params)), []))
    with solara.Sidebar():
        with solara.Card("Lessons"):
            LessonPicker()
    SolaraViz(model, components=[], model_params=params,
              name="ccsim: customer centricity, live")
    with solara.Column(classes=["ccsim-live"]):
        LessonCard(lesson)
        with solara.Card("The same market on the command line (Reset applies the controls)"):
            _text("ccsim run " + " ".join(model.value.overrides), "ccsim-command", wrap=True)
        LiveMarket(model.value)
        FirmLever(model.value)
        LeverChange(model.value)


@solara.component
def LivePage():
    """Live mode."""
    LiveView(lesson_key.value).key(f"live-{lesson_key.value}")


# ----------------------------------------------------------------------------------------------
# replay and comparison


def _load(path: str) -> tuple[SavedRun | None, str]:
    if not path:
        return None, ""
    try:
        return open_run(path), ""
    except RunError as exc:
        return None, str(exc)


@solara.component
def RunPicker(label: str, value: str, on_value):
    """A run folder: chosen from results/runs/ or typed."""
    found = [str(p) for p in list_runs()]
    values = found + ([value] if value and value not in found else [])
    with solara.Column(gap="0px"):
        if values:
            solara.Select(label, values=values, value=value or None, on_value=on_value)
        solara.InputText(f"{label}: folder", value=value, on_value=on_value,
                         continuous_update=False)


@solara.component
def StepPlayer(step: solara.Reactive[int], last: int):
    """A step slider with play/pause over saved steps."""
    playing = solara.use_reactive(False)

    def play():
        while playing.value and step.value < last:
            time.sleep(PLAY_INTERVAL_S)
            if playing.value:
                step.set(step.value + 1)
        playing.set(False)

    solara.use_thread(play, dependencies=[playing.value])
    with solara.Row(style={"align-items": "center"}):
        solara.Button("❚❚" if playing.value else "▶", color="primary",
                      on_click=lambda: playing.set(not playing.value),
                      disabled=step.value >= last and not playing.value)
        solara.SliderInt("Step", value=step, min=0, max=last, thumb_label="always")


@solara.component
def SavedMarket(run: SavedRun, step: int, title: str = ""):
    """One saved run at one step: charts, network, KPI table and the step's saved rows."""
    MarketPanels(run.until(step), run.firms, run.steps_per_year, run.sample,
                 run.firms_at(step), key=(str(run.path), step), title=title, config=run.config)
    with solara.Card(f"Saved rows of step {step} (timeseries.parquet)"):
        _text(views.step_text(run.ts, step), "ccsim-step-rows")


@solara.component
def ReplayPage():
    """Replay mode: one saved run, stepped through its stored tables."""
    run, error = solara.use_memo(lambda: _load(replay_path.value), [replay_path.value])
    step = solara.use_reactive(run.steps if run else 0)
    solara.use_effect(lambda: step.set(run.steps if run else 0), [replay_path.value])
    with solara.Sidebar():
        with solara.Card("Saved run"):
            RunPicker("Run", replay_path.value, replay_path.set)
    solara.Markdown("## Replay of a saved run")
    if error:
        solara.Error(error)
    if run is None:
        solara.Info("Choose a run folder (ccsim run writes them into results/runs/).")
        return
    solara.Text(run.label, classes=["ccsim-run-label"])
    StepPlayer(step, run.steps)
    SavedMarket(run, min(step.value, run.steps))


@solara.component
def ComparePage():
    """Two saved runs side by side at the same step."""
    a_path, b_path = compare_paths.value
    run_a, err_a = solara.use_memo(lambda: _load(a_path), [a_path])
    run_b, err_b = solara.use_memo(lambda: _load(b_path), [b_path])
    last = min((r.steps for r in (run_a, run_b) if r is not None), default=0)
    step = solara.use_reactive(last)
    solara.use_effect(lambda: step.set(last), [a_path, b_path])
    solara.Markdown("## Two saved runs side by side")
    with solara.Columns([1, 1]):  # pickers above their runs: the page needs its whole width
        RunPicker("Run A", a_path, lambda v: compare_paths.set((v, compare_paths.value[1])))
        RunPicker("Run B", b_path, lambda v: compare_paths.set((compare_paths.value[0], v)))
    for err in (err_a, err_b):
        if err:
            solara.Error(err)
    if run_a is None or run_b is None:
        solara.Info("Choose two run folders (two seeds, or two scenarios).")
        return
    StepPlayer(step, last)
    with solara.Columns([1, 1]):
        for name, run in (("A", run_a), ("B", run_b)):
            with solara.Column(classes=[f"ccsim-compare-{name.lower()}"]):
                SavedMarket(run, min(step.value, run.steps), title=f"{name}: {run.label}")

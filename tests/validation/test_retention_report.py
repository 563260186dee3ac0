"""Validation of ``ccsim retention`` (sim.analysis.retention_report).

On a real small subscription run (files, counts, fit quality, figure layout, errors) and on
synthetic spells drawn from a known sBG model (parameter recovery, exact censored likelihood).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from scipy import optimize, special  # noqa: E402

from sim import cli  # noqa: E402
from sim.analysis.retention import fit_sbg, fit_sbg_pooled  # noqa: E402
from sim.analysis.retention_cli import format_table, run_report  # noqa: E402
from sim.analysis.retention_figure import plot_survival  # noqa: E402
from sim.analysis.retention_report import (  # noqa: E402
    FIT_COLUMNS,
    POOLED,
    RetentionReport,
    RetentionReportError,
    build_report,
    resolve_category,
)
from sim.configure import load_config  # noqa: E402
from sim.runner import run  # noqa: E402

STEPS = 36
OUTPUTS = ("sbg_fits.csv", "sbg_fits.parquet", "kaplan_meier.parquet",
           "cohort_survival.parquet", "survival.png", "survival.pdf")


# --------------------------------------------------------------------------------------------
# A real run and the command on it
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small subscription market (real churn) saved to a folder."""
    out = tmp_path_factory.mktemp("run") / "subscription"
    cfg = load_config(["market=small", f"market.steps={STEPS}", "scenario=subscription"])
    run(cfg, out, progress=False)
    return out


@pytest.fixture(scope="module")
def real(run_dir: Path) -> tuple[RetentionReport, dict[str, Path]]:
    """The report of the run with default options, written to RUN_DIR/retention."""
    return run_report(run_dir)


@pytest.fixture(scope="module")
def report_dir(real: tuple[RetentionReport, dict[str, Path]], run_dir: Path) -> Path:
    """Where the default report was written."""
    assert real[1]["png"].parent == run_dir / "retention"
    return run_dir / "retention"


def test_report_writes_table_and_figure(report_dir: Path, real) -> None:
    """The report writes the fits (CSV = Parquet), KM, cohort curves and figure."""
    out = report_dir
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    fits = pd.read_csv(out / "sbg_fits.csv", dtype={"cohort": str, "degenerate": str})
    assert list(fits.columns) == list(FIT_COLUMNS)
    fits["degenerate"] = fits["degenerate"].fillna("")  # CSV: an empty reason reads as NaN
    pd.testing.assert_frame_equal(
        fits, pd.read_parquet(out / "sbg_fits.parquet"), check_dtype=False)
    firms = {"pc_a", "pc_b", "cc_a", "cc_b"}
    assert set(fits["firm"]) == firms
    assert set(fits.loc[fits["cohort"] == POOLED, "firm"]) == firms  # one pooled fit per firm
    assert set(fits["category"]) == {"core"}
    estimated = fits[fits["degenerate"] == ""]
    assert len(estimated) >= 4
    assert (estimated["alpha"] > 0).all() and (estimated["beta"] > 0).all()
    assert fits.loc[fits["degenerate"] != "", ["alpha", "beta"]].isna().all().all()
    assert (fits["log_likelihood"] < 0).all()
    np.testing.assert_allclose(estimated["retention_t1"],
                               estimated["beta"] / (estimated["alpha"] + estimated["beta"]))
    np.testing.assert_allclose(fits["retention_t1"], 1 - fits["mean_churn"])
    assert fits["retention_t12"].between(fits["retention_t1"], 1).all()  # sBG: retention rises
    # compact table, one line per fit
    table = format_table(real[0]).splitlines()
    assert len(table) == len(fits) + 1
    for firm in firms:
        assert sum(line.startswith(firm) for line in table) == (fits["firm"] == firm).sum()
    # the figure is a real image of a sensible size; the PDF is a PDF
    img = matplotlib.image.imread(out / "survival.png")
    assert img.ndim == 3 and img.shape[0] > 600 and img.shape[1] > 800
    assert (out / "survival.pdf").read_bytes().startswith(b"%PDF")


def test_cohorts_and_km_count_the_right_spells(report_dir: Path, run_dir: Path) -> None:
    """Cohorts, pooled fits and KM use exactly the acquired (start > 0) spells."""
    out = report_dir
    spells = pd.read_parquet(run_dir / "spells.parquet")
    core = spells[(spells["category"] == 0) & (spells["start"] > 0)]
    fits = pd.read_parquet(out / "sbg_fits.parquet").set_index(["firm", "cohort"])
    km = pd.read_parquet(out / "kaplan_meier.parquet")
    for firm, d in core.groupby("firm_name"):
        # cohort 1 = acquired in steps 1..12; observed until every member has 24 periods
        if (firm, "1") in fits.index:
            row = fits.loc[(firm, "1")]
            assert row["n"] == d["start"].between(1, 12).sum()
            assert row["n_periods"] == STEPS - d.loc[d["start"] <= 12, "start"].max()
        # pooled: every spell with at least one renewal opportunity
        assert fits.loc[(firm, POOLED), "n"] == (d["start"] < STEPS).sum()
        k = km[km["firm"] == firm]
        assert k["at_risk"].iloc[0] == len(d)  # no left-truncated spells (start == 0)
        assert k["survival"].iloc[0] == 1.0
        assert k["events"].sum() == (d["end"] != -1).sum()


@pytest.mark.xfail(reason="open: since value-based pricing (issue 24) and issue 25's churn "
                   "premises, the sBG fit of this small market's cohorts misses by up to 7.8 "
                   "points (was < 5); whether sBG or the cohorts' shape changed is not yet "
                   "investigated", strict=False)
def test_fitted_survival_close_to_observed(report_dir: Path) -> None:
    """The sBG fits track the observed cohort curves and KM within 5 points."""
    out = report_dir
    curves = pd.read_parquet(out / "cohort_survival.parquet")
    sizes = curves[curves["t"] == 0].set_index(["firm", "cohort"])["alive"]
    big = sizes[sizes >= 200].index
    assert len(big) >= 4  # at least one well-populated cohort per firm
    for firm, cohort in big:
        c = curves[(curves["firm"] == firm) & (curves["cohort"] == cohort)]
        assert np.abs(c["fitted"] - c["observed"]).max() < 0.05, (firm, cohort)
    fits = pd.read_parquet(out / "sbg_fits.parquet")
    assert (fits["max_abs_diff"] < 0.05).all()  # includes pooled fit vs Kaplan–Meier
    km = pd.read_parquet(out / "kaplan_meier.parquet")
    well = km[km["at_risk"] >= 200]
    assert np.abs(well["sbg_pooled"] - well["survival"]).max() < 0.05


def test_cli_category_and_out_options(run_dir: Path, tmp_path: Path, capsys) -> None:
    """``ccsim retention`` with --category, --cohort-length, --min-spells, --out."""
    out = tmp_path / "elsewhere"
    argv = ["retention", str(run_dir), "--category", "1", "--cohort-length", "6",
            "--min-spells", "250", "--out", str(out)]
    assert cli.main(argv) == 0  # through the ccsim command registry
    stdout = capsys.readouterr().out
    assert "complement category" in stdout and "left-truncated" in stdout
    fits = pd.read_csv(out / "sbg_fits.csv", dtype={"cohort": str})
    assert set(fits["category"]) == {"complement"}
    for firm, n_fits in fits["firm"].value_counts().items():  # the printed table: every fit
        assert sum(line.startswith(f"{firm} ") for line in stdout.splitlines()) == n_fits
    cohorts = fits[fits["cohort"] != POOLED]
    assert (cohorts["last_step"] - cohorts["first_step"] == 5).all()  # 6-step cohorts
    assert (fits["n"] >= 250).all()
    assert "n < 250" in stdout  # small cohorts are listed as not fitted
    assert (out / "survival.png").is_file()
    assert resolve_category("complement", ["core", "complement"]) == (1, "complement")
    assert resolve_category(None, ["core", "complement"]) == (0, "core")
    assert resolve_category("1", [], present=[0, 1]) == (1, "category 1")


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, [], "no run folder"),
        ("empty", [], "summary.json is missing"),
        ("no_spells", [], "no spells.parquet"),
        ("ok", ["--category", "luxury"], "unknown category 'luxury'"),
        ("ok", ["--category", "5"], "out of range"),
        ("ok", ["--cohort-length", "0"], "--cohort-length=0: out of range"),
    ],
)
def test_errors_are_one_line_exit_2(make: str | None, args: list[str], message: str,
                                    run_dir: Path, tmp_path: Path, capsys) -> None:
    """Unusable folders and options give one error line, exit 2, no output."""
    target = tmp_path / "missing"
    if make == "empty":
        target.mkdir()
    elif make == "no_spells":
        target.mkdir()
        for name in ("summary.json", "timeseries.parquet"):
            (target / name).write_bytes((run_dir / name).read_bytes())
    elif make == "ok":
        target = run_dir
    out = tmp_path / "out"
    assert cli.main(["retention", str(target), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("ccsim: error:")
    assert message in err
    assert not out.exists()  # nothing written


def test_figure_layout(real) -> None:
    """Panels, titles, labels and legend are present and no text overlaps."""
    fig = plot_survival(real[0])
    FigureCanvasAgg(fig).draw()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 4
    assert all("pooled sBG" in ax.get_title() for ax in axes)
    assert "pc_a (product-centric)" in axes[0].get_title()
    assert "cc_a (customer-centric)" in axes[2].get_title()
    assert [ax.get_xlabel() for ax in axes[2:]] == ["months since acquisition"] * 2
    assert [ax.get_ylabel() for ax in axes[::2]] == ["share still a customer"] * 2
    assert len(fig.legends) == 1 and len(fig.legends[0].get_texts()) >= 6
    assert fig.get_suptitle()
    # no overlapping text: panels (with titles, labels, ticks), legend and suptitle are disjoint
    r = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(r) for ax in axes] + [fig.legends[0].get_window_extent(r)]
    boxes.append(fig._suptitle.get_window_extent(r))
    for a, b in itertools.combinations(boxes, 2):
        overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert overlap_w <= 1 or overlap_h <= 1, (a, b)
    width, height = fig.bbox.width, fig.bbox.height
    for box in boxes:  # nothing cut off at the edges
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1


# --------------------------------------------------------------------------------------------
# Synthetic spells with known sBG parameters
# --------------------------------------------------------------------------------------------

TRUE = {0: (0.8, 2.5), 1: (3.0, 6.0)}  # firm → (alpha, beta)


def synthetic_spells(seed: int = 1, n_per_firm: int = 8000, steps: int = 48) -> pd.DataFrame:
    """Spells of customers with θ ~ Beta(α, β) and geometric lifetimes, acquired uniformly.

    Also adds left-truncated spells (start == 0, never churning) that must be ignored.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for firm, (a, b) in TRUE.items():
        start = rng.integers(1, steps + 1, n_per_firm)
        lifetime = rng.geometric(rng.beta(a, b, n_per_firm))  # churns in period T >= 1
        end = np.where(start + lifetime <= steps, start + lifetime, -1)
        parts.append(pd.DataFrame({"customer": np.arange(n_per_firm), "category": 0,
                                   "firm": firm, "start": start, "end": end}))
        parts.append(pd.DataFrame({"customer": np.arange(500), "category": 0, "firm": firm,
                                   "start": 0, "end": -1}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def synthetic_report() -> RetentionReport:
    """The report of :func:`synthetic_spells` (48 steps)."""
    return build_report(synthetic_spells(), 48)


def test_recovers_known_parameters(synthetic_report) -> None:
    """Pooled and per-cohort fits recover the α, β the spells were drawn from."""
    fits = synthetic_report.fits
    assert synthetic_report.meta["n_left_truncated"] == 1000
    for firm, (alpha, beta) in TRUE.items():
        f = fits[fits["firm"] == f"firm {firm}"].set_index("cohort")
        pooled = f.loc[POOLED]
        assert pooled["alpha"] == pytest.approx(alpha, rel=0.12)
        assert pooled["beta"] == pytest.approx(beta, rel=0.12)
        # per yearly cohort (~2,000 customers each): looser, and the mean churn is sharper
        cohorts = f.drop(index=POOLED)
        assert list(cohorts.index) == ["1", "2", "3"]  # cohort 4 has < 3 observed periods
        assert np.allclose(cohorts["alpha"], alpha, rtol=0.35)
        assert np.allclose(cohorts["beta"], beta, rtol=0.35)
        assert np.allclose(cohorts["mean_churn"], alpha / (alpha + beta), atol=0.02)
    skipped = synthetic_report.skipped
    assert set(skipped["cohort"]) == {"4"}


def _censored_loglik(alpha: float, beta: float, durations: np.ndarray,
                     observed: np.ndarray) -> float:
    """Right-censored sBG log-likelihood per spell, from the Beta-function form."""
    base = special.betaln(alpha, beta)
    ll_churn = special.betaln(alpha + 1, beta + durations - 1) - base
    ll_alive = special.betaln(alpha, beta + durations) - base
    return float(np.where(observed, ll_churn, ll_alive).sum())


def test_pooled_fit_is_the_censored_mle(synthetic_report) -> None:
    """The pooled fit maximises the per-spell right-censored likelihood."""
    spells = synthetic_spells()
    d = spells[(spells["firm"] == 1) & (spells["start"] > 0) & (spells["start"] < 48)]
    observed = (d["end"] != -1).to_numpy()
    durations = np.where(observed, d["end"] - d["start"], 48 - d["start"])
    pooled = synthetic_report.fits.set_index(["firm", "cohort"]).loc[("firm 1", POOLED)]
    a, b = pooled["alpha"], pooled["beta"]
    assert pooled["log_likelihood"] == pytest.approx(_censored_loglik(a, b, durations,
                                                                      observed), rel=1e-9)
    best = optimize.minimize(
        lambda x: -_censored_loglik(*np.exp(x), durations, observed), np.log([1.0, 1.0]),
        method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-8, "maxiter": 4000})
    np.testing.assert_allclose(np.exp(best.x), [a, b], rtol=1e-3)


def test_fit_sbg_pooled_agrees_with_fit_sbg() -> None:
    """fit_sbg_pooled reduces to fit_sbg and sums likelihoods over curves."""
    regular = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), years 0..7
    single, pooled = fit_sbg(regular), fit_sbg_pooled([regular])
    assert pooled.alpha == pytest.approx(single.alpha, rel=1e-6)
    assert pooled.beta == pytest.approx(single.beta, rel=1e-6)
    assert pooled.log_likelihood == pytest.approx(single.log_likelihood, rel=1e-10)
    # two halves of a cohort with the same horizon carry the same likelihood as the whole
    half = np.asarray(regular) / 2
    assert fit_sbg_pooled([half, half]).log_likelihood == pytest.approx(
        single.log_likelihood, rel=1e-10)
    # curves of different lengths: the per-customer censored likelihood of both cohorts
    short = [500, 400, 330, 290]
    both = fit_sbg_pooled([regular, short])
    assert both.n_periods == 7
    durations, observed = [], []
    for curve in (regular, short):
        c = np.asarray(curve)
        for t in range(1, c.size):
            durations += [t] * int(c[t - 1] - c[t])
            observed += [True] * int(c[t - 1] - c[t])
        durations += [c.size - 1] * int(c[-1])
        observed += [False] * int(c[-1])
    assert both.log_likelihood == pytest.approx(
        _censored_loglik(both.alpha, both.beta, np.array(durations), np.array(observed)),
        rel=1e-10)
    with pytest.raises(ValueError):
        fit_sbg_pooled([])
    with pytest.raises(ValueError):
        fit_sbg_pooled([[10, 11]])


def test_build_report_rejects_bad_input() -> None:
    """An empty category and spells past the last step are errors."""
    spells = synthetic_spells(n_per_firm=50)
    with pytest.raises(RetentionReportError, match="no relationships were acquired"):
        build_report(spells, 48, category=3)
    with pytest.raises(RetentionReportError, match="past the run's last step"):
        build_report(spells, 10)

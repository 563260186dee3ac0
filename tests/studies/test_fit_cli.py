"""``ccsim fit``: every target's quick form end to end, bad input, and a fit killed mid-way."""

from __future__ import annotations

import signal
import time

import numpy as np
import pandas as pd
import pytest

from sim import io
from sim.studies import fit
from sim.studies import optuna_search as os_
from sim.studies.fit_targets import BAND_SEED_BASE

SEARCHES = list(fit.targets())
CAVEATED = {"bass_dryers", "bass_colour_tv"}


@pytest.fixture(scope="module")
def quick(quick_cli):
    """Every target's --quick form, each into ROOT/TARGET: the session's shared runs
    (``quick_cli``, which the data dictionary's test reads too)."""
    status, roots = {}, set()
    for name in [*SEARCHES, *fit.REPORTS]:
        done, out = quick_cli(f"fit {name}")
        status[name] = done.returncode
        roots.add(out.parent)
    assert len(roots) == 1
    return roots.pop(), status


@pytest.mark.parametrize("name", SEARCHES)
def test_a_quick_fit_writes_its_tables_figure_and_report(quick, name):
    root, status = quick
    out = root / name
    assert status[name] == 0
    target = fit.targets()[name]
    meta = io.read_json(out / "meta.json")
    trials = pd.read_parquet(out / "trials.parquet")
    assert (trials["state"] == "COMPLETE").sum() == target.quick.trials
    assert all(len(v) == target.quick.seeds for v in trials[os_.PER_SEED])
    assert set(trials["git_commit"]) == {meta["git_commit"]} != {"unknown"}
    # the band runs on fresh seeds, never the ones the search scored
    assert meta["band_seeds"][0] == BAND_SEED_BASE and not set(meta["band_seeds"]) & set(
        meta["seeds"])
    band = pd.read_parquet(out / "band.parquet")
    assert np.isfinite(band["model_mean"]).all()
    assert (band["model_lo"] <= band["model_mean"] + 1e-9).all()
    assert (band["model_mean"] <= band["model_hi"] + 1e-9).all()
    params = pd.read_parquet(out / "parameters.parquet")
    searched = [p.key for p in target.space]
    assert set(searched) <= set(params["key"])
    best = trials.loc[trials["value"].idxmin()]
    for key in searched:
        assert params.set_index("key").loc[key, "model"] == pytest.approx(best[key])
    assert (params["git_commit"] == meta["git_commit"]).all()
    for f in ("fit.png", "fit.pdf", "report.md", "band.csv", "trials.csv", "search.journal"):
        assert (out / f).stat().st_size > 0, f
    report = (out / "report.md").read_text()
    assert meta["git_commit"] in report and "quick check" in report
    assert ("not verified against a primary source" in report) == (name in CAVEATED)


def test_the_bass_table_never_quotes_bass_without_saying_not_verified(quick):
    root, _ = quick
    params = pd.read_parquet(root / "bass_room_ac" / "parameters.parquet").set_index("parameter")
    assert list(params.index) == ["p", "q", "m"]
    assert params["published"].notna().all()
    assert params["published_checked"].str.contains("not verified").all()
    # the classical fits beside the model's: finite and positive
    assert (params[["nls_continuous", "nls_discrete", "bass_ols"]] > 0).all().all()


def test_the_sbg_fit_states_the_prediction_error_beside_sbgs_own(quick):
    root, _ = quick
    prediction = pd.read_parquet(root / "sbg_regular" / "prediction.parquet")
    assert list(prediction["curve"]) == ["model (band seeds)", "sBG fitted to years 0-7"]
    assert np.isfinite(prediction[["mae_years_8_12", "mape_years_8_12"]]).all().all()
    band = pd.read_parquet(root / "sbg_regular" / "band.parquet")
    assert list(band["part"]) == ["fit"] * 8 + ["predict"] * 5
    report = (root / "sbg_regular" / "report.md").read_text()
    assert "Years 8-12 predicted" in report and "theta ~ Beta(0.704, 1.182)" in report


def test_the_cdnow_report_is_written(quick):
    root, status = quick
    assert status["cdnow"] == 0
    out = root / "cdnow"
    params = pd.read_parquet(out / "bgnbd_parameters.parquet")
    assert np.allclose(params["fitted"], params["published"], atol=2e-3)
    for f in ("report.md", "weekly.png", "timing.csv", "by_frequency.csv", "weekly.csv"):
        assert (out / f).stat().st_size > 0, f
    assert "Do the data support it?" in (out / "report.md").read_text()


def test_the_results_table_reads_every_saved_fit(quick):
    from sim.analysis.fit_report import results_markdown, results_table

    root, _ = quick
    table = results_table(root).set_index("target")
    assert len(table) == len(SEARCHES)  # the cdnow report is not a fit
    assert {"bass_dryers (illustrative)", "bass_colour_tv (illustrative)"} <= set(table.index)
    params = pd.read_parquet(root / "sbg_regular" / "parameters.parquet").set_index("key")
    assert f"base {params.loc['market.churn.base', 'model']:.4g}" in table.loc[
        "sbg_regular", "fitted"]
    assert table.loc["retention_b2b", "result"].endswith(("inside", "outside"))
    assert "sBG's own" in table.loc["sbg_highend", "result"]
    assert results_markdown(root).count("\n") == len(SEARCHES) + 2


def _error(capsys, argv):
    status = fit.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return status, err


@pytest.mark.parametrize(("argv", "says"), [
    (["nonsense"], "TARGET=nonsense: unknown target"),
    ([], "TARGET: missing"),
    (["bass_room_ac", "--seeds", "4"], "--seeds=4: out of range; allowed: 5 to 10,000"),
    (["bass_room_ac", "--band-seeds", "2"], "--band-seeds=2"),
    (["bass_room_ac", "--trials", "0"], "--trials=0"),
    (["bass_room_ac", "--jobs", "0"], "--jobs=0"),
    (["bass_room_ac", "--n-customers", "0"], "--n-customers=0"),
    (["bass_room_ac", "--seeds", "five"], "--seeds=five: not an integer"),
    (["bass_room_ac", "--sampler", "anneal"], "--sampler=anneal: unknown"),
    (["sbg_regular", "--search", "market.churn.frailty=0:2"], "not a key of the configuration"),
    (["sbg_regular", "--search", "market.churn.base=0.1"], "write KEY=LOW:HIGH"),
    (["sbg_regular", "--search", "market.churn.base=a:b"], "must be numbers"),
    (["sbg_regular", "--search", "market.churn.base=0:2"], "market.churn.base"),
    (["sbg_regular", "--search", "market.churn.base=0:0.1:log"], "low > 0"),
    (["sbg_regular", "market.churn.base=0.02"], "set by the study"),
    (["sbg_regular", "market.n_customers=500"], "set by the study"),
    (["sbg_regular", "market.churn.nonsense=1"], "nonsense"),
    (["cdnow", "--seeds", "6"], "a report on data"),
    (["sbg_regular", "--range", "1=60:70"], "only retention targets"),
    (["retention_b2b", "--range", "2=60:70"], "a year with a range (1)"),
    (["retention_b2b", "--range", "1=70:60"], "0 <= LOW < HIGH"),
    (["retention_b2b", "--range", "1=70"], "write YEAR=LOW:HIGH"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, says):
    out = tmp_path / "out"
    status, err = _error(capsys, [*argv, "--out", str(out)] if argv else argv)
    assert status == 2
    assert len(err) == 1 and err[0].startswith("ccsim: error: ") and says in err[0], err
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    status, err = _error(capsys, ["bass_room_ac", "--quick", "--out", str(blocker / "sub")])
    assert status == 2 and "is a file" in err[0] and len(err) == 1
    assert blocker.read_text() == "x"


def test_a_folder_with_another_search_is_refused_before_anything_runs(quick, capsys):
    root, _ = quick
    out = root / "bass_room_ac"
    before = (out / "search.journal").read_bytes()
    status, err = _error(capsys, ["bass_room_ac", "--quick", "--n-customers", "400",
                                  "--out", str(out)])
    assert status == 2 and "other settings" in err[0] and len(err) == 1
    assert (out / "search.journal").read_bytes() == before


def test_a_sensitivity_range_replaces_the_stated_one_and_is_a_search_of_its_own(quick, tmp_path,
                                                                              capsys):
    root, _ = quick
    status, err = _error(capsys, ["retention_b2b", "--quick", "--range", "1=60:70",
                                  "--out", str(root / "retention_b2b")])
    assert status == 2 and "other settings" in err[0]
    out = tmp_path / "sensitivity"
    assert fit.main(["retention_b2b", "--quick", "--jobs", "1", "--range", "1=60:70",
                     "--out", str(out)]) == 0
    band = pd.read_parquet(out / "band.parquet")
    assert band[["observed_low", "observed_high"]].values.tolist() == [[60.0, 70.0]]
    assert band["status"].tolist() == ["sensitivity"]


def test_more_trials_in_the_same_folder_continue_the_search(quick, tmp_path):
    root, _ = quick
    out = tmp_path / "bass"
    import shutil

    shutil.copytree(root / "bass_room_ac", out)
    first = pd.read_parquet(out / "trials.parquet")
    assert fit.main(["bass_room_ac", "--quick", "--trials", "5", "--jobs", "1",
                     "--out", str(out)]) == 0
    trials = pd.read_parquet(out / "trials.parquet")
    assert len(trials) == 5 and (trials["state"] == "COMPLETE").all()
    pd.testing.assert_frame_equal(trials.iloc[:3][first.columns], first)


def test_a_killed_fit_resumes_without_repeating_a_finished_trial(tmp_path, cli):
    """SIGKILL a fit while a trial runs (after two have finished), then run it again."""
    out = tmp_path / "fit"
    args = ["fit", "sbg_regular", "--quick", "--trials", "5", "--jobs", "1", "--out", str(out)]
    proc = cli.start(args, tmp_path)
    journal = out / fit.JOURNAL
    deadline = time.monotonic() + 240
    states: list[str] = []
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists():
            try:  # the journal exists a moment before the study's first record is in it
                trials = os_._storage(journal).get_all_trials(0, deepcopy=False)
            except KeyError:
                time.sleep(0.05)
                continue
            states = [t.state.name for t in trials]
            if states.count("COMPLETE") >= 2 and "RUNNING" in states:
                time.sleep(0.3)  # into the trial's runs (a trial takes about a second)
                break
        time.sleep(0.05)
    assert proc.poll() is None, f"the fit ended before it could be killed: {states}"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    before = os_._storage(journal).get_all_trials(0)
    done = {tuple(t.params.values()) for t in before if t.state.name == "COMPLETE"}
    cut = [t for t in before if t.state.name == "RUNNING"]
    assert len(done) >= 2 and len(cut) == 1

    assert fit.main(args[1:]) == 0
    after = pd.read_parquet(out / "trials.parquet")
    keys = [p.key for p in fit.targets()["sbg_regular"].space]
    new = after[after["number"] >= len(before)]
    assert not done & {tuple(r) for r in new[keys].itertuples(index=False)}
    killed = after.set_index("number").loc[cut[0].number]
    assert killed["state"] == "FAIL" and killed[os_.KILLED]
    retry = after[after[os_.RETRY_OF] == cut[0].number]
    assert len(retry) == 1 and retry.iloc[0]["state"] == "COMPLETE"
    # the point the kill cut off is evaluated again (what of it had been drawn)
    assert cut[0].params and all(retry.iloc[0][k] == v for k, v in cut[0].params.items())
    assert (after["state"] == "COMPLETE").sum() == 5

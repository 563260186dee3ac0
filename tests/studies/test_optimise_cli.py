"""``ccsim optimise``: both quick forms end to end, the what-if of a plan, a growth floor, bad
input, and a search killed mid-way that resumes without running a finished trial again.

The fixed-rivals quick form runs once per session through the shared ``quick_cli`` fixture
(the data dictionary's test reads the same folder); the best-response quick form runs here, in
this process, and its tables are checked against the data dictionary here
(``tests/docs/test_columns.py`` names this file for it).
"""

from __future__ import annotations

import signal
import time

import numpy as np
import pandas as pd
import pytest

from sim import io
from sim.columns import read_dictionary
from sim.strategies import LEVERS, PRESETS
from sim.studies import optimise
from sim.studies import optuna_search as os_
from sim.studies.optimise_run import FRESH_SEED_BASE

SHARES = [f"share_{lever}" for lever in LEVERS]
TABLES = ("trials", "evaluation", "summary", "decisions")


@pytest.fixture(scope="module")
def fixed(quick_cli):
    done, out = quick_cli("optimise")
    assert done.returncode == 0, done.stderr[-3000:]
    return done, out


@pytest.fixture(scope="module")
def respond(tmp_path_factory):
    out = tmp_path_factory.mktemp("respond") / "out"
    status = optimise.main(["--quick", "--rivals", "respond", "--out", str(out)])
    return status, out


def test_the_quick_search_writes_its_tables_report_and_figures(fixed):
    done, out = fixed
    meta = io.read_json(out / "meta.json")
    trials = pd.read_parquet(out / "trials.parquet")
    complete = trials[trials["state"] == "COMPLETE"]
    assert len(complete) == optimise.QUICK["trials"] == meta["trials"]
    assert all(len(v) == optimise.QUICK["seeds"] for v in complete[os_.PER_SEED])
    assert np.allclose(complete[SHARES].sum(axis=1), 1.0)
    assert set(complete["git_commit"]) == {meta["git_commit"]} != {"unknown"}
    # the plan and the presets were the first trials (the plan is pc_a's preset here)
    assert list(complete["start"].iloc[:2]) == ["plan+product_centric", "customer_centric"]
    # fresh seeds, never the search's
    assert meta["fresh_seeds"][0] == FRESH_SEED_BASE and not set(meta["fresh_seeds"]) & set(
        meta["seeds"])
    evaluation = pd.read_parquet(out / "evaluation.parquet")
    assert list(dict.fromkeys(evaluation["profile"])) == ["best", "plan", *PRESETS]
    assert set(evaluation["seed"]) == set(meta["fresh_seeds"])
    decisions = pd.read_parquet(out / "decisions.parquet").set_index("profile")
    best = complete.loc[complete["value"].idxmax()]
    assert decisions.loc["best", SHARES].to_numpy() == pytest.approx(best[SHARES].to_numpy())
    assert decisions.loc["best", "search_score"] == pytest.approx(best["value"])
    fresh = evaluation[(evaluation["profile"] == "best") & (evaluation["firm"] == "pc_a")]
    assert decisions.loc["best", "fresh_mean"] == pytest.approx(fresh["profit"].mean())
    assert decisions.loc["best", "optimism"] == pytest.approx(best["value"]
                                                              - fresh["profit"].mean())
    for name in ("search_path", "frontier", "mix"):
        for fmt in ("png", "pdf"):
            assert (out / f"{name}.{fmt}").stat().st_size > 0
    report = (out / "report.md").read_text()
    assert report in done.stdout and "quick check" in report and meta["git_commit"] in report
    assert "How optimistic" in report and "What-if" in report and "*assumed*" in report
    assert "trial 6/6" in done.stderr  # progress, one line a trial


def test_the_best_responses_write_rounds_and_the_contest(respond):
    status, out = respond
    assert status == 0
    meta = io.read_json(out / "meta.json")
    rounds = pd.read_parquet(out / "rounds.parquet")
    firms = meta["firms"]
    played = int(rounds["round"].max())
    assert rounds.groupby("round")["firm"].apply(list).to_dict() == {
        r: firms for r in range(played + 1)}
    assert played == meta["settled"]["rounds"] <= optimise.QUICK["rounds"]
    for r in range(1, played + 1):
        for f in firms:
            assert (out / optimise.RESPONSES / f"round{r}_{f}.journal").exists()
    trials = pd.read_parquet(out / "trials.parquet")
    assert set(zip(trials["round"], trials["firm"], strict=True)) == {
        (r, f) for r in range(1, played + 1) for f in firms}
    # each response starts from the firm's last decision: never worse on the search's seeds
    first = trials[trials["start"].fillna("").str.startswith("last")]
    assert len(first) == played * len(firms)
    for _, t in first.iterrows():
        row = rounds[(rounds["round"] == t["round"]) & (rounds["firm"] == t["firm"])].iloc[0]
        assert row["value"] >= t["value"] - 1e-9
    summary = pd.read_parquet(out / "summary.parquet")
    market = summary[summary["firm"] == "market"]
    assert set(market["measure"]) == {"industry_profit", "consumer_surplus"}
    end = "settled" if meta["settled"]["settled"] else "last"
    assert set(market["profile"]) == {"start", end}
    assert np.isfinite(market["gap"]).all()
    report = (out / "report.md").read_text()
    assert "presets' contest" in report and ("Settled" in report or "Not settled" in report)
    assert (out / "rounds.png").stat().st_size > 0 and (out / "mix.png").stat().st_size > 0


def test_every_table_of_both_forms_is_in_the_data_dictionary(fixed, respond):
    for folder in (fixed[1], respond[1]):
        for path in sorted(folder.glob("*.parquet")):
            name, entries = read_dictionary(path)
            assert name == f"optimise_{path.stem}", path
            assert [c for c, e in entries.items() if e is None] == [], (name, path)
    assert (respond[1] / "rounds.parquet").exists()


def test_a_plan_is_weighed_against_the_optimum_under_a_growth_floor(tmp_path):
    """What-if: the strategist's own shares, the gap in profit and growth with its CI."""
    out = tmp_path / "plan"
    plan = ["firms.pc_a.strategy=custom", "+firms.pc_a.shares.rd=0.5",
            "+firms.pc_a.shares.service=0.5"]
    assert optimise.main(["--quick", "--trials", "4", "--decide", "budget",
                          "--growth-floor", "0", "--out", str(out), *plan]) == 0
    meta = io.read_json(out / "meta.json")
    assert meta["sampler"] == "tpe" and meta["growth_floor"] == 0.0  # a constraint means TPE
    decisions = pd.read_parquet(out / "decisions.parquet").set_index("profile")
    assert decisions.loc["plan", ["share_rd", "share_service"]].tolist() == [0.5, 0.5]
    # only the budget was searched: the best keeps the plan's shares
    assert decisions.loc["best", SHARES].tolist() == decisions.loc["plan", SHARES].tolist()
    trials = pd.read_parquet(out / "trials.parquet")
    feasible = trials[(trials["state"] == "COMPLETE") & (trials["growth_slack"] <= 0)]
    if len(feasible):
        assert decisions.loc["best", "budget_rate"] == pytest.approx(
            feasible.loc[feasible["value"].idxmax(), "budget_rate"])
    summary = pd.read_parquet(out / "summary.parquet")
    gaps = summary[(summary["reference"] == "plan") & (summary["firm"] == "pc_a")
                   & summary["measure"].isin(["profit", "growth"])]
    assert set(gaps["profile"]) == {"best", "plan", *PRESETS}
    assert np.isfinite(gaps[gaps["profile"] != "plan"][["gap", "gap_ci_low",
                                                        "gap_ci_high"]]).all().all()
    assert "best − plan: profit" in (out / "report.md").read_text()


def test_bad_input_stops_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "never"
    for args, needle in ((["--quick", "--horizon", "25"], "--horizon=25: longer than the run"),
                         (["--objective", "market_share"], "--objective=market_share"),
                         (["--levers", "rd,telepathy"], "'telepathy'"),
                         (["firms.pc_a.strategy=custom", "+firms.pc_a.shares.rd=0.7"],
                          "shares sum to 0.7")):
        assert optimise.main([*args, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("ccsim: error:") and needle in err[0], err
    assert not out.exists()


def test_a_killed_search_resumes_without_repeating_a_finished_trial(tmp_path, cli):
    """SIGKILL a search while a trial runs (after three have finished), then run it again."""
    out = tmp_path / "search"
    args = ["optimise", "--quick", "--trials", "12", "--jobs", "1", "--out", str(out)]
    proc = cli.start(args, tmp_path)
    journal = out / optimise.JOURNAL
    deadline = time.monotonic() + 120
    states: list[str] = []
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists():
            try:
                trials = os_._storage(journal).get_all_trials(0, deepcopy=False)
            except (KeyError, IndexError):  # the study is being created
                trials = []
            states = [t.state.name for t in trials]
            if states.count("COMPLETE") >= 3 and "RUNNING" in states:
                time.sleep(0.05)  # into the trial's runs (a trial takes about 0.2 s)
                break
        time.sleep(0.02)
    assert proc.poll() is None, f"the search ended before it could be killed: {states}"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    before = os_._storage(journal).get_all_trials(0)
    done = {tuple(sorted(t.params.items())) for t in before if t.state.name == "COMPLETE"}
    cut = [t for t in before if t.state.name == "RUNNING"]
    assert len(done) >= 3 and len(cut) == 1

    assert optimise.main(args[1:]) == 0
    after = pd.read_parquet(out / "trials.parquet")
    assert (after["state"] == "COMPLETE").sum() == 12
    new = after[after["number"] >= len(before)]
    params = [c for c in after.columns if c.startswith("u_") or c in ("budget_rate", "markup")]
    for _, row in new.iterrows():  # no finished point is run again
        assert not any(all(np.isclose(row[k], v) for k, v in point if k in params)
                       for point in done)
    killed = after.set_index("number").loc[cut[0].number]
    assert killed["state"] == "FAIL" and killed[os_.KILLED]
    retry = after[after[os_.RETRY_OF] == cut[0].number]
    assert len(retry) == 1 and retry.iloc[0]["state"] == "COMPLETE"


def test_a_folder_holding_another_search_is_refused(fixed, capsys):
    _, out = fixed
    assert optimise.main(["--quick", "--objective", "revenue", "--out", str(out)],
                         check_only=True) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and "revenue" in err


def test_the_results_page_summary_quotes_both_folders_tables(fixed, respond, tmp_path):
    from sim.analysis import optimise_summary
    from sim.analysis.optimise_report import _ci

    root = tmp_path / "repo"
    (root / "results" / "optimise").mkdir(parents=True)
    assert "Not run yet" in optimise_summary.markdown(root)
    (root / "results" / "optimise" / "default").symlink_to(fixed[1])
    (root / "results" / "optimise" / "respond_default").symlink_to(respond[1])
    text = optimise_summary.markdown(root)
    assert "Not run yet" not in text and text.count("a quick check, not a finding") == 2
    summary = pd.read_parquet(fixed[1] / "summary.parquet")
    best = summary[(summary["reference"] == "best") & (summary["firm"] == "pc_a")
                   & (summary["profile"] == "best") & (summary["measure"] == "profit")].iloc[0]
    assert _ci(best["mean"], best["ci_low"], best["ci_high"]) in text
    contest = pd.read_parquet(respond[1] / "summary.parquet")
    start = contest[(contest["firm"] == "market") & (contest["profile"] == "start")
                    & (contest["measure"] == "industry_profit")].iloc[0]
    assert _ci(start["mean"], start["ci_low"], start["ci_high"]) in text
    assert "*assumed*" in text and ("Settled" in text or "Not settled" in text)

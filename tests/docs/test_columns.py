"""The data dictionary (sim.columns) has an entry for every column every command writes.

Runs what a user runs — a tiny ``ccsim run``, a tiny sweep with ``ccsim collect``, ``ccsim
retention`` on a job, and every ``--quick`` study (shared with the studies' own tests through
the session fixture ``quick_cli``) — then reads every Parquet and CSV file they wrote. A column
without an entry fails the test with the table's and the column's names; a Parquet file must
also carry each column's unit and meaning in its field metadata and name its table.
"""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import columns
from sim.columns import Column, Table, describe, read_dictionary, undocumented
from sim.studies.fit import REPORTS
from sim.studies.fit import targets as fit_targets

ROOT = Path(__file__).resolve().parents[2]
TINY = ["market.n_customers=200", "market.steps=14", "output.print_table=false"]

#: CSV files (no metadata inside) → their table, per command.
CSV_TABLES = {
    "retention": {"sbg_fits.csv": "sbg_fits"},
    "collect": {"headline.csv": "headline"},
    "elasticities": {"runs.csv": "elasticity_runs", "summary.csv": "elasticities"},
    "decompose": {"runs.csv": "decompose_runs", "summary.csv": "decompose"},
    "sensitivity": {"indices.csv": "sensitivity_indices", "regions.csv": "sensitivity_regions"},
    "scenarios": {"runs.csv": "scenario_runs", "summary.csv": "scenario_summary"},
    "bench": {"benchmark.csv": "benchmark", "end_to_end.csv": "end_to_end"},
    "fit": {f"{name}.csv": table for name, table in (
        ("trials", "fit_trials"), ("band", "fit_band"), ("parameters", "fit_parameters"),
        ("fit_quality", "fit_quality"), ("prediction", "fit_prediction"),
        ("retention_by_year", "fit_retention_by_year"), ("heterogeneity", "fit_heterogeneity"),
        ("bgnbd_parameters", "cdnow_parameters"), ("timing", "cdnow_timing"),
        ("by_frequency", "cdnow_by_frequency"), ("weekly", "cdnow_weekly"))},
    "experiment": {f"{name}.csv": f"experiment_{name}" for name in (
        "summary", "series", "points", "premises", "arms", "prim", "prim_boxes", "regions")},
    "replicate": {"runs.csv": "replication_runs", "summary.csv": "replications"},
}
ADD_ENTRY = "add an entry to sim/column_tables.py"
#: ``ccsim`` commands with a quick form, run here through the shared ``quick_cli`` fixture
#: (``fit``: every target's; ``experiment``: every experiment's, ``--all``).
QUICK_COMMANDS = ("elasticities", "decompose", "sensitivity", "bench", "fit", "experiment",
                  "optimise", "replicate")
#: Scripts with a quick form that run elsewhere, with the reason (their tables: the committed
#: results, checked by test_every_committed_result_is_documented).
QUICK_ELSEWHERE = {"experiments/bass_docking/run.py": "about a minute; the slow tests run it"}
#: Quick forms of ``ccsim`` commands run (and their tables checked against the dictionary)
#: in another test file, with the reason.
QUICK_FORMS_ELSEWHERE = {
    "ccsim optimise --quick --rivals respond": "tests/studies/test_optimise_cli.py runs it and "
    "checks its tables (optimise_rounds among them); its fixed-rivals form runs here"}


def problems(command: str, folder: Path) -> list[str]:
    """Every table/column of ``folder`` (and below) without an entry, as readable lines."""
    out = []
    for path in sorted(folder.rglob("*.parquet")):
        name, entries = read_dictionary(path)
        if name is None:
            out.append(f"{command}: {path.name} names no table (pass table=NAME to "
                       f"sim.io.write_parquet and add the table to sim/column_tables.py)")
            continue
        missing = [c for c, e in entries.items() if e is None]
        out += [f"{command}: table {name!r} ({path.name}): column {c!r} has no entry; "
                f"{ADD_ENTRY}" for c in missing]
    for path in sorted(folder.rglob("*.csv")):
        name = CSV_TABLES.get(command, {}).get(path.name)
        if name is None:
            out.append(f"{command}: {path.name}: which table is it? add it to CSV_TABLES in "
                       f"{Path(__file__).name} and to sim/column_tables.py")
            continue
        header = pd.read_csv(path, nrows=0).columns
        out += [f"{command}: table {name!r} ({path.name}): column {c!r} has no entry; "
                f"{ADD_ENTRY}" for c in undocumented(name, header)]
    return out


def _ccsim(args: list[str], cwd: Path, cli) -> subprocess.CompletedProcess:
    done = cli.run(args, cwd, timeout=300)
    assert done.returncode == 0, f"ccsim {' '.join(args)}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, cli, quick_cli) -> dict[str, Path]:
    """command → the folder it wrote."""
    work = tmp_path_factory.mktemp("columns")
    run, sweep = work / "run", work / "sweep"
    _ccsim(["run", *TINY, f"hydra.run.dir={run}"], work, cli)
    _ccsim(["run", "-m", "seed=0,1", *TINY, f"hydra.sweep.dir={sweep}"], work, cli)
    _ccsim(["collect", str(sweep)], work, cli)
    printed = _ccsim(["retention", str(run), "--min-spells", "5", "--out",
                      str(work / "retention")], work, cli).stdout
    (work / "retention.txt").write_text(printed, encoding="utf-8")
    found = {"run": run, "collect": sweep, "retention": work / "retention"}
    for command in (*QUICK_COMMANDS, "scenarios"):
        runs = [f"fit {t}" for t in (*fit_targets(), *REPORTS)] if command == "fit" \
            else [command]
        for run_ in runs:
            done, out = quick_cli(run_)
            assert done.returncode == 0, f"{run_} --quick\n{done.stderr[-3000:]}"
        found[command] = out.parent if command == "fit" else out  # fit: every target's folder
    return found


def test_every_written_column_has_an_entry(outputs: dict[str, Path]) -> None:
    assert {p.name for p in outputs["run"].glob("*.parquet")} >= {
        "timeseries.parquet", "spells.parquet", "network_sample.parquet"}
    assert (outputs["retention"] / "sbg_fits.parquet").exists()
    seen = [line for command, folder in outputs.items() for line in problems(command, folder)]
    assert not seen, "columns without a data-dictionary entry:\n" + "\n".join(seen)


def test_retention_table_defines_its_columns(outputs: dict[str, Path]) -> None:
    printed = (outputs["retention"].parent / "retention.txt").read_text(encoding="utf-8")
    assert "r(1)" in printed and "S(12)" in printed  # the table's columns
    assert "r(t): retention rate" in printed and "S(12): the share still alive" in printed


def test_sweep_files_name_their_tables(outputs: dict[str, Path]) -> None:
    sweep = outputs["collect"]
    names = {p: read_dictionary(sweep / p)[0] for p in ("runs.parquet", "firm_kpis.parquet",
                                                        "timeseries.parquet",
                                                        "headline.parquet")}
    assert names == {"runs.parquet": "runs", "firm_kpis.parquet": "firm_kpis",
                     "timeseries.parquet": "sweep_timeseries", "headline.parquet": "headline"}
    job = next(p for p in sweep.iterdir() if (p / "summary.json").exists())
    assert read_dictionary(job / "timeseries.parquet")[0] == "timeseries"


def test_metadata_is_the_dictionary_and_data_reads_back(outputs: dict[str, Path]) -> None:
    path = outputs["run"] / "timeseries.parquet"
    field = pq.read_schema(path).field("revenue")
    assert field.metadata[b"unit"] == b"money / month"
    assert field.metadata[b"meaning"].decode() == describe("timeseries", "revenue").meaning
    df = pd.read_parquet(path)
    assert list(df.columns)[:3] == ["step", "year", "firm"] and len(df) > 0
    # an override column of the sweep is described from the configuration schema
    runs = read_dictionary(outputs["collect"] / "runs.parquet")[1]
    assert "market.n_customers" in runs and "customers" in runs["market.n_customers"].unit


def test_ccsim_columns_reads_a_file(outputs: dict[str, Path], cli) -> None:
    path = outputs["retention"] / "sbg_fits.parquet"
    done = cli.run(["columns", str(path)], outputs["retention"])
    assert done.returncode == 0, done.stderr
    assert "table sbg_fits" in done.stdout.splitlines()[0]
    assert describe("sbg_fits", "survival_t12").meaning in done.stdout


def test_the_check_finds_a_missing_entry(tmp_path: Path) -> None:
    """The test above can fail: an undocumented column is named with its table."""
    from sim import io

    io.write_parquet(pd.DataFrame({"step": [1], "not_a_column": [2.0]}),
                     tmp_path / "timeseries.parquet", table="timeseries")
    pd.DataFrame({"output": ["x"], "bogus": [1]}).to_csv(tmp_path / "indices.csv", index=False)
    found = problems("sensitivity", tmp_path)
    assert any("'timeseries'" in line and "'not_a_column'" in line for line in found), found
    assert any("'sensitivity_indices'" in line and "'bogus'" in line for line in found), found
    assert not any("'step'" in line or "'output'" in line for line in found)


def test_lookup_rules() -> None:
    assert describe("timeseries", "share_service").unit == "fraction 0–1"
    assert describe("timeseries", "cost_rd").meaning.startswith("lever spending on `rd`")
    assert describe("timeseries", "share_nothing") is None
    assert describe("headline", "growth_ratio_ci_low").meaning.startswith("lower bound")
    assert describe("sweep_timeseries", "nps") == describe("timeseries", "nps")
    assert describe("runs", "scenario") is not None  # a preset group
    assert describe("runs", "firms.cc_a.markup") is not None  # a firm's key
    assert describe("runs", "market.no_such_key") is None
    assert describe("timeseries", "market.n_customers") is None  # no config columns there


def test_every_table_is_complete_and_unambiguous() -> None:
    for t in columns.tables().values():
        assert isinstance(t, Table) and t.files and t.row and t.writer
        for name, entry in t.columns.items():
            assert isinstance(entry, Column) and entry.meaning.strip(), (t.name, name)
    # a file name several tables share needs table=NAME at the writer: none resolves alone
    assert columns.table_for_file("runs.parquet") is None
    assert columns.table_for_file("spells.parquet") == "spells"
    # a run's timeseries.parquet is found by its name (the sweep's stacked one is explicit)
    assert columns.table_for_file("timeseries.parquet") == "timeseries"


def test_ccsim_columns_prints_a_table_and_refuses_an_unknown_one(cli, tmp_path) -> None:
    done = cli.run(["columns", "sbg_fits"], tmp_path)
    assert done.returncode == 0, done.stderr
    for word in ("retention_t1", "r(1)", "r(12)", "S(12)", "survival_t12"):
        assert word in done.stdout
    bad = cli.run(["columns", "nope"], tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("ccsim: error: table=nope: unknown")
    assert bad.stdout == ""


#: Committed result files (globs under results/) → their table in the dictionary.
COMMITTED = {
    "scenarios/runs.csv": "scenario_runs", "scenarios/summary.csv": "scenario_summary",
    "calibration/elasticities_*/runs.*": "elasticity_runs",
    "calibration/elasticities_*/summary.*": "elasticities",
    "calibration/decompose_*/runs.*": "decompose_runs",
    "calibration/decompose_*/summary.*": "decompose",
    "calibration/customer_value.csv": "customer_value",
    "calibration/search/*.csv": "calibration_search",
    "sensitivity/*/indices.csv": "sensitivity_indices",
    "sensitivity/*/regions.csv": "sensitivity_regions",
    "sensitivity/*/runs.parquet": "sensitivity_runs",
    "sensitivity/*/samples.parquet": "sensitivity_samples",
    "benchmark/benchmark.csv": "benchmark", "benchmark/end_to_end.csv": "end_to_end",
    "benchmark/networks.csv": "network_bench", "benchmark/stage_profile.csv": "stage_profile",
    "benchmark_sweep/benchmark.csv": "sweep_bench",
    "benchmark_sweep/efficiency.csv": "sweep_efficiency",
    "bass_docking/summary.csv": "bass_docking",
    "economics/changes.csv": "economics_changes",
    "pricing/runs.csv": "pricing_runs", "pricing/summary.csv": "pricing_summary",
    **{f"optimise/*/{name}.parquet": f"optimise_{name}"
       for name in ("trials", "evaluation", "summary", "decisions", "rounds")},
    "replications/*/runs.csv": "replication_runs",
    "replications/*/summary.csv": "replications",
    "recalibration/trials.*": "recalibration_trials",
    **{f"experiments/*/{stem}": f"experiment_{table}"
       for stem, table in (("runs.parquet", "runs"), ("summary.csv", "summary"),
                           ("series.csv", "series"), ("points.csv", "points"),
                           ("premises.csv", "premises"), ("arms.csv", "arms"),
                           ("prim.csv", "prim"), ("prim_boxes.csv", "prim_boxes"),
                           ("regions.csv", "regions"))},
    "fits/ranges/sensitivity.csv": "retention_range_sensitivity",
    **{f"fits/ranges/*/{stem}.{ext}": table
       for stem, table in (("trials", "fit_trials"), ("band", "fit_band"),
                           ("parameters", "fit_parameters"))
       for ext in ("csv", "parquet")},
    **{f"fits/*/{stem}.{ext}": table
       for stem, table in (("trials", "fit_trials"), ("band", "fit_band"),
                           ("parameters", "fit_parameters"), ("fit_quality", "fit_quality"),
                           ("prediction", "fit_prediction"),
                           ("retention_by_year", "fit_retention_by_year"),
                           ("heterogeneity", "fit_heterogeneity"),
                           ("bgnbd_parameters", "cdnow_parameters"), ("timing", "cdnow_timing"),
                           ("by_frequency", "cdnow_by_frequency"), ("weekly", "cdnow_weekly"))
       for ext in ("csv", "parquet")},
}


def test_every_committed_result_is_documented() -> None:
    """Every table committed under results/ (the experiments' scripts included) has entries."""
    results = ROOT / "results"
    seen, unknown = [], []
    for path in sorted([*results.rglob("*.csv"), *results.rglob("*.parquet")]):
        rel = path.relative_to(results)
        if rel.parts[0] == "tmp":
            continue
        # the whole path matches (Path.match would match from the right, so that
        # experiments/bass_docking/summary.csv took bass_docking/summary.csv's table)
        name = next((t for pattern, t in COMMITTED.items()
                     if fnmatch.fnmatchcase(rel.as_posix(), pattern)), None)
        if name is None:
            unknown.append(rel.as_posix())
            continue
        header = (pq.read_schema(path).names if path.suffix == ".parquet"
                  else pd.read_csv(path, nrows=0).columns)
        seen += [f"results/{rel}: table {name!r}: column {c!r} has no entry; {ADD_ENTRY}"
                 for c in undocumented(name, header)]
    assert not unknown, f"committed tables without a table in the dictionary: {unknown}; add " \
                        f"them to COMMITTED in {Path(__file__).name} and sim/column_tables.py"
    assert not seen, "\n".join(seen)


def test_every_quick_command_is_run_here() -> None:
    """A command or experiment script that gains a ``--quick`` form must be added above."""
    from sim.cli import COMMANDS

    missing = []
    for name, (target, _) in COMMANDS.items():
        module = target.split(":")[0]
        source = (ROOT / (module.replace(".", "/") + ".py"))
        if not source.exists():
            source = ROOT / module.replace(".", "/") / "__init__.py"
        if '"--quick"' in source.read_text(encoding="utf-8") and name not in QUICK_COMMANDS:
            missing.append(f"ccsim {name}")
    for script in sorted((ROOT / "experiments").rglob("*.py")):
        rel = script.relative_to(ROOT).as_posix()
        if '"--quick"' in script.read_text(encoding="utf-8") and rel not in QUICK_ELSEWHERE:
            missing.append(rel)
    # experiments/scenarios/run.py hands its command line to sim.studies.scenarios
    assert missing == [], (f"commands with --quick that {Path(__file__).name} does not run: "
                           f"{missing}; add them to QUICK_COMMANDS (ccsim) or the outputs fixture")

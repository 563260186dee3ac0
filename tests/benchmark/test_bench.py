"""``ccsim bench --quick`` runs end to end and writes complete, positive measurements.

No timing is asserted (the machine is shared); the test checks the files, their columns and that
every measured quantity is a positive number.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

STEP_COLUMNS = [
    "customers", "path", "threads", "spells", "measured_steps", "repeats",
    "customer_steps_per_s", "seconds_per_step", "kernel_seconds_per_step",
    "python_seconds_per_step", "build_seconds", "network_seconds", "network_peak_mib",
    "peak_rss_mib", "peak_rss_all_repeats_mib", "bytes_per_customer", "ratio_to_reference",
    "other_cpu_seconds",
    "machine", "cores", "python", "numba", "numpy", "mesa", "git", "config_hash", "date",
]


@pytest.fixture(scope="module")
def quick(quick_cli) -> Path:
    proc, out = quick_cli("bench")  # shared with tests/docs/test_columns.py
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_quick_writes_the_step_table(quick: Path) -> None:
    table = pd.read_csv(quick / "benchmark.csv")
    assert [c for c in STEP_COLUMNS if c not in table.columns] == []
    fast = table[(table["path"] == "fast") & ~table["spells"]]
    assert sorted(set(fast["customers"])) == [1_000, 10_000]
    assert sorted(set(fast["threads"])) == [1, 2]
    assert (table["path"] == "reference").any() and table["spells"].any()
    for col in ("customer_steps_per_s", "seconds_per_step", "build_seconds", "network_seconds",
                "peak_rss_mib"):
        assert (table[col] > 0).all(), col
    for col in ("kernel_seconds_per_step", "python_seconds_per_step"):
        assert (fast[col] > 0).all(), col
    big = fast[fast["customers"] == 10_000]
    # a number, not a sign: in a clean clone the process that compiles Numba's kernels first
    # keeps more memory (the arithmetic is checked on hand values below)
    assert big["bytes_per_customer"].notna().all()
    assert (fast[fast["customers"] == 1_000]["ratio_to_reference"] > 0).all()
    spells = table[table["spells"]]
    assert sorted(set(spells["customers"])) == [1_000, 10_000]  # its memory needs both sizes
    assert spells[spells["customers"] == 10_000]["bytes_per_customer"].notna().all()
    assert (table["measured_steps"] == table["steps"] - 12).all()  # start-up excluded
    assert (quick / "scaling.png").stat().st_size > 0


def test_quick_writes_the_run_split(quick: Path) -> None:
    e2e = pd.read_csv(quick / "end_to_end.csv")
    total = e2e[(e2e["what"] == "ccsim run") & (e2e["stage"] == "total")]
    assert len(total) >= 1 and (total["seconds"] > 0).all()
    split = e2e[e2e["what"] == "sim.runner.run"].set_index("stage")["seconds"]
    stages = ["imports", "compose", "build", "kernel", "python_step", "collect", "write"]
    assert [s for s in stages if s not in split.index] == []
    assert (split > 0).all()
    assert split[stages].sum() <= split["total"] * 1.01  # parts of the total, not more


def test_bad_option_is_one_line_and_status_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "bench", "--max-wait", "-1",
                           "--out", str(tmp_path / "b")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("ccsim: error: --max-wait")
    assert not (tmp_path / "b").exists()


def test_memory_per_customer_is_the_peak_above_each_process_base() -> None:
    """(peak - base at N) - (peak - base at the smallest N), per customer, per group."""
    from sim.studies.bench import add_derived

    rows = [{"path": "fast", "threads": t, "spells": False, "customers": n,
             "peak_rss_mib": peak, "rss_base_mib": base, "customer_steps_per_s": 1.0}
            for t, n, peak, base in [(1, 1_000, 100.0, 80.0), (1, 10_000, 150.0, 60.0),
                                     (2, 1_000, 90.0, 70.0), (2, 10_000, 95.0, 70.0)]]
    out = add_derived(pd.DataFrame(rows)).set_index(["threads", "customers"])
    # threads 1: market 20 MiB at 10^3, 90 MiB at 10^4 -> 70 MiB over 10^4 customers
    assert out.loc[(1, 10_000), "bytes_per_customer"] == pytest.approx(70 * 2**20 / 10_000, abs=0.1)
    assert out.loc[(2, 10_000), "bytes_per_customer"] == pytest.approx(5 * 2**20 / 10_000, abs=0.1)
    assert out["bytes_per_customer"].isna().sum() == 2  # the smallest size of each group


def test_quick_writes_the_readme_table(quick: Path) -> None:
    text = (quick / "README.md").read_text(encoding="utf-8")
    table = pd.read_csv(quick / "benchmark.csv")
    steps = text.split("## The step")[1].split("## ")[0]
    rows = [line for line in steps.splitlines() if line.startswith("| 10^")]
    assert len(rows) == len(table)  # one line per measurement
    assert "## Issue 14's targets" in text
    assert "| ≥ 20 M customer-steps/s at 10^6, 2 threads | – | not measured |" in text


def test_table_command_rewrites_a_bench_folder(quick: Path) -> None:
    """The README's command: ``python -m sim.analysis.bench_table FOLDER`` renders it again."""
    (quick / "README.md").write_text("stale\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim.analysis.bench_table", str(quick)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = (quick / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# `ccsim bench` results") and "## The step" in text


def _step_row(n: int, threads: int, rate: float, **extra) -> dict:
    return {"path": "fast", "threads": threads, "spells": False, "customers": n,
            "customer_steps_per_s": rate, "seconds_per_step": n / rate,
            "ratio_to_reference": float("nan"), "bytes_per_customer": float("nan"),
            "network_seconds": 1.0, **extra}


def test_targets_read_the_figures_either_way() -> None:
    """Each target is judged from the saved numbers: met, not met, or not measured."""
    from sim.analysis.bench_table import targets

    e2e = pd.DataFrame([{"what": "ccsim run", "cache": c, "stage": "total", "seconds": s}
                        for c, s in (("warm", 2.0), ("warm", 4.0), ("warm", 3.5),
                                     ("cold", 20.0))])
    fast = pd.DataFrame([_step_row(10_000, 2, 3e6, ratio_to_reference=250.0),
                         _step_row(1_000_000, 2, 25e6),
                         _step_row(10_000_000, 2, 4e6, bytes_per_customer=320.0,
                                   network_seconds=12.0)])
    got = {t.split(",")[0]: status for t, _, status in targets(fast, e2e)}
    assert got["≥ 20 M customer-steps/s at 10^6"] == "met"
    assert got["≥ 10 M customer-steps/s at 10^7"] == "**not met**"
    assert got["≥ 200× the Mesa reference at 10^4 (2 threads)"] == "met"
    assert got["warm `ccsim run` < 3 s"] == "**not met**"  # median 3.5 s
    assert got["cold `ccsim run` < 30 s"] == "met"
    assert got["10^7: ≤ 300 bytes/customer"] == "**not met**"
    assert got["network for 10^7 in < 30 s"] == "met"
    # rates 3, 25 and 4 M/s: time per step far from proportional to N (1 thread: no rows)
    slopes = [s for t, _, s in targets(fast, e2e) if t.startswith("log-log")]
    assert slopes == ["not measured", "**not met**"]
    even = pd.DataFrame([_step_row(n, 2, 3e6) for n in (10_000, 100_000, 1_000_000)])
    slopes = [(m, s) for t, m, s in targets(even, e2e) if t.startswith("log-log")]
    assert slopes[1] == ("1.00 (10^4 to 10^6)", "met")


def test_readme_quotes_the_committed_benchmark() -> None:
    """The README's targets table is the one the committed CSVs give (regenerate, don't edit)."""
    from sim.analysis.bench_table import read_bench, targets_markdown
    from sim.analysis.generated_blocks import home, read_block

    body = read_block(home("benchmark"), "benchmark")
    assert body is not None, f"{home('benchmark')} has no 'BEGIN GENERATED: benchmark' block"
    assert body == targets_markdown(*read_bench(ROOT / "results" / "benchmark")), (
        "regenerate with `python -m sim.analysis.bench_table --readme docs/results.md`")


@pytest.mark.parametrize("args, message", [
    (["{tmp}/none"], "folder={tmp}/none: no benchmark.csv (run ccsim bench first)"),
    (["results/benchmark", "--readme", "{tmp}/none.md"], "--readme={tmp}/none.md: no such file"),
    (["results/benchmark", "--readme", "{tmp}/plain.md"],
     "--readme={tmp}/plain.md: no 'BEGIN GENERATED: benchmark' block"),
])
def test_table_errors_are_one_line_and_status_2(tmp_path: Path, args: list[str],
                                                 message: str) -> None:
    (tmp_path / "plain.md").write_text("no block here\n", encoding="utf-8")
    argv = [a.format(tmp=tmp_path) for a in args]
    proc = subprocess.run([sys.executable, "-m", "sim.analysis.bench_table", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"ccsim: error: {message.format(tmp=tmp_path)}"
    assert (tmp_path / "plain.md").read_text(encoding="utf-8") == "no block here\n"
    assert not (tmp_path / "none").exists()

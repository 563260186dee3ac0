"""A plain (non-editable) install must carry the default configs: they ship as sim/conf."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_every_config(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("ccsim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"sim/conf/{p.relative_to(ROOT / 'conf').as_posix()}"
                for p in (ROOT / "conf").rglob("*.yaml")}
    assert expected, "no configs found in conf/"
    assert expected <= names, sorted(expected - names)
    assert "sim/kernels/journey.py" in names

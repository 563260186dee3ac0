"""A plain (non-editable) install must carry the code and the default configs (as sim/conf),
and building it must be quiet: no setuptools deprecation or "package would be ignored" text."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# what setuptools prints for a deprecated license table, an unlisted package folder, etc.
_NOISE = re.compile(r"Warning|Deprecat|would be ignored|!!")


def test_wheel_ships_every_config_and_module_quietly(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    # pip's own notes about this machine's package index are not ours to fix
    noise = [line for line in (proc.stdout + proc.stderr).splitlines()
             if _NOISE.search(line) and "Location 'file:" not in line]
    assert not noise, "building the wheel is noisy (pyproject.toml packages?):\n" + "\n".join(
        noise[:20])
    wheel = next(tmp_path.glob("ccsim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"sim/conf/{p.relative_to(ROOT / 'conf').as_posix()}"
                for p in (ROOT / "conf").rglob("*.yaml")}
    assert expected, "no configs found in conf/"
    assert expected <= names, sorted(expected - names)
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "sim").rglob("*.py")}
    assert "sim/kernels/journey.py" in modules
    assert modules <= names, sorted(modules - names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode()

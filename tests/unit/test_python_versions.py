"""The supported Pythons are declared once per tool and agree: pyproject's requires-python and
classifiers, ruff's and mypy's target (the oldest), and the list scripts/bootstrap.sh chooses from.
The bootstrap refuses an unsupported interpreter before it creates anything, and finds an installed
pyenv version behind a pyenv shim that refuses to run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHONS_SH = ROOT / "scripts" / "pythons.sh"
BOOTSTRAP_SH = ROOT / "scripts" / "bootstrap.sh"
BASH = shutil.which("bash") or "/bin/bash"


def bash(script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASH, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, check=False)


def script_pythons() -> list[str]:
    out = bash(f'source "{PYTHONS_SH}"; printf "%s\\n" "${{STEWARD_PYTHONS[@]}}"')
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_declared_versions_agree_with_the_bootstrap_list() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    versions = script_pythons()
    minors = [int(v.split(".")[1]) for v in versions]
    assert versions == [f"3.{m}" for m in range(minors[0], minors[-1] + 1)]
    assert project["project"]["requires-python"] == f">={versions[0]},<3.{minors[-1] + 1}"
    declared = {c.rsplit(" :: ", 1)[1] for c in project["project"]["classifiers"]
                if c.startswith("Programming Language :: Python :: 3.")}
    assert declared == set(versions)
    # Lint and types check the code as the oldest supported version, so nothing newer sneaks in.
    assert project["tool"]["ruff"]["target-version"] == "py" + versions[0].replace(".", "")
    assert project["tool"]["mypy"]["python_version"] == versions[0]


def test_running_interpreter_is_one_the_bootstrap_accepts() -> None:
    out = bash(f'source "{PYTHONS_SH}"; steward_python_minor "{sys.executable}"')
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_bootstrap_refuses_an_unsupported_python_before_creating_a_venv(tmp_path: Path) -> None:
    fake = tmp_path / "python3.14"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.14.0" || echo 3.14\n')
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    out = bash(f'source "{BOOTSTRAP_SH}"', env={"STEWARD_PYTHON": str(fake), "STEWARD_VENV": str(venv)})
    assert out.returncode == 3
    assert "is Python 3.14.0" in out.stderr
    assert "Steward needs Python 3.11, 3.12 or 3.13" in out.stderr
    assert not venv.exists()


def test_a_pyenv_version_is_found_behind_a_shim_that_refuses_to_run(tmp_path: Path) -> None:
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / f"python{minor}"
    # What pyenv's shim does for an installed version that is not selected.
    shim.write_text(f'#!/bin/sh\necho "pyenv: python{minor}: command not found" >&2\nexit 127\n')
    shim.chmod(0o755)
    real = tmp_path / "pyenv" / "versions" / f"{minor}.99" / "bin" / f"python{minor}"
    real.parent.mkdir(parents=True)
    real.symlink_to(sys.executable)
    tools = tmp_path / "tools"  # what pythons.sh runs, and no other Python on PATH
    tools.mkdir()
    for tool in ("ls", "sort"):
        found = shutil.which(tool)
        assert found is not None
        (tools / tool).symlink_to(found)
    out = bash(f'source "{PYTHONS_SH}"; steward_find_python {minor}',
               env={"PATH": f"{shims}:{tools}", "PYENV_ROOT": str(tmp_path / "pyenv")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(real)

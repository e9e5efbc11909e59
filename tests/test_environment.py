"""The pins, the Python range, environment.yml, Binder, the kernel and .ci/run agree."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import make

PROJECT = Path(__file__).resolve().parent.parent
# name==version, and optionally "; a marker" for the platforms it is for.
PIN = re.compile(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*(; .+)?")


def requirement_lines(name):
    lines = (PROJECT / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly_and_named_once():
    learner = requirement_lines("requirements.txt")
    dev = requirement_lines("requirements-dev.txt")
    assert dev[0] == "-r requirements.txt"
    for requirement in learner + dev[1:]:
        assert PIN.fullmatch(requirement), requirement
    names = [line.split("==")[0].lower() for line in learner + dev[1:]]
    assert len(names) == len(set(names)), names
    versions = {line.split("==")[1].split(";")[0] for line in learner if "xgboost" in line}
    assert len(versions) <= 1, "xgboost and xgboost-cpu must be the same version"


def test_the_learner_list_has_no_test_tools():
    learner = {line.split("==")[0] for line in requirement_lines("requirements.txt")}
    assert {"tensorflow", "keras", "jupyterlab", "ipykernel"} <= learner
    assert not learner & {"pytest", "nbval", "papermill", "ruff", "playwright"}


def test_one_python_range_everywhere():
    supported = make.supported_pythons()
    assert supported == [(3, 11), (3, 12), (3, 13)]
    pyproject = (PROJECT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11,<3.14"' in pyproject
    assert 'target-version = "py311"' in pyproject
    readme = (PROJECT / "README.md").read_text()
    assert "Python 3.11, 3.12 or 3.13" in readme


def test_environment_yml_installs_requirements_txt_on_a_supported_python():
    environment = yaml.safe_load((PROJECT / "environment.yml").read_text())
    assert "conda-forge" in environment["channels"]
    dependencies = environment["dependencies"]
    (python,) = [d for d in dependencies if str(d).startswith("python=")]
    version = tuple(int(part) for part in python.removeprefix("python=").split("."))
    assert version in make.supported_pythons()
    pip_list = next(d["pip"] for d in dependencies if isinstance(d, dict))
    # conda runs pip in the folder of environment.yml, so the paths are the project's.
    assert pip_list == ["-r requirements.txt", "--editable ."]


def test_binder_builds_a_supported_python_with_the_learner_packages():
    binder = PROJECT / ".binder"
    # With a .binder folder, repo2docker reads its configuration from there only.
    assert not (PROJECT / "binder").exists() and not (PROJECT / "runtime.txt").exists()
    runtime = (binder / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"repo2docker wants 'python-x.y', got {runtime!r}"
    assert (3, int(match[1])) in make.supported_pythons()
    post_build = (binder / "postBuild").read_text()
    assert (binder / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install --no-cache-dir -r requirements.txt" in post_build
    assert "--editable ." in post_build
    assert "requirements-dev" not in post_build
    # TensorFlow's start-up lines kept out of the notebooks, as tools/make.py does it.
    assert "c.IPKernelApp.capture_fd_output = False" in post_build
    assert "capture_fd_output = False" in make.KERNEL_CONFIG


def test_notebooks_ask_for_jupyters_own_python3_kernel():
    # Colab knows only "python3" (any other name gets a warning); under `make lab`
    # it is the Python of .venv, the environment JupyterLab runs in.
    for path in sorted((PROJECT / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert spec["name"] == "python3" and spec["language"] == "python", path.name


def test_ci_runs_exactly_the_readme_test_command():
    readme = (PROJECT / "README.md").read_text()
    assert "make test" in readme
    commands = [
        line.strip()
        for line in (PROJECT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert commands == ["make test"]


# ---------------------------------------------------------------------------
# tools/make.py: which Python builds .venv
# ---------------------------------------------------------------------------


def fake_python(folder: Path, name: str, behaviour: str) -> Path:
    """An executable ``name`` in ``folder`` that prints a version, or fails like a broken shim."""
    path = folder / name
    if behaviour == "broken":
        body = 'echo "pyenv: python3.12: command not found" >&2; exit 127'
    else:
        body = f'echo "{behaviour}"'
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_setup_skips_a_broken_shim_and_a_python_outside_the_range(tmp_path, monkeypatch):
    fake_python(tmp_path, "python3.13", "broken")
    fake_python(tmp_path, "python3.12", "3 12")
    fake_python(tmp_path, "python3", "3 10")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setattr(make.sys, "executable", str(fake_python(tmp_path, "old", "3 9")))
    assert make.find_python() == ["python3.12"]


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_setup_without_a_suitable_python_says_what_to_install(tmp_path, monkeypatch):
    fake_python(tmp_path, "python3.13", "broken")
    fake_python(tmp_path, "python3", "3 14")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setattr(make.sys, "executable", str(fake_python(tmp_path, "old", "3 10")))
    with pytest.raises(make.SetupError) as error:
        make.find_python()
    message = str(error.value)
    assert "needs Python 3.11 to 3.13" in message
    assert "python3.13 does not run" in message and "python3 is Python 3.14" in message
    assert "Install Python 3.12" in message and "Intel Mac" in message


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_make_setup_with_an_unsuitable_python_stops_and_says_why(tmp_path, monkeypatch, capsys):
    # Named with --python, it is the only one tried.
    monkeypatch.setattr(make, "VENV", tmp_path / ".venv")  # never the real one
    old = fake_python(tmp_path, "python3", "3 10")
    assert make.main(["setup", "--python", str(old)]) == 1
    printed = capsys.readouterr().err
    assert printed.startswith("Setup stopped: This tutorial needs Python 3.11 to 3.13"), printed
    assert f"{old} is Python 3.10" in printed
    assert not (tmp_path / ".venv").exists()


VENV_WITHOUT_PIP = """#!/bin/sh
# Like Debian's Python without python3.X-venv: `-m venv` leaves a Python without pip, and fails.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/sh\\n[ "$1" = "-m" ] && exit 1\\necho "3 12"\\n' > "$3/bin/python"
    chmod +x "$3/bin/python"
    echo "The virtual environment was not created: ensurepip is not available." >&2
    exit 1
fi
echo "3 12"
"""


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_setup_without_the_venv_package_says_what_to_install_and_leaves_no_venv(
    tmp_path, monkeypatch, capsys
):
    venv = tmp_path / ".venv"
    monkeypatch.setattr(make, "VENV", venv)  # never the real one
    python = tmp_path / "python3.12"
    python.write_text(VENV_WITHOUT_PIP)
    python.chmod(0o755)
    # A .venv that an earlier failed run left, with a Python but no pip, is made again.
    subprocess.run([str(python), "-m", "venv", str(venv)], capture_output=True)
    assert (venv / "bin" / "python").exists()
    assert make.main(["setup", "--python", str(python)]) == 1
    printed = capsys.readouterr()
    assert "does not hold a working Python 3.11 to 3.13 with pip" in printed.out
    assert "python3.12-venv" in printed.err and "was removed" in printed.err
    assert not venv.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="fake interpreters are shell scripts")
def test_setup_finds_a_python_that_pyenv_installed_but_did_not_select(tmp_path, monkeypatch):
    fake_python(tmp_path, "python3.12", "broken")  # pyenv's shim for an unselected version
    versions = tmp_path / "pyenv" / "versions" / "3.12.1" / "bin"
    versions.mkdir(parents=True)
    real = fake_python(versions, "python3.12", "3 12")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setattr(make.sys, "executable", str(fake_python(tmp_path, "old", "3 10")))
    assert make.find_python() == [str(real)]


def test_make_py_test_passes_what_follows_to_pytest_in_its_order(monkeypatch):
    given = []
    monkeypatch.setattr(make, "test", given.append)
    assert make.main(["test", "-p", "tests._extra", "-k", "data", "--maxfail=1"]) == 0
    assert given == [["-p", "tests._extra", "-k", "data", "--maxfail=1"]]
    with pytest.raises(SystemExit):  # the other commands still refuse what they do not know
        make.main(["check", "--surprise"])

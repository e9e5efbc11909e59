"""The pins, environment.yml, the kernel and .ci/run agree with each other."""

import json
import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parent.parent


def pinned_requirements():
    lines = (PROJECT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    requirements = pinned_requirements()
    assert len(requirements) >= 6
    for requirement in requirements:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", requirement), requirement


def test_environment_yml_pins_the_same_packages_as_requirements_txt():
    environment = yaml.safe_load((PROJECT / "environment.yml").read_text())
    assert "conda-forge" in environment["channels"]
    dependencies = environment["dependencies"]
    assert any(str(d).startswith("python=3.11") for d in dependencies)
    pip_list = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert sorted(p for p in pip_list if not p.startswith("-")) == sorted(pinned_requirements())
    assert "--editable ." in pip_list


def test_notebooks_use_the_kernel_the_makefile_installs():
    kernel = re.search(r"^KERNEL := (\S+)$", (PROJECT / "Makefile").read_text(), re.M)[1]
    for path in sorted((PROJECT / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text())["metadata"]["kernelspec"]
        assert spec["name"] == kernel, path.name


def test_ci_runs_exactly_the_readme_test_command():
    readme = (PROJECT / "README.md").read_text()
    assert "make test" in readme
    commands = [
        line.strip()
        for line in (PROJECT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert commands == ["make test"]
